"""The article admin's trash: "Delete" moves a story to the trash (articles.services.trash),
the Trash page restores it or deletes it for good.

Mixed into ArticleAdmin; Django's own delete page is replaced, because it would
delete the story's audit trail (which nobody may delete) with it.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from . import services
from .models import Article, ArticleAuthor


class ArticleTrashMixin:
    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        urls = [
            path("trash/", wrap(self.trash_view), name=f"{prefix}_trash"),
            path(
                "trash/<int:article_id>/restore/",
                wrap(self.trash_restore_view),
                name=f"{prefix}_trash_restore",
            ),
            path(
                "trash/<int:article_id>/delete/",
                wrap(self.trash_delete_view),
                name=f"{prefix}_trash_delete",
            ),
        ]
        return urls + super().get_urls()

    def get_queryset(self, request):
        # What is in the trash has its own page (trash_view).
        return super().get_queryset(request).filter(trashed_at__isnull=True)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Move selected articles to the trash")
    def trash_selected(self, request, queryset):
        done, refused, live = 0, [], []
        for article in queryset:
            if article.status == Article.Status.PUBLISHED and not services.can_publish(
                request.user, article
            ):
                live.append(article.title)
                continue
            try:
                services.trash(article, user=request.user)
                done += 1
            except PermissionDenied:
                refused.append(article.title)
        if done:
            self.message_user(
                request,
                f"{done} moved to the trash (restorable for {services.trash_days()} days).",
                messages.SUCCESS,
            )
        if live:
            self.message_user(
                request,
                f"Published, and you may not unpublish them: {', '.join(live[:5])}",
                messages.ERROR,
            )
        if refused:
            self.message_user(
                request, f"You may not delete: {', '.join(refused[:5])}", messages.ERROR
            )

    # -- "Delete" on one story -------------------------------------------------

    def delete_view(self, request, object_id, extra_context=None):
        article = self.get_object(request, unquote(object_id))
        if article is None or not self.has_view_permission(request, article):
            raise Http404("No such article, or you may not see it.")
        user = request.user
        if not services.can_trash(user, article):
            raise PermissionDenied
        published = article.status == Article.Status.PUBLISHED
        may_unpublish = services.can_publish(user, article)
        if request.method == "POST":
            if published and not may_unpublish:
                raise PermissionDenied
            if published and "_unpublish_only" in request.POST:
                services.unpublish(article, user=user)
                self.message_user(request, "Unpublished: readers no longer see it.")
                return redirect(self._url("change", article.pk))
            services.trash(article, user=user)
            self.message_user(
                request,
                f"“{article.title}” is in the trash. It can be restored from the Trash "
                f"for {services.trash_days()} days.",
                messages.SUCCESS,
            )
            return redirect(self._url("changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Move to the trash?",
            "opts": self.opts,
            "original": article,
            "object": article,
            "is_live": article.is_live,
            "is_scheduled": article.is_scheduled,
            "may_unpublish": may_unpublish,
            "trash_days": services.trash_days(),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/articles/article/trash_confirm.html", context)

    # -- the Trash page ----------------------------------------------------------

    def _trashed(self, request):
        qs = Article.objects.filter(trashed_at__isnull=False).select_related("trashed_by")
        user = request.user
        if user.has_perm("articles.delete_article"):
            return qs
        own_byline = ArticleAuthor.objects.filter(article=OuterRef("pk"), author__user=user)
        return qs.filter(Q(created_by=user) | Q(Exists(own_byline)))

    def trash_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = services.trash_days()
        articles = list(self._trashed(request).order_by("-trashed_at")[:500])
        for article in articles:
            article.purge_on = article.trashed_at + timezone.timedelta(days=days)
            article.deletable = services.can_delete_for_good(request.user)
            article.restorable = services.can_restore_from_trash(request.user, article)
        context = {
            **self.admin_site.each_context(request),
            "title": "Trash",
            "opts": self.opts,
            "articles": articles,
            "trash_days": days,
        }
        return TemplateResponse(request, "admin/articles/article/trash.html", context)

    def trash_restore_view(self, request, article_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._trashed(request).filter(pk=article_id).first()
        if article is None:
            raise Http404("No such article in the trash.")
        services.restore_from_trash(article, user=request.user)
        self.message_user(
            request, f"“{article.title}” is restored, as a {article.get_status_display().lower()}."
        )
        return redirect(self._url("change", article.pk))

    def trash_delete_view(self, request, article_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._trashed(request).filter(pk=article_id).first()
        if article is None:
            raise Http404("No such article in the trash.")
        try:
            services.delete_for_good(article, user=request.user)
        except ValidationError as refused:
            self.message_user(request, " ".join(refused.messages), messages.ERROR)
        else:
            self.message_user(request, f"“{article.title}” is deleted for good.")
        return redirect(self._url("trash"))
