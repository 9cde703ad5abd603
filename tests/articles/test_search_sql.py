"""Search's hand-written read statements give what the plain ORM gives.

Each statement of articles.search that returns articles is compared with an
ORM query for the same rows. They are all PostgreSQL's (the SQLite fallback
has none), so these tests run there only.
"""

import pytest
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import Exists, OuterRef, Q, Value
from django.utils import timezone

from articles.models import Article, ArticleAuthor
from articles.search import query, ranking, typos
from tests.articles.test_search import DAY, indexed  # noqa: F401 -- the fixture
from tests.factories import AuthorFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL-only statements (tsvector ranking, pg_trgm): SQLite search has none",
)


def ranked(words):
    return ranking.ranked(Article.objects.live().for_listing(), query._tsquery(words))


@pytest.fixture
def ceasefire(indexed):  # noqa: F811
    """Hits of "ceasefire" of every kind of relevance and age, and one that is not a hit."""
    articles = [
        indexed(title="Ceasefire signed", publish_at=timezone.now() - 400 * DAY),
        indexed(title="Ceasefire holds", dek="The ceasefire held.", publish_at=timezone.now()),
        indexed(title="Talks", dek="A ceasefire is near.", publish_at=timezone.now() - 3 * DAY),
        indexed(title="Weather", publish_at=timezone.now() - DAY),
    ]
    for n in range(5):
        articles.append(
            indexed(
                title=f"Day {n}",
                body="<p>The ceasefire held.</p>" * (n + 1),
                publish_at=timezone.now() - (n * 40 + 2) * DAY,
            )
        )
    return articles


@pytest.mark.parametrize(
    "index", [slice(0, 3), slice(3, 6), slice(6, 9), slice(0, 20), slice(8, 20), slice(50, 60)]
)
def test_ranked_ids_are_the_orm_ranking_and_count(ceasefire, index):
    hits = ranked("ceasefire")
    sql, params = hits.order_by().values_list("pk", "score", "publish_at").query.sql_with_params()
    total, ids = ranking._ranked_ids(sql, params, index, using="default", cap=ranking.RANK_LIMIT)
    assert total == hits.count() == 8
    assert ids == list(hits.values_list("pk", flat=True)[index])


def test_ranked_ids_leave_out_ranks_at_and_beyond_the_cap(ceasefire):
    hits = ranked("ceasefire")
    sql, params = hits.order_by().values_list("pk", "score", "publish_at").query.sql_with_params()
    total, ids = ranking._ranked_ids(sql, params, slice(0, 20), using="default", cap=5)
    assert total == 8
    assert ids == list(hits.values_list("pk", flat=True)[:5])


@pytest.mark.parametrize("limit", [1, 2, 4, 20])
def test_newest_hits_are_the_orm_newest(ceasefire, monkeypatch, limit):
    # The hits are 0, 2, 3, 42, 82, 122, 162 and 400 days old: three in the first
    # window (the last 7 days), two in the one of 30 to 90 days back, two in the next.
    # The LIMIT then ends with a window read whole, but for 1 (2 of the week's 3).
    monkeypatch.setattr(ranking, "RECENT_LIMIT", limit)
    hits = ranked("ceasefire")
    rows = hits.order_by().values_list("pk", "score", "publish_at")
    sql, params = ranking._newest_sql(rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {pk for pk, _, _ in cursor.fetchall()}
    newest = list(hits.order_by("-publish_at").values_list("pk", flat=True))
    week = set(newest[:3])
    if limit + 1 >= 3:
        assert found == set(newest[: limit + 1])
    else:
        # The first window is read, and it has more hits than wanted: any of them.
        assert len(found) == limit + 1
        assert found <= week


def test_ranked_pages_are_the_orm_ranking(ceasefire):
    hits = ranked("ceasefire")
    expected = list(hits.values_list("pk", flat=True))
    pages = [query.search_page("ceasefire", page=n, per_page=3) for n in (1, 2, 3)]
    assert [article.pk for page in pages for article in page.results] == expected
    assert {page.count for page in pages} == {len(expected)}


def like(term):
    """Word similarity to `term` of the title or a byline at TYPO_THRESHOLD or more."""
    threshold = typos.TYPO_THRESHOLD
    bylines = ArticleAuthor.objects.annotate(
        similarity=TrigramWordSimilarity(Value(term), "author__name")
    ).filter(article=OuterRef("pk"), similarity__gte=threshold)
    return Q(title_similarity__gte=threshold) | Exists(bylines)


def alike(queryset, term):
    return queryset.annotate(title_similarity=TrigramWordSimilarity(Value(term), "title")).filter(
        like(term)
    )


@pytest.fixture
def misspelt(indexed):  # noqa: F811
    """Titles and bylines near "Pashinian" and "Tumanian", and others far from both."""
    return [
        indexed(title="Pashinyan meets Aliyev"),
        indexed(title="Pashinyan speaks again", publish_at=timezone.now() - 5 * DAY),
        indexed(title="A letter", authors=[AuthorFactory(name="Hovhannes Tumanyan")]),
        indexed(title="Tumanyan's tales", authors=[AuthorFactory(name="Pashinyan Press")]),
        indexed(title="Weather for the weekend"),
        indexed(title="Other", authors=[AuthorFactory(name="Ani Hovhannisyan")]),
    ]


@pytest.mark.parametrize("term", ["Pashinian", "Tumanian", "Hovhanisyan", "zzyzx"])
def test_similar_article_ids_are_the_orm_word_similarity(misspelt, term):
    found = typos.similar_article_ids(term)
    assert term == "zzyzx" or found
    assert sorted(found) == sorted(alike(Article.objects.all(), term).values_list("pk", flat=True))


@pytest.mark.parametrize("term", ["Pashinian", "Tumanian", "zzyzx"])
def test_typo_ids_are_the_orm_word_similarity_in_order(misspelt, term):
    candidates = Article.objects.live()
    typos.similar_article_ids(term)  # sets the threshold for this transaction
    expected = list(
        typos._typo_queryset(alike(candidates, term), term).values_list("pk", flat=True)
    )
    assert typos.typo_ids(candidates, term) == expected
    assert term == "zzyzx" or expected
