"""The article admin's desk tools: the list's order, the calendar and quick edit.

Mixed into ArticleAdmin (before ArticleAdminViewsMixin) so each page lives under
/admin/articles/article/ with the admin's permission rules; every write goes
through articles.services.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Now
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from categories.models import Category
from images.widgets import ImageChooserWidget

from . import desk, services
from .models import Article, ArticleAuthor

# The list's default order: what needs someone first (review, then drafts), then
# what is coming (scheduled), then what is out. A newsroom's list is its queue:
# sorting by publication time alone sank work in progress to the last page.
WORK_ORDER = Case(
    When(status=Article.Status.REVIEW, then=Value(0)),
    When(status=Article.Status.DRAFT, then=Value(1)),
    When(status=Article.Status.PUBLISHED, publish_at__gt=Now(), then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


class CalendarMoveForm(forms.Form):
    """A drag on the calendar: which story, to which day, from which version."""

    article = forms.IntegerField(min_value=1)
    day = forms.DateField(input_formats=["%Y-%m-%d"])
    version = forms.IntegerField(min_value=1)


class CalendarRangeForm(forms.Form):
    start = forms.DateField(input_formats=["%Y-%m-%d"], required=False)
    weeks = forms.TypedChoiceField(
        choices=[(1, "Week"), (4, "Four weeks")], coerce=int, required=False, empty_value=1
    )


STATUS_CHOICES = [
    ("draft", "Draft"),
    ("review", "In review"),
    ("published", "Published (at the time below)"),
    ("unpublished", "Unpublished"),
]


class QuickEditForm(forms.Form):
    """The few fields an editor changes from the list, with the version they saw."""

    title = forms.CharField(max_length=255)
    slug = forms.SlugField(max_length=255, allow_unicode=True)
    category = forms.ModelChoiceField(queryset=Category.objects.all(), label="Section")
    tags = forms.CharField(
        required=False, help_text="Separated by commas.", widget=forms.TextInput(attrs={"size": 60})
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES)
    publish_at = forms.DateTimeField(
        required=False,
        label="Time",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="In the site's time zone. A future time with “Published” schedules the story.",
    )
    publish_without_byline = forms.BooleanField(
        label="Go ahead without a byline",
        required=False,
        help_text="Needed to publish or submit a story that has no “By” line.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def tag_names(self):
        from taggit.utils import parse_tags

        return parse_tags(self.cleaned_data.get("tags") or "")


# Buttons that put a story in front of an editor or readers: a story without a
# byline is asked about first (readers would see no "By" line).
GOING_OUT = ("_publish", "_submit_review")
NO_BYLINE_FIELD = "publish_without_byline"


def _going_out(request):
    return request.method == "POST" and any(key in request.POST for key in GOING_OUT)


class BylineCheck:
    """Mixed into the bylines' formset: publishing or submitting with none asks first."""

    request = None

    def clean(self):
        super().clean()
        request = self.request
        if request is None or not _going_out(request) or request.POST.get(NO_BYLINE_FIELD):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data.get("author") and not form.cleaned_data.get("DELETE")
        ]
        if kept:
            return
        if self.instance.pk is None and hasattr(request.user, "author_profile"):
            return  # a new story gets its writer's byline (ArticleAdmin.save_related)
        raise ValidationError(
            "This story has no byline: readers will see no “By” line. Add an author "
            "below, or tick “Go ahead without a byline” under Publishing and press the "
            "button again. Nothing was saved yet; your text is still in the form.",
            code="no_byline",
        )


def _short_time(when):
    """A list's compact local time: "14:05" today, "5 Dec 14:05" this year, else with the year."""
    if when is None:
        return "—"
    local = timezone.localtime(when)
    today = timezone.localdate()
    if local.date() == today:
        return f"{local:%H:%M}"
    if local.year == today.year:
        return f"{local.day} {local:%b %H:%M}"
    return f"{local.day} {local:%b %Y}"


def _monday(day):
    return day - timedelta(days=day.weekday())


