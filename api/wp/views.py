"""The WordPress-compatible read API: /wp-json/ and /wp-json/wp/v2/... (GET only).

Views read their parameters as WordPress does (api.params), load a page in a
fixed number of queries (api.wp.loading), shape it with api.wp.serializers,
and record the cache keys of what they show (caching.keys), so the page cache
stores each answer until a change of that content purges it, answers
conditional GETs with 304 and counts only renderings against THROTTLE_RENDER.
"""

import math
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Case, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from taggit.models import Tag

from articles import cache_keys
from articles.models import Article
from authors.models import Author
from caching import keys
from categories.models import Category
from images.models import Image

from .. import ids
from ..cors import allow_any_origin
from ..params import ApiError, Param, read
from . import loading
from .serializers import (
    MediaSerializer,
    PostSerializer,
    TermSerializer,
    UserSerializer,
    embed,
    rest_url,
)

NAMESPACE = "wp/v2"

# -- parameters (WordPress's get_collection_params()) -------------------------------------

CONTEXT = Param(
    "context",
    "string",
    "Scope under which the request is made; determines fields present in response.",
    "view",
    enum=("view", "embed", "edit"),
)
PAGE = Param("page", "integer", "Current page of the collection.", 1, minimum=1)
PER_PAGE = Param(
    "per_page",
    "integer",
    "Maximum number of items to be returned in result set.",
    10,
    minimum=1,
    maximum=100,
)
SEARCH = Param("search", "string", "Limit results to those matching a string.")
EXCLUDE = Param("exclude", "array", "Ensure result set excludes specific IDs.")
INCLUDE = Param("include", "array", "Limit result set to specific IDs.")
OFFSET = Param("offset", "integer", "Offset the result set by a specific number of items.")
SLUG = Param(
    "slug", "array", "Limit result set to items with one or more specific slugs.", items="string"
)
ORDER_DESC = Param(
    "order", "string", "Order sort attribute ascending or descending.", "desc", enum=("asc", "desc")
)
ORDER_ASC = Param(
    "order", "string", "Order sort attribute ascending or descending.", "asc", enum=("asc", "desc")
)
AFTER = Param(
    "after", "date-time", "Limit response to posts published after a given ISO8601 compliant date."
)
BEFORE = Param(
    "before",
    "date-time",
    "Limit response to posts published before a given ISO8601 compliant date.",
)
MODIFIED_AFTER = Param(
    "modified_after",
    "date-time",
    "Limit response to posts modified after a given ISO8601 compliant date.",
)
MODIFIED_BEFORE = Param(
    "modified_before",
    "date-time",
    "Limit response to posts modified before a given ISO8601 compliant date.",
)

# Posts and media (WordPress's attachments controller extends the posts one) sort alike.
POST_ORDERBY = Param(
    "orderby",
    "string",
    "Sort collection by post attribute.",
    "date",
    enum=(
        "author",
        "date",
        "id",
        "include",
        "modified",
        "parent",
        "relevance",
        "slug",
        "include_slugs",
        "title",
    ),
)

