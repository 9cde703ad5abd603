"""A category's page: its live stories and its subcategories', newest first."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.views.generic import ListView

from caching import keys

from .models import Category


class CategoryDetailView(ListView):
    """A category's live articles, its subcategories' included, newest first."""

    template_name = "categories/category_detail.html"
    context_object_name = "articles"
    cache_params = ("page",)

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    @cached_property
    def category(self):
        return get_object_or_404(
            Category.objects.select_related("parent").prefetch_related("children"),
            slug=self.kwargs["slug"],
        )

    def get_queryset(self):
        # Reached through the reverse relation: categories does not import articles.
        articles = self.category.articles.model.objects
        category_ids = [self.category.pk, *(c.pk for c in self.category.children.all())]
        return articles.live().in_edition().filter(category_id__in=category_ids).latest_first()

    def paginate_queryset(self, queryset, page_size):
        # Pages of ids (cards load rows only when not cached), at most
        # LISTING_MAX_PAGES of them; older stories are in the date archives.
        return super().paginate_queryset(queryset.listing_window(page_size), page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Ids until a card needs the row (articles/cards.py).
        context["articles"] = context["object_list"].cards()
        context["category"] = self.category
        key = self.category.cache_key_for(self.category.pk)
        # What is shown of the category itself, and its list of stories.
        keys.record(key, keys.listing(key))
        return context
