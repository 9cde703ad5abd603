"""Public addresses of articles: home, stories, tags, archives, feeds, sitemaps, search;
per edition (newsroom.urls puts them under the edition prefix). robots.txt is the
site's, once, outside any prefix (newsroom.urls)."""

from django.conf import settings
from django.urls import path, re_path
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView

from caching.pages import page

from . import feeds, sitemaps, views

app_name = "articles"

# Slugs may be Unicode (an Armenian headline gives an Armenian slug), which
# Django's <slug:> converter refuses; [-\w]+ accepts any letters.
SLUG = r"(?P<slug>[-\w]+)"


def _feed(feed_class):
    # Cached as a page (caching) under the feed's keys, at most FEED_CACHE_SECONDS.
    return page(seconds=settings.FEED_CACHE_SECONDS)(require_safe(feed_class()))


# Feeds and crawler files, at the addresses WordPress used (subscribers keep them).
feed_patterns = [
    path("feed/", _feed(feeds.ArticleFeed), name="feed"),
    path("feed/atom/", _feed(feeds.ArticleAtomFeed), name="feed-atom"),
    re_path(
        r"^feed/(?:rss2|rss|rdf)/$",
        RedirectView.as_view(pattern_name="articles:feed", permanent=True),
    ),
    re_path(rf"^category/{SLUG}/feed/$", _feed(feeds.CategoryFeed), name="category-feed"),
    re_path(
        rf"^category/{SLUG}/feed/atom/$",
        _feed(feeds.CategoryAtomFeed),
        name="category-feed-atom",
    ),
    re_path(rf"^tag/{SLUG}/feed/$", _feed(feeds.TagFeed), name="tag-feed"),
    re_path(rf"^tag/{SLUG}/feed/atom/$", _feed(feeds.TagAtomFeed), name="tag-feed-atom"),
    re_path(rf"^author/{SLUG}/feed/$", _feed(feeds.AuthorFeed), name="author-feed"),
    re_path(rf"^author/{SLUG}/feed/atom/$", _feed(feeds.AuthorAtomFeed), name="author-feed-atom"),
    path("sitemap.xml", sitemaps.sitemap_index, name="sitemap-index"),
    re_path(
        r"^sitemap-articles-(?P<year>[0-9]{4})-(?P<month>[0-9]{2})\.xml$",
        sitemaps.sitemap_month,
        name="sitemap-month",
    ),
    re_path(
        r"^sitemap-(?P<section>categories|tags|authors)\.xml$",
        sitemaps.sitemap_section,
        name="sitemap-section",
    ),
    path("news-sitemap.xml", sitemaps.news_sitemap, name="news-sitemap"),
]

urlpatterns = [
    # First: the address asked most, and one no other pattern here can match (resolving
    # walks the list in order on every request the page cache does not answer).
    re_path(
        rf"^(?P<year>[0-9]{{4}})/(?P<month>[0-9]{{2}})/{SLUG}/$",
        views.ArticleDetailView.as_view(),
        name="detail",
    ),
    *feed_patterns,
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.SearchView.as_view(), name="search"),
    re_path(rf"^tag/{SLUG}/$", views.TagView.as_view(), name="tag"),
    re_path(r"^(?P<year>[0-9]{4})/$", views.ArticleYearArchiveView.as_view(), name="archive-year"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$",
        views.ArticleMonthArchiveView.as_view(),
        name="archive-month",
    ),
    re_path(
        rf"^(?P<year>[0-9]{{4}})/(?P<month>[0-9]{{2}})/(?P<day>[0-9]{{2}})/{SLUG}/$",
        views.day_permalink,
        name="detail-day",
    ),
]
