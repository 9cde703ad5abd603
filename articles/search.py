"""Article search for readers (/search/) and editors (the article admin).

On PostgreSQL every article carries a stored `search_vector`, weighted
title (A) > dek, bylines, tags and category (B) > body (C), with a GIN index,
so no separate search server is needed. Texts are indexed:

- with the `english` configuration, so "corridors" finds "corridor" and
  English stop words cost nothing;
- and, for the title, dek, bylines, tags and category, also with the `simple`
  configuration (lower-cased words as written), so that names, stop words that
  are names or titles ("The Who", "US") and words of other scripts match
  exactly. The site publishes in Armenian and Russian too; PostgreSQL's english
  stemmer happens to leave those words unstemmed, and `simple` makes sure of
  it where it matters most. The body, by far the largest text, is indexed with
  `english` only: a second copy would double the vector that every ranked hit
  reads, for matches that are almost all there already.

unaccent was not chosen: Armenian and Cyrillic have no accents to fold, it
needs a second extension, and it would make "résumé" and "resume" one word
where a newsroom's names usually care.

A query is run with websearch_to_tsquery under both configurations, OR-ed,
which accepts anything a reader types (quotes, "or", "-word") without syntax
errors. When full text finds nothing, titles and author names are matched by
trigram word similarity (pg_trgm), so a misspelt name still finds the story.

On SQLite (the development default) search is plain substring matching.
"""

import html
import itertools
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import partial

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import OperationalError, connections, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from caching.purges import purge

from . import cache_keys
from .models import Article, ArticleAuthor, load_bylines

# Longer queries are cut (at a word) before any database sees them: a reader
# never needs more, and a 10,000-character query must cost no more than a short one.
MAX_QUERY_LENGTH = 200
MAX_WORDS = 12
# ts_rank_cd weights for D, C, B, A (body is C, dek/bylines/tags/category B, title A).
# A title match (indexed twice: 2 x 1.0) outranks a body-only match unless the
# body repeats the words some 100 times (50 with the whole recency advantage);
# a dek or tag match outranks ten body mentions.
RANK_WEIGHTS = [0.02, 0.02, 0.2, 1.0]
# Stories lose up to half their score with age: today's counts double, a
# month-old one 1.5 times, a year-old one about 1.08 times. Relevance decides
# for old material, recency breaks near-ties (editors search archives too).
RECENCY_DAYS = 30
# Ranking reads every hit's row (its vector), so its cost grows with the hits.
# Up to RANK_LIMIT hits are all ranked and counted. A word in more stories than
# that (and than anyone pages through) has its newest RECENT_LIMIT hits ranked,
# and the count shown is "more than RECENT_LIMIT": a date filter reaches older ones.
RANK_LIMIT = 2000
RECENT_LIMIT = 500
# Windows of publication time (days back) in which the newest hits are looked for.
RECENT_WINDOWS = (7, 30, 90, 180, 365, 730, 1825, 3650)
# A search statement running longer is cancelled; the page says so instead of hanging.
STATEMENT_TIMEOUT_MS = 3000
# pg_trgm word similarity needed for the typo fallback ("Pashinian" ~ "Pashinyan" is 0.6).
TYPO_THRESHOLD = 0.5
TYPO_LIMIT = 50
# What is indexed of a body: a news story is far shorter; a pasted book would
# otherwise overflow tsvector's 1 MB.
MAX_INDEXED_CHARS = 100_000
# Private-use characters mark matches in ts_headline output, so that the text
# can be HTML-escaped before <mark> tags go in.
_START, _STOP = "\ue000", "\ue001"
_WORD = re.compile(r"(?<![-\w])\w+")

# Stand-ins for a window's dates while its SQL is compiled (no article is that old).
_OLDER, _NEWER = (datetime(1, 1, day, tzinfo=UTC) for day in (2, 3))

INDEXED_FIELDS = {"title", "dek", "body", "category", "category_id"}


# -- input ---------------------------------------------------------------------


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


# -- highlighting ----------------------------------------------------------------


def highlight(text, words):
    """`text` HTML-escaped, with each occurrence of the words (any case) in <mark>."""
    text = text or ""
    words = [w for w in words if w]
    if not words:
        return escape(text)
    pattern = re.compile(
        "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE
    )
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


# -- the index -----------------------------------------------------------------


