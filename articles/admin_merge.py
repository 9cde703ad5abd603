"""The edit-conflict merge page of the article admin (articles.merge decides, services save).

A save refused as stale lands here instead of on the form: each field that
differs between what is saved now ("theirs") and the refused save or the
autosaved draft ("yours"), with the choice pre-set where only one side changed.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from . import merge, services


class ArticleMergeMixin:
    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        urls = [
            path(
                "<path:object_id>/merge/",
                self.admin_site.admin_view(self.merge_view),
                name=f"{prefix}_merge",
            ),
        ]
        return urls + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        adminform = (getattr(response, "context_data", None) or {}).get("adminform")
        form = getattr(adminform, "form", None)
        if (
            request.method == "POST"
            and form is not None
            and form.has_error(NON_FIELD_ERRORS, "stale")
        ):
            # The refused save is in the draft slot (ArticleAdminForm._check_version).
            for error in form.errors.as_data()[NON_FIELD_ERRORS]:
                if error.code == "stale":
                    messages.warning(request, " ".join(error.messages))
            return redirect(self._url("merge", form.instance.pk))
        return response

    def editor_context(self, request, object_id):
        context = super().editor_context(request, object_id)
        config = context.get("editor_config") or {}
        draft = config.get("draft")
        if object_id is not None and draft and draft.get("baseVersion") is not None:
            article = self.get_object(request, unquote(object_id))
            if article is not None and article.version != draft["baseVersion"]:
                # Restoring it as it is would undo what was saved since: merge instead.
                draft["mergeUrl"] = self._url("merge", article.pk)
                draft["currentVersion"] = article.version
        return context

    def merge_view(self, request, object_id):
        article = self._article(request, object_id, edit=True)
        user = request.user
        draft = services.autosaved_draft(user, article)
        if draft is None:
            messages.info(request, "You have no unsaved work on this article to merge.")
            return redirect(self._url("change", article.pk))
        if request.method == "POST" and "_discard" in request.POST:
            services.discard_draft(user, article)
            messages.info(request, "Your unsaved work is discarded; the article is as saved.")
            return redirect(self._url("change", article.pk))
        result = merge.compare(article, draft)
        choices, missing = {}, []
        if request.method == "POST":
            choices = {c.name: request.POST.get(f"choice_{c.name}", "") for c in result.conflicts}
            shown_version = request.POST.get("version", "")
            if shown_version != str(result.version):
                messages.warning(
                    request,
                    f"{services.display_name(article.last_edited_by)} saved the article again "
                    f"(version {result.version}) while you were merging: nothing was saved. "
                    "Check the choices against the new version and save again.",
                )
            else:
                try:
                    values = result.values(choices)
                except KeyError as unanswered:
                    missing = unanswered.args[0]
                else:
                    saved = self._save_merge(request, article, values, result.version)
                    if saved is not None:
                        messages.success(
                            request,
                            f"Merged and saved as version {saved.version}: the changes you "
                            "did not choose against are kept.",
                        )
                        return redirect(self._url("change", saved.pk))
        rows = []
        for conflict in result.conflicts:
            chosen = choices.get(conflict.name) or conflict.default
            rows.append(
                {
                    "conflict": conflict,
                    "theirs": merge.shown(conflict, conflict.theirs),
                    "yours": merge.shown(conflict, conflict.yours),
                    "both": merge.display(conflict, conflict.combined())
                    if merge.BOTH in conflict.choices
                    else None,
                    "chosen": chosen,
                    "missing": conflict.label in missing,
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Merge your changes into “{article}”",
            "opts": self.opts,
            "original": article,
            "merge": result,
            "rows": rows,
            "missing": missing,
            "saved_by": services.display_name(article.last_edited_by),
            "change_url": self._url("change", article.pk),
            "revisions_url": self._url("revisions", article.pk),
        }
        return TemplateResponse(request, "admin/articles/article/merge.html", context)

    def _save_merge(self, request, article, values, version):
        try:
            return services.save_merge(article, values, version=version, user=request.user)
        except services.StaleArticle as stale:
            messages.warning(request, f"{stale.message}")
        except ValidationError as refused:  # alt text, an address taken, the trash
            messages.error(request, f"The merge was not saved. {' '.join(refused.messages)}")
        return None
