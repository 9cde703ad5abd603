"""The article admin's editions: the language column and filter, the edition field,
"Translate", which opens a new draft linked to the story in another edition
(articles.services.translate), the source story shown beside a translation's editor
(articles.translations) and the list of live stories missing a translation. All of it
only on a site of several editions."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path

from categories.models import Category

from . import editions, services, translations
from .desk import visible_to
from .models import Article

MISSING_PER_PAGE = 50


class EditionListFilter(admin.SimpleListFilter):
    title = "edition"
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return editions.choices()

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(language=self.value())
        return queryset


class MissingTranslationsFilter(forms.Form):
    """The missing-translations list's filters; a bad value filters nothing."""

    into = forms.ChoiceField(label="Missing in", required=False)
    language = forms.ChoiceField(label="Stories in", required=False)
    category = forms.ModelChoiceField(
        Category.objects.order_by("name"),
        label="Section",
        required=False,
        empty_label="all sections",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("into", "language"):
            self.fields[name].choices = [("", "any edition"), *editions.choices()]

    def value(self, name):
        return self.cleaned_data.get(name) if self.is_valid() else None


class ArticleEditionsMixin:
    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        urls = [
            path(
                "missing-translations/",
                self.admin_site.admin_view(self.missing_translations_view),
                name=f"{prefix}_missing_translations",
            ),
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

    @property
    def media(self):
        media = super().media
        if not editions.is_multilingual():
            return media
        # The source panel folds away by itself on narrow screens (no inline script: CSP).
        return media + forms.Media(
            css={"all": ["newsroom-admin/translation.css"]},
            js=["newsroom-admin/translation.js"],
        )

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if editions.is_multilingual():
            extra_context["missing_translations_url"] = self._url("missing_translations")
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if editions.is_multilingual():
            article = self.get_object(request, unquote(object_id))
            if article is not None:
                if request.method == "GET":
                    extra_context["editions"] = self.edition_links(request, article)
                extra_context["translation_source"] = self.translation_source(request, article)
        return super().change_view(request, object_id, form_url, extra_context)

    def translation_source(self, request, article):
        """What the source panel beside a translation's editor shows, or None."""
        source = translations.source_for(article)
        if source is None or not services.can_view(request.user, source.article):
            return None
        story = source.article
        return {
            "article": story,
            "changed": source.changed,
            "bylines": [byline.author.name for byline in story.bylines.select_related("author")],
            "tags": list(story.tags.names()),
            "url": self._url("change", story.pk),
            "revisions_url": self._url("revisions", story.pk),
            "language_name": story.get_language_display(),
        }

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

    # -- stories missing a translation -------------------------------------------------

    def missing_translations_view(self, request):
        """Live stories that lack a translation into an edition, newest first, with the
        buttons to translate them: a fixed number of queries per page."""
        if not editions.is_multilingual():
            raise Http404("This site has one edition: nothing is translated.")
        if not self.has_view_permission(request):
            raise PermissionDenied
        filters = MissingTranslationsFilter(request.GET)
        into = filters.value("into")
        stories = translations.missing([into] if into else None).select_related("category")
        stories = visible_to(stories, request.user)
        if filters.value("language"):
            stories = stories.filter(language=filters.value("language"))
        if filters.value("category"):
            stories = stories.filter(category=filters.value("category"))
        page = Paginator(stories, MISSING_PER_PAGE).get_page(request.GET.get("page"))
        may_translate = request.user.has_perm("articles.add_article")
        rows = [
            (
                story,
                [
                    (name, self._url("translate", story.pk, code) if may_translate else None)
                    for code, name in translations.missing_editions(story, [into] if into else None)
                ],
            )
            for story in page.object_list
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Missing translations",
            "rows": rows,
            "page_obj": page,
            "filters": filters,
        }
        return TemplateResponse(
            request, "admin/articles/article/missing_translations.html", context
        )