def _vector_sql(where):
    """UPDATE filling search_vector of the articles whose row `x` matches `where`."""
    article = Article._meta.db_table
    byline = ArticleAuthor._meta.db_table
    author = ArticleAuthor._meta.get_field("author").related_model._meta.db_table
    category = Article._meta.get_field("category").related_model._meta.db_table
    tag_field = Article._meta.get_field("tags")
    tagged = tag_field.remote_field.through._meta.db_table
    tag = tag_field.remote_field.model._meta.db_table
    parts = []
    for column, weight in (("title", "A"), ("dek", "B"), ("meta", "B"), ("body", "C")):
        for config in ("english",) if column == "body" else ("english", "simple"):
            parts.append(f"setweight(to_tsvector('{config}'::regconfig, s.{column}), '{weight}')")
    vector = " || ".join(parts)
    # OFFSET 0 keeps the subquery from being merged into the UPDATE, which
    # would compute `meta` once per reference. The scalar subqueries go from
    # the article's own rows to the names by primary key, whatever the statistics.
    return f"""
        UPDATE {article} AS a SET search_vector = {vector}
        FROM (
            SELECT x.id,
                   coalesce(x.title, '') AS title,
                   coalesce(x.dek, '') AS dek,
                   concat_ws(' ',
                       (SELECT c.name FROM {category} c WHERE c.id = x.category_id),
                       (SELECT string_agg(
                                 (SELECT au.name FROM {author} au WHERE au.id = b.author_id),
                                 ' ')
                          FROM {byline} b WHERE b.article_id = x.id),
                       (SELECT string_agg(
                                 (SELECT t.name FROM {tag} t WHERE t.id = ti.tag_id), ' ')
                          FROM {tagged} ti
                         WHERE ti.object_id = x.id
                           AND ti.content_type_id = (
                               SELECT ct.id FROM django_content_type ct
                                WHERE ct.app_label = 'articles' AND ct.model = 'article'))
                   ) AS meta,
                   left(regexp_replace(regexp_replace(coalesce(x.body, ''),
                        '<[^>]*>', ' ', 'g'), '&[#a-zA-Z0-9]+;', ' ', 'g'), {MAX_INDEXED_CHARS})
                     AS body
              FROM {article} x
             WHERE {where}
            OFFSET 0
        ) AS s
        WHERE a.id = s.id
    """  # noqa: S608 -- names come from the models, values are parameters


def _uses_index(using="default"):
    return connections[using].vendor == "postgresql"


def refresh_vectors(article_ids, *, using="default"):
    """Recompute the search vector of these articles from their rows and relations."""
    ids = [int(pk) for pk in article_ids if pk is not None]
    if not ids or not _uses_index(using):
        return 0
    with connections[using].cursor() as cursor:
        cursor.execute(_vector_sql("x.id = ANY(%s)"), [ids])
        return cursor.rowcount


def _refresh_where(where, params, using):
    with connections[using].cursor() as cursor:
        cursor.execute(_vector_sql(where), params)
    purge([cache_keys.SEARCH])


def _refresh_and_bump(article_ids, using):
    refresh_vectors(article_ids, using=using)
    # Search pages are cached under the `search` key; the save's own purge may
    # have come first, and a search between the two would have cached the old
    # results as current.
    purge([cache_keys.SEARCH])


def rebuild_index(*, batch_size=2000, only_missing=False, using="default", progress=None):
    """Recompute search vectors of all articles (or those without one), in id-ranged batches.

    Each batch commits on its own, so a long rebuild holds no lock for long and
    can be interrupted and resumed with `only_missing`. Returns the number updated.
    """
    if not _uses_index(using):
        return 0
    table = Article._meta.db_table
    missing = " AND x.search_vector IS NULL" if only_missing else ""
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT min(id), max(id) FROM {table}")  # noqa: S608
        low, high = cursor.fetchone()
    done = 0
    if low is None:
        return done
    for start in range(low, high + 1, batch_size):
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute(
                _vector_sql(f"x.id >= %s AND x.id < %s{missing}"), [start, start + batch_size]
            )
            done += cursor.rowcount
        if progress:
            progress(done)
    purge([cache_keys.SEARCH])
    return done


# -- keeping the index current --------------------------------------------------
#
# The vector is a derived value of the article row and its bylines, tags and
# category (like the sanitised body), not an external side effect, which is why
# model signals keep it, whoever saves: services, the admin and its inlines,
# taggit, imports. Bylines and tags are written after the article row, so the
# refresh runs once the transaction commits and reads them all.


