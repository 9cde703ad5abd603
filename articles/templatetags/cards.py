"""{% load cards %}: story cards, each rendered once until the story changes.

A card shows the story, its section, bylines and picture; its HTML is cached
under those keys (articles.cache_keys.card_keys) and reused by every listing that
shows the story: the home page, sections, tags, authors and archives. A list of
cards costs one cache round trip; only the cards missing from the cache are
loaded (articles/cards.py) and rendered. When the cache fails, cards render
uncached.
"""

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from caching import fragments

from ..cache_keys import card_keys
from ..cards import Cards, card_name
from ..models import Article

register = template.Library()

CARD_TEMPLATE = "articles/includes/article_card.html"
# An upper bound only: a change of the story or what its card shows purges it.
CARD_SECONDS = 60 * 60 * 24
OPTIONS = ("large", "show_category", "show_image", "heading")


def _variant(options):
    return ",".join(f"{name}={options.get(name) or ''}" for name in OPTIONS)


@register.simple_tag
def article_cards(articles, **options):
    """Cards for `articles`, in order: a Cards list, articles, article ids, or one article.

    Options as the card template takes them: large, show_category, show_image, heading.
    Rows are loaded only for the cards missing from the cache, in one batch.
    """
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise template.TemplateSyntaxError(f"article_cards: unknown option(s) {sorted(unknown)}")
    if articles is None or articles == "":
        return ""
    if hasattr(articles, "pk"):
        articles = [articles]
    if not isinstance(articles, Cards):
        articles = Cards(articles, batch=Article.objects.card_batch())
    cards = articles
    if not cards:
        return ""
    variant = _variant(options)
    # One cache entry per story holds its cards of every variant; the first list
    # of a page fetches the entries of every card of the page at once.
    cached = cards.batch.cached_cards()
    missing = [pk for pk in cards.ids if variant not in cached.get(pk, {})]
    rows = cards.rows(missing) if missing else {}
    card = get_template(CARD_TEMPLATE)
    parts, changed = [], {}
    for pk in cards.ids:
        html = cached.get(pk, {}).get(variant)
        if html is None:
            if pk not in rows:
                continue
            html = card.render({"article": rows[pk], **options})
            entry = cached.setdefault(pk, {})
            entry[variant] = html
            changed[card_name(pk)] = (entry, card_keys(rows[pk]))
        parts.append(html)
    fragments.set_many(changed, since=cards.batch.since, seconds=CARD_SECONDS)
    # Every part is the output of the autoescaping card template.
    return mark_safe("".join(parts))  # nosec B308 B703 # noqa: S308
