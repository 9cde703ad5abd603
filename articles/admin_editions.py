"""The article admin's editions: the language column and filter, the edition field,
and "Translate", which opens a new draft linked to the story in another edition
(articles.services.translate). All of it only on a site of several editions."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path

from . import editions, services
from .models import Article


class EditionListFilter(admin.SimpleListFilter):
    title = "edition"
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return editions.choices()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(language=self.value())
        return queryset


class ArticleEditionsMixin:
    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        urls = [
            path(
                "<path:object_id>/translate/<str:language>/",
                self.admin_site.admin_view(self.translate_view),
                name=f"{prefix}_translate",
            ),
        ]
        return urls + super().get_urls()

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if editions.is_multilingual():
            columns.insert(1, "edition")
        return columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if editions.is_multilingual():
            filters.insert(1, EditionListFilter)
        return filters

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not editions.is_multilingual():
            return fieldsets
        (name, opts), *rest = fieldsets
        return [(name, {**opts, "fields": ["language", *opts["fields"]]}), *rest]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.translation_group is not None:
            # Its translations are in the other editions: moving it would collide.
            fields.append("language")
        return fields

    @admin.display(description="edition", ordering="language")
    def edition(self, obj):
        return obj.language

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        article = self.get_object(request, unquote(object_id)) if request.method == "GET" else None
        if article is not None and editions.is_multilingual():
            extra_context["editions"] = self.edition_links(request, article)
        return super().change_view(request, object_id, form_url, extra_context)

    def edition_links(self, request, article):
        """[(name, url of the translation or None, url to translate into it or None)] of
        every other edition, for the change form's tools."""
        found = {}
        if article.translation_group is not None:
            found = {
                story.language: story
                for story in Article.objects.filter(
                    translation_group=article.translation_group, trashed_at__isnull=True
                ).only("pk", "language")
            }
        may_translate = services.can_translate(request.user, article)
        rows = []
        for code, name in editions.choices():
            if code == article.language:
                continue
            story = found.get(code)
            rows.append(
                (
                    name,
                    self._url("change", story.pk) if story else None,
                    self._url("translate", article.pk, code)
                    if story is None and may_translate
                    else None,
                )
            )
        return rows

    def translate_view(self, request, object_id, language):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article(request, object_id)
        try:
            draft = services.translate(article, language, user=request.user)
        except services.TranslationExists as exists:
            messages.warning(request, " ".join(exists.messages))
            return HttpResponseRedirect(self._url("change", exists.existing.pk))
        except PermissionDenied as refused:
            messages.error(request, str(refused))
            return HttpResponseRedirect(self._url("change", article.pk))
        except ValidationError as refused:
            messages.error(request, " ".join(refused.messages))
            return HttpResponseRedirect(self._url("change", article.pk))
        messages.success(
            request,
            f"The translation of “{article.title}” into {draft.get_language_display()} "
            "was started: write it over the source text below.",
        )
        return HttpResponseRedirect(self._url("change", draft.pk))
