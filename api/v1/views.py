"""The project's own read API, version 1 (/api/v1/): public content only.

Django REST framework's generic views and pagination, with the OpenAPI schema
drf-spectacular derives from them (/api/v1/schema/). Each answer records the
cache keys of what it shows, so the page cache stores it until one is purged.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer

from articles import cache_keys
from articles.models import Article
from caching import keys
from categories.models import Category
from images.renditions import with_renditions

from ..cors import allow_any_origin
from ..wp import loading
from . import serializers as shapes


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class PublicView:
    """Public, cookie-free, GET only; CORS for any origin; keys recorded."""

    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    renderer_classes = (JSONRenderer,)
    http_method_names = ("get", "head", "options")
    cache_params = ("page", "page_size")

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 404:
            keys.record("404")
        return allow_any_origin(response)


def _stories():
    corrections = Prefetch("corrections")
    return (
        Article.objects.live()
        .select_related("category", "featured_image")
        .with_bylines()
        .prefetch_related(*with_renditions("featured_image"), corrections)
    )


def _load_tags(stories):
    """Tags (one query), corrections and bylines (prefetched) as the serializer reads them."""
    loading.attach_tags(stories)
    for story in stories:
        story._correction_list = list(story.corrections.all())
        story._ordered_authors = [byline.author for byline in story.bylines.all()]
    return stories


def _story_keys(story):
    shown = cache_keys.card_keys(story)
    shown.update(cache_keys.tag(tag.pk) for tag in story.tag_list)
    return shown


@extend_schema(
    parameters=[
        OpenApiParameter("section", str, description="Only stories of this section (its slug)."),
        OpenApiParameter("tag", str, description="Only stories with this tag (its slug)."),
        OpenApiParameter("author", str, description="Only stories with this byline (its slug)."),
    ]
)
class StoryList(PublicView, generics.ListAPIView):
    """Live stories, newest first."""

    serializer_class = shapes.StorySerializer
    pagination_class = Pagination
    cache_params = ("page", "page_size", "section", "tag", "author")

    def get_queryset(self):
        queryset = _stories()
        query = self.request.query_params
        for name in ("section", "tag", "author"):
            if "\x00" in query.get(name, ""):
                raise ValidationError({name: "A slug cannot contain a NUL character."})
        if query.get("section"):
            queryset = queryset.filter(category__slug=query["section"])
        if query.get("tag"):
            queryset = queryset.filter(
                pk__in=Article.objects.filter(tags__slug=query["tag"]).values("pk")
            )
        if query.get("author"):
            queryset = queryset.filter(
                pk__in=Article.objects.filter(bylines__author__slug=query["author"]).values("pk")
            )
        return queryset.order_by("-publish_at", "-id")

    def paginate_queryset(self, queryset):
        # Any change of which stories are live, or of their tags and bylines, purges it.
        keys.record(cache_keys.SEARCH)
        page = super().paginate_queryset(queryset)
        stories = _load_tags(list(page))
        for story in stories:
            keys.record_all(_story_keys(story))
        return stories


class StoryDetail(PublicView, generics.RetrieveAPIView):
    """One live story, by its id."""

    serializer_class = shapes.StorySerializer
    cache_params = ()

    def get_object(self):
        keys.record(cache_keys.SEARCH)
        pk = self.kwargs["pk"]
        story = _stories().filter(pk=pk).first() if pk < 2**53 else None
        if story is None:
            raise NotFound("No live story has this id.")
        _load_tags([story])
        keys.record_all(_story_keys(story))
        return story


class SectionList(PublicView, generics.ListAPIView):
    """Every section."""

    serializer_class = shapes.SectionSerializer
    pagination_class = Pagination

    def get_queryset(self):
        keys.record(cache_keys.SECTIONS, cache_keys.SITEMAP)
        return Category.objects.order_by("order", "name", "id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        keys.record_all(cache_keys.section(section.pk) for section in page)
        return page


class TagList(PublicView, generics.ListAPIView):
    """Tags given to at least one live story."""

    serializer_class = shapes.TagSerializer
    pagination_class = Pagination

    def get_queryset(self):
        keys.record(cache_keys.SEARCH, cache_keys.SITEMAP)
        return loading.tags().order_by("name", "id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        keys.record_all(cache_keys.tag(tag.pk) for tag in page)
        return page


class AuthorList(PublicView, generics.ListAPIView):
    """Bylines of at least one live story."""

    serializer_class = shapes.BylineSerializer
    pagination_class = Pagination

    def get_queryset(self):
        keys.record(cache_keys.SEARCH, cache_keys.SITEMAP)
        return loading.users().order_by("name", "id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        keys.record_all(cache_keys.author(author.pk) for author in page)
        return page


class ImageDetail(PublicView, generics.RetrieveAPIView):
    """A picture a live story shows, with its renditions."""

    serializer_class = shapes.ImageSerializer
    cache_params = ()

    def get_object(self):
        keys.record(cache_keys.SEARCH)
        pk = self.kwargs["pk"]
        image = loading.media().filter(pk=pk).first() if pk < 2**53 else None
        if image is None:
            raise NotFound("No public picture has this id.")
        keys.record(cache_keys.image(image.pk))
        return image
