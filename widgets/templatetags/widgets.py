"""Page blocks shared by every public page, each rendered once per content change.

The rendered HTML of a block is cached under the content generation
(articles/freshness.py) and ends no later than the next clock-driven change (a
scheduled article going live, a banner starting or expiring), so a cached block
is never older than the data it shows. When the cache fails, blocks render
uncached.
"""

import logging
import math
import time

from django import template
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

from articles import fragments, freshness

from .. import selectors

register = template.Library()
logger = logging.getLogger(__name__)

# An upper bound only: content changes retire blocks long before.
FRAGMENT_SECONDS = 60 * 60


def _cached_block(name, parts, template_name, make_context):
    """The block's HTML from the cache, or rendered (and stored) by `make_context()`."""
    generation = fragments.generation()
    key = expires_at = None
    if generation is not None:
        key = f"widgets:{name}:{generation}:" + ":".join(str(part) for part in parts)
        try:
            entry = cache.get(key)
        except Exception:
            logger.warning("block cache read failed; rendering uncached", exc_info=True)
            entry = None
        if entry is not None and entry[0] > time.time():
            return entry[1]
        # Only a page that has worked out its own deadline (the page cache does,
        # before rendering) stores blocks: a block alone must not cost queries.
        expires_at = freshness.known_change_expiry(FRAGMENT_SECONDS, generation)
    html = render_to_string(template_name, make_context())
    if key is not None and expires_at is not None and expires_at > time.time():
        try:
            cache.set(key, (expires_at, html), max(1, math.ceil(expires_at - time.time())))
        except Exception:
            logger.warning("block cache write failed", exc_info=True)
    return html


@register.simple_tag
def recent_posts(exclude=None, limit=None):
    """The "Recent Posts" sidebar: the newest live articles but the one being read."""
    limit = limit or settings.RECENT_POSTS_COUNT
    exclude_pk = getattr(exclude, "pk", exclude) or None
    return _cached_block(
        "recent-posts",
        (exclude_pk, limit),
        "widgets/includes/recent_posts.html",
        lambda: {"recent_posts": selectors.recent_posts(exclude=exclude, limit=limit)},
    )


@register.simple_tag
def breaking_news():
    """The breaking-news banner, when one is on."""
    return _cached_block(
        "breaking-news",
        (),
        "widgets/includes/breaking_news.html",
        lambda: {"banner": selectors.current_breaking_news()},
    )


@register.simple_tag(takes_context=True)
def category_nav(context):
    """The top-level sections, marking the one being shown."""
    category = context.get("category")
    article = context.get("article")
    if category is None and article is not None:
        category = article.category
    current_slug = getattr(category, "slug", None)
    return _cached_block(
        "category-nav",
        (current_slug,),
        "widgets/includes/category_nav.html",
        lambda: {"categories": selectors.top_level_categories(), "current_slug": current_slug},
    )