POST_PARAMS = (
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    AFTER,
    MODIFIED_AFTER,
    Param("author", "array", "Limit result set to posts assigned to specific authors."),
    Param(
        "author_exclude", "array", "Ensure result set excludes posts assigned to specific authors."
    ),
    BEFORE,
    MODIFIED_BEFORE,
    EXCLUDE,
    INCLUDE,
    OFFSET,
    ORDER_DESC,
    POST_ORDERBY,
    SLUG,
    Param(
        "status",
        "array",
        "Limit result set to posts assigned one or more statuses.",
        ("publish",),
        items="string",
        enum=("publish",),
    ),
    Param(
        "categories",
        "array",
        "Limit result set to items with specific terms assigned in the categories taxonomy.",
    ),
    Param(
        "categories_exclude",
        "array",
        "Limit result set to items except those with specific terms assigned in the categories"
        " taxonomy.",
    ),
    Param(
        "tags",
        "array",
        "Limit result set to items with specific terms assigned in the tags taxonomy.",
    ),
    Param(
        "tags_exclude",
        "array",
        "Limit result set to items except those with specific terms assigned in the tags taxonomy.",
    ),
    Param("sticky", "boolean", "Limit result set to items that are sticky."),
)
TERM_ORDERBY = Param(
    "orderby",
    "string",
    "Sort collection by term attribute.",
    "name",
    enum=("id", "include", "name", "slug", "include_slugs", "term_group", "description", "count"),
)
HIDE_EMPTY = Param(
    "hide_empty", "boolean", "Whether to hide terms not assigned to any posts.", False
)
POST_OF = Param("post", "integer", "Limit result set to terms assigned to a specific post.")
CATEGORY_PARAMS = (
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    EXCLUDE,
    INCLUDE,
    ORDER_ASC,
    TERM_ORDERBY,
    HIDE_EMPTY,
    Param("parent", "integer", "Limit result set to terms assigned to a specific parent."),
    POST_OF,
    SLUG,
)
TAG_PARAMS = (
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    EXCLUDE,
    INCLUDE,
    OFFSET,
    ORDER_ASC,
    TERM_ORDERBY,
    HIDE_EMPTY,
    POST_OF,
    SLUG,
)
USER_PARAMS = (
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    EXCLUDE,
    INCLUDE,
    OFFSET,
    ORDER_ASC,
    Param(
        "orderby",
        "string",
        "Sort collection by user attribute.",
        "name",
        enum=("id", "include", "name", "registered_date", "slug", "include_slugs", "email", "url"),
    ),
    SLUG,
)
MEDIA_PARAMS = (
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    AFTER,
    BEFORE,
    MODIFIED_AFTER,
    MODIFIED_BEFORE,
    EXCLUDE,
    INCLUDE,
    OFFSET,
    ORDER_DESC,
    POST_ORDERBY,
    Param("parent", "array", "Limit result set to items with particular parent IDs."),
    SLUG,
    Param(
        "media_type",
        "string",
        "Limit result set to attachments of a particular media type.",
        enum=("image", "video", "text", "application", "audio"),
    ),
    Param("mime_type", "string", "Limit result set to attachments of a particular MIME type."),
)
SEARCH_PARAMS = (
    CONTEXT,
    PAGE,
    PER_PAGE,
    SEARCH,
    Param(
        "type",
        "string",
        "Limit results to items of an object type.",
        "post",
        enum=("post", "term", "post-format"),
    ),
    Param(
        "subtype",
        "array",
        "Limit results to items of one or more object subtypes.",
        ("any",),
        items="string",
        enum=("any", "post", "page", "category", "post_tag"),
    ),
    EXCLUDE,
    INCLUDE,
)
SINGLE_PARAMS = (CONTEXT,)
# Read by every route (WordPress's global parameters).
GLOBAL = ("_fields", "_embed")


def _fields(query):
    raw = query.get("_fields")
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def filter_fields(data, fields):
    """WordPress's rest_filter_response_fields(): only the requested (top-level or
    dotted) fields; `_links` and `_embedded` only when named."""
    if fields is None:
        return data
    out = {}
    for name in fields:
        head, _, rest = name.partition(".")
        if head not in data:
            continue
        if rest and isinstance(data[head], dict):
            sub = out.setdefault(head, {})
            if isinstance(sub, dict):
                sub.update(filter_fields(data[head], {rest}))
        else:
            out[head] = data[head]
    return {name: out[name] for name in data if name in out}


