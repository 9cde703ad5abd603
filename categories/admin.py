"""The categories admin: editors manage sections, their order and which the home page shows."""

from django.contrib import admin
from django.db.models import Count

from .models import Category


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "order", "show_on_home", "article_count")
    list_editable = ("order", "show_on_home")
    list_filter = ("show_on_home",)
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)

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