def _refresh_on_commit(article_id, using):
    if article_id is not None and _uses_index(using):
        transaction.on_commit(
            partial(_refresh_and_bump, [article_id], using), using=using, robust=True
        )


def article_saved(sender, instance, raw=False, update_fields=None, using="default", **kwargs):
    if raw:
        return  # fixtures: rebuild_search_index afterwards
    if update_fields is not None and not INDEXED_FIELDS & set(update_fields):
        return  # a status, version or timestamp change does not change the text
    _refresh_on_commit(instance.pk, using)


def byline_changed(sender, instance, raw=False, using="default", **kwargs):
    if not raw:
        _refresh_on_commit(instance.article_id, using)


def tags_changed(sender, instance, action, reverse, model, pk_set, using="default", **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Article):
        _refresh_on_commit(instance.pk, using)
    elif model is Article:
        for pk in pk_set or ():
            _refresh_on_commit(pk, using)


def _related_renamed(where, sender, instance, created=False, raw=False, using="default", **kw):
    # A renamed author, category or tag changes the text of every article that
    # carries it; one UPDATE after commit, nothing when it has no articles yet.
    if created or raw or not _uses_index(using):
        return
    transaction.on_commit(
        partial(_refresh_where, where, [instance.pk], using), using=using, robust=True
    )


def connect_signals():
    """Keep search vectors current; called from ArticlesConfig.ready()."""
    from django.db.models.signals import m2m_changed, post_delete, post_save
    from taggit.models import Tag

    from authors.models import Author
    from categories.models import Category

    byline = ArticleAuthor._meta.db_table
    tagged = Article._meta.get_field("tags").remote_field.through
    post_save.connect(article_saved, sender=Article, dispatch_uid="search-article-saved")
    post_save.connect(byline_changed, sender=ArticleAuthor, dispatch_uid="search-byline-saved")
    post_delete.connect(byline_changed, sender=ArticleAuthor, dispatch_uid="search-byline-gone")
    m2m_changed.connect(tags_changed, sender=tagged, dispatch_uid="search-tags-changed")
    renamed = {
        Author: f"x.id IN (SELECT article_id FROM {byline} WHERE author_id = %s)",  # noqa: S608
        Category: "x.category_id = %s",
        Tag: (
            f"x.id IN (SELECT object_id FROM {tagged._meta.db_table} WHERE tag_id = %s)"  # noqa: S608
        ),
    }
    for model, where in renamed.items():
        post_save.connect(
            partial(_related_renamed, where),
            sender=model,
            weak=False,
            dispatch_uid=f"search-{model._meta.label_lower}-renamed",
        )


# -- querying -----------------------------------------------------------------


class _Recency(Func):
    """1 + 1 / (1 + age in RECENCY_DAYS): 2 for a story published now, towards 1 with age."""

    output_field = FloatField()
    template = (
        "(1 + 1 / (1 + GREATEST(date_part('epoch', statement_timestamp() - %(expressions)s), 0)"
        f" / {RECENCY_DAYS * 86400}.0))"
    )


class _PlainBody(Func):
    """The body without tags, for ts_headline."""

    output_field = TextField()
    template = f"left(regexp_replace(%(expressions)s, '<[^>]*>', ' ', 'g'), {MAX_INDEXED_CHARS})"


def _tsquery(query):
    return SearchQuery(query, config="english", search_type="websearch") | SearchQuery(
        query, config="simple", search_type="websearch"
    )


def _filtered(queryset, *, category=None, author=None, date_from=None, date_to=None):
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


def _substring_match(queryset, words):
    """Each word in the title, dek, body, category, a byline or a tag (SQLite)."""
    tag_through = Article._meta.get_field("tags").remote_field.through
    for word in words:
        queryset = queryset.filter(
            Q(title__icontains=word)
            | Q(dek__icontains=word)
            | Q(body__icontains=word)
            | Q(category__name__icontains=word)
            | Exists(
                ArticleAuthor.objects.filter(article=OuterRef("pk"), author__name__icontains=word)
            )
            | Exists(
                tag_through.objects.filter(object_id=OuterRef("pk"), tag__name__icontains=word)
            )
        )
    return queryset


class SearchTimeout(Exception):
    """A search statement ran past STATEMENT_TIMEOUT_MS and was cancelled."""


