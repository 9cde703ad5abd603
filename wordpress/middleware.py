"""A WordPress site's old addresses answer 301 to ours.

`WordPressQueryLinkMiddleware`: the plain links (/?p=123, /?cat=4, /?author=2,
/?attachment_id=5, /?feed=rss2). `WordPressPathFallbackMiddleware`: the pretty
ones that no page of ours has (/page/2/, /category/news/world/, /archives/123,
/%postname%/, /category/x/feed/rss2/, attachment pages, comment feeds), looked at
only when nothing else answered (a 404), as contrib.redirects does.
"""

import re
from urllib.parse import quote

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from taggit.models import Tag

from articles import cache_keys
from articles.models import Article, ArticleRedirect
from caching import keys
from categories.models import Category
from images.models import Image as LibraryImage

from .models import ImportedItem

# WordPress's "plain" links: /?p=123 (posts), /?page_id=123 (pages share the
# posts' ID space), /?cat=4 (categories), /?author=2.
ID_PARAMETERS = {
    "p": ImportedItem.Kind.POST,
    "page_id": ImportedItem.Kind.POST,
    "cat": ImportedItem.Kind.TERM,
    "author": ImportedItem.Kind.AUTHOR,
}
FEEDS = {
    "rss2": "articles:feed",
    "rss": "articles:feed",
    "rdf": "articles:feed",
    "atom": "articles:feed-atom",
}


