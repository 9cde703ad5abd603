"""Readership in the admin: reads per story (list and change page) and the "Top stories" page."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from . import services
from .models import DailyViews, StoryReadership


class ReadsInline(admin.TabularInline):
    """Reads of the story on its change page: 24 h / 7 days / all, then the last days."""

    model = DailyViews
    template = "admin/readership/reads_inline.html"
    fields = ("day", "views")
    readonly_fields = ("day", "views")
    ordering = ("-day",)
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = "reads per day"
    verbose_name_plural = "reads"
    summary = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def get_formset(self, request, obj=None, **kwargs):
        if obj is not None and obj.pk:
            day, week, total = services.views_for([obj.pk])[obj.pk]
            self.summary = {"day": day, "week": week, "total": total}
        return super().get_formset(request, obj, **kwargs)

    def get_queryset(self, request):
        since = timezone.localdate() - timedelta(days=14)
        return super().get_queryset(request).filter(day__gte=since)


def article_admin_inlines():
    return [ReadsInline]


def article_list_columns():
    """The article list's "reads" column: 24 hours · 7 days · all, one counter read a page."""

    def values(article_ids):
        return {
            pk: format_html(
                '<span class="reads" title="reads: 24 hours · 7 days · all">{} · {} · {}</span>',
                f"{day:,}",
                f"{week:,}",
                f"{total:,}",
            )
            for pk, (day, week, total) in services.views_for(article_ids).items()
        }

    return [("reads 24 h · 7 d · all", values)]


@admin.register(StoryReadership)
class StoryReadershipAdmin(admin.ModelAdmin):
    """Every story with its reads; sorted by all-time reads, filtered like the articles."""

    list_display = ("title", "status", "publish_at", "reads_24h", "reads_7d", "reads_total")
    list_filter = ("status", "category")
    search_fields = ("title",)
    date_hierarchy = "publish_at"
    list_per_page = 50
    change_list_template = "admin/readership/storyreadership_change_list.html"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(folded_reads=Coalesce(Sum("daily_views__views"), 0))
            .order_by("-folded_reads", "-publish_at")
        )

    def get_urls(self):
        return [
            path(
                "top/",
                self.admin_site.admin_view(self.top_stories),
                name="readership_top_stories",
            ),
            *super().get_urls(),
        ]

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # One counter read for the whole page, not one per row.
        reads = services.views_for([obj.pk for obj in changelist.result_list])
        for obj in changelist.result_list:
            obj.reads = reads[obj.pk]
        return changelist

    @admin.display(description="title")
    def title(self, obj):
        url = reverse("admin:articles_article_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.title)

    @admin.display(description="reads, 24 h")
    def reads_24h(self, obj):
        return obj.reads[0]

    @admin.display(description="reads, 7 days")
    def reads_7d(self, obj):
        return obj.reads[1]

    @admin.display(description="reads, all", ordering="folded_reads")
    def reads_total(self, obj):
        return obj.reads[2]

    def changelist_view(self, request, extra_context=None):
        extra = {"top_url": reverse("admin:readership_top_stories"), **(extra_context or {})}
        return super().changelist_view(request, extra)

    def top_stories(self, request):
        """The most read stories of the last 24 hours and 7 days, and reads per day as SVG bars."""
        days = 30
        today = timezone.localdate()
        per_day = dict(
            DailyViews.objects.filter(day__gt=today - timedelta(days=days))
            .values_list("day")
            .annotate(total=Sum("views"))
        )
        series = [
            (today - timedelta(days=offset), per_day.get(today - timedelta(days=offset), 0))
            for offset in range(days - 1, -1, -1)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Top stories",
            "opts": self.model._meta,
            "day_top": services.most_read(10, hours=24),
            "week_top": services.most_read(10, hours=24 * 7),
            "chart": bar_chart(series),
        }
        return TemplateResponse(request, "admin/readership/top_stories.html", context)


def bar_chart(series, *, width=720, height=200):
    """Bars for [(date, reads), ...], laid out for an inline SVG (no script, no service)."""
    peak = max((value for _, value in series), default=0) or 1
    slot = width / max(len(series), 1)
    bars = []
    for index, (day, value) in enumerate(series):
        bar_height = round((height - 20) * value / peak, 1)
        bars.append(
            {
                "x": round(index * slot + 1, 1),
                "y": round(height - 20 - bar_height, 1),
                "width": round(max(slot - 2, 1), 1),
                "height": bar_height,
                "day": day,
                "value": value,
                "label": index % 5 == 0,
                "label_x": round(index * slot + slot / 2, 1),
            }
        )
    return {"width": width, "height": height, "bars": bars, "peak": peak, "base": height - 20}
