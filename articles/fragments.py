"""Pieces of pages cached under the content generation (articles/freshness.py).

Cards, feed entries and page blocks are rendered once per content change and
shared by every page that shows them. Reads and writes here never fail a page:
a cache that is down (or disabled by the circuit breaker in
newsroom/pagecache.py) means the piece is built again, not an error.
"""

import logging

from django.core.cache import cache

from . import freshness

logger = logging.getLogger(__name__)


def generation():
    """The content generation to key pieces under, or None to build them uncached."""
    if not getattr(cache, "available", True):
        return None
    return freshness.current_generation()


def get_many(keys):
    """{key: value} of the cached pieces among `keys` ({} when the cache fails)."""
    if not keys:
        return {}
    try:
        return cache.get_many(keys)
    except Exception:
        logger.warning("fragment cache read failed; building uncached", exc_info=True)
        return {}


def set_many(values, timeout):
    """Store built pieces; a failing cache only costs the next page the work again."""
    if not values:
        return
    try:
        cache.set_many(values, timeout)
    except Exception:
        logger.warning("fragment cache write failed", exc_info=True)