@contextmanager
def _time_limited(using, settings=()):
    """A transaction whose statements are cancelled after STATEMENT_TIMEOUT_MS.

    `settings` are other (name, value) pairs set for the transaction. Raises
    SearchTimeout when a statement is cancelled. Only for reading.
    """
    connection = connections[using]
    # JIT compilation costs tens of milliseconds and never pays off on these
    # short statements, but the planner's estimates for ranking can call for it.
    assignments = [("statement_timeout", f"{STATEMENT_TIMEOUT_MS}ms"), ("jit", "off"), *settings]

    def limit():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in assignments),
                [value for pair in assignments for value in pair],
            )

    try:
        if not connection.in_atomic_block:
            with transaction.atomic(using=using):
                limit()
                yield
            return
        # Inside someone's transaction, settings made in a savepoint would
        # outlive its release: roll it back instead (nothing was written), which
        # hands the enclosing transaction its own settings back.
        savepoint = transaction.savepoint(using=using)
        try:
            limit()
            yield
        finally:
            transaction.savepoint_rollback(savepoint, using=using)
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == "57014":  # query_canceled
            raise SearchTimeout from error
        raise


def _ranked_ids(hits_sql, params, index, *, using, cap=None):
    """(number of hits, ids of the `index` slice of them, best first) in one statement.

    `hits_sql` selects (pk, score, publish_at). The hits are materialised once,
    as narrow rows, so that scores are computed once and the count and the page
    read the same rows; `cap` leaves out ranks at and beyond it.
    """
    stop = index.stop if cap is None else min(index.stop, cap)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"""
            WITH hit (pk, score, publish_at) AS MATERIALIZED ({hits_sql})
            SELECT total.n, page.pk FROM (SELECT count(*) AS n FROM hit) AS total
            LEFT JOIN LATERAL (
                SELECT pk FROM hit ORDER BY score DESC, publish_at DESC, pk DESC
                LIMIT %s OFFSET %s
            ) AS page ON true
            """,  # noqa: S608 -- the SQL is Django's, values are parameters
            (*params, max(stop - index.start, 0), index.start),
        )
        rows = cursor.fetchall()
    return rows[0][0], [pk for _, pk in rows if pk is not None]


