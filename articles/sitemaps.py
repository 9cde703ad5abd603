"""Sitemaps for crawlers: an index of articles by month, categories, tags and authors,
a Google News sitemap of the last 48 hours, and robots.txt naming both.

Each edition has its own (/sitemap.xml, /hy/sitemap.xml, /hy/news-sitemap.xml), of its
stories only; robots.txt names every edition's. A story with live translations lists
them as <xhtml:link rel="alternate" hreflang> (itself included, and x-default), the same
list on every story of the group, as its page's <head> does.

The `Sitemap` classes say what is listed (items, location, lastmod) and page
through it; the views write the XML themselves so that every address is on
settings.SITE_URL (not the Host of the request) and every lastmod carries the
time of day: a correction at 15:00 must change it, not only a new date.
"""

import math
from datetime import UTC, datetime, timedelta
from functools import partial, wraps
from io import StringIO
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import EmptyPage, InvalidPage
from django.db.models import Count, F, Max, Q
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import require_safe

from caching import keys
from caching.pages import page
from categories.models import Category

from . import cache_keys, editions, seo
from .models import Article
from .querysets import listed_edition, live_q
from .seo import absolute_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
XML_CONTENT_TYPE = "application/xml; charset=utf-8"
# Google News reads stories of the last two days, at most 1,000 per sitemap.
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1000


def modified(prefix=""):
    """SQL for Article.modified_at: the later of publication and the last substantial update."""
    published = F(f"{prefix}publish_at")
    return Greatest(published, Coalesce(F(f"{prefix}content_updated_at"), published))


def w3c(when):
    return timezone.localtime(when).isoformat(timespec="seconds") if when else None


class _SiteDomain:
    def __init__(self, domain):
        self.domain = domain


def edition_live_q(prefix=""):
    """live_q() of the page's edition (ArticleQuerySet.in_edition()), through `prefix`."""
    live = live_q(prefix)
    code = listed_edition()
    return live if code is None else live & Q(**{f"{prefix}language": code})


class SiteSitemap(Sitemap):
    """A Sitemap whose addresses are on settings.SITE_URL (or the edition's own host)."""

    def get_urls(self, page=1, site=None, protocol=None):
        parts = urlsplit(editions.origin())
        site = _SiteDomain(parts.netloc + parts.path.rstrip("/"))
        return super().get_urls(page=page, site=site, protocol=parts.scheme or "https")


class ArticleMonthSitemap(SiteSitemap):
    """Live articles published in one month (site time zone)."""

    def __init__(self, year, month):
        try:
            self.start = timezone.make_aware(datetime(year, month, 1))
            # East of UTC, January of year 1 starts in a year UTC cannot write.
            self.start.astimezone(UTC)
        except (ValueError, OverflowError) as exc:
            raise Http404("No such month") from exc
        if (year, month) == (datetime.max.year, 12):
            self.end = None  # the last month a date can have: nothing follows it
        else:
            self.end = timezone.make_aware(datetime(year + (month == 12), month % 12 + 1, 1))

    def items(self):
        articles = Article.objects.live().in_edition().filter(publish_at__gte=self.start)
        if self.end is not None:
            articles = articles.filter(publish_at__lt=self.end)
        fields = ["id", "slug", "publish_at", "content_updated_at"]
        if editions.is_multilingual():
            fields += ["language", "translation_group"]
        return articles.only(*fields).order_by("publish_at", "id")

    def lastmod(self, item):
        return item.modified_at

    def get_urls(self, page=1, site=None, protocol=None):
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        if editions.is_multilingual():
            add_alternates(urls)
        return urls


def add_alternates(urls):
    """Give each url of a story with live translations its hreflang alternates (one
    query for the page, only when a story on it has a translation group)."""
    groups = {url["item"].translation_group for url in urls} - {None}
    if not groups:
        return
    by_group = {}
    for story in (
        Article.objects.live()
        .filter(translation_group__in=groups, language__in=editions.codes())
        .only("id", "slug", "publish_at", "language", "translation_group")
    ):
        by_group.setdefault(story.translation_group, []).append(story)
    for url in urls:
        story = url["item"]
        others = [s for s in by_group.get(story.translation_group, ()) if s.pk != story.pk]
        if others:
            url["alternates"] = seo.hreflang_alternates(story, others)


