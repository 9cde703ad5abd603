"""The newsroom's article admin: it parses input and calls articles.services.

Other apps add inlines through `hooks.ARTICLE_ADMIN_INLINES`.
"""

from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from . import hooks, search, services
from .admin_desk import DeskAdminMixin
from .admin_editions import ArticleEditionsMixin
from .admin_merge import ArticleMergeMixin
from .admin_tags import TagAdmin  # noqa: F401 (registers the tag admin)
from .admin_trash import ArticleTrashMixin
from .admin_views import ArticleAdminViewsMixin
from .forms import ArticleAdminForm, ScheduleForm
from .models import (
    Article,
    ArticleAuthor,
    ArticleEvent,
    ArticleRedirect,
    Correction,
    PreviewLink,
)
from .querysets import live_q


def local_datetime(when):
    """`when` in the site's time zone, with the zone's name, for people in the newsroom."""
    local = timezone.localtime(when)
    return f"{date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"


class BylineInline(admin.TabularInline):
    model = ArticleAuthor
    fields = ("author", "order")
    autocomplete_fields = ("author",)
    extra = 1
    verbose_name = "byline"
    verbose_name_plural = "bylines"


class CorrectionInline(admin.StackedInline):
    """Dated notes shown under the story; new ones go through services.add_correction."""

    model = Correction
    fields = ("kind", "text", "noted_at")
    extra = 0
    verbose_name = "correction or update"
    verbose_name_plural = "corrections and updates (shown to readers)"


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("review", "In review"),
            ("scheduled", "Scheduled"),
            ("live", "Live"),
            ("unpublished", "Unpublished"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "scheduled":
            return queryset.scheduled()
        if value == "live":
            return queryset.live()
        if value in ("draft", "review", "unpublished"):
            return queryset.filter(status=value)
        return queryset


def _hook_columns():
    return [column for hook in hooks.get_hooks(hooks.ARTICLE_LIST_COLUMNS) for column in hook()]


def _hook_column(n, title):
    @admin.display(description=title)
    def column(obj):
        return obj.__dict__.get("hook_columns", {}).get(n, "")

    column.__name__ = f"hook_column_{n}"
    return column


@admin.register(Article)
class ArticleAdmin(
    ArticleEditionsMixin,
    DeskAdminMixin,
    ArticleTrashMixin,
    ArticleMergeMixin,
    ArticleAdminViewsMixin,
    admin.ModelAdmin,
):
    form = ArticleAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "title",
        "status_label",
        "category",
        "byline_names",
        "publish_time",
        "last_edited_by",
        "updated",
        "quick_edit_link",
    )
    list_filter = (
        StatusFilter,
        "category",
        ("bylines__author", RelatedOnlyFieldListFilter),
        "publish_at",
    )
    search_fields = ("title", "dek", "slug", "bylines__author__name")
    date_hierarchy = "publish_at"
    list_select_related = ("category", "last_edited_by")
    list_per_page = 50
    autocomplete_fields = ("category",)
    # The library's own list (thumbnails, search, filters) opens as the picker.
    raw_id_fields = ("featured_image",)
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = (
        "workflow_status",
        "version_info",
        "audit_trail",
        "featured_image_preview",
        "preview_links",
    )
    inlines = [BylineInline, CorrectionInline]
    actions = [
        "submit_selected",
        "publish_selected",
        "schedule_selected",
        "unpublish_selected",
        "trash_selected",  # articles.admin_trash
    ]
    fieldsets = [
        (None, {"fields": ("title", "slug", "dek", "body", "base_version")}),
        (
            "Publishing",
            {
                "fields": (
                    "workflow_status",
                    "publish_at",
                    "category",
                    "tags",
                    "dateline",
                    "is_featured",
                    "content_updated_at",
                )
            },
        ),
        (
            "Featured image",
            {
                "fields": (
                    "featured_image",
                    "featured_image_preview",
                    "featured_image_caption",
                )
            },
        ),
        ("Source", {"fields": ("canonical_url",), "classes": ("collapse",)}),
        ("History", {"fields": ("version_info", "preview_links", "audit_trail")}),
    ]

    class Media:
        # The story's typography as readers see it, in the editing area too.
        css = {"all": ("newsroom-admin/article-admin.css", "css/article-content.css")}
        js = ("newsroom-admin/article-admin.js",)

    def get_search_results(self, request, queryset, search_term):
        # The site's full-text index (articles.search), over every status.
        return search.filter_for_admin(queryset, search_term)

    # -- who sees and changes what (rules in services) ----------------------

    def get_queryset(self, request):
        qs = super().get_queryset(request).prefetch_related("bylines__author")
        user = request.user
        if not services.sees_only_own_unpublished(user):
            return qs
        own_byline = ArticleAuthor.objects.filter(article=OuterRef("pk"), author__user=user)
        return qs.filter(live_q() | Q(created_by=user) | Q(Exists(own_byline)))

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or services.can_view(request.user, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or services.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        # "Delete" moves to the trash (articles.admin_trash): editors, and writers
        # for their own drafts.
        if obj is None:
            return super().has_delete_permission(request) or self.has_add_permission(request)
        return services.can_trash(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not services.can_publish(request.user, obj or Article()):
            # Publication time and the front page are decisions of those who publish.
            fields += ["publish_at", "featured_note", "content_updated_at"]
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if services.can_publish(request.user, obj or Article()):
            return fieldsets
        # A read-only boolean shows as a red cross, which reads as an error: say it in words.
        return [
            (
                name,
                {
                    **opts,
                    "fields": [
                        f if f != "is_featured" else "featured_note" for f in opts["fields"]
                    ],
                },
            )
            for name, opts in fieldsets
        ]

    @admin.display(description="featured")
    def featured_note(self, obj):
        if obj is not None and obj.is_featured:
            return "Yes: it leads the home page (an editor's choice)."
        return "No (editors choose the home page's lead story)."

    # -- columns other apps add to the list (hooks.ARTICLE_LIST_COLUMNS) --------

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        for n, (title, _values) in enumerate(_hook_columns()):
            columns.insert(len(columns) - 1, _hook_column(n, title))  # before "Quick edit"
        return columns

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        ids = [row.pk for row in rows]
        for n, (_title, values) in enumerate(_hook_columns()):
            found = values(ids) if ids else {}
            for row in rows:
                row.__dict__.setdefault("hook_columns", {})[n] = found.get(row.pk, "")
        return changelist

    def get_inlines(self, request, obj):
        extra = [
            inline for hook in hooks.get_hooks(hooks.ARTICLE_ADMIN_INLINES) for inline in hook()
        ]
        return [*super().get_inlines(request, obj), *extra]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_live else None

    def get_actions(self, request):
        actions = super().get_actions(request)
        user = request.user
        if not (
            user.has_perm("articles.publish_article")
            or user.has_perm("articles.publish_own_article")
        ):
            for name in ("publish_selected", "schedule_selected", "unpublish_selected"):
                actions.pop(name, None)
        return actions

    # -- list columns and read-only fields -----------------------------------

    @admin.display(description="status", ordering="status")
    def status_label(self, obj):
        if obj.is_scheduled:
            return format_html(
                '<span class="article-status article-status--scheduled">Scheduled for {}</span>',
                local_datetime(obj.publish_at),
            )
        state = "live" if obj.is_live else obj.status
        label = "Live" if obj.is_live else obj.get_status_display()
        return format_html(
            '<span class="article-status article-status--{}">{}</span>', state, label
        )

    @admin.display(description="authors")
    def byline_names(self, obj):
        return ", ".join(author.name for author in obj.ordered_authors)

    @admin.display(description="status")
    def workflow_status(self, obj):
        if obj is None or obj.pk is None:
            return "New draft"
        label = self.status_label(obj)
        if obj.is_live:
            return format_html("{} since {}", label, local_datetime(obj.publish_at))
        return label

    @admin.display(description="preview")
    def featured_image_preview(self, obj):
        image = obj.featured_image if obj is not None and obj.pk else None
        if image is None:
            return "No featured image yet: choose one from the library with the magnifier."
        alt = image.alt_text or "No alt text yet: add it in the library before publishing."
        return format_html(
            '<figure class="article-image-preview"><img src="{}" alt="" width="160">'
            "<figcaption><strong>{}</strong><br>{}{}</figcaption></figure>",
            image.file.url,
            image.title,
            alt,
            format_html("<br>{}", image.credit) if image.credit else "",
        )

    @admin.display(description="version")
    def version_info(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        editor = services.display_name(obj.last_edited_by) if obj.last_edited_by else "—"
        return format_html(
            'Version {}, last saved by {} at {}. <a href="{}">Revisions</a>',
            obj.version,
            editor,
            local_datetime(obj.updated_at),
            self._url("revisions", obj.pk),
        )

    @admin.display(description="open preview links")
    def preview_links(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        links = services.open_preview_links(obj)
        if not links:
            return "None: no preview link opens this article now."
        rows = format_html_join(
            "",
            "<li>Minted by <strong>{}</strong> on {}, until {}</li>",
            (
                (
                    services.display_name(link.minted_by),
                    local_datetime(link.minted_at),
                    local_datetime(link.expires_at),
                )
                for link in links
            ),
        )
        # Editors revoke them from the preview-link list (PreviewLinkAdmin).
        return format_html('<ul class="preview-links">{}</ul>', rows)

    @admin.display(description="audit trail")
    def audit_trail(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        events = list(obj.events.select_related("user")[:50])
        if not events:
            return "Nothing recorded yet."
        rows = format_html_join(
            "",
            "<li><time>{}</time> — <strong>{}</strong> by {}{}</li>",
            (
                (
                    local_datetime(event.created_at),
                    event.get_action_display(),
                    services.display_name(event.user),
                    f": {event.detail}" if event.detail else "",
                )
                for event in events
            ),
        )
        return format_html('<ul class="audit-trail">{}</ul>', rows)

    # -- saving through the services -----------------------------------------

    def save_model(self, request, obj, form, change):
        # Saved together with its relations in save_related(), by the service.
        pass

    def save_related(self, request, form, formsets, change):
        def save_relations():
            super(ArticleAdmin, self).save_related(request, form, formsets, change)
            if not change and not form.instance.bylines.exists():
                profile = getattr(request.user, "author_profile", None)
                if profile is not None:
                    ArticleAuthor.objects.create(article=form.instance, author=profile)

        article = services.save_article(
            form.instance,
            user=request.user,
            base_version=form.cleaned_data.get("base_version") if change else None,
            save_relations=save_relations,
        )
        self._run_workflow_action(request, form, article)

    def _run_workflow_action(self, request, form, article):
        action = form.workflow_action
        user = request.user
        if action == "submit":
            services.submit_for_review(article, user=user)
            messages.info(request, "Submitted for review: an editor will look at it.")
        elif action == "publish":
            article = services.publish(article, when=form.publish_time(), user=user)
            if article.is_scheduled:
                messages.info(request, f"Scheduled for {local_datetime(article.publish_at)}.")
            else:
                messages.info(request, "Published: it is on the site now.")
        elif action == "unpublish":
            services.unpublish(article, user=user)
            messages.info(request, "Unpublished: readers no longer see it.")
        elif action == "cancel_schedule":
            services.cancel_schedule(article, user=user)
            messages.info(request, "The schedule is cancelled; the article is a draft again.")

    def save_formset(self, request, form, formset, change):
        if formset.model is not Correction:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for correction in formset.deleted_objects:
            correction.delete()
        for correction in instances:
            if correction.pk is None:
                services.add_correction(
                    form.instance,
                    correction.text,
                    kind=correction.kind,
                    user=request.user,
                    when=correction.noted_at,
                )
            else:
                correction.save()
        return None

    # -- list: overdue side effects -------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        # A stopped worker shows here: live articles whose sharing/pings never ran.
        extra_context["side_effects_overdue"] = Article.objects.side_effects_overdue().count()
        return super().changelist_view(request, extra_context=extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context.update(self.editor_context(request, object_id))
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = extra_context or {}
        extra_context.update(self.editor_context(request, None))
        return super().add_view(request, form_url, extra_context)

    # -- bulk actions -----------------------------------------------------------

    def _bulk(self, request, queryset, service, done_message, **kwargs):
        done, refused = 0, []
        for article in queryset:
            try:
                service(article, user=request.user, **kwargs)
                done += 1
            except PermissionDenied:
                refused.append(article.title)
            except ValidationError as error:  # no alt text, an address taken, …
                self.message_user(
                    request, f"“{article.title}”: {' '.join(error.messages)}", messages.ERROR
                )
        if done:
            self.message_user(request, done_message.format(count=done), messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"You may not do this to {len(refused)} of them: {', '.join(refused[:5])}"
                + ("…" if len(refused) > 5 else ""),
                messages.ERROR,
            )

    @admin.action(description="Submit selected articles for review")
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, services.submit_for_review, "{count} submitted for review.")

    @admin.action(description="Publish selected articles now")
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, services.publish, "{count} published.")

    @admin.action(description="Unpublish selected articles")
    def unpublish_selected(self, request, queryset):
        self._bulk(request, queryset, services.unpublish, "{count} unpublished.")

    @admin.action(description="Schedule selected articles…")
    def schedule_selected(self, request, queryset):
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            when = form.cleaned_data["publish_at"]
            self._bulk(
                request,
                queryset,
                services.schedule,
                f"{{count}} scheduled for {local_datetime(when)}.",
                when=when,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Schedule articles",
            "opts": self.model._meta,
            "articles": queryset,
            "form": form,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/article/schedule_action.html", context)


@admin.register(ArticleRedirect)
class ArticleRedirectAdmin(admin.ModelAdmin):
    list_display = ("old_path", "article", "created_at")
    search_fields = ("old_path", "article__title")
    autocomplete_fields = ("article",)


class OpenLinkFilter(admin.SimpleListFilter):
    title = "open"
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", "Not revoked"), ("no", "Revoked or ended")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(PreviewLink)
class PreviewLinkAdmin(admin.ModelAdmin):
    """Who handed out which preview link; editors revoke them (services.revoke_preview_links)."""

    list_display = ("article", "state", "minted_by", "minted_at", "expires", "revoked")
    list_filter = (OpenLinkFilter, "state")
    search_fields = ("article__title", "minted_by__username")
    list_select_related = ("article", "minted_by", "revoked_by")
    actions = ["revoke_selected"]

    @admin.display(description="expires")
    def expires(self, link):
        return local_datetime(link.expires_at)

    @admin.display(description="revoked")
    def revoked(self, link):
        if link.revoked_at is None:
            return "—"
        who = (
            services.display_name(link.revoked_by)
            if link.revoked_by_id
            else ("the story's change of state")
        )
        return f"{local_datetime(link.revoked_at)} by {who}"

    def has_add_permission(self, request):
        return False  # minted from the article (Preview)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # kept as the record of who handed out what

    def has_revoke_permission(self, request):
        return services.can_revoke_previews(request.user)

    @admin.action(description="Revoke selected preview links", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        count = services.revoke_preview_links(queryset, user=request.user)
        self.message_user(request, f"{count} preview link(s) revoked.", messages.SUCCESS)


@admin.register(ArticleEvent)
class ArticleEventAdmin(admin.ModelAdmin):
    """The whole newsroom's audit trail, read-only."""

    list_display = ("created_at", "action", "article", "user", "detail")
    list_filter = ("action",)
    search_fields = ("article__title", "user__username", "detail")
    date_hierarchy = "created_at"
    list_select_related = ("article", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