class WordPressView(APIView):
    """GET only, public, no session or authentication: the same answer for everyone."""

    authentication_classes = ()
    permission_classes = ()
    throttle_classes = ()
    renderer_classes = (JSONRenderer,)
    schema = None  # not part of the project's own API schema (/api/v1/schema/)
    http_method_names = ("get", "head", "options")
    params = SINGLE_PARAMS
    # The page cache keys a response by these (caching.pages).
    cache_params = ()
    not_found = ("rest_no_route", "No route was found matching the URL and request method.")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.cache_params = tuple(p.name for p in cls.params) + GLOBAL

    def options(self, request, *args, **kwargs):
        return Response(status=200)

    def handle_exception(self, exc):
        if isinstance(exc, ApiError):
            return Response(exc.as_json(), status=exc.status)
        if isinstance(exc, Http404):
            code, message = self.not_found
            keys.record("404")
            return Response({"code": code, "message": message, "data": {"status": 404}}, status=404)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        allow_any_origin(response)
        response["Allow"] = "GET"
        response["Link"] = ", ".join(
            [*getattr(response, "wp_links", ()), f'<{rest_url()}>; rel="https://api.w.org/"']
        )
        return response

    # The fields of the "embed" context (context=embed), when the route has one.
    embed_fields = ()

    def read_params(self, request):
        values = read(request.query_params, self.params)
        self.wp_context = values.get("context", "view")
        if values.get("context") == "edit":
            raise ApiError(
                "rest_forbidden_context",
                "Sorry, you are not allowed to edit posts in this context.",
                401,
            )
        return values

    def embed_wanted(self, request):
        return "_embed" in request.query_params

    def embedded_rels(self, request):
        """The link relations `_embed` asks for: all (None), or those it names."""
        value = request.query_params.get("_embed", "").strip()
        if value in ("", "1", "true"):
            return None
        return {part.strip() for part in value.split(",") if part.strip()}

    def shaped(self, request, items):
        if getattr(self, "wp_context", "view") == "embed" and self.embed_fields:
            kept = {*self.embed_fields, "_embedded"}
            items = [{k: v for k, v in item.items() if k in kept} for item in items]
        fields = _fields(request.query_params)
        return [filter_fields(item, fields) for item in items]


def _resolve_filter(model, values, name):
    """The pks behind the public ids given for `name` (ids naming nothing match nothing)."""
    found = ids.resolve(model, values.get(name) or [])
    return list(found.values())


def _include_order(queryset, order, field="pk"):
    if not order:
        return queryset
    whens = [When(**{field: value}, then=Value(i)) for i, value in enumerate(order)]
    return queryset.order_by(Case(*whens, default=Value(len(order)), output_field=IntegerField()))


class CollectionView(WordPressView):
    """A paginated list with X-WP-Total, X-WP-TotalPages and Link (prev/next)."""

    route = ""
    invalid_page = (
        "rest_post_invalid_page_number",
        "The page number requested is larger than the number of pages available.",
    )

    def paginate(self, request, values, queryset):
        per_page, page = values["per_page"], values["page"]
        offset = values.get("offset")
        start = max(0, offset) if offset is not None else (page - 1) * per_page
        total = queryset.count()
        pages = math.ceil(total / per_page) if total else 0
        if page > pages and total > 0:
            raise ApiError(*self.invalid_page, 400)
        rows = queryset[start : start + per_page] if start < total else queryset.none()
        links = []
        query = {k: v for k, v in request.query_params.items() if k != "page"}
        base = rest_url(f"{NAMESPACE}/{self.route}")
        if page > 1 and pages:
            previous = min(page - 1, pages)
            links.append(f'<{base}?{urlencode({**query, "page": previous})}>; rel="prev"')
        if page < pages:
            links.append(f'<{base}?{urlencode({**query, "page": page + 1})}>; rel="next"')
        return rows, total, pages, links

    def respond(self, request, data, total, pages, links):
        response = Response(self.shaped(request, data))
        response["X-WP-Total"] = str(total)
        response["X-WP-TotalPages"] = str(pages)
        response.wp_links = links
        return response


def post_embedded(story, context):
    """WordPress's `_embedded` of a post: its author, featured media and terms."""
    embedded = {}
    if story.ordered_authors:
        embedded["author"] = [embed(UserSerializer, story.ordered_authors[0], context)]
    if story.featured_image_id:
        embedded["wp:featuredmedia"] = [embed(MediaSerializer, story.featured_image, context)]
    embedded["wp:term"] = [
        [embed(TermSerializer, story.category, context)],
        [embed(TermSerializer, tag, context) for tag in story.tag_list],
    ]
    return embedded


def story_keys(story):
    shown = cache_keys.card_keys(story)
    shown.update(cache_keys.tag(tag.pk) for tag in story.tag_list)
    return shown