class DeskAdminMixin:
    @property
    def media(self):
        return super().media + forms.Media(css={"all": ["desk/article-list.css"]})

    @admin.display(description="publication", ordering="publish_at")
    def publish_time(self, obj):
        return _short_time(obj.publish_at)

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, obj):
        return _short_time(obj.updated_at)

    # -- a story without a byline asks before it goes out ----------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if _going_out(request) and "form" not in kwargs:
            kwargs["form"] = type(
                self.form.__name__,
                (self.form,),
                {
                    NO_BYLINE_FIELD: forms.BooleanField(
                        label="Go ahead without a byline",
                        required=False,
                        help_text="Tick to publish or submit this story with no “By” line.",
                    )
                },
            )
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        # The chooser previews the featured picture itself, live (no saved-only preview).
        fieldsets = [
            (
                name,
                {
                    **options,
                    "fields": tuple(f for f in options["fields"] if f != "featured_image_preview"),
                },
            )
            for name, options in super().get_fieldsets(request, obj)
        ]
        if not _going_out(request):
            return fieldsets
        for name, options in fieldsets:
            if name == "Publishing":
                options["fields"] = (*options["fields"], NO_BYLINE_FIELD)
                return fieldsets
        return [*fieldsets, ("Publishing", {"fields": (NO_BYLINE_FIELD,)})]

    def get_formsets_with_inlines(self, request, obj=None):
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if inline.model is ArticleAuthor:
                formset = type(formset.__name__, (BylineCheck, formset), {"request": request})
            yield formset, inline

    # -- the featured picture: the library's grid, a live preview, alt text in place --

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "featured_image":
            kwargs["widget"] = ImageChooserWidget(describe=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_ordering(self, request):
        return [WORK_ORDER.asc(), F("publish_at").desc(nulls_first=True), "-updated_at", "-pk"]

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        urls = [
            path("calendar/", wrap(self.calendar_view), name=f"{prefix}_calendar"),
            path("calendar/move/", wrap(self.calendar_move_view), name=f"{prefix}_calendar_move"),
            path("<path:object_id>/quick/", wrap(self.quick_edit_view), name=f"{prefix}_quick"),
        ]
        return urls + super().get_urls()

    @admin.display(description="")
    def quick_edit_link(self, obj):
        return ""  # stands in the list's columns; get_list_display gives the real one

    def get_list_display(self, request):
        """The list's columns, "Quick edit" only on the rows `request.user` may change."""

        user = request.user
        edits_any = user.has_perm("articles.edit_any_article")

        @admin.display(description="")
        def quick_edit_link(obj):
            # Others' stories are ruled out from the prefetched bylines (get_queryset)
            # before asking the rule, which would cost a query per row.
            own = obj.created_by_id == user.pk or any(
                line.author.user_id == user.pk for line in obj.bylines.all()
            )
            if not (edits_any or own) or not self.has_change_permission(request, obj):
                return ""
            return format_html(
                '<a class="quick-edit-link" href="{}">Quick edit</a>', self._url("quick", obj.pk)
            )

        columns = {"quick_edit_link": quick_edit_link, "status_label": self.short_status}
        return [columns.get(name, name) for name in super().get_list_display(request)]

    @admin.display(description="status", ordering="status")
    def short_status(self, obj):
        """The status column, short enough for a laptop's list: the time on a line of its own."""
        if obj.is_scheduled:
            local = timezone.localtime(obj.publish_at)
            return format_html(
                '<span class="article-status article-status--scheduled">Scheduled for'
                "<small>{} ({})</small></span>",
                _short_time(obj.publish_at),
                local.tzname(),
            )
        return self.status_label(obj)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["calendar_url"] = self._url("calendar")
        return super().changelist_view(request, extra_context=extra_context)

    # -- calendar ----------------------------------------------------------------

    def calendar_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = CalendarRangeForm(request.GET)
        if not form.is_valid():
            return TemplateResponse(
                request,
                "admin/articles/article/calendar.html",
                {**self.admin_site.each_context(request), "opts": self.opts, "form": form},
                status=400,
            )
        today = timezone.localdate()
        weeks = form.cleaned_data.get("weeks") or 1
        start = _monday(form.cleaned_data.get("start") or today)
        by_day = desk.calendar_days(start, weeks * 7, request.user)
        user = request.user
        rows = []
        for week in range(weeks):
            days = []
            for n in range(7):
                day = start + timedelta(days=week * 7 + n)
                stories = [
                    {
                        "article": a,
                        "movable": a.is_scheduled and services.can_publish(user, a),
                    }
                    for a in by_day.get(day, [])
                ]
                days.append({"date": day, "stories": stories, "is_today": day == today})
            rows.append(days)
        step = timedelta(days=7 * weeks)
        context = {
            **self.admin_site.each_context(request),
            "title": "Calendar",
            "opts": self.opts,
            "rows": rows,
            "weeks": weeks,
            "start": start,
            "previous": start - step,
            "next": start + step,
            "today": today,
            "move_url": self._url("calendar_move"),
            "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        }
        return TemplateResponse(request, "admin/articles/article/calendar.html", context)

    def calendar_move_view(self, request):
        """Reschedule a story to another day (the calendar's drag); answers JSON."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        form = CalendarMoveForm(request.POST)
        if not form.is_valid():
            return JsonResponse(
                {"error": {"message": "Give the story, the day (YYYY-MM-DD) and its version."}},
                status=400,
            )
        article = self._article(request, str(form.cleaned_data["article"]), edit=True)
        try:
            article = services.reschedule_to_day(
                article,
                form.cleaned_data["day"],
                user=request.user,
                base_version=form.cleaned_data["version"],
            )
        except PermissionDenied as refused:
            return JsonResponse({"error": {"message": str(refused)}}, status=403)
        except services.StaleArticle as stale:
            return JsonResponse({"error": {"message": stale.message}}, status=409)
        except ValidationError as refused:
            return JsonResponse({"error": {"message": " ".join(refused.messages)}}, status=400)
        local = timezone.localtime(article.publish_at)
        return JsonResponse(
            {
                "version": article.version,
                "publishAt": local.isoformat(),
                "message": f"“{article.title}” now goes live on {local:%a %d %b at %H:%M}.",
            }
        )

    # -- quick edit --------------------------------------------------------------

    def quick_edit_view(self, request, object_id):
        article = self._article(request, object_id, edit=True)
        initial = {
            "title": article.title,
            "slug": article.slug,
            "category": article.category_id,
            "tags": ", ".join(sorted(article.tags.names())),
            "status": article.status,
            "publish_at": timezone.localtime(article.publish_at) if article.publish_at else None,
            "version": article.version,
        }
        form = QuickEditForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                self._quick_save(request, article, form)
            except PermissionDenied as refused:
                form.add_error(None, str(refused) or "You may not do this to this article.")
            except services.StaleArticle as stale:
                form.add_error(None, stale.message)
            except ValidationError as refused:
                form.add_error(None, " ".join(refused.messages))
            else:
                messages.success(request, f"“{form.cleaned_data['title']}” saved.")
                return redirect(self._url("changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Quick edit: {article.title}",
            "opts": self.opts,
            "original": article,
            "form": form,
            "change_url": self._url("change", article.pk),
            "changelist_url": self._url("changelist"),
        }
        return TemplateResponse(request, "admin/articles/article/quick_edit.html", context)

    def _quick_save(self, request, article, form):
        """Save the fields, then move the state, each through the services."""
        from django.db import transaction

        data = form.cleaned_data
        user = request.user
        wanted = data["status"]
        when = data.get("publish_at")
        with transaction.atomic():
            current = services.check_version(article, data["version"])
            current.title = data["title"]
            current.slug = data["slug"]
            current.category = data["category"]
            if current.status == Article.Status.PUBLISHED and wanted == "published" and when:
                current.publish_at = when  # save_article reschedules a changed time
            tags = form.tag_names()
            article = services.save_article(
                current,
                user=user,
                base_version=data["version"],
                save_relations=lambda: current.tags.set(tags),
                comment="Quick edit",
            )
            if wanted == article.status:
                return article
            if (
                wanted in ("review", "published")
                and not data.get("publish_without_byline")
                and not article.bylines.exists()
            ):
                raise ValidationError(
                    "This story has no byline: readers will see no “By” line. Add one in "
                    "the full form, or tick “Go ahead without a byline”. Nothing was saved.",
                    code="no_byline",
                )
            if wanted == "review":
                return services.submit_for_review(article, user=user)
            if wanted == "published":
                if when is not None and when <= timezone.now():
                    when = None
                return services.publish(article, when=when, user=user)
            if wanted == "unpublished":
                return services.unpublish(article, user=user)
            if wanted == "draft" and article.is_scheduled:
                return services.cancel_schedule(article, user=user)
            raise ValidationError(
                f"A story that is {article.get_status_display().lower()} cannot be made "
                f"“{dict(STATUS_CHOICES)[wanted]}” from here: open the full form. "
                "Nothing was changed.",
                code="transition",
            )
