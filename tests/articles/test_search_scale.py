"""Search at scale: bounded ranking of very common words, capped counts, statement timeout.

The limits are patched small so that a handful of articles stands for an
archive; the speed itself is measured by `python -m bench.search`, not here.
"""

import pytest
from django.db import connection
from django.utils import timezone

from articles.search import query, ranking
from caching import schedule
from tests.articles import test_search
from tests.articles.test_search import DAY, titles

# The same fixture as the other search tests: articles indexed as after a commit.
indexed = test_search.indexed

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="PostgreSQL full-text search (the SQLite fallback counts and orders every match)",
)


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(ranking, "RANK_LIMIT", 3)
    monkeypatch.setattr(ranking, "RECENT_LIMIT", 2)


@pytest.fixture
def archive(indexed):
    """An old title match and newer body-only matches of "ceasefire"."""
    old_title = indexed(title="Ceasefire signed", publish_at=timezone.now() - 3 * 365 * DAY)
    newer = [
        indexed(
            title=f"Talks day {n}",
            body="<p>The ceasefire held.</p>",
            publish_at=timezone.now() - n * DAY,
        )
        for n in (1, 2, 40, 200)
    ]
    return old_title, newer


def test_below_the_limit_every_hit_is_ranked_and_counted(indexed, client, archive):
    old_title, newer = archive
    response = client.get("/search/", {"q": "ceasefire"})
    assert titles(response)[0] == old_title.title
    assert response.context["paginator"].count == 5
    assert "5 stories" in response.content.decode()


@pytest.mark.parametrize("estimate", [0, 10_000], ids=["counted-first", "estimated-common"])
def test_a_very_common_word_ranks_its_newest_hits_and_says_more_than(
    small_limits, client, archive, monkeypatch, estimate
):
    # Whether the planner's estimate sends the query straight to the newest
    # hits or a capped count finds out first, the answer is the same.
    monkeypatch.setattr(ranking, "_estimated_rows", lambda queryset: estimate)
    old_title, newer = archive
    response = client.get("/search/", {"q": "ceasefire"})
    assert titles(response) == [newer[0].title, newer[1].title]
    assert response.context["paginator"].count == 2
    assert "More than 2 stories" in response.content.decode()
    assert "narrow the dates" in response.content.decode()


def test_a_date_filter_reaches_hits_older_than_the_newest(small_limits, client, archive):
    old_title, newer = archive
    response = client.get("/search/", {"q": "ceasefire", "to": newer[2].publish_at.date()})
    assert titles(response) == [old_title.title, newer[2].title, newer[3].title]
    assert "3 stories" in response.content.decode()


def test_an_overestimated_word_is_still_counted_exactly(indexed, small_limits, client, monkeypatch):
    monkeypatch.setattr(ranking, "_estimated_rows", lambda queryset: 10_000)
    hit = indexed(title="Ceasefire signed")
    response = client.get("/search/", {"q": "ceasefire"})
    assert titles(response) == [hit.title]
    assert "1 story" in response.content.decode()


def test_pages_run_through_the_ranked_newest_hits(small_limits, client, archive, settings):
    settings.ARTICLES_PER_PAGE = 1
    old_title, newer = archive
    second = client.get("/search/", {"q": "ceasefire", "page": 2})
    assert titles(second) == [newer[1].title]
    assert client.get("/search/", {"q": "ceasefire", "page": 3}).status_code == 404


def test_capped_search_page_queries_are_constant(
    small_limits, client, archive, django_assert_max_num_queries
):
    # The steady state: the list of upcoming publications is read once per change
    # of schedule (caching.schedule), not by every search.
    schedule.upcoming()
    with django_assert_max_num_queries(12):
        assert client.get("/search/", {"q": "ceasefire"}).status_code == 200


def test_the_newest_hits_are_found_window_by_window(indexed, small_limits):
    # Hits years apart, stored oldest first (as an archive grows): the windows are
    # read newest first until RECENT_LIMIT + 1 hits are found.
    indexed(title="Ceasefire history", publish_at=timezone.now() - 5000 * DAY)
    indexed(title="Ceasefire long ago", publish_at=timezone.now() - 1000 * DAY)
    year = indexed(title="Ceasefire then", publish_at=timezone.now() - 300 * DAY)
    week = indexed(title="Ceasefire now", publish_at=timezone.now() - 6 * DAY)
    page = query.search_page("ceasefire", page=1, per_page=20)
    assert [article.pk for article in page.results] == [week.pk, year.pk]
    assert page.more_than == 2


# -- statement timeout -----------------------------------------------------------


def test_a_slow_statement_is_cancelled_and_the_timeout_restored(db, monkeypatch):
    monkeypatch.setattr(ranking, "STATEMENT_TIMEOUT_MS", 20)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
        with pytest.raises(ranking.SearchTimeout), ranking._time_limited("default"):
            cursor.execute("SELECT pg_sleep(1)")
        with ranking._time_limited("default"):
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "20ms"
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before


@pytest.fixture
def slow_ranking(monkeypatch):
    """Ranking that outlasts a 20 ms statement timeout; returns the real ranking function."""
    ranked_ids = ranking._ranked_ids

    def slow(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        return ranked_ids(*args, **kwargs)

    monkeypatch.setattr(ranking, "STATEMENT_TIMEOUT_MS", 20)
    monkeypatch.setattr(ranking, "_ranked_ids", slow)
    return ranked_ids


def test_a_search_that_runs_too_long_says_so(indexed, client, slow_ranking):
    indexed(title="Ceasefire signed")
    response = client.get("/search/", {"q": "ceasefire"})
    assert response.status_code == 200
    assert titles(response) == []
    page = response.content.decode()
    assert "This search took too long" in page
    assert "No stories match" not in page


def test_a_search_that_ran_out_of_time_is_not_cached(indexed, client, monkeypatch, slow_ranking):
    indexed(title="Ceasefire signed")
    response = client.get("/search/", {"q": "ceasefire"})
    assert "This search took too long" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]
    monkeypatch.setattr(ranking, "_ranked_ids", slow_ranking)
    again = client.get("/search/", {"q": "ceasefire"})
    assert again.get("X-Cache") != "hit"
    assert titles(again) == ["Ceasefire signed"]