class WordPressQueryLinkMiddleware:
    """Answer an imported site's `/?p=<ID>`-style links with a 301 to the new address.

    Only a request for `/` carrying one of WordPress's query parameters costs a
    query; every other request passes straight through.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/" and request.method in ("GET", "HEAD") and request.GET:
            target = self.target(request.GET)
            if target:
                return HttpResponsePermanentRedirect(target)
        return self.get_response(request)

    def target(self, params):
        for name, kind in ID_PARAMETERS.items():
            value = params.get(name, "")
            if value.isascii() and value.isdigit() and len(value) < 19:
                url = imported_url(kind, int(value))
                if url:
                    return url
        value = params.get("attachment_id", "")
        if value.isascii() and value.isdigit() and len(value) < 19:
            url = attachment_url(int(value))
            if url:
                return url
        feed = params.get("feed")
        if feed in FEEDS and len(params) == 1:
            return reverse(FEEDS[feed])
        tag = params.get("tag", "")
        if tag and "," not in tag and "+" not in tag:
            try:
                return reverse("articles:tag", kwargs={"slug": tag})
            except NoReverseMatch:
                # No tag page has that address ("a.b", a space, a quote): the home page.
                return None
        return None


def imported_url(kind, wp_id):
    """The address of what WordPress item `kind` `wp_id` became, if it is public."""
    items = (
        ImportedItem.objects.filter(kind=kind, wp_id=wp_id, object_id__isnull=False)
        .select_related("content_type")
        .order_by("pk")
    )
    for item in items[:5]:
        model = item.content_type.model_class()
        if model is None:
            continue
        manager = model._default_manager
        # Drafts, scheduled and unpublished articles must not be revealed by their old ID.
        queryset = manager.live() if hasattr(manager, "live") else manager.all()
        obj = queryset.filter(pk=item.object_id).first()
        if obj is None:
            continue
        if isinstance(obj, Article):
            return _story_url(obj)
        if hasattr(obj, "get_absolute_url"):
            return obj.get_absolute_url()
        if model is Tag:
            return reverse("articles:tag", kwargs={"slug": obj.slug})
    return None


def attachment_url(wp_id):
    """Where an imported attachment's page went: its post's story, else its library file."""
    items = ImportedItem.objects.filter(kind=ImportedItem.Kind.ATTACHMENT, wp_id=wp_id)
    for item in items.order_by("pk")[:5]:
        parent = (item.data or {}).get("parent")
        if parent:
            url = imported_url(ImportedItem.Kind.POST, int(parent))
            if url:
                return url
        if item.object_id and item.content_type.model_class() is LibraryImage:
            image = LibraryImage.objects.filter(pk=item.object_id).first()
            if image is not None:
                return image.file.url
    return None


# WordPress's feed names after /feed/ (rss2 is the default one).
FEED_SUFFIX = r"feed/(?:(?:rss2|rss|rdf|atom)/)?"
PAGED = re.compile(r"^(?P<prefix>/(?:.*/)?)page/(?P<page>[0-9]{1,6})/?$")
NESTED_CATEGORY = re.compile(
    rf"^/category/(?:[^/]+/)+(?P<slug>(?!feed/)[^/]+)/(?P<feed>{FEED_SUFFIX})?$"
)
LISTING_FEED = re.compile(
    r"^/(?P<kind>category|tag|author)/(?P<slug>[^/]+)/feed/(?P<name>rss2|rss|rdf)/?$"
)
ARCHIVES = re.compile(r"^/archives/(?P<id>[0-9]{1,18})/?$")
ATTACHMENT_PAGE = re.compile(r"^(?P<post>/.+/)attachment/[^/]+/?$")
# /comments/feed/, /<a post>/feed/: the comments were not carried over.
COMMENT_FEED = re.compile(r"^/(?!category/|tag/|author/)(?:comments/|.+/)" + FEED_SUFFIX + "$")
POST_PATH = re.compile(r"^/(?:[^/]+/){0,3}(?P<slug>[^/]+)/?$")


class WordPressPathFallbackMiddleware:
    """Answer a 404 at one of WordPress's pretty addresses with a 301 to ours.

    Listed before `ArticleRedirectFallbackMiddleware`, so an imported post's own
    old permalink (an ArticleRedirect) wins over a guess by slug here; pages that
    answer cost nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        path = request.path
        if "\x00" in path or len(path) > 500:
            return response
        target = self.target(path)
        if target is None or target == path:
            return response
        if target == GONE:
            return HttpResponse(
                "Comments were not carried over from the old site: this feed is gone.\n",
                status=410,
                content_type="text/plain; charset=utf-8",
            )
        return HttpResponsePermanentRedirect(target)

    def target(self, path):
        if m := PAGED.match(path):
            base = m["prefix"]
            if NESTED_CATEGORY.match(base):
                base = self.target(base)
            if base is None or (base != "/" and not _resolves(base)):
                return None
            page = int(m["page"])
            return base if page <= 1 else f"{base}?page={page}"
        if m := LISTING_FEED.match(path):
            return _reverse(f"articles:{m['kind']}-feed", m["slug"])
        if m := NESTED_CATEGORY.match(path):
            category = Category.objects.filter(slug=m["slug"]).values_list("pk", flat=True)
            category = category.first()
            if category is None:
                return None
            # A stored redirect ends with the section (renamed, deleted).
            keys.record(cache_keys.section(category))
            if m["feed"]:
                name = "-feed-atom" if "atom" in m["feed"] else "-feed"
                return _reverse(f"articles:category{name}", m["slug"])
            return _reverse("categories:detail", m["slug"])
        if m := ARCHIVES.match(path):
            return imported_url(ImportedItem.Kind.POST, int(m["id"]))
        if m := ATTACHMENT_PAGE.match(path):
            return _story_at(m["post"])
        if COMMENT_FEED.match(path):
            return GONE
        if m := POST_PATH.match(path):
            # /%postname%/, /%category%/%postname%/ and the like: a live story of that slug.
            article = Article.objects.live().filter(slug=m["slug"]).only("slug", "publish_at")
            article = article.first()
            return _story_url(article) if article is not None else None
        return None


GONE = object()


def _reverse(name, slug):
    try:
        return reverse(name, kwargs={"slug": slug})
    except NoReverseMatch:
        return None


def _resolves(path):
    try:
        resolve(quote(path))
    except Resolver404:
        return False
    return True


def _story_at(path):
    """The address of the live story whose old permalink (or slug) `path` is."""
    redirect = ArticleRedirect.objects.select_related("article").filter(old_path=path).first()
    if redirect is not None and redirect.article.is_live:
        return _story_url(redirect.article)
    m = POST_PATH.match(path)
    if m is None:
        return None
    article = Article.objects.live().filter(slug=m["slug"]).first()
    return _story_url(article) if article is not None else None


def _story_url(article):
    """A live story's address; a cached redirect to it is purged with the story."""
    keys.record(cache_keys.article(article.pk))
    return article.get_absolute_url()
