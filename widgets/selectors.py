"""Reads for page blocks that appear on many pages."""

import logging

from django.core.cache import cache

from articles.models import Article
from categories.models import Category
from readership import services as readership

from .models import BreakingNews, WidgetSettings

logger = logging.getLogger(__name__)

# The cache entry of the page blocks' settings (purged by widgets.apps on a change).
SETTINGS_CACHE_KEY = "widgets:settings:v1"


def recent_posts(*, exclude=None, limit):
    """The newest live articles of the page's edition, without `exclude` (the article
    being read, or its id)."""
    # What the block shows: the title, the address, the excerpt (dek or body) and time.
    articles = (
        Article.objects.live()
        .in_edition()
        .only("pk", "title", "slug", "dek", "body", "publish_at", "language")
        .latest_first()
    )
    exclude_pk = getattr(exclude, "pk", exclude)
    if exclude_pk:
        articles = articles.exclude(pk=exclude_pk)
    return list(articles[:limit])


def current_breaking_news():
    """The newest banner that is switched on and not expired, or None."""
    return BreakingNews.objects.current().first()


def top_level_categories():
    """Sections for the navigation bar, in their editorial order."""
    # What a link shows: its address and its name in the page's language.
    sections = Category.objects.filter(parent__isnull=True)
    return list(sections.only("pk", "name", "slug", "translations"))


def widget_settings():
    """{field: value} of the page blocks' settings, from the cache (one query when cold).

    A failing cache costs the query, never the page (as the page store does).
    """
    try:
        values = cache.get(SETTINGS_CACHE_KEY)
    except Exception:
        logger.warning("cache read of the page blocks' settings failed", exc_info=True)
        return _read_settings()
    if values is None:
        values = _read_settings()
        try:
            cache.set(SETTINGS_CACHE_KEY, values, None)
        except Exception:
            logger.warning("cache write of the page blocks' settings failed", exc_info=True)
    return values


def _read_settings():
    row = (
        WidgetSettings.objects.filter(pk=WidgetSettings.SINGLETON_PK)
        .values(*WidgetSettings.defaults())
        .first()
    )
    return row or WidgetSettings.defaults()


def forget_widget_settings():
    cache.delete(SETTINGS_CACHE_KEY)


def most_read(*, limit, hours=24):
    """The live stories of the page's edition read most in the last `hours` hours, most
    read first."""
    ranked = readership.most_read(limit, hours=hours, articles=Article.objects.in_edition())
    return [article for article, _ in ranked]