class PostsMixin:
    embed_fields = PostSerializer.EMBED

    def serialize_posts(self, request, stories):
        context = {"ids": loading.post_ids(stories)}
        wanted = self.embed_wanted(request)
        out = []
        for story in stories:
            data = PostSerializer(story, context=context).data
            if wanted:
                embedded = post_embedded(story, context)
                rels = self.embedded_rels(request)
                if rels is not None:
                    embedded = {rel: value for rel, value in embedded.items() if rel in rels}
                if embedded:
                    data["_embedded"] = embedded
            keys.record_all(story_keys(story))
            out.append(data)
        return out


class PostListView(PostsMixin, CollectionView):
    params = POST_PARAMS
    route = "posts"

    def get(self, request):
        values = self.read_params(request)
        # Any change of which stories are live, or of their tags and bylines, purges
        # `search` (articles.cache_keys): every filtered list is current.
        keys.record(cache_keys.SEARCH)
        queryset = Article.objects.live()
        if values.get("orderby") == "relevance" and not values.get("search"):
            raise ApiError(
                "rest_no_search_term_defined",
                "You need to define a search term to order by relevance.",
                400,
            )
        if values.get("orderby") == "include" and not values.get("include"):
            raise ApiError(
                "rest_orderby_include_missing_include",
                "You need to define an include parameter to order by include.",
                400,
            )
        if "search" in values and values["search"]:
            term = values["search"]
            queryset = queryset.filter(
                Q(title__icontains=term) | Q(dek__icontains=term) | Q(body__icontains=term)
            )
        if "after" in values:
            queryset = queryset.filter(publish_at__gt=values["after"])
        if "before" in values:
            queryset = queryset.filter(publish_at__lt=values["before"])
        modified = Coalesce(Greatest("content_updated_at", "publish_at"), "publish_at")
        if "modified_after" in values or "modified_before" in values:
            queryset = queryset.alias(modified=modified)
            if "modified_after" in values:
                queryset = queryset.filter(modified__gt=values["modified_after"])
            if "modified_before" in values:
                queryset = queryset.filter(modified__lt=values["modified_before"])
        include_order = []
        for name, model, lookup, exclude in (
            ("include", Article, "pk__in", False),
            ("exclude", Article, "pk__in", True),
            ("author", Author, "bylines__author__in", False),
            ("author_exclude", Author, "bylines__author__in", True),
            ("categories", Category, "category__in", False),
            ("categories_exclude", Category, "category__in", True),
            ("tags", Tag, "tags__in", False),
            ("tags_exclude", Tag, "tags__in", True),
        ):
            if not values.get(name):
                continue  # an empty list filters nothing, as in WordPress
            found = ids.resolve(model, values[name])
            pks = list(found.values())
            if name == "include":
                include_order = [found[i] for i in values[name] if i in found]
            if exclude:
                queryset = queryset.exclude(**{lookup: pks})
            elif lookup == "pk__in":
                queryset = queryset.filter(**{lookup: pks})
            else:
                # Through a relation: keep each story once.
                queryset = queryset.filter(
                    pk__in=Article.objects.filter(**{lookup: pks}).values("pk")
                )
        if values.get("slug"):
            queryset = queryset.filter(slug__in=values["slug"])
        if "sticky" in values:
            queryset = queryset.filter(is_featured=values["sticky"])
        queryset = self.ordered(queryset, values, include_order, modified)
        rows, total, pages, links = self.paginate(request, values, queryset)
        stories = loading.posts(rows, embed=self.embed_wanted(request))
        return self.respond(request, self.serialize_posts(request, stories), total, pages, links)

    def ordered(self, queryset, values, include_order, modified):
        orderby, descending = values["orderby"], values["order"] == "desc"
        if orderby == "include":
            return _include_order(queryset, include_order)
        if orderby == "include_slugs":
            return _include_order(queryset, values.get("slug") or [], "slug")
        field = {
            "date": "publish_at",
            "modified": "modified_sort",
            "slug": "slug",
            "title": "title",
        }.get(orderby, "id")
        if field == "modified_sort":
            queryset = queryset.alias(modified_sort=modified)
        sign = "-" if descending else ""
        return queryset.order_by(f"{sign}{field}", f"{sign}id")


