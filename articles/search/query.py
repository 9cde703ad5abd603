"""Searching live articles: the query as searched, filters, and a page of results (SearchPage).

On PostgreSQL hits are ranked (ranking.py), with the typo fallback (typos.py)
when full text finds nothing; elsewhere search is substring matching. Each
edition searches its own stories (languages.py).
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.paginator import EmptyPage, Paginator
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, When
from django.utils import timezone

from ..models import Article, ArticleAuthor, load_bylines
from . import languages, ranking, typos
from .highlight import add_snippets, headlines
from .index import uses_index
from .sqlite import folded_contains

# Longer queries are cut (at a word) before any database sees them: a reader
# never needs more, and a 10,000-character query must cost no more than a short one.
MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
# The page number that asks for the last page, as Django's list views take it.
LAST_PAGE = "last"

_WORD = re.compile(r"(?<![-\w])\w+")


def clean_query(raw):
    """The query as searched: without NUL bytes and runs of spaces, cut to MAX_QUERY_LENGTH.

    Returns (query, was_cut).
    """
    # PostgreSQL refuses NUL in text; other control characters only split words.
    text = " ".join((raw or "").replace("\x00", " ").split())
    if len(text) <= MAX_QUERY_LENGTH:
        return text, False
    cut = text[: MAX_QUERY_LENGTH + 1].rsplit(" ", 1)[0] if " " in text[:MAX_QUERY_LENGTH] else ""
    return (cut or text[:MAX_QUERY_LENGTH]).strip(), True


def query_words(query):
    """The words a reader searched for (not those excluded with "-word", nor "or")."""
    words = []
    for word in _WORD.findall(query):
        if word.lower() != "or" and word.lower() not in (w.lower() for w in words):
            words.append(word)
    return words[:MAX_WORDS]


def _tsquery(query, edition=None):
    """`query` as websearch_to_tsquery reads it for `edition`'s index (languages.tsquery):
    by default under both configurations of the index, OR-ed."""
    return languages.tsquery(query, edition)


def filtered(queryset, *, category=None, author=None, date_from=None, date_to=None, language=None):
    """`queryset` in this category, by this author, published between these days (included),
    in this language."""
    if language is not None:
        queryset = queryset.filter(language=language)
    if category is not None:
        queryset = queryset.filter(category=category)
    if author is not None:
        queryset = queryset.filter(
            Exists(ArticleAuthor.objects.filter(article=OuterRef("pk"), author=author))
        )
    if date_from is not None:
        start = timezone.make_aware(datetime.combine(date_from, time.min))
        queryset = queryset.filter(publish_at__gte=start)
    if date_to is not None:
        end = timezone.make_aware(datetime.combine(date_to + timedelta(days=1), time.min))
        queryset = queryset.filter(publish_at__lt=end)
    return queryset


def substring_match(queryset, words):
    """Each word in the title, dek, body, category, a byline or a tag, in any case (SQLite)."""
    tag_through = Article._meta.get_field("tags").remote_field.through
    db = queryset.db
    for word in words:
        queryset = queryset.filter(
            folded_contains("title", word, db)
            | folded_contains("dek", word, db)
            | folded_contains("body", word, db)
            | folded_contains("category__name", word, db)
            | Exists(
                ArticleAuthor.objects.filter(
                    folded_contains("author__name", word, db), article=OuterRef("pk")
                )
            )
            | Exists(
                tag_through.objects.filter(
                    folded_contains("tag__name", word, db), object_id=OuterRef("pk")
                )
            )
        )
    return queryset


@dataclass(frozen=True)
class SearchPage:
    """One page of search results, each with `title_html` and `snippet` set.

    `count` is the number of hits pages run through. When a word is in more
    stories than are ranked (ranking.RANK_LIMIT), the newest of them are
    ranked and `more_than` is the count known to be exceeded. `typo_fallback`
    tells whether the hits are title/byline similarities because full text
    found nothing; `timed_out`, that a statement ran past the time limit.
    """

    results: list[Article]
    number: int
    per_page: int
    count: int
    more_than: int | None = None
    typo_fallback: bool = False
    timed_out: bool = False

    @property
    def num_pages(self):
        return max(1, math.ceil(self.count / self.per_page))

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.num_pages

    @property
    def previous_page_number(self):
        return self.number - 1

    @property
    def next_page_number(self):
        return self.number + 1


def search_page(
    query,
    *,
    page=1,
    per_page,
    category=None,
    author=None,
    date_from=None,
    date_to=None,
    base=None,
    edition=None,
):
    """Page `page` (a number from 1, or LAST_PAGE) of the live articles matching `query`.

    `edition` is the edition searched (by default the active language's,
    languages.current()): on a site of several editions only its stories are
    found, and it decides how the query is read. `category` and `author` are
    instances, the dates `datetime.date`s in the site's time zone (both ends
    included). An empty query with no filter finds
    nothing; with filters it lists their articles, newest first. Raises
    django.core.paginator.EmptyPage for a page past the last (the first page
    is there even when empty).
    """
    query, _ = clean_query(query)
    edition = edition or languages.current()
    words = languages.search_words(query_words(query), edition)
    queryset = base if base is not None else Article.objects.live()
    queryset = filtered(
        queryset.for_listing().defer("search_vector"),
        category=category,
        author=author,
        date_from=date_from,
        date_to=date_to,
        language=languages.language_filter(edition),
    )
    if not query:
        if category is None and author is None and date_from is None and date_to is None:
            queryset = queryset.none()
        return _listed_page(queryset.latest_first(), words, page, per_page)
    if not uses_index(queryset.db):
        if not words:
            return _listed_page(queryset.none(), words, page, per_page)
        title_hit = Q()
        for word in words:
            title_hit &= folded_contains("title", word, queryset.db)
        queryset = (
            substring_match(queryset, words)
            .annotate(
                title_hit=Case(When(title_hit, then=1), default=0, output_field=IntegerField())
            )
            .order_by("-title_hit", "-publish_at", "-id")
        )
        return _listed_page(queryset, words, page, per_page, edition)
    return _ranked_page(query, words, queryset, page, per_page, edition)


def _listed_page(queryset, words, number, per_page, edition=None):
    """A page of an ordered queryset, counted and sliced by Django's Paginator."""
    paginator = Paginator(queryset, per_page)
    page = paginator.page(paginator.num_pages if number == LAST_PAGE else number)
    articles = list(page.object_list)
    add_snippets(articles, words, prefixes=edition == languages.ARMENIAN)
    return SearchPage(articles, page.number, per_page, paginator.count)


