"""Streaming reader of WordPress eXtended RSS (WXR 1.0-1.2), as written by Tools -> Export.

`read(source)` yields plain dataclasses in document order: one `Site` first,
then the channel's `Author`s and `Term`s, then one `Item` per <item>. Each
element is cleared (and dropped from its parent) once read, so a 200 MB export
is never held in memory. Malformed input raises `WXRError` with the line.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from lxml import etree

WP_NS_PREFIX = "http://wordpress.org/export/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"


class WXRError(Exception):
    """The file is not a WordPress export, or not well-formed XML."""


@dataclass
class Site:
    title: str = ""
    link: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""
    language: str = ""

    @property
    def key(self):
        """Identifies the exporting site across runs (the mapping of WordPress IDs is per site)."""
        return (self.base_site_url or self.base_blog_url or self.link).rstrip("/").lower()


@dataclass
class Author:
    wp_id: int | None
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    line: int | None = None


@dataclass
class Term:
    """A category, tag or other taxonomy term declared in the channel."""

    wp_id: int | None
    taxonomy: str  # "category", "post_tag", or another taxonomy's name
    slug: str  # as exported: UTF-8 slugs are percent-encoded
    name: str
    parent_slug: str = ""
    description: str = ""
    line: int | None = None


@dataclass
class TermRef:
    """An <item>'s <category domain=... nicename=...>Name</category>."""

    taxonomy: str
    slug: str
    name: str


@dataclass
class Comment:
    """An <item>'s <wp:comment> (WordPress exports every comment but spam)."""

    wp_id: int | None
    author: str = ""
    author_email: str = ""
    author_url: str = ""
    date_gmt: str = ""
    date: str = ""
    content: str = ""
    approved: str = ""
    comment_type: str = ""
    parent: int = 0
    user_id: int = 0


@dataclass
class Item:
    wp_id: int | None
    post_type: str
    status: str
    title: str = ""
    link: str = ""
    guid: str = ""
    pub_date: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    post_name: str = ""
    post_date: str = ""
    post_date_gmt: str = ""
    post_modified: str = ""
    post_modified_gmt: str = ""
    post_parent: int = 0
    menu_order: int = 0
    is_sticky: bool = False
    password: str = ""
    attachment_url: str = ""
    terms: list[TermRef] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    line: int | None = None
    problems: list[str] = field(default_factory=list)

    def describe(self):
        title = self.title or self.post_name or "(no title)"
        wp_id = self.wp_id if self.wp_id is not None else "?"
        return f'{self.post_type or "item"} {wp_id} "{title}"'


def _kind(tag):
    """('wp', 'post_id'), ('content', 'encoded'), ('', 'title')... for a Clark-notation tag."""
    if not isinstance(tag, str):
        return None, None  # comments and processing instructions
    qname = etree.QName(tag)
    ns, local = qname.namespace or "", qname.localname
    if ns.startswith(WP_NS_PREFIX):
        return ("excerpt" if ns.rstrip("/").endswith("/excerpt") else "wp"), local
    if ns == CONTENT_NS:
        return "content", local
    if ns == DC_NS:
        return "dc", local
    return ns, local


def _text(element):
    return (element.text or "").strip() if element is not None else ""


def _raw_text(element):
    # Post bodies keep their whitespace: blank lines are paragraphs.
    return element.text or "" if element is not None else ""


def _int(value, problems, what):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        problems.append(f"{what} {value!r} is not a number")
        return None


def _children(element):
    out = {}
    for child in element:
        out.setdefault(_kind(child.tag), child)
    return out


def _author(element):
    c = _children(element)
    problems = []
    return Author(
        wp_id=_int(_text(c.get(("wp", "author_id"))), problems, "author_id"),
        login=_text(c.get(("wp", "author_login"))),
        email=_text(c.get(("wp", "author_email"))),
        display_name=_text(c.get(("wp", "author_display_name"))),
        first_name=_text(c.get(("wp", "author_first_name"))),
        last_name=_text(c.get(("wp", "author_last_name"))),
        line=element.sourceline,
    )


