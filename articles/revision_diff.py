"""Word-by-word comparison of what readers see (revisions and the edit-conflict merge).

Bodies are compared as rendered text, not HTML: paragraphs stay paragraphs,
images show as their caption or alt text, and changes are marked word by word
with <ins> and <del>. The matching is Python's difflib.SequenceMatcher over word
tokens (the standard library's maintained implementation of Ratcliff/Obershelp
matching); only the tokenising and the markup are here.
"""

import re
from difflib import SequenceMatcher
from html import unescape
from html.parser import HTMLParser

from django.utils.html import escape, format_html, format_html_join

# Blocks that end a paragraph of the rendered text.
_BLOCKS = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figure",
    "figcaption", "pre", "table", "tr", "ul", "ol", "section", "article",
}  # fmt: skip
_TOKEN = re.compile(r"\n\n|\s+|\w+|[^\w\s]", re.UNICODE)


class _TextOf(HTMLParser):
    """The text a reader sees in a piece of article HTML, one paragraph per block."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.in_caption = 0
        self.figure_has_caption = []

    def _break(self):
        if self.parts and self.parts[-1] != "\n\n":
            self.parts.append("\n\n")

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self._break()
        if tag == "br":
            self.parts.append(" ")
        elif tag == "img":
            alt = (dict(attrs).get("alt") or "").strip()
            self.parts.append(f"[Image: {alt}]" if alt else "[Image]")
            self._break()

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data):
        self.parts.append(data)

    def text(self):
        paragraphs = "".join(self.parts).split("\n\n")
        return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def text_of(html):
    """The rendered text of `html`: paragraphs separated by blank lines, images as
    "[Image: alt text]" (their captions follow as text)."""
    if not html:
        return ""
    parser = _TextOf()
    parser.feed(str(html))
    parser.close()
    return unescape(parser.text())


def _tokens(text):
    return _TOKEN.findall(text or "")


def _mark(tag, tokens):
    text = "".join(tokens)
    if not text.strip():
        return escape(text)
    return format_html("<{}>{}</{}>", tag, text, tag)


def _grouped(a, b):
    """difflib's opcodes, with changes separated only by spaces joined into one change
    ("<del>after midnight</del><ins>before dawn</ins>", not word by word in turn)."""
    ops = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    groups = []  # [equal?, a tokens, b tokens]
    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        equal = op == "equal"
        between_changes = 0 < n < len(ops) - 1
        if equal and between_changes and not "".join(a[i1:i2]).strip():
            equal = False
        if groups and not equal and not groups[-1][0]:
            groups[-1][1] += a[i1:i2]
            groups[-1][2] += b[j1:j2]
        else:
            groups.append([equal, a[i1:i2], b[j1:j2]])
    return groups


def word_diff(before, after):
    """`after` as safe HTML with the words added since `before` in <ins> and those
    removed in <del> (both plain text; see text_of() for HTML)."""
    out = []
    for equal, removed, added in _grouped(_tokens(before), _tokens(after)):
        if equal:
            out.append(escape("".join(removed)))
            continue
        if removed:
            out.append(_mark("del", removed))
        if added:
            out.append(_mark("ins", added))
    # Every piece is escaped or built by format_html: joined without escaping again.
    return format_html_join("", "{}", ((piece,) for piece in out))