class PostDetailView(PostsMixin, WordPressView):
    not_found = ("rest_post_invalid_id", "Invalid post ID.")

    def get(self, request, id):
        self.read_params(request)
        keys.record(cache_keys.SEARCH)  # a story going live at this id
        pk = ids.resolve(Article, [id]).get(id)
        stories = (
            loading.posts(Article.objects.live().filter(pk=pk), embed=self.embed_wanted(request))
            if pk
            else []
        )
        if not stories:
            raise Http404
        data = self.serialize_posts(request, stories)[0]
        return Response(self.shaped(request, [data])[0])


class TermsMixin:
    model = Category
    embed_fields = TermSerializer.EMBED

    def terms(self):
        return loading.categories() if self.model is Category else loading.tags()

    def serialize_terms(self, terms):
        wanted = {Category: set(), Tag: set()}
        for term in terms:
            wanted[self.model].add(term.pk)
            if getattr(term, "parent_id", None):
                wanted[Category].add(term.parent_id)
        context = {"ids": ids.public_ids(wanted)}
        key = cache_keys.section if self.model is Category else cache_keys.tag
        keys.record_all(key(term.pk) for term in terms)
        return [TermSerializer(term, context=context).data for term in terms]


class TermListView(TermsMixin, CollectionView):
    invalid_page = (
        "rest_term_invalid_page_number",
        "The page number requested is larger than the number of pages available.",
    )

    def get(self, request):
        values = self.read_params(request)
        keys.record(cache_keys.SEARCH, cache_keys.SITEMAP, cache_keys.SECTIONS)
        queryset = self.terms()
        if values.get("search"):
            queryset = queryset.filter(name__icontains=values["search"])
        if values.get("hide_empty"):
            queryset = queryset.filter(live_count__gt=0)
        if "include" in values:
            queryset = queryset.filter(pk__in=_resolve_filter(self.model, values, "include"))
        if "exclude" in values:
            queryset = queryset.exclude(pk__in=_resolve_filter(self.model, values, "exclude"))
        if "parent" in values:
            parent = values["parent"]
            if parent == 0:
                queryset = queryset.filter(parent__isnull=True)
            else:
                queryset = queryset.filter(parent__in=ids.resolve(Category, [parent]).values())
        if "post" in values:
            story = ids.resolve(Article, [values["post"]]).get(values["post"])
            live = Article.objects.live().filter(pk=story)
            if self.model is Category:
                queryset = queryset.filter(articles__in=live)
            else:
                queryset = queryset.filter(
                    taggit_taggeditem_items__content_type=loading.article_type(),
                    taggit_taggeditem_items__object_id__in=live.values("pk"),
                )
        if values.get("slug"):
            queryset = queryset.filter(slug__in=values["slug"])
        orderby = values["orderby"]
        if orderby == "include":
            order = ids.resolve(self.model, values.get("include") or [])
            queryset = _include_order(
                queryset, [order[i] for i in values.get("include") or [] if i in order]
            )
        elif orderby == "include_slugs":
            queryset = _include_order(queryset, values.get("slug") or [], "slug")
        else:
            field = {
                "id": "id",
                "slug": "slug",
                "count": "live_count",
                "description": "description" if self.model is Category else "name",
            }.get(orderby, "name")
            sign = "-" if values["order"] == "desc" else ""
            queryset = queryset.order_by(f"{sign}{field}", f"{sign}id")
        rows, total, pages, links = self.paginate(request, values, queryset)
        return self.respond(request, self.serialize_terms(list(rows)), total, pages, links)


class TermDetailView(TermsMixin, WordPressView):
    not_found = ("rest_term_invalid", "Term does not exist.")

    def get(self, request, id):
        self.read_params(request)
        keys.record(cache_keys.SEARCH, cache_keys.SECTIONS)
        pk = ids.resolve(self.model, [id]).get(id)
        terms = list(self.terms().filter(pk=pk)) if pk else []
        if not terms:
            raise Http404
        return Response(self.shaped(request, self.serialize_terms(terms))[0])