def _term(element, kind):
    c = _children(element)
    problems = []
    wp_id = _int(_text(c.get(("wp", "term_id"))), problems, "term_id")
    if kind == "category":
        return Term(
            wp_id=wp_id,
            taxonomy="category",
            slug=_text(c.get(("wp", "category_nicename"))),
            name=_text(c.get(("wp", "cat_name"))),
            parent_slug=_text(c.get(("wp", "category_parent"))),
            description=_text(c.get(("wp", "category_description"))),
            line=element.sourceline,
        )
    if kind == "tag":
        return Term(
            wp_id=wp_id,
            taxonomy="post_tag",
            slug=_text(c.get(("wp", "tag_slug"))),
            name=_text(c.get(("wp", "tag_name"))),
            description=_text(c.get(("wp", "tag_description"))),
            line=element.sourceline,
        )
    return Term(
        wp_id=wp_id,
        taxonomy=_text(c.get(("wp", "term_taxonomy"))),
        slug=_text(c.get(("wp", "term_slug"))),
        name=_text(c.get(("wp", "term_name"))),
        parent_slug=_text(c.get(("wp", "term_parent"))),
        description=_text(c.get(("wp", "term_description"))),
        line=element.sourceline,
    )


def _item(element):
    problems = []
    item = Item(wp_id=None, post_type="", status="", line=element.sourceline, problems=problems)
    for child in element:
        kind = _kind(child.tag)
        match kind:
            case ("", "title"):
                item.title = _text(child)
            case ("", "link"):
                item.link = _text(child)
            case ("", "guid"):
                item.guid = _text(child)
            case ("", "pubDate"):
                item.pub_date = _text(child)
            case ("dc", "creator"):
                item.creator = _text(child)
            case ("content", "encoded"):
                item.content = _raw_text(child)
            case ("excerpt", "encoded"):
                item.excerpt = _raw_text(child).strip()
            case ("wp", "post_id"):
                item.wp_id = _int(_text(child), problems, "wp:post_id")
            case ("wp", "post_type"):
                item.post_type = _text(child)
            case ("wp", "status"):
                item.status = _text(child)
            case ("wp", "post_name"):
                item.post_name = _text(child)
            case ("wp", "post_date"):
                item.post_date = _text(child)
            case ("wp", "post_date_gmt"):
                item.post_date_gmt = _text(child)
            case ("wp", "post_modified"):
                item.post_modified = _text(child)
            case ("wp", "post_modified_gmt"):
                item.post_modified_gmt = _text(child)
            case ("wp", "post_parent"):
                item.post_parent = _int(_text(child), problems, "wp:post_parent") or 0
            case ("wp", "menu_order"):
                item.menu_order = _int(_text(child), problems, "wp:menu_order") or 0
            case ("wp", "is_sticky"):
                item.is_sticky = _text(child) == "1"
            case ("wp", "post_password"):
                item.password = _text(child)
            case ("wp", "attachment_url"):
                item.attachment_url = _text(child)
            case ("", "category"):
                item.terms.append(
                    TermRef(
                        taxonomy=child.get("domain", ""),
                        slug=(child.get("nicename") or "").strip(),
                        name=_text(child),
                    )
                )
            case ("wp", "postmeta"):
                meta = _children(child)
                key = _text(meta.get(("wp", "meta_key")))
                if key:
                    item.meta[key] = _raw_text(meta.get(("wp", "meta_value")))
            case ("wp", "comment"):
                item.comments.append(_comment(child, problems))
    if item.wp_id is None:
        problems.append("it has no wp:post_id")
    return item


def _comment(element, problems):
    c = _children(element)
    return Comment(
        wp_id=_int(_text(c.get(("wp", "comment_id"))), problems, "wp:comment_id"),
        author=_text(c.get(("wp", "comment_author"))),
        author_email=_text(c.get(("wp", "comment_author_email"))),
        author_url=_text(c.get(("wp", "comment_author_url"))),
        date=_text(c.get(("wp", "comment_date"))),
        date_gmt=_text(c.get(("wp", "comment_date_gmt"))),
        content=_raw_text(c.get(("wp", "comment_content"))),
        approved=_text(c.get(("wp", "comment_approved"))),
        comment_type=_text(c.get(("wp", "comment_type"))) or "comment",
        parent=_int(_text(c.get(("wp", "comment_parent"))), problems, "wp:comment_parent") or 0,
        user_id=_int(_text(c.get(("wp", "comment_user_id"))), problems, "wp:comment_user_id") or 0,
    )


