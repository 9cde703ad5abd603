"""The categories admin: editors manage sections, their order and which the home page shows."""

from django import forms
from django.contrib import admin
from django.db.models import Case, Count, IntegerField, Q, Value, When

from languages.forms import translation_fieldsets, translations_form

from .models import Category

TRANSLATED = {"name": forms.TextInput, "description": forms.Textarea}


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "order", "show_on_home", "article_count")
    list_editable = ("order", "show_on_home")
    list_filter = ("show_on_home",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)
    exclude = ("translations",)

    def get_form(self, request, obj=None, **kwargs):
        # Built per request: the inputs follow the editions (settings.LANGUAGES).
        kwargs["form"] = translations_form(Category, TRANSLATED)
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        extra = translation_fieldsets(TRANSLATED)
        shown_apart = {name for _, options in extra for name in options["fields"]}
        fields = [name for name in self.get_fields(request, obj) if name not in shown_apart]
        return [(None, {"fields": fields}), *extra]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("parent")
            .annotate(n_articles=Count("articles"))
            .order_by("order", "name")
        )  # an aggregate drops Meta.ordering

    @admin.display(description="articles", ordering="n_articles")
    def article_count(self, obj):
        return obj.n_articles

    def get_search_results(self, request, queryset, search_term):
        """Matches by name first ("Commun": Community before a section that only
        mentions communities in its description), then by a word of the name, then
        the rest; the section box of the article form picks the first on Enter."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return queryset, may_have_duplicates
        rank = Case(
            When(name__istartswith=term, then=Value(0)),
            When(Q(name__icontains=f" {term}") | Q(slug__istartswith=term), then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        ranked = queryset.annotate(match_rank=rank).order_by("match_rank", "order", "name")
        return ranked, may_have_duplicates