class CategoryListView(TermListView):
    params = CATEGORY_PARAMS
    route = "categories"
    model = Category


class TagListView(TermListView):
    params = TAG_PARAMS
    route = "tags"
    model = Tag


class CategoryDetailView(TermDetailView):
    model = Category


class TagDetailView(TermDetailView):
    model = Tag


def _simple_ordered(queryset, values, fields, include_model):
    orderby = values["orderby"]
    if orderby == "include":
        order = ids.resolve(include_model, values.get("include") or [])
        return _include_order(
            queryset, [order[i] for i in values.get("include") or [] if i in order]
        )
    if orderby == "include_slugs":
        return _include_order(queryset, values.get("slug") or [], "slug")
    sign = "-" if values["order"] == "desc" else ""
    return queryset.order_by(f"{sign}{fields.get(orderby, 'id')}", f"{sign}id")


class UsersMixin:
    embed_fields = UserSerializer.EMBED

    def serialize_users(self, authors):
        context = {"ids": ids.public_ids({Author: {a.pk for a in authors}})}
        keys.record_all(cache_keys.author(a.pk) for a in authors)
        return [UserSerializer(a, context=context).data for a in authors]


class UserListView(UsersMixin, CollectionView):
    params = USER_PARAMS
    route = "users"
    invalid_page = (
        "rest_user_invalid_page_number",
        "The page number requested is larger than the number of pages available.",
    )

    def get(self, request):
        values = self.read_params(request)
        keys.record(cache_keys.SEARCH, cache_keys.SITEMAP)
        queryset = loading.users()
        if values.get("search"):
            queryset = queryset.filter(
                Q(name__icontains=values["search"]) | Q(slug__icontains=values["search"])
            )
        if "include" in values:
            queryset = queryset.filter(pk__in=_resolve_filter(Author, values, "include"))
        if "exclude" in values:
            queryset = queryset.exclude(pk__in=_resolve_filter(Author, values, "exclude"))
        if values.get("slug"):
            queryset = queryset.filter(slug__in=values["slug"])
        fields = {
            "id": "id",
            "name": "name",
            "slug": "slug",
            "registered_date": "created_at",
            "url": "website",
            "email": "id",
        }
        queryset = _simple_ordered(queryset, values, fields, Author)
        rows, total, pages, links = self.paginate(request, values, queryset)
        return self.respond(request, self.serialize_users(list(rows)), total, pages, links)


class UserDetailView(UsersMixin, WordPressView):
    not_found = ("rest_user_invalid_id", "Invalid user ID.")

    def get(self, request, id):
        self.read_params(request)
        keys.record(cache_keys.SEARCH)
        pk = ids.resolve(Author, [id]).get(id)
        authors = list(loading.users().filter(pk=pk)) if pk else []
        if not authors:
            raise Http404
        return Response(self.shaped(request, self.serialize_users(authors))[0])


class MediaMixin:
    embed_fields = MediaSerializer.EMBED

    def serialize_media(self, images):
        context = {"ids": ids.public_ids({Image: {i.pk for i in images}})}
        keys.record_all(cache_keys.image(i.pk) for i in images)
        return [MediaSerializer(i, context=context).data for i in images]