class _CountingReader(io.RawIOBase):
    """Reports bytes read, so that a progress bar can follow a stream of unknown item count."""

    def __init__(self, raw, on_read):
        self._raw = raw
        self._on_read = on_read
        self.lines = 1
        self.eof = False

    def readable(self):
        return True

    def read(self, size=-1):
        data = self._raw.read(size)
        if not data:
            self.eof = True
        else:
            self.lines += data.count(b"\n")
            if self._on_read:
                self._on_read(len(data))
        return data


def read(source, *, on_read=None) -> Iterator[Site | Author | Term | Item]:
    """Yield the export's Site, then Authors and Terms, then Items, clearing as it goes.

    `source` is a path or a binary file object; `on_read(n)` is called with the
    byte counts read (for progress). Raises WXRError on anything that is not a
    well-formed WXR document; what was yielded before stays valid.
    """
    owned = isinstance(source, (str, bytes)) or hasattr(source, "__fspath__")
    raw = open(source, "rb") if owned else source  # noqa: SIM115 -- closed in finally
    stream = _CountingReader(raw, on_read)
    site = Site()
    site_sent = False
    depth = 0
    try:
        events = etree.iterparse(
            stream,
            events=("start", "end"),
            huge_tree=True,
            resolve_entities=False,
            no_network=True,
            remove_comments=True,
            remove_pis=True,
        )
        for event, element in events:
            if event == "start":
                depth += 1
                if depth == 1 and _kind(element.tag) != ("", "rss"):
                    name = etree.QName(element).localname
                    raise WXRError(
                        f"not a WordPress export: the document is <{name}>, not an RSS <rss> "
                        "document (export it with WordPress's Tools -> Export)"
                    )
                if (
                    depth == 3
                    and not site_sent
                    and _kind(element.tag)
                    in (
                        ("", "item"),
                        ("wp", "author"),
                        ("wp", "category"),
                        ("wp", "tag"),
                        ("wp", "term"),
                    )
                ):
                    if not site.wxr_version:
                        raise WXRError(
                            "not a WordPress export: no <wp:wxr_version> before the first entry "
                            f"(line {element.sourceline}); this looks like a plain RSS feed"
                        )
                    site_sent = True
                    yield site
                continue
            depth -= 1
            if depth != 2:
                continue  # only the channel's children are handled (and then cleared)
            kind = _kind(element.tag)
            if kind == ("", "title"):
                site.title = _text(element)
            elif kind == ("", "link"):
                site.link = _text(element)
            elif kind == ("", "language"):
                site.language = _text(element)
            elif kind == ("wp", "wxr_version"):
                site.wxr_version = _text(element)
            elif kind == ("wp", "base_site_url"):
                site.base_site_url = _text(element)
            elif kind == ("wp", "base_blog_url"):
                site.base_blog_url = _text(element)
            elif kind == ("wp", "author"):
                yield _author(element)
            elif kind == ("wp", "category"):
                yield _term(element, "category")
            elif kind == ("wp", "tag"):
                yield _term(element, "tag")
            elif kind == ("wp", "term"):
                yield _term(element, "term")
            elif kind == ("", "item"):
                yield _item(element)
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
        if not site_sent:
            if not site.wxr_version:
                raise WXRError(
                    "not a WordPress export: no <wp:wxr_version> in the channel "
                    "(export it with WordPress's Tools -> Export)"
                )
            yield site
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if exc.position else "?")
        message = exc.msg if getattr(exc, "msg", None) else str(exc)
        if (
            "Document is empty" in message
            or "no element found" in message
            or ("Start tag expected" in message and line in (0, 1, "?"))
        ):
            raise WXRError("not a WordPress export: the file is empty or not XML") from exc
        # An error on the last line of the file means the document stops short.
        at_end = stream.eof and isinstance(line, int) and line >= stream.lines - 1
        hint = " (the file looks truncated)" if at_end or _truncated(message) else ""
        raise WXRError(f"malformed XML at line {line}: {message}{hint}") from exc
    finally:
        if owned:
            raw.close()


def _truncated(message):
    message = message.lower()
    return any(
        s in message
        for s in ("premature end", "end of data", "eof", "not closed", "unfinished", "truncated")
    )
