"""Server-side HTML sanitising of rich text (the editor is not a security boundary).

An allow-list of what the article editor produces; everything else is removed
by nh3 (Ammonia): scripts, event-handler attributes, javascript:/data: URLs,
style attributes and unknown elements never reach a reader's page.
"""

import re
from html import escape, unescape
from urllib.parse import urlsplit

import nh3
from django.utils.html import strip_tags

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "mark",
    "small",
    "code",
    "pre",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "q",
    "cite",
    "figure",
    "figcaption",
    "img",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "colgroup",
    "col",
    "span",
    "div",
    # CKEditor 5's media embed: <figure class="media"><oembed url="..."></oembed></figure>.
    "oembed",
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
    "oembed": {"url"},
}

# The classes CKEditor 5 puts on figures (image styles, tables, media); no
# style attribute is kept, so layout comes from the site's stylesheet only.
ALLOWED_CLASSES = {
    "figure": {
        "image",
        "image-style-side",
        "image-style-block-align-left",
        "image-style-block-align-right",
        "image-style-align-left",
        "image-style-align-right",
        "image_resized",
        "table",
        "media",
    },
    "img": {"image_resized"},
}

URL_SCHEMES = {"http", "https", "mailto", "tel"}

# Media embeds stay links to these providers (https only); the reader's page
# never gets a script or an iframe from the body.
EMBED_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtu.be",
    "vimeo.com",
    "www.vimeo.com",
    "x.com",
    "www.x.com",
    "twitter.com",
    "www.twitter.com",
    "facebook.com",
    "www.facebook.com",
    "fb.watch",
    "instagram.com",
    "www.instagram.com",
    "soundcloud.com",
    "open.spotify.com",
    "www.dailymotion.com",
}

_OEMBED = re.compile(r'<oembed url="([^"]*)">.*?</oembed>', re.DOTALL)
_EMPTY_OEMBED = re.compile(r"<oembed>.*?</oembed>", re.DOTALL)


def is_embeddable(url):
    """True for an https address on a known media provider."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme == "https" and (parts.hostname or "") in EMBED_HOSTS


_URL_ATTRIBUTES = {"href", "src", "cite"}
_SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")


def _attribute_filter(element, attribute, value):
    if element == "oembed" and attribute == "url":
        return value if is_embeddable(value) else None
    if attribute in _URL_ATTRIBUTES:
        # nh3 already refuses these schemes; a value that only looks relative
        # (a quote or backtick in front) is dropped too, as no editor makes one.
        squashed = "".join(value.split()).lower()
        if any(scheme in squashed for scheme in _SCRIPT_SCHEMES):
            return None
    return value


def _embed_link(match):
    # The url is already escaped by nh3's serialiser; the text is its plain form.
    url = match.group(1)
    return f'<oembed url="{url}"><a href="{url}">{escape(unescape(url))}</a></oembed>'


def _nh3(html):
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def clean_html(html):
    """Return `html` reduced to the allow-list; None or "" gives ""; idempotent.

    A media embed keeps CKEditor's <oembed url> (so the editor shows it again)
    and gains a plain link inside it, which is what readers see.
    """
    if not html:
        return ""
    cleaned = _nh3(html)
    if "<oembed" not in cleaned:
        return cleaned
    cleaned = _EMPTY_OEMBED.sub("", cleaned)
    cleaned = _OEMBED.sub(_embed_link, cleaned)
    return _nh3(cleaned)


def plain_text(html):
    """Return the readable text of `html`: tags removed, entities decoded, spaces collapsed."""
    if not html:
        return ""
    return " ".join(unescape(strip_tags(html)).split())
