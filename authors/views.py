"""An author's page: profile and live stories, newest first."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.views.generic import ListView

from caching import keys

from .models import Author


class AuthorDetailView(ListView):
    """An author's profile and their live articles, newest first."""

    template_name = "authors/author_detail.html"
    context_object_name = "articles"
    cache_params = ("page",)

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    @cached_property
    def author(self):
        return get_object_or_404(Author, slug=self.kwargs["slug"])

    def get_queryset(self):
        # Reached through the reverse relation: authors does not import articles.
        return self.author.articles.live().in_edition().latest_first()

    def paginate_queryset(self, queryset, page_size):
        # Pages of ids (cards load rows only when not cached), at most
        # LISTING_MAX_PAGES of them; older stories are in the date archives.
        return super().paginate_queryset(queryset.listing_window(page_size), page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Ids until a card needs the row (articles/cards.py).
        context["articles"] = context["object_list"].cards()
        context["author"] = self.author
        key = self.author.cache_key_for(self.author.pk)
        # What is shown of the author itself, and its list of stories.
        keys.record(key, keys.listing(key))
        return context