def _estimated_rows(queryset):
    """The planner's estimate of how many rows `queryset` returns (EXPLAIN, nothing run)."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


@dataclass
class SearchResults:
    """Search hits, sliceable and countable for a Paginator.

    Full text: up to RANK_LIMIT hits are all ranked and counted. Beyond that
    (a word in more stories than anyone pages through), the newest
    RECENT_LIMIT hits are ranked, `more_than` is set to the count known to be
    exceeded, and pages run through those ranked hits only. Only the slice a
    page shows gets its snippets (ts_headline is costly). `typo_fallback` tells
    whether the hits are title/name similarities because full text found
    nothing; `timed_out`, that a statement ran past STATEMENT_TIMEOUT_MS.
    """

    query: str
    words: list
    queryset: object
    fulltext: bool = False
    typo_fallback: bool = False
    more_than: int = None
    timed_out: bool = False
    _candidates: object = None  # full text: what the typo fallback searches
    _expected: slice = None
    _total: int = None
    _fallback_ids: list = field(default=None, repr=False)
    _page: list = field(default=None, repr=False)

    def expect_page(self, number, per_page):
        """Rank, count and load the page the request asks for in one go."""
        self._expected = slice((number - 1) * per_page, number * per_page)

    def count(self):
        if self._total is None:
            self._total = self._count() if self.fulltext else self.queryset.count()
        return self._total

    def __len__(self):
        return self.count()

    def _count(self):
        index = self._expected or slice(0, 0)
        fallback = self._candidates is not None
        threshold = [("pg_trgm.word_similarity_threshold", str(TYPO_THRESHOLD))] if fallback else []
        try:
            with _time_limited(self.queryset.db, threshold):
                total, ids = self._rank(index)
                if not total and fallback:
                    self._fallback_ids = self._typo_ids()
                    ids = self._fallback_ids[index]
                if ids:
                    self._page = self._load(ids, headlines=self._fallback_ids is None)
        except SearchTimeout:
            self.timed_out, self.more_than, self._page = True, None, None
            return 0
        if self._fallback_ids is None:
            return total
        self.typo_fallback = bool(self._fallback_ids)
        return len(self._fallback_ids)

    def _rank(self, index):
        """(number of hits to page through, ids of the `index` slice)."""
        hits = self.queryset.order_by().values_list("pk", "score", "publish_at")
        db = self.queryset.db
        # The planner knows how common a common word is (the vector's statistics):
        # counting to RANK_LIMIT first would only be thrown away.
        if _estimated_rows(self.queryset) <= RANK_LIMIT:
            sql, params = hits[: RANK_LIMIT + 1].query.sql_with_params()
            total, ids = _ranked_ids(sql, params, index, using=db)
            if total <= RANK_LIMIT:
                return total, ids
        sql, params = self._newest_sql(hits)
        found, ids = _ranked_ids(sql, params, index, using=db, cap=RECENT_LIMIT)
        if found <= RECENT_LIMIT:
            return found, ids  # the estimate was high: that is every hit
        self.more_than = RECENT_LIMIT
        return RECENT_LIMIT, ids

    @staticmethod
    def _newest_sql(hits):
        """SQL for the newest RECENT_LIMIT + 1 hits, or about (see below).

        Windows of publication time, newest first (RECENT_WINDOWS), read in turn
        until enough hits are found: PostgreSQL runs a UNION ALL branch only
        when the ones before it did not fill the LIMIT. Each branch intersects
        the text index with the date index, so a row is read only if it is a
        hit in its window; the last window read contributes any of its hits.
        """
        # Compiled once; each window is the same SQL with its own two dates.
        window = hits.filter(publish_at__gte=_OLDER, publish_at__lt=_NEWER)
        sql, params = window[: RECENT_LIMIT + 1].query.sql_with_params()
        older_at, newer_at = params.index(_OLDER), params.index(_NEWER)
        now = timezone.now()
        edges = [
            now + timedelta(days=1),
            *(now - timedelta(days=days) for days in RECENT_WINDOWS),
            datetime.min.replace(tzinfo=UTC),
        ]
        all_params = []
        for newer, older in itertools.pairwise(edges):
            window_params = list(params)
            window_params[older_at], window_params[newer_at] = older, newer
            all_params.extend(window_params)
        union = " UNION ALL ".join([f"({sql})"] * (len(edges) - 1))
        return f"SELECT * FROM ({union}) AS w LIMIT %s", [*all_params, RECENT_LIMIT + 1]  # noqa: S608

    def _typo_ids(self):
        """Ids of the candidates whose title or a byline is like the query, most alike first."""
        params = [self.query, TYPO_LIMIT * 20] * 2
        # Fixed SQL (table names from the models), the query a parameter.
        similar = RawSQL(_SIMILAR_SQL, params)  # nosec B611 # noqa: S611
        return list(
            _typo_queryset(self._candidates, self.query)
            .filter(pk__in=similar)
            .values_list("pk", flat=True)[:TYPO_LIMIT]
        )

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        if not self.fulltext:
            hits = list(self.queryset[index])
            for article in hits:
                article.title_html = highlight(article.title, self.words)
                article.snippet = highlight(article.excerpt, self.words)
            return hits
        if not self.count():
            return []
        expected = self._expected
        if self._page is not None and index.start == expected.start and index.stop <= expected.stop:
            return self._page[: index.stop - index.start]  # the Paginator ends the last page early
        try:
            with _time_limited(self.queryset.db):
                if self._fallback_ids is not None:
                    return self._load(self._fallback_ids[index], headlines=False)
                return self._load(self._rank(index)[1], headlines=True)
        except SearchTimeout:
            self.timed_out = True
            return []

    def _load(self, ids, *, headlines):
        """The articles `ids`, in that order, with what a result shows (snippets, bylines)."""
        if not ids:
            return []
        rows = Article.objects.select_related("category")
        rows = rows.defer("search_vector").filter(pk__in=ids)
        if headlines:
            tsquery = _tsquery(self.query)
            options = {"config": "english", "start_sel": _START, "stop_sel": _STOP}
            rows = rows.annotate(
                body_headline=SearchHeadline(
                    _PlainBody("body"),
                    tsquery,
                    max_words=35,
                    min_words=15,
                    short_word=2,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                    **options,
                ),
                dek_headline=SearchHeadline("dek", tsquery, highlight_all=True, **options),
            )
        rows = rows.in_bulk()
        articles = [rows[pk] for pk in ids if pk in rows]
        load_bylines(articles)
        for article in articles:
            article.title_html = highlight(article.title, self.words)
            if _START in (getattr(article, "body_headline", None) or ""):
                article.snippet = _marked(article.body_headline, unescape=True)
            elif _START in (getattr(article, "dek_headline", None) or ""):
                article.snippet = _marked(article.dek_headline)
            else:
                article.snippet = highlight(article.excerpt, self.words)
        return articles


def search(query, *, category=None, author=None, date_from=None, date_to=None, base=None):
    """Live articles matching `query` and the filters, best first, ready to paginate.

    `category` and `author` are instances, the dates `datetime.date`s in the
    site's time zone (both ends included). An empty query with no filter finds
    nothing; with filters it lists their articles, newest first.
    """
    query, _ = clean_query(query)
    words = query_words(query)
    queryset = base if base is not None else Article.objects.live()
    queryset = _filtered(
        queryset.for_listing().defer("search_vector"),
        category=category,
        author=author,
        date_from=date_from,
        date_to=date_to,
    )
    if not query:
        if category is None and author is None and date_from is None and date_to is None:
            queryset = queryset.none()
        return SearchResults(query, words, queryset.latest_first())
    if not _uses_index(queryset.db):
        if not words:
            return SearchResults(query, words, queryset.none())
        title_hit = Q()
        for word in words:
            title_hit &= Q(title__icontains=word)
        queryset = (
            _substring_match(queryset, words)
            .annotate(
                title_hit=Case(When(title_hit, then=1), default=0, output_field=IntegerField())
            )
            .order_by("-title_hit", "-publish_at", "-id")
        )
        return SearchResults(query, words, queryset)
    tsquery = _tsquery(query)
    ranked = (
        queryset.filter(search_vector=tsquery)
        .annotate(
            score=SearchRank(F("search_vector"), tsquery, weights=RANK_WEIGHTS, cover_density=True)
            * _Recency("publish_at"),
        )
        .order_by("-score", "-publish_at", "-id")
    )
    return SearchResults(query, words, ranked, fulltext=True, _candidates=queryset)


# Ids of articles whose title, or an author's name, is like the query (pg_trgm),
# each half by a trigram index scan: `<%` honours pg_trgm.word_similarity_threshold.
_SIMILAR_SQL = f"""
    (SELECT id FROM {Article._meta.db_table} WHERE %s <%% title LIMIT %s)
    UNION
    (SELECT b.article_id
       FROM {ArticleAuthor._meta.db_table} b
       JOIN {ArticleAuthor._meta.get_field("author").related_model._meta.db_table} au
         ON au.id = b.author_id
      WHERE %s <%% au.name LIMIT %s)
