"""Page blocks shared by every public page.

"Recent Posts" and the breaking-news banner are holes (caching.blocks): cached
apart from the pages that show them, under keys of their own, and registered
in widgets.apps. The section navigation is part of each page, under the key
`sections` that any change of a section purges.
"""

from django import template
from django.conf import settings
from django.template.loader import render_to_string

from articles import cache_keys
from caching import fragments, keys

from .. import selectors
from ..apps import BANNER_KEY, MOST_READ_KEY

register = template.Library()


def render_recent_posts(exclude=None, limit=None):
    """The "Recent Posts" sidebar: the newest live articles but the one being read."""
    limit = int(limit or selectors.widget_settings()["recent_posts_count"])
    exclude_pk = int(exclude) if exclude and str(exclude).isdigit() else None
    posts = selectors.recent_posts(exclude=exclude_pk, limit=limit)
    keys.record(cache_keys.RECENT, *(cache_keys.article(post.pk) for post in posts))
    return render_to_string("widgets/includes/recent_posts.html", {"recent_posts": posts})


def render_most_read():
    """The "Most read" block: the stories read most in 24 hours, one spare.

    One fragment for every page: the page being read drops its own story in the
    browser (static/js/site.js) and shows the spare instead, so the block is not
    cached once per story. It is kept until the next refresh moment (widgets.apps).
    """
    limit = settings.MOST_READ_COUNT
    ranked = selectors.most_read(limit=limit + 1)
    keys.record(MOST_READ_KEY, *(cache_keys.article(article.pk) for article in ranked))
    return render_to_string(
        "widgets/includes/most_read.html",
        {"most_read": [(article, index >= limit) for index, article in enumerate(ranked)]},
    )


def render_breaking_news():
    """The breaking-news banner, when one is on."""
    keys.record(BANNER_KEY)
    return render_to_string(
        "widgets/includes/breaking_news.html", {"banner": selectors.current_breaking_news()}
    )


@register.simple_tag(takes_context=True)
def category_nav(context):
    """The top-level sections, marking the one being shown."""
    if "nav_section_slug" in context:
        # Named by the view (a story's page: its row may not be loaded).
        current_slug = context["nav_section_slug"]
    else:
        category = context.get("category")
        article = context.get("article")
        if category is None and article is not None:
            category = article.category
        current_slug = getattr(category, "slug", None)
    # Per language on a site of several editions: the fragment store keeps them apart.
    name = f"category-nav:{current_slug or ''}"
    found = fragments.get_many([name])
    if name in found:
        return found[name]
    html = render_to_string(
        "widgets/includes/category_nav.html",
        {"categories": selectors.top_level_categories(), "current_slug": current_slug},
    )
    fragments.set_many({name: (html, {cache_keys.SECTIONS})}, since=found.since)
    return html
