"""WordPress shortcodes in imported post bodies, turned into plain HTML.

WordPress expands shortcodes only when they are displayed, so an export holds
`[caption ...]<img ...> Text[/caption]` and the like. Here:

- `[caption]` (and the old `[wp_caption]`) become <figure>/<figcaption>, as
  WordPress's own HTML5 output does;
- `[embed]URL[/embed]`, and a media URL alone on its line (WordPress's
  auto-embed), become the editor's media embed for known providers, otherwise
  a link;
- `[audio]`/`[video]` with a file become a link to the file;
- any other shortcode keeps the text it encloses; a self-closing one with
  attributes (`[gallery ids="1,2"]`, `[contact-form-7 id="3"]`) has no text
  and is dropped. A bare `[word]` is left alone: "[sic]" and "[1]" are prose.
- `[[tag]]` is WordPress's escape for a literal `[tag]`.
"""

import re
from html import escape

from articles.html import is_embeddable

# get_shortcode_regex() from wp-includes/shortcodes.php, with any tag name.
SHORTCODE = re.compile(
    r"\["
    r"(\[?)"  # 1: [[escaped]]
    r"([A-Za-z0-9_][\w-]*)"  # 2: name
    r"(?![\w-])"
    r"([^\]/]*(?:/(?!\])[^\]/]*)*?)"  # 3: attributes
    r"(?:"
    r"(/)\]"  # 4: self-closing
    r"|"
    r"\](?:([^\[]*+(?:\[(?!/\2\])[^\[]*+)*+)\[/\2\])?"  # 5: enclosed content
    r")"
    r"(\]?)"  # 6: [[escaped]]
)

# shortcode_parse_atts()
ATTRIBUTE = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)"""
    r"""|"([^"]*)"(?:\s|$)"""
    r"""|'([^']*)'(?:\s|$)"""
    r"""|(\S+)(?:\s|$)"""
)

CAPTION_IMAGE = re.compile(r"((?:<a [^>]+>\s*)?<img [^>]+>(?:\s*</a>)?)(.*)", re.DOTALL | re.I)
# WP_Embed::autoembed(): a URL alone on its line.
AUTOEMBED_LINE = re.compile(r"^(\s*)(https?://[^\s<>\"]+)(\s*)$", re.MULTILINE | re.I)
MEDIA_FILE_ATTRIBUTES = (
    "src",
    "mp3",
    "m4a",
    "ogg",
    "wav",
    "wma",
    "mp4",
    "m4v",
    "webm",
    "ogv",
    "flv",
    "wmv",
)
# Core shortcodes that render something from attributes alone, never prose.
SELF_CONTAINED = {"gallery", "playlist", "audio", "video", "embed", "caption", "wp_caption"}


def parse_attributes(text):
    """Named attributes as a dict; positional ones under 0, 1, ... as WordPress does."""
    attributes = {}
    position = 0
    text = re.sub(r"[\u00a0\u200b]", " ", text or "")
    for m in ATTRIBUTE.finditer(text):
        if m.group(1):
            attributes[m.group(1).lower()] = m.group(2)
        elif m.group(3):
            attributes[m.group(3).lower()] = m.group(4)
        elif m.group(5):
            attributes[m.group(5).lower()] = m.group(6)
        else:
            value = m.group(7) if m.group(7) is not None else m.group(8)
            if value is None:
                value = m.group(9)
            attributes[position] = value
            position += 1
    return attributes


def _embed(url):
    url = url.strip()
    if is_embeddable(url):
        return f'<figure class="media"><oembed url="{escape(url)}"></oembed></figure>'
    return f'<a href="{escape(url)}">{escape(url)}</a>'


def _caption(attributes, content):
    caption = attributes.get("caption", "")
    if not caption:
        m = CAPTION_IMAGE.match(content.strip())
        if m:
            content, caption = m.group(1), m.group(2).strip()
    content = convert(content)
    if not caption:
        return content
    return f'<figure class="image">{content}<figcaption>{caption}</figcaption></figure>'


def _expand(m):
    if m.group(1) == "[" and m.group(6) == "]":
        return m.group(0)[1:-1]  # [[tag]] is a literal [tag]
    name = m.group(2).lower()
    attributes = parse_attributes(m.group(3))
    content = m.group(5)
    closed = m.group(4) is not None or content is not None
    result = None
    if name in ("caption", "wp_caption"):
        result = _caption(attributes, content or "")
    elif name == "embed":
        url = content or attributes.get("src") or attributes.get(0) or ""
        result = _embed(url) if url.strip() else ""
    elif name in ("audio", "video"):
        url = next((attributes[a] for a in MEDIA_FILE_ATTRIBUTES if attributes.get(a)), "")
        result = f'<a href="{escape(url)}">{escape(url)}</a>' if url else ""
    elif content is not None:
        result = convert(content)
    elif closed or attributes or name in SELF_CONTAINED:
        result = ""
    else:
        return m.group(0)  # "[sic]": prose, not a shortcode
    return m.group(1) + result + m.group(6)


def _autoembed(m):
    url = m.group(2)
    if not is_embeddable(url):
        return m.group(0)
    return m.group(1) + _embed(url) + m.group(3)


GALLERY = re.compile(r"(?<!\[)\[gallery(?![\w-])([^\]]*)\](?!\])", re.I)


def expand_galleries(text, site):
    """`[gallery ids="8,9"]` as one <figure> per picture, before `convert`.

    A gallery names attachments by ID, and the export may list them after the
    post: each picture becomes an <img> with WordPress's own `wp-image-<ID>`
    class and the old site's `/?attachment_id=<ID>` address, which the media step
    replaces with the library image (and which the old-link redirects answer).
    Returns (text, number of galleries without ids, which cannot be expanded)."""
    if not text or "[gallery" not in text.lower():
        return text or "", 0
    unresolved = 0

    def figures(m):
        nonlocal unresolved
        ids = [i.strip() for i in parse_attributes(m.group(1)).get("ids", "").split(",")]
        ids = [i for i in ids if i.isdigit()]
        if not ids:
            unresolved += 1
            return m.group(0)
        return "\n".join(
            f'<figure class="image"><img class="wp-image-{i}" '
            f'src="{escape(site)}/?attachment_id={i}" alt=""></figure>'
            for i in ids
        )

    return GALLERY.sub(figures, text), unresolved


def convert(text):
    """Expand the shortcodes of an exported post body into HTML (see the module's notes)."""
    if not text or "[" not in text and "http" not in text:
        return text or ""
    if "[" in text:
        text = SHORTCODE.sub(_expand, text)
    if "http" in text:
        text = AUTOEMBED_LINE.sub(_autoembed, text)
    return text
