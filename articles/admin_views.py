"""The article admin's own pages and endpoints: soft lock, autosave, revisions, preview.

Mixed into ArticleAdmin so that each URL lives under /admin/articles/article/
and answers with the admin's permission rules; the decisions are in services.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from reversion.models import Version
from taggit.models import Tag

from authors.models import Author
from categories.models import Category
from images.models import Image

from . import preview, revision_diff, services
from .models import Article, ArticleAuthor

# Fields compared between two revisions, with the labels editors know.
DIFF_FIELDS = [
    ("title", "Title"),
    ("slug", "Address (slug)"),
    ("dek", "Excerpt"),
    ("body", "Body"),
    ("dateline", "Dateline"),
    ("category_id", "Category"),
    ("status", "Status"),
    ("publish_at", "Publication time"),
    ("featured_image_id", "Featured image"),
    ("featured_image_caption", "Image caption"),
    ("canonical_url", "Source URL"),
    ("bylines", "Bylines"),
    ("is_featured", "Featured on the home page"),
    ("content_updated_at", "Last substantial update"),
]

MAX_AUTOSAVE_CHARS = 2_000_000


def _local_time(when):
    local = timezone.localtime(when)
    return f"{date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"


def _json_error(message, status):
    return JsonResponse({"error": {"message": message}}, status=status)


def _image_chooser_url(site_name):
    # The library's chooser (images.admin) answers JSON for "Insert from library".
    try:
        return reverse(f"{site_name}:images_image_chooser")
    except NoReverseMatch:
        return None


class ArticleAdminViewsMixin:
    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        urls = [
            path(
                "tags/suggest/", wrap(self.tag_suggestions_view), name=f"{prefix}_tag_suggestions"
            ),
            path("autosave/", wrap(self.autosave_view), name=f"{prefix}_autosave_new"),
            path("<path:object_id>/autosave/", wrap(self.autosave_view), name=f"{prefix}_autosave"),
            path("<path:object_id>/lock/", wrap(self.lock_view), name=f"{prefix}_lock"),
            path(
                "<path:object_id>/lock/release/",
                wrap(self.lock_release_view),
                name=f"{prefix}_lock_release",
            ),
            path(
                "<path:object_id>/lock/take/", wrap(self.lock_take_view), name=f"{prefix}_lock_take"
            ),
            path("<path:object_id>/preview/", wrap(self.preview_view), name=f"{prefix}_preview"),
            path(
                "<path:object_id>/revisions/", wrap(self.revisions_view), name=f"{prefix}_revisions"
            ),
            path(
                "<path:object_id>/revisions/diff/",
                wrap(self.revision_diff_view),
                name=f"{prefix}_revision_diff",
            ),
            path(
                "<path:object_id>/revisions/<int:version_id>/restore/",
                wrap(self.revision_restore_view),
                name=f"{prefix}_revision_restore",
            ),
        ]
        return urls + super().get_urls()

    def _url(self, name, *args):
        return reverse(
            f"{self.admin_site.name}:{self.opts.app_label}_{self.opts.model_name}_{name}",
            args=args,
        )

    def _article(self, request, object_id, *, edit=False):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_permission(request, article):
            raise Http404("No such article, or you may not see it.")
        if edit and not self.has_change_permission(request, article):
            raise PermissionDenied
        return article

    # -- change form context ---------------------------------------------------

    def editor_context(self, request, object_id):
        """What the change form's script needs: lock, autosave slot, preview link."""
        user = request.user
        article = None
        if object_id is not None:
            article = self.get_object(request, unquote(object_id))
            if article is None or not self.has_change_permission(request, article):
                return {}
        config = {
            "autosaveUrl": self._url("autosave", article.pk)
            if article
            else self._url("autosave_new"),
            "autosaveInterval": settings.ARTICLE_AUTOSAVE_INTERVAL,
            "heartbeatInterval": max(5, settings.ARTICLE_LOCK_TIMEOUT // 3),
            "tagSuggestUrl": self._url("tag_suggestions"),
            "imageChooserUrl": _image_chooser_url(self.admin_site.name),
            "me": user.pk,
            "draft": None,
        }
        subject = article or Article()
        context = {
            "editor_config": config,
            "workflow": {
                "can_submit": subject.status == Article.Status.DRAFT,
                "can_publish": services.can_publish(user, subject),
                "is_scheduled": subject.is_scheduled,
                "is_live": subject.is_live,
                "is_published": subject.status == Article.Status.PUBLISHED,
            },
        }
        draft = services.autosaved_draft(user, article)
        if draft is not None:
            config["draft"] = {
                "title": draft.title,
                "dek": draft.dek,
                "body": draft.body,
                "savedAt": timezone.localtime(draft.saved_at).strftime("%Y-%m-%d %H:%M:%S"),
                "baseVersion": draft.base_version,
            }
        if article is not None:
            lock = services.hold_lock(article, user) if request.method == "GET" else None
            config.update(
                {
                    "lockUrl": self._url("lock", article.pk),
                    "lockReleaseUrl": self._url("lock_release", article.pk),
                    "lockTakeUrl": self._url("lock_take", article.pk),
                    "lock": self._lock_state(lock, user) if lock else None,
                }
            )
            context["lock"] = config["lock"]
            if not article.is_live and services.can_mint_preview(user, article):
                link = preview.editor_link(article, user)
                context["preview_link"] = request.build_absolute_uri(
                    preview.link_url(article, link)
                )
                local = timezone.localtime(link.expires_at)
                context["preview_expires"] = (
                    f"{date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"
                )
            context["revisions_url"] = self._url("revisions", article.pk)
        return context

    @staticmethod
    def _lock_state(lock, user):
        return {
            "holder": services.display_name(lock.user),
            "mine": lock.user_id == user.pk,
            "since": timezone.localtime(lock.acquired_at).strftime("%H:%M"),
            "canTakeOver": services.can_take_over(user),
        }

    # -- tags ---------------------------------------------------------------------

    def tag_suggestions_view(self, request):
        if not request.user.has_perm("articles.view_article"):
            raise PermissionDenied
        term = request.GET.get("q", "").strip()[:100]
        names = []
        if term:
            names = list(
                Tag.objects.filter(name__istartswith=term)
                .order_by("name")
                .values_list("name", flat=True)[:10]
            )
        return JsonResponse({"results": names})

    # -- autosave ------------------------------------------------------------------

    def autosave_view(self, request, object_id=None):
        article = None
        if object_id is not None:
            article = self._article(request, object_id, edit=True)
        elif not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "GET":
            draft = services.autosaved_draft(request.user, article)
            if draft is None:
                return JsonResponse({"draft": None})
            return JsonResponse(
                {
                    "draft": {
                        "title": draft.title,
                        "dek": draft.dek,
                        "body": draft.body,
                        "savedAt": draft.saved_at.isoformat(),
                        "baseVersion": draft.base_version,
                    }
                }
            )
        if request.method == "DELETE" or request.POST.get("discard"):
            services.discard_draft(request.user, article)
            return JsonResponse({"discarded": True})
        if request.method != "POST":
            return HttpResponseNotAllowed(["GET", "POST"])
        data = request.POST
        if sum(len(data.get(k, "")) for k in ("title", "dek", "body")) > MAX_AUTOSAVE_CHARS:
            return _json_error("This draft is too large to autosave.", 400)
        try:
            base_version = int(data["base_version"]) if data.get("base_version") else None
        except ValueError:
            return _json_error("base_version must be a number.", 400)
        draft = services.autosave(
            request.user,
            article,
            title=data.get("title", ""),
            dek=data.get("dek", ""),
            body=data.get("body", ""),
            base_version=base_version,
        )
        response = {"savedAt": timezone.localtime(draft.saved_at).strftime("%H:%M:%S")}
        if article is not None:
            lock = services.active_lock(article)
            response["lock"] = self._lock_state(lock, request.user) if lock else None
            response["version"] = (
                Article.objects.filter(pk=article.pk).values_list("version", flat=True).first()
            )
        return JsonResponse(response)

    # -- soft lock -----------------------------------------------------------------

    def lock_view(self, request, object_id):
        """Heartbeat: renew my lock, or say who else has the article open."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article(request, object_id, edit=True)
        lock = services.hold_lock(article, request.user)
        current = Article.objects.filter(pk=article.pk).values_list("version", flat=True).first()
        return JsonResponse({"lock": self._lock_state(lock, request.user), "version": current})

    def lock_release_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article(request, object_id, edit=True)
        services.release_lock(article, request.user)
        return JsonResponse({"released": True})

    def lock_take_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article(request, object_id, edit=True)
        lock = services.hold_lock(article, request.user, take_over=True)
        if request.headers.get("Accept", "").startswith("application/json"):
            return JsonResponse({"lock": self._lock_state(lock, request.user)})
        messages.info(request, "You are now editing this article.")
        return redirect(self._url("change", article.pk))

    # -- preview -------------------------------------------------------------------

    def preview_view(self, request, object_id):
        """Open the public page through a new preview link (those who may edit the story)."""
        article = self._article(request, object_id, edit=True)
        return redirect(preview.preview_url(article, user=request.user))

    # -- revisions -----------------------------------------------------------------

    def _versions(self, article):
        return Version.objects.get_for_object(article).select_related("revision__user")

    def revisions_view(self, request, object_id):
        article = self._article(request, object_id)
        versions = list(self._versions(article)[:200])
        context = {
            **self.admin_site.each_context(request),
            "title": f"Revisions of “{article}”",
            "opts": self.opts,
            "original": article,
            "versions": versions,
            "can_restore": self.has_change_permission(request, article),
            "diff_url": self._url("revision_diff", article.pk),
            "change_url": self._url("change", article.pk),
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def _version(self, article, version_id):
        try:
            return self._versions(article).get(pk=int(version_id))
        except (Version.DoesNotExist, TypeError, ValueError):
            raise Http404("No such revision of this article.") from None

    def revision_diff_view(self, request, object_id):
        article = self._article(request, object_id)
        older = self._version(article, request.GET.get("from"))
        newer = self._version(article, request.GET.get("to"))
        if older.revision.date_created > newer.revision.date_created:
            older, newer = newer, older
        a, b = older.field_dict, newer.field_dict
        a["bylines"], b["bylines"] = self._byline_names(older), self._byline_names(newer)
        changes = []
        for field, label in DIFF_FIELDS:
            before, after = self._shown(field, a.get(field)), self._shown(field, b.get(field))
            if before == after:
                continue
            # Rendered text, word by word (articles.revision_diff escapes it).
            changes.append(
                {
                    "label": label,
                    "before": before or "—",
                    "after": revision_diff.word_diff(before, after) if after else "—",
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Changes to “{article}”",
            "opts": self.opts,
            "original": article,
            "older": older,
            "newer": newer,
            "older_saved": _local_time(older.revision.date_created),
            "newer_saved": _local_time(newer.revision.date_created),
            "changes": changes,
            "revisions_url": self._url("revisions", article.pk),
        }
        return TemplateResponse(request, "admin/articles/article/revision_diff.html", context)

    def _shown(self, field, value):
        """A revision's value as editors read it: text, labels, local times, names."""
        if field in ("body", "dek"):
            return revision_diff.text_of(value)
        if field == "category_id":
            return self._category_name(value) or ""
        if field == "featured_image_id":
            return self._image_title(value) or ""
        if field == "status":
            return Article.Status(value).label if value in Article.Status.values else value or ""
        if field in ("publish_at", "content_updated_at"):
            return _local_time(value) if value else ""
        if field == "is_featured":
            return "Yes" if value else "No"
        if field == "bylines":
            return ", ".join(value)
        return "" if value is None else str(value)

    @staticmethod
    def _byline_names(version):
        lines = [
            v.field_dict
            for v in version.revision.version_set.all()
            if v.content_type.model_class() is ArticleAuthor
        ]
        ids = [line["author_id"] for line in sorted(lines, key=lambda b: (b["order"], b["id"]))]
        names = dict(Author.objects.filter(pk__in=ids).values_list("pk", "name"))
        return [names.get(pk, f"(deleted author {pk})") for pk in ids]

    @staticmethod
    def _category_name(category_id):
        if category_id is None:
            return None
        return (
            Category.objects.filter(pk=category_id).values_list("name", flat=True).first()
            or f"(deleted category {category_id})"
        )

    @staticmethod
    def _image_title(image_id):
        if image_id is None:
            return None
        return (
            Image.objects.filter(pk=image_id).values_list("title", flat=True).first()
            or f"(deleted image {image_id})"
        )

    def revision_restore_view(self, request, object_id, version_id):
        article = self._article(request, object_id, edit=True)
        version = self._version(article, version_id)
        if request.method == "POST":
            try:
                services.restore_revision(article, version, user=request.user)
            except ValidationError as refused:  # no alt text, a canonical address elsewhere
                messages.error(
                    request, f"The revision was not restored. {' '.join(refused.messages)}"
                )
                return redirect(self._url("revisions", article.pk))
            messages.success(
                request,
                "The revision is restored; the version before it is kept in the revisions.",
            )
            return redirect(self._url("change", article.pk))
        context = {
            **self.admin_site.each_context(request),
            "title": "Restore this revision?",
            "opts": self.opts,
            "original": article,
            "version": version,
            "revisions_url": self._url("revisions", article.pk),
        }
        return TemplateResponse(request, "admin/articles/article/revision_restore.html", context)
