from django import template
from django.conf import settings

from .. import selectors

register = template.Library()


@register.inclusion_tag("widgets/includes/recent_posts.html")
def recent_posts(exclude=None, limit=None):
    """The "Recent Posts" sidebar: the newest live articles but the one being read."""
    return {
        "recent_posts": selectors.recent_posts(
            exclude=exclude, limit=limit or settings.RECENT_POSTS_COUNT
        )
    }


@register.inclusion_tag("widgets/includes/breaking_news.html")
def breaking_news():
    """The breaking-news banner, when one is on."""
    return {"banner": selectors.current_breaking_news()}


@register.inclusion_tag("widgets/includes/category_nav.html", takes_context=True)
def category_nav(context):
    """The top-level sections, marking the one being shown."""
    category = context.get("category")
    article = context.get("article")
    if category is None and article is not None:
        category = article.category
    return {
        "categories": selectors.top_level_categories(),
        "current_slug": getattr(category, "slug", None),
    }