class CategorySitemap(SiteSitemap):
    """Categories with at least one live article."""

    def items(self):
        live = edition_live_q("articles__")
        return (
            Category.objects.annotate(last_modified=Max(modified("articles__"), filter=live))
            .filter(last_modified__isnull=False)
            .only("id", "slug")
            .order_by("id")
        )

    def lastmod(self, item):
        return item.last_modified


class TagSitemap(SiteSitemap):
    """Tags with at least one live article."""

    def items(self):
        return (
            Article.objects.live()
            .in_edition()
            .filter(tags__isnull=False)
            .values("tags__slug")
            .annotate(last_modified=Max(modified()))
            .order_by("tags__slug")
        )

    def location(self, item):
        return reverse("articles:tag", kwargs={"slug": item["tags__slug"]})

    def lastmod(self, item):
        return item["last_modified"]


class AuthorSitemap(SiteSitemap):
    """Authors with a byline on at least one live article."""

    def items(self):
        return (
            Article.objects.live()
            .in_edition()
            .filter(bylines__isnull=False)
            .values("bylines__author__slug")
            .annotate(last_modified=Max(modified()))
            .order_by("bylines__author__slug")
        )

    def location(self, item):
        return reverse("authors:detail", kwargs={"slug": item["bylines__author__slug"]})

    def lastmod(self, item):
        return item["last_modified"]