class MediaListView(MediaMixin, CollectionView):
    params = MEDIA_PARAMS
    route = "media"

    def get(self, request):
        values = self.read_params(request)
        keys.record(cache_keys.SEARCH)
        queryset = loading.media()
        if values.get("search"):
            queryset = queryset.filter(
                Q(title__icontains=values["search"]) | Q(caption__icontains=values["search"])
            )
        if "after" in values:
            queryset = queryset.filter(created_at__gt=values["after"])
        if "before" in values:
            queryset = queryset.filter(created_at__lt=values["before"])
        if "modified_after" in values:
            queryset = queryset.filter(updated_at__gt=values["modified_after"])
        if "modified_before" in values:
            queryset = queryset.filter(updated_at__lt=values["modified_before"])
        if "include" in values:
            queryset = queryset.filter(pk__in=_resolve_filter(Image, values, "include"))
        if "exclude" in values:
            queryset = queryset.exclude(pk__in=_resolve_filter(Image, values, "exclude"))
        if "parent" in values:
            stories = Article.objects.live().filter(
                pk__in=_resolve_filter(Article, values, "parent")
            )
            queryset = queryset.filter(
                Q(featured_in__in=stories) | Q(in_article_bodies__article__in=stories)
            ).distinct()
        if values.get("media_type") not in (None, "image"):
            queryset = queryset.none()
        if values.get("mime_type"):
            extensions = {
                "image/jpeg": (".jpg", ".jpeg"),
                "image/png": (".png",),
                "image/gif": (".gif",),
                "image/webp": (".webp",),
            }
            endings = extensions.get(values["mime_type"], ())
            match = Q(pk__in=[])
            for ending in endings:
                match |= Q(file__iendswith=ending)
            queryset = queryset.filter(match)
        fields = {
            "date": "created_at",
            "id": "id",
            "modified": "updated_at",
            "title": "title",
            "slug": "title",
        }
        queryset = _simple_ordered(queryset, values, fields, Image)
        rows, total, pages, links = self.paginate(request, values, queryset)
        return self.respond(request, self.serialize_media(list(rows)), total, pages, links)


class MediaDetailView(MediaMixin, WordPressView):
    not_found = ("rest_post_invalid_id", "Invalid post ID.")

    def get(self, request, id):
        self.read_params(request)
        keys.record(cache_keys.SEARCH)
        pk = ids.resolve(Image, [id]).get(id)
        images = list(loading.media().filter(pk=pk)) if pk else []
        if not images:
            raise Http404
        return Response(self.shaped(request, self.serialize_media(images))[0])


class SearchView(CollectionView):
    params = SEARCH_PARAMS
    route = "search"
    invalid_page = (
        "rest_search_invalid_page_number",
        "The page number requested is larger than the number of pages available.",
    )

    def get(self, request):
        values = self.read_params(request)
        keys.record(cache_keys.SEARCH, cache_keys.SECTIONS, cache_keys.SITEMAP)
        term = values.get("search") or ""
        kind = values["type"]
        subtypes = set(values["subtype"]) - {"any"}
        if kind == "post":
            queryset = Article.objects.live()
            if subtypes and "post" not in subtypes:
                queryset = queryset.none()
            if term:
                queryset = queryset.filter(
                    Q(title__icontains=term) | Q(dek__icontains=term) | Q(body__icontains=term)
                )
            model = Article
        elif kind == "term":
            wants = subtypes or {"category", "post_tag"}
            model = Category if "category" in wants else Tag
            queryset = loading.categories() if model is Category else loading.tags()
            if term:
                queryset = queryset.filter(name__icontains=term)
        else:
            queryset, model = Article.objects.none(), Article
        if "include" in values:
            queryset = queryset.filter(pk__in=_resolve_filter(model, values, "include"))
        if "exclude" in values:
            queryset = queryset.exclude(pk__in=_resolve_filter(model, values, "exclude"))
        if model is not Article:
            queryset = queryset.order_by("name", "id")
        rows, total, pages, links = self.paginate(request, values, queryset)
        rows = list(rows)
        shown = ids.public_ids({model: {row.pk for row in rows}})
        results = []
        for row in rows:
            pid = shown[(model, row.pk)]
            if model is Article:
                keys.record(cache_keys.article(row.pk))
                subtype, route, title, url = (
                    "post",
                    f"posts/{pid}",
                    row.title,
                    row.get_absolute_url(),
                )
                about = "types/post"
            else:
                taxonomy = "category" if model is Category else "post_tag"
                key = cache_keys.section if model is Category else cache_keys.tag
                keys.record(key(row.pk))
                route = f"{'categories' if model is Category else 'tags'}/{pid}"
                subtype, title, about = taxonomy, row.name, f"taxonomies/{taxonomy}"
                url = (
                    row.get_absolute_url()
                    if model is Category
                    else TermSerializer(row, context={"ids": shown}).get_link(row)
                )
            results.append(
                {
                    "id": pid,
                    "title": title,
                    "url": url if url.startswith("http") else settings.SITE_URL + url,
                    "type": kind,
                    "subtype": subtype,
                    "_links": {
                        "self": [{"embeddable": True, "href": rest_url(f"{NAMESPACE}/{route}")}],
                        "about": [{"href": rest_url(f"{NAMESPACE}/{about}")}],
                        "collection": [{"href": rest_url(f"{NAMESPACE}/search")}],
                    },
                }
            )
        return self.respond(request, results, total, pages, links)


