from django.conf import settings
from django.db.models import Count, F, Q, Window, prefetch_related_objects
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import cached_property
from django.views.generic import (
    DetailView,
    ListView,
    MonthArchiveView,
    TemplateView,
    YearArchiveView,
)
from taggit.models import Tag

from categories.models import Category

from .models import Article
from .preview import can_preview

HOME_LATEST = 10
HOME_BLOCK_SIZE = 4
RELATED_COUNT = 4


class ListingMixin:
    """Paginated lists of live articles, newest first, with what cards show."""

    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    def live_articles(self):
        return Article.objects.live().for_listing().latest_first()


class HomeView(TemplateView):
    template_name = "articles/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        live = Article.objects.live().select_related("category").latest_first()
        # The newest featured story leads; without one, the newest story does.
        featured = live.filter(is_featured=True).first()
        newest = list(live[: HOME_LATEST + 1])
        lead = featured or (newest[0] if newest else None)
        latest = [article for article in newest if article != lead][:HOME_LATEST]
        blocks = self.category_blocks(exclude=lead)
        # One round of prefetching for every card on the page, however many blocks.
        cards = ([lead] if lead else []) + latest + [a for _, items in blocks for a in items]
        prefetch_related_objects(cards, "bylines__author", "tags")
        context.update(lead=lead, latest=latest, category_blocks=blocks)
        return context

    def category_blocks(self, exclude=None):
        """The newest few stories of each home-page category, in one query."""
        categories = list(Category.objects.filter(show_on_home=True))
        if not categories:
            return []
        ranked = (
            Article.objects.live()
            .filter(category__in=categories)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=F("category_id"),
                    order_by=[F("publish_at").desc(), F("id").desc()],
                )
            )
            .filter(rank__lte=HOME_BLOCK_SIZE)
            .select_related("category")
            .order_by("category_id", "rank")
        )
        if exclude is not None:
            ranked = ranked.exclude(pk=exclude.pk)
        by_category = {}
        for article in ranked:
            by_category.setdefault(article.category_id, []).append(article)
        return [(c, by_category[c.pk]) for c in categories if by_category.get(c.pk)]


class ArticleDetailView(DetailView):
    model = Article
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        return Article.objects.select_related("category").prefetch_related(
            "bylines__author", "tags", "corrections"
        )

    def get_object(self, queryset=None):
        article = get_object_or_404(self.get_queryset(), slug=self.kwargs["slug"])
        if not article.is_live and not can_preview(self.request, article):
            raise Http404("No article found matching the query")
        return article

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        when = self.object.local_publish_at
        # A live article answers at one address only; others move permanently.
        if self.object.is_live and (
            when.year != int(kwargs["year"]) or when.month != int(kwargs["month"])
        ):
            return redirect(self.object.get_absolute_url(), permanent=True)
        context = self.get_context_data(object=self.object)
        response = self.render_to_response(context)
        if not self.object.is_live:
            # A preview must never be stored by a shared cache or indexed.
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_preview"] = not self.object.is_live
        context["related"] = self.related_articles()
        return context

    def related_articles(self):
        """Live stories sharing the most tags, then the same category; newest first."""
        article = self.object
        tag_ids = [tag.pk for tag in article.tags.all()]
        return list(
            Article.objects.live()
            .exclude(pk=article.pk)
            .filter(Q(category_id=article.category_id) | Q(tags__in=tag_ids))
            .annotate(shared_tags=Count("tags", filter=Q(tags__in=tag_ids), distinct=True))
            .select_related("category")
            .order_by("-shared_tags", "-publish_at", "-id")[:RELATED_COUNT]
        )


def day_permalink(request, year, month, day, slug):
    """/<yyyy>/<mm>/<dd>/<slug>/ (WordPress's day-and-name links) moves to the canonical address."""
    article = get_object_or_404(Article.objects.live(), slug=slug)
    return redirect(article.get_absolute_url(), permanent=True)


class ArchiveMixin(ListingMixin):
    date_field = "publish_at"
    make_object_list = True
    allow_empty = False
    allow_future = False
    month_format = "%m"

    def get_queryset(self):
        return self.live_articles()


class ArticleYearArchiveView(ArchiveMixin, YearArchiveView):
    template_name = "articles/article_archive_year.html"


class ArticleMonthArchiveView(ArchiveMixin, MonthArchiveView):
    template_name = "articles/article_archive_month.html"


class TagView(ListingMixin, ListView):
    template_name = "articles/tag_detail.html"

    @cached_property
    def tag(self):
        return get_object_or_404(Tag, slug=self.kwargs["slug"])

    def get_queryset(self):
        return self.live_articles().filter(tags=self.tag)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tag"] = self.tag
        return context


class SearchView(ListingMixin, ListView):
    template_name = "articles/search.html"
    max_query_length = 200

    @cached_property
    def query(self):
        # NUL bytes and runaway lengths are cut here, before any database sees them.
        q = self.request.GET.get("q", "").replace("\x00", "")
        return " ".join(q.split())[: self.max_query_length]

    def get_queryset(self):
        if not self.query:
            return Article.objects.none()
        terms = self.query.split()[:10]
        match = Q()
        for term in terms:
            match &= (
                Q(title__icontains=term) | Q(dek__icontains=term) | Q(body__icontains=term)
            )
        return self.live_articles().filter(match)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["query"] = self.query
        return context