"""  # noqa: S608 -- table names come from the models


def similar_article_ids(query, *, using="default", limit=1000):
    """Ids of articles whose title, or an author's name, is like `query` (pg_trgm).

    Both halves use a trigram index scan (`<%` honours
    pg_trgm.word_similarity_threshold, set for this transaction only).
    """
    # No savepoint of its own: the setting lasts until the enclosing transaction ends.
    with transaction.atomic(using=using, savepoint=False), connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)",
            [str(TYPO_THRESHOLD)],
        )
        cursor.execute(_SIMILAR_SQL, [query, limit, query, limit])
        return [row[0] for row in cursor.fetchall()]


def _word_similarity(expression, query):
    return Func(Value(query), expression, function="word_similarity", output_field=FloatField())


def _typo_queryset(queryset, query):
    """The queryset ordered by how like the query its title or best byline is."""
    # The best byline by ORDER BY ... LIMIT 1, not MAX() ... GROUP BY: the planner
    # then starts from the article's own bylines rather than from every author.
    best_author = (
        ArticleAuthor.objects.filter(article=OuterRef("pk"))
        .annotate(similarity=_word_similarity(F("author__name"), query))
        .order_by("-similarity")
        .values("similarity")[:1]
    )
    return queryset.annotate(
        similarity=Greatest(
            _word_similarity(F("title"), query),
            Coalesce(Subquery(best_author, output_field=FloatField()), Value(0.0)),
        )
    ).order_by("-similarity", "-publish_at", "-id")


def filter_for_admin(queryset, term):
    """The article admin's search: the same index as the site, over any status.

    Returns (queryset, may_have_duplicates) as ModelAdmin.get_search_results does.
    An editor may also paste a slug. A misspelt title still finds its article.
    """
    query, _ = clean_query(term)
    if not query:
        return queryset, False
    if not _uses_index(queryset.db):
        words = query_words(query)
        if not words:
            return queryset.filter(slug=query), False
        return _substring_match(queryset, words) | queryset.filter(slug=query), False
    matched = queryset.filter(Q(search_vector=_tsquery(query)) | Q(slug=query))
    if matched.exists():
        return matched, False
    return queryset.filter(pk__in=similar_article_ids(query, using=queryset.db)), False
