"""Ranking full-text hits (PostgreSQL) at a bounded cost: relevance with a recency boost,
capped counts for very common words, and a statement time limit.
"""

import itertools
import json
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.contrib.postgres.search import SearchRank
from django.db import OperationalError, connections, transaction
from django.db.models import F, FloatField, Func
from django.utils import timezone

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

# Stand-ins for a window's dates while its SQL is compiled (no article is that old).
_OLDER, _NEWER = (datetime(1, 1, day, tzinfo=UTC) for day in (2, 3))


class _Recency(Func):
    """1 + 1 / (1 + age in RECENCY_DAYS): 2 for a story published now, towards 1 with age."""

    output_field = FloatField()
    template = (
        "(1 + 1 / (1 + GREATEST(date_part('epoch', statement_timestamp() - %(expressions)s), 0)"
        f" / {RECENCY_DAYS * 86400}.0))"
    )


def ranked(queryset, tsquery):
    """The articles of `queryset` matching `tsquery`, with their `score`, best first."""
    return (
        queryset.filter(search_vector=tsquery)
        .annotate(
            score=SearchRank(F("search_vector"), tsquery, weights=RANK_WEIGHTS, cover_density=True)
            * _Recency("publish_at"),
        )
        .order_by("-score", "-publish_at", "-id")
    )


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


def rank(hits, index):
    """(number of hits to page through, ids of the `index` slice of them, more_than).

    `hits` is a ranked() queryset. Up to RANK_LIMIT hits are all ranked and
    counted. Beyond that (a word in more stories than anyone pages through),
    the newest RECENT_LIMIT hits are ranked and counted, and `more_than` is
    RECENT_LIMIT, the count known to be exceeded; otherwise it is None.
    """
    rows = hits.order_by().values_list("pk", "score", "publish_at")
    db = hits.db
    # The planner knows how common a common word is (the vector's statistics):
    # counting to RANK_LIMIT first would only be thrown away.
    if _estimated_rows(hits) <= RANK_LIMIT:
        sql, params = rows[: RANK_LIMIT + 1].query.sql_with_params()
        total, ids = _ranked_ids(sql, params, index, using=db, cap=RANK_LIMIT + 1)
        if total <= RANK_LIMIT:
            return total, ids, None
    sql, params = _newest_sql(rows)
    found, ids = _ranked_ids(sql, params, index, using=db, cap=RECENT_LIMIT)
    if found <= RECENT_LIMIT:
        return found, ids, None  # the estimate was high: that is every hit
    return RECENT_LIMIT, ids, RECENT_LIMIT


def _ranked_ids(hits_sql, params, index, *, using, cap):
    """(number of hits, ids of the `index` slice of them, best first) in one statement.

    `hits_sql` selects (pk, score, publish_at). The hits are materialised once,
    as narrow rows, so that scores are computed once and the count and the page
    read the same rows; `cap` leaves out ranks at and beyond it (and keeps the
    OFFSET of a page far past the hits within bounds).
    """
    stop = min(index.stop, cap)
    start = min(index.start, stop)
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
            (*params, stop - start, start),
        )
        rows = cursor.fetchall()
    return rows[0][0], [pk for _, pk in rows if pk is not None]


def _estimated_rows(queryset):
    """The planner's estimate of how many rows `queryset` returns (EXPLAIN, nothing run)."""
    plan = json.loads(queryset.order_by().values("pk").explain(format="json"))
    return plan[0]["Plan"]["Plan Rows"]


def _newest_sql(hits):
    """SQL for the newest RECENT_LIMIT + 1 `hits` (a values_list), or about (see below).

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
