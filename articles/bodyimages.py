"""Library images inside article bodies, recognised by their address.

CKEditor 5 keeps no attribute it does not know (GeneralHtmlSupport is off on
purpose), so an <img> in a body is a library image when its src is the file
URL of an images.Image. Saving an article records those images
(articles.services.sync_body_images); rendering it draws them as <picture>.
"""

import re
from html import escape, unescape
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.utils.safestring import mark_safe

from images.models import Image
from images.templatetags.pictures import picture

# The article column: the page less the sidebar from 900px up (static/css/site.css).
BODY_SIZES = "(min-width: 900px) 48rem, 100vw"

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
# nh3 writes every attribute as name="value", with the value escaped.
_ATTRIBUTE = re.compile(r'([a-zA-Z][\w:-]*)="([^"]*)"')


def attributes(tag):
    """{attribute: unescaped value} of one tag as nh3 writes it."""
    return {name.lower(): unescape(value) for name, value in _ATTRIBUTE.findall(tag)}


def img_tags(html):
    """Each <img> of `html` as (match, {attribute: unescaped value})."""
    for match in _IMG.finditer(html or ""):
        yield match, attributes(match[0])


def _storage():
    return Image._meta.get_field("file").storage


def _without_query(url):
    return url.split("#", 1)[0].split("?", 1)[0]


def _site_relative(url):
    """A URL on this site (settings.SITE_URL) as a path; other URLs as they are."""
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if parts.scheme in ("http", "https") and parts.netloc == site.netloc:
        return parts.path
    return url


def file_name(src):
    """The storage name of the library file `src` points at, or None when it is not one."""
    if not src:
        return None
    # The storage's address of an empty name is its base (MEDIA_URL, a bucket URL).
    base = _without_query(_storage().url(""))
    src = _without_query(src.strip())
    for candidate in (src, _site_relative(src)):
        if base and candidate.startswith(base) and len(candidate) > len(base):
            return unquote(candidate[len(base) :])
    return None


def file_names(html):
    """The storage names of every library-looking <img src> of `html`, in order, once each."""
    names = []
    for _match, attrs in img_tags(html):
        name = file_name(attrs.get("src", ""))
        if name and name not in names:
            names.append(name)
    return names


def library_images(html):
    """The images.Image rows the body `html` shows (one query; none when it shows none)."""
    names = file_names(html)
    if not names:
        return []
    return list(Image.objects.filter(file__in=names))


def replace_sources(html, new_src):
    """`html` with each <img src> for which `new_src(src)` gives an address pointing there."""

    def replace(match):
        tag = match[0]
        src_match = re.search(r'\bsrc="([^"]*)"', tag)
        if src_match is None:
            return tag
        target = new_src(unescape(src_match[1]))
        if not target:
            return tag
        return tag[: src_match.start(1)] + escape(target) + tag[src_match.end(1) :]

    return _IMG.sub(replace, html or "")


def render(html, images):
    """`html` with each <img> of a library image in `images` drawn as a responsive <picture>.

    `images` carry their prefetched renditions (articles.views loads them with the
    article, so a body with any number of pictures costs the same queries). The
    body's own alt text wins over the library's: an editor may have tailored it.
    """
    if not images:
        # Sanitised on save (articles.html).
        return mark_safe(html)  # nosec B308 B703 # noqa: S308
    by_name = {image.file.name: image for image in images}

    def draw(match):
        attrs = attributes(match[0])
        image = by_name.get(file_name(attrs.get("src", "")))
        if image is None:
            return match[0]
        return picture(image, "original", sizes=BODY_SIZES, alt=attrs.get("alt") or None)

    # Sanitised on save, then our own escaped markup.
    return mark_safe(_IMG.sub(draw, html))  # nosec B308 B703 # noqa: S308
