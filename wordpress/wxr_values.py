"""What the importer makes of the raw values that `wxr.read` hands over.

`wxr` parses the XML into plain dataclasses; these helpers interpret their
fields the way WordPress did: dates, percent-encoded slugs, login nicenames,
old permalinks, post bodies (shortcodes and autop) and the pictures they show,
and the fingerprint that tells whether an item changed since the last run.
No database access.
"""

import dataclasses
import hashlib
import json
import re
from datetime import datetime
from html import unescape
from urllib.parse import unquote, urlsplit

from django.utils.text import slugify

from .autop import has_blocks, wpautop
from .shortcodes import convert as convert_shortcodes

# Part of each item's fingerprint: raise it when the import of an unchanged
# export should nonetheless rewrite what it wrote before.
IMPORTER_VERSION = "2"  # 2: [gallery] pictures kept

SLUG_OK = re.compile(r"^[-\w]+\Z")
_RAW_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_RAW_SRC = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)
_WP_IMAGE_CLASS = re.compile(r"\bwp-image-(\d+)\b")


def decode_slug(value, *, max_length, fallback=""):
    """A WordPress slug as text: percent-decoded UTF-8, valid in our addresses."""
    slug = unquote((value or "").strip(), errors="replace")
    if not SLUG_OK.match(slug):
        slug = slugify(slug, allow_unicode=True)
    if not slug and fallback:
        slug = slugify(fallback, allow_unicode=True)
    return slug[:max_length].strip("-")


def wp_nicename(login):
    """sanitize_title() of a login: the /author/<nicename>/ WordPress used for it."""
    text = unquote(login or "").strip().lower().replace(".", "-")
    text = re.sub(r"[^\w\s-]", "", text)
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"-+", "-", text).strip("-")
    return text[:160] or "author"


def parse_wp_date(value):
    """(datetime or None, error or None) for WordPress's "YYYY-MM-DD HH:MM:SS"; zero is None."""
    value = (value or "").strip()
    if not value or value.startswith("0000-00-00"):
        return None, None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt), None  # noqa: DTZ007 -- zone applied by caller
        except ValueError:
            continue
    return None, f"{value!r} is not a valid date"


def old_path(link):
    """The decoded path of a post's old permalink, or None for a plain /?p=<ID> link."""
    try:
        parts = urlsplit(link or "")
    except ValueError:
        return None
    path = unquote(parts.path or "", errors="replace")
    if not path or path == "/" or parts.query:
        return None
    return path


def body_html(content):
    """An exported post body as the HTML WordPress showed (before our sanitiser)."""
    html = convert_shortcodes(content or "")
    # Block-editor posts already carry their markup; WordPress skips autop for them.
    return html if has_blocks(html) else wpautop(html)


def body_image_refs(html):
    """{src: attachment wp_id or None} of the <img> in a post body as exported."""
    refs = {}
    for tag in _RAW_IMG.findall(html or ""):
        src = _RAW_SRC.search(tag)
        if src is None:
            continue
        url = unescape(src[1] if src[1] is not None else src[2]).strip()
        wp_image = _WP_IMAGE_CLASS.search(tag)
        if url:
            refs[url] = int(wp_image[1]) if wp_image else refs.get(url)
    return refs


def int_or_none(value):
    """A meta value holding an ID (e.g. _thumbnail_id) as an int, or None."""
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


def fingerprint(item, extra=""):
    """A hash of everything exported about `item`: equal when it did not change."""
    data = {
        f.name: getattr(item, f.name)
        for f in dataclasses.fields(item)
        # Comments are kept apart (the comments file): they do not change the story.
        if f.name not in ("line", "problems", "terms", "comments")
    }
    data["terms"] = [(t.taxonomy, t.slug, t.name) for t in getattr(item, "terms", ())]
    blob = json.dumps([IMPORTER_VERSION, extra, data], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()
