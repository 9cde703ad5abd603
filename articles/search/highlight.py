"""What a search result shows: its title and a snippet, HTML-escaped, the searched words in <mark>.

On PostgreSQL the snippet is ts_headline's passage of the body (or dek) where
the words are; otherwise, and when those have none, the article's excerpt.
"""

import html
import re

from django.contrib.postgres.search import SearchHeadline
from django.db.models import Func, TextField
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .index import MAX_INDEXED_CHARS
from .languages import is_prefix

# Private-use characters mark matches in ts_headline output, so that the text
# can be HTML-escaped before <mark> tags go in.
_START, _STOP = "\ue000", "\ue001"


def _pattern(words, prefixes):
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    if not prefixes:
        return re.compile(alternatives, re.IGNORECASE)
    # As the Armenian edition matches (languages.py): a word starting with a
    # stem long enough to be a prefix is marked whole, a shorter word only alone.
    long = [re.escape(w) for w in words if is_prefix(w)]
    short = [re.escape(w) for w in words if not is_prefix(w)]
    parts = []
    if long:
        parts.append(f"(?:{'|'.join(long)})\\w*")
    if short:
        parts.append(f"(?:{'|'.join(short)})(?!\\w)")
    return re.compile(f"(?<!\\w)(?:{'|'.join(parts)})", re.IGNORECASE)


def highlight(text, words, *, prefixes=False):
    """`text` HTML-escaped, with each occurrence of the words (any case) in <mark>.

    With `prefixes`, whole words that start with a word of languages.is_prefix()
    are marked, and other words only where they stand alone.
    """
    text = text or ""
    words = [w for w in words if w]
    if not words:
        return escape(text)
    pattern = _pattern(words, prefixes)
    parts, pos = [], 0
    for match in pattern.finditer(text):
        parts.append(escape(text[pos : match.start()]))
        parts.append(f"<mark>{escape(match.group())}</mark>")
        pos = match.end()
    parts.append(escape(text[pos:]))
    return mark_safe("".join(parts))  # noqa: S308 -- every piece is escaped above


def _marked(headline, *, unescape=False):
    """ts_headline output (with private-use markers) as escaped HTML with <mark>s."""
    text = " ".join(headline.split())
    parts = re.split(f"({_START}|{_STOP})", text)
    out = []
    for part in parts:
        if part == _START:
            out.append("<mark>")
        elif part == _STOP:
            out.append("</mark>")
        else:
            out.append(escape(html.unescape(part) if unescape else part))
    return mark_safe("".join(out))  # noqa: S308 -- text pieces are escaped above


class _PlainBody(Func):
    """The body without tags, for ts_headline."""

    output_field = TextField()
    template = f"left(regexp_replace(%(expressions)s, '<[^>]*>', ' ', 'g'), {MAX_INDEXED_CHARS})"


def headlines(tsquery, *, config="english"):
    """Annotations of the passages of body and dek that match `tsquery` (PostgreSQL),
    read with the text search configuration `config`."""
    options = {"config": config, "start_sel": _START, "stop_sel": _STOP}
    return {
        "body_headline": SearchHeadline(
            _PlainBody("body"),
            tsquery,
            max_words=35,
            min_words=15,
            short_word=2,
            max_fragments=2,
            fragment_delimiter=" … ",
            **options,
        ),
        "dek_headline": SearchHeadline("dek", tsquery, highlight_all=True, **options),
    }


def add_snippets(articles, words, *, prefixes=False):
    """Set each article's `title_html` and `snippet`, from its headlines if it has them."""
    for article in articles:
        article.title_html = highlight(article.title, words, prefixes=prefixes)
        if _START in (getattr(article, "body_headline", None) or ""):
            article.snippet = _marked(article.body_headline, unescape=True)
        elif _START in (getattr(article, "dek_headline", None) or ""):
            article.snippet = _marked(article.dek_headline)
        else:
            article.snippet = highlight(article.excerpt, words, prefixes=prefixes)
