"""The admin of page blocks: the breaking-news banner and the blocks' settings."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from articles import editions

from . import selectors
from .models import BreakingNews, WidgetSettings


@admin.register(BreakingNews)
class BreakingNewsAdmin(admin.ModelAdmin):
    list_display = ("text", "is_active", "starts_at", "expires_at", "is_showing")
    list_filter = ("is_active",)
    search_fields = ("text", "url")
    date_hierarchy = "starts_at"

    def get_exclude(self, request, obj=None):
        # A one-edition site has no edition to choose.
        exclude = list(super().get_exclude(request, obj) or ())
        return exclude if editions.is_multilingual() else [*exclude, "language"]

    def get_list_filter(self, request):
        filters = super().get_list_filter(request)
        return (*filters, "language") if editions.is_multilingual() else filters

    @admin.display(boolean=True, description="showing now")
    def is_showing(self, obj):
        return False  # stands in the columns; get_list_display gives the real one

    def get_list_display(self, request):
        # Only one banner shows at a time (the newest current one): the column
        # says which, asked once per page rather than once per row.
        shown = selectors.current_breaking_news()

        @admin.display(boolean=True, description="showing now")
        def is_showing(obj):
            return shown is not None and obj.pk == shown.pk

        return [is_showing if name == "is_showing" else name for name in self.list_display]

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        hours = settings.BREAKING_NEWS_DEFAULT_HOURS
        initial.setdefault("expires_at", timezone.now() + timedelta(hours=hours))
        return initial

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "expires_at":
            hours = settings.BREAKING_NEWS_DEFAULT_HOURS
            field.help_text = (
                f"Required. The banner disappears at this time; a new banner is given "
                f"{hours:g} hours."
            )
        return field


@admin.register(WidgetSettings)
class WidgetSettingsAdmin(admin.ModelAdmin):
    """One row: the list opens it, and "add" is offered only until it exists."""

    fields = ("recent_posts_count", "home_latest_count", "home_block_size")

    def has_add_permission(self, request):
        exists = WidgetSettings.objects.filter(pk=WidgetSettings.SINGLETON_PK).exists()
        return not exists and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if WidgetSettings.objects.filter(pk=WidgetSettings.SINGLETON_PK).exists():
            url = "admin:widgets_widgetsettings_change"
            return redirect(reverse(url, args=[WidgetSettings.SINGLETON_PK]))
        return redirect(reverse("admin:widgets_widgetsettings_add"))

    def get_changeform_initial_data(self, request):
        return {**WidgetSettings.defaults(), **super().get_changeform_initial_data(request)}