SECTIONS = {
    "categories": CategorySitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


# -- XML ---------------------------------------------------------------------------


def _xml_response(write):
    out = StringIO()
    handler = SimplerXMLGenerator(out, "utf-8")
    handler.startDocument()
    write(handler)
    handler.endDocument()
    return HttpResponse(out.getvalue(), content_type=XML_CONTENT_TYPE)


def _urlset_response(urls):
    def write(handler):
        namespaces = {"xmlns": SITEMAP_NS}
        if any(url.get("alternates") for url in urls):
            namespaces["xmlns:xhtml"] = XHTML_NS
        handler.startElement("urlset", namespaces)
        for url in urls:
            handler.startElement("url", {})
            handler.addQuickElement("loc", url["location"])
            if url.get("lastmod"):
                handler.addQuickElement("lastmod", w3c(url["lastmod"]))
            for hreflang, href in url.get("alternates", ()):
                handler.addQuickElement(
                    "xhtml:link", None, {"rel": "alternate", "hreflang": hreflang, "href": href}
                )
            handler.endElement("url")
        handler.endElement("urlset")

    return _xml_response(write)


def _page_number(request):
    raw = request.GET.get("p", "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > 6:
        raise Http404("No such sitemap page")
    return int(raw)


def _section_pages(count, limit=Sitemap.limit):
    return max(1, math.ceil(count / limit))


def _paged(url, pages):
    return [url if n == 1 else f"{url}?p={n}" for n in range(1, pages + 1)]


# -- views -------------------------------------------------------------------------


def sitemap_view(*, params=()):
    """A crawler file: cached as a page (caching) under the `sitemap` key, at most
    FEED_CACHE_SECONDS (the news sitemap drops stories by age, not by a write)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            keys.record(cache_keys.SITEMAP)
            return view(request, *args, **kwargs)

        return page(params=params, seconds=settings.FEED_CACHE_SECONDS)(require_safe(wrapper))

    return decorator


@sitemap_view()
def sitemap_index(request):
    """/sitemap.xml: one sitemap per month of articles, and for categories, tags, authors."""
    entries = []
    months = (
        Article.objects.live()
        .in_edition()
        .annotate(month=TruncMonth("publish_at"))
        .values("month")
        .annotate(last_modified=Max(modified()), count=Count("id"))
        .order_by("-month")
    )
    for row in months:
        month = timezone.localtime(row["month"])
        url = absolute_url(
            reverse(
                "articles:sitemap-month",
                kwargs={"year": f"{month.year:04d}", "month": f"{month.month:02d}"},
            )
        )
        for loc in _paged(url, _section_pages(row["count"])):
            entries.append((loc, row["last_modified"]))
    live = edition_live_q("articles__")
    category_stats = Category.objects.filter(live).aggregate(
        last_modified=Max(modified("articles__")), count=Count("id", distinct=True)
    )
    tag_stats = (
        Article.objects.live()
        .in_edition()
        .filter(tags__isnull=False)
        .aggregate(last_modified=Max(modified()), count=Count("tags", distinct=True))
    )
    author_stats = (
        Article.objects.live()
        .in_edition()
        .filter(bylines__isnull=False)
        .aggregate(last_modified=Max(modified()), count=Count("bylines__author", distinct=True))
    )
    for section, stats in (
        ("categories", category_stats),
        ("tags", tag_stats),
        ("authors", author_stats),
    ):
        if stats["count"]:
            url = absolute_url(reverse("articles:sitemap-section", kwargs={"section": section}))
            for loc in _paged(url, _section_pages(stats["count"])):
                entries.append((loc, stats["last_modified"]))

    def write(handler):
        handler.startElement("sitemapindex", {"xmlns": SITEMAP_NS})
        for loc, last_modified in entries:
            handler.startElement("sitemap", {})
            handler.addQuickElement("loc", loc)
            if last_modified:
                handler.addQuickElement("lastmod", w3c(last_modified))
            handler.endElement("sitemap")
        handler.endElement("sitemapindex")

    return _xml_response(write)


def _sitemap_page(request, sitemap, *, allow_empty):
    page = _page_number(request)
    try:
        urls = sitemap.get_urls(page=page)
    except (EmptyPage, InvalidPage) as exc:
        if page == 1 and allow_empty:
            urls = []
        else:
            raise Http404("No such sitemap page") from exc
    if not urls and not allow_empty:
        raise Http404("Nothing was published then")
    return _urlset_response(urls)


@sitemap_view(params=("p",))
def sitemap_month(request, year, month):
    """/sitemap-articles-<yyyy>-<mm>.xml: the live articles of a month."""
    return _sitemap_page(request, ArticleMonthSitemap(int(year), int(month)), allow_empty=False)


@sitemap_view(params=("p",))
def sitemap_section(request, section):
    """/sitemap-<categories|tags|authors>.xml."""
    sitemap_class = SECTIONS.get(section)
    if sitemap_class is None:
        raise Http404("No such sitemap")
    return _sitemap_page(request, sitemap_class(), allow_empty=True)


def news_language(language=None):
    """The ISO 639 code Google News expects: "en-us" -> "en"; Chinese keeps its script."""
    language = (language or settings.SITE_LANGUAGE).lower().replace("_", "-")
    if language in ("zh-cn", "zh-tw"):
        return language
    return language.split("-")[0]


@sitemap_view()
def news_sitemap(request):
    """/news-sitemap.xml: Google News sitemap of the edition's live stories from the last
    48 hours, each in its own language (<news:language>)."""
    since = timezone.now() - NEWS_WINDOW
    fields = ["id", "slug", "title", "publish_at"]
    if editions.is_multilingual():
        fields.append("language")
    articles = (
        Article.objects.live()
        .in_edition()
        .filter(publish_at__gte=since)
        .only(*fields)
        .latest_first()[:NEWS_LIMIT]
    )
    name = settings.PUBLISHER_NAME

    def write(handler):
        handler.startElement("urlset", {"xmlns": SITEMAP_NS, "xmlns:news": NEWS_NS})
        for article in articles:
            handler.startElement("url", {})
            handler.addQuickElement("loc", absolute_url(article.get_absolute_url()))
            handler.startElement("news:news", {})
            handler.startElement("news:publication", {})
            handler.addQuickElement("news:name", name)
            handler.addQuickElement(
                "news:language", news_language(seo.edition_language(article.edition))
            )
            handler.endElement("news:publication")
            handler.addQuickElement("news:publication_date", w3c(article.publish_at))
            handler.addQuickElement("news:title", article.title)
            handler.endElement("news:news")
            handler.endElement("url")
        handler.endElement("urlset")

    return _xml_response(write)


@require_safe
def robots_txt(request):
    """/robots.txt: keep crawlers out of the admin and search, point them at the sitemaps
    of every edition (an edition on a host of its own: at that host's)."""
    sitemaps, searches = [], []
    for code in editions.codes():
        for name in ("articles:sitemap-index", "articles:news-sitemap"):
            sitemaps.append(absolute_url(editions.url_in(code, partial(reverse, name))))
        search = editions.url_in(code, partial(reverse, "articles:search"))
        if search.startswith("/"):  # served on this host
            searches.append(search)
    return render(
        request,
        "robots.txt",
        {"sitemaps": sitemaps, "disallow": [reverse("admin:index"), *searches]},
        content_type="text/plain; charset=utf-8",
    )