def _ranked_page(query, words, candidates, number, per_page, edition):
    """A page of full-text hits (or, when there are none, of titles and bylines spelt alike).

    Ranking, counting and loading the page run in one time-limited transaction;
    only the page's rows get snippets (ts_headline is costly).
    """
    hits = ranking.ranked(candidates, _tsquery(query, edition))
    last = number == LAST_PAGE
    # The last page's number is known once the hits are counted.
    index = slice(0, 0) if last else _page_slice(number, per_page)
    similar = None
    try:
        with ranking._time_limited(candidates.db, [typos.THRESHOLD_SETTING]):
            total, ids, more_than = ranking.rank(hits, index)
            if not total:
                similar = typos.typo_ids(
                    candidates, query, language=languages.language_filter(edition)
                )
                total = len(similar)
            if last:
                number = max(1, math.ceil(total / per_page))
                index = _page_slice(number, per_page)
                if similar is None:
                    ids = ranking.rank(hits, index)[1]
            if similar is not None:
                ids = similar[index]
            articles = _load(ids, query, words, edition, passages=similar is None)
    except ranking.SearchTimeout:
        # Nothing to show, as on an empty first page.
        return _existing(SearchPage([], 1 if last else number, per_page, 0, timed_out=True))
    return _existing(
        SearchPage(
            articles, number, per_page, total, more_than=more_than, typo_fallback=bool(similar)
        )
    )


def _page_slice(number, per_page):
    return slice((number - 1) * per_page, number * per_page)


def _existing(page):
    """`page`, unless it is past the last one (as Django's Paginator.page() refuses it)."""
    if page.number > page.num_pages:
        raise EmptyPage("That page contains no results")
    return page


def _load(ids, query, words, edition, *, passages):
    """The articles `ids`, in that order, with what a result shows (snippets, bylines)."""
    if not ids:
        return []
    rows = Article.objects.select_related("category")
    rows = rows.defer("search_vector").filter(pk__in=ids)
    if passages:
        rows = rows.annotate(
            **headlines(_tsquery(query, edition), config=languages.headline_config(edition))
        )
    rows = rows.in_bulk()
    articles = [rows[pk] for pk in ids if pk in rows]
    load_bylines(articles)
    add_snippets(articles, words, prefixes=edition == languages.ARMENIAN)
    return articles
