"""Server-side HTML sanitising of rich text (the editor is not a security boundary).

An allow-list of what the article editor produces; everything else is removed
by nh3 (Ammonia): scripts, event-handler attributes, javascript:/data: URLs,
style attributes and unknown elements never reach a reader's page.
"""

from html import unescape

import nh3
from django.utils.html import strip_tags

ALLOWED_TAGS = {
    "p", "br", "hr",
    "h2", "h3", "h4", "h5", "h6",
    "strong", "b", "em", "i", "u", "s", "sub", "sup", "mark", "small", "code", "pre",
    "a",
    "ul", "ol", "li",
    "blockquote", "q", "cite",
    "figure", "figcaption", "img",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col",
    "span", "div",
}

ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "width", "height", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "reversed"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "figure": {"class"},
}

URL_SCHEMES = {"http", "https", "mailto", "tel"}


def clean_html(html):
    """Return `html` reduced to the allow-list; None or "" gives ""."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def plain_text(html):
    """Return the readable text of `html`: tags removed, entities decoded, spaces collapsed."""
    if not html:
        return ""
    return " ".join(unescape(strip_tags(html)).split())