ROUTES = {
    "posts": (PostListView, PostDetailView),
    "categories": (CategoryListView, CategoryDetailView),
    "tags": (TagListView, TagDetailView),
    "users": (UserListView, UserDetailView),
    "media": (MediaListView, MediaDetailView),
    "search": (SearchView, None),
}


def route_index(route, params):
    """One route as WordPress's discovery lists it."""
    return {
        "namespace": NAMESPACE,
        "methods": ["GET"],
        "endpoints": [{"methods": ["GET"], "args": {p.name: p.schema() for p in params}}],
        "_links": {"self": [{"href": rest_url(route.lstrip("/"))}]},
    }


def routes():
    listed = {
        f"/{NAMESPACE}": {
            "namespace": NAMESPACE,
            "methods": ["GET"],
            "endpoints": [
                {
                    "methods": ["GET"],
                    "args": {
                        "namespace": {"default": NAMESPACE, "required": False},
                        "context": {"default": "view", "required": False},
                    },
                }
            ],
            "_links": {"self": [{"href": rest_url(NAMESPACE)}]},
        }
    }
    for name, (collection, single) in ROUTES.items():
        listed[f"/{NAMESPACE}/{name}"] = route_index(f"{NAMESPACE}/{name}", collection.params)
        if single is not None:
            entry = route_index(f"{NAMESPACE}/{name}/(?P<id>[\\d]+)", single.params)
            entry["endpoints"][0]["args"]["id"] = {
                "description": "Unique identifier for the object.",
                "type": "integer",
                "required": False,
            }
            entry.pop("_links")
            listed[f"/{NAMESPACE}/{name}/(?P<id>[\\d]+)"] = entry
    return listed


class IndexView(WordPressView):
    """/wp-json/: what the site is and which routes it answers."""

    def get(self, request):
        self.read_params(request)
        return Response(
            self.shaped(
                request,
                [
                    {
                        "name": settings.SITE_NAME,
                        "description": settings.SITE_DESCRIPTION,
                        "url": settings.SITE_URL,
                        "home": settings.SITE_URL,
                        "gmt_offset": _gmt_offset(),
                        "timezone_string": settings.TIME_ZONE,
                        "namespaces": [NAMESPACE],
                        "authentication": [],
                        "routes": {
                            "/": {
                                "namespace": "",
                                "methods": ["GET"],
                                "endpoints": [
                                    {
                                        "methods": ["GET"],
                                        "args": {"context": {"default": "view", "required": False}},
                                    }
                                ],
                                "_links": {"self": [{"href": rest_url()}]},
                            },
                            **routes(),
                        },
                        "site_logo": 0,
                        "site_icon": 0,
                        "site_icon_url": "",
                        "_links": {"help": [{"href": "https://developer.wordpress.org/rest-api/"}]},
                    }
                ],
            )[0]
        )


class NamespaceView(WordPressView):
    """/wp-json/wp/v2: the namespace's routes."""

    def get(self, request):
        self.read_params(request)
        return Response(
            {"namespace": NAMESPACE, "routes": routes(), "_links": {"up": [{"href": rest_url()}]}}
        )


class NoRouteView(WordPressView):
    """Any other address under /wp-json/: WordPress's rest_no_route."""

    def get(self, request, rest=""):
        raise Http404


def _gmt_offset():
    offset = timezone.localtime().utcoffset()
    hours = offset.total_seconds() / 3600 if offset else 0
    return int(hours) if hours == int(hours) else hours
