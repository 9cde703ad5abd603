"""Changes that come by the clock alone (caching.schedule).

A scheduled story goes live at its time with no write and no worker; a banner
starts or expires. What such a moment changes (the lists the story enters, the
banner) ends at that moment; everything else stays cached across it.
"""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.db import DatabaseError
from django.utils import timezone

from articles.models import Article
from caching import purges, registry, schedule, store
from caching.keys import listing
from tests.factories import ArticleFactory, BreakingNewsFactory

from .support import ESI, cache_control, cached, html, newsroom, recent_posts, warm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stories_and_banners_only(monkeypatch):
    """The moments these tests count are the stories' and the banners' alone.

    "Most read" also ends by the clock, every few minutes, whatever the content
    (widgets.apps.most_read_refresh); tests/widgets covers it.
    """
    sources = [s for s in registry.clock_sources if s.__name__ != "most_read_refresh"]
    monkeypatch.setattr(registry, "clock_sources", sources)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def news(db, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return newsroom()


def scheduled_story(news, minutes=10, **kwargs):
    """A story in Politics, tagged "budget", by Ani Hakobyan, due in `minutes`.

    Made as a row (no go-live task queued): nothing but the clock will publish it.
    """
    fields = {
        "title": "Embargo lifts at noon",
        "slug": "embargo-lifts-at-noon",
        "category": news["politics"],
        "authors": [news["ani"]],
        "tags": ["budget"],
        "publish_at": timezone.now() + timedelta(minutes=minutes),
        **kwargs,
    }
    return ArticleFactory(**fields)


def test_a_scheduled_story_appears_at_its_time_where_it_belongs_and_nowhere_else_changes(
    news, client, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = scheduled_story(news)
    entered = [
        "/",
        "/category/politics/",
        "/tag/budget/",
        "/author/ani-hakobyan/",
        "/feed/",
        "/category/politics/feed/",
    ]
    untouched = [
        "/category/sport/",
        "/category/culture/",
        "/tag/football/",
        news["b"].get_absolute_url(),
    ]
    warm(client, *entered, *untouched)
    for page in entered:
        assert "Embargo lifts at noon" not in html(cached(client, page)), page

    with (
        mock.patch("articles.tasks.go_live") as worker,
        mock.patch.object(purges, "purge") as purge,
    ):
        clock.shift(timedelta(minutes=9, seconds=59))
        for page in entered + untouched:
            assert client.get(page)["X-Cache"] == "hit", page
        clock.shift(timedelta(seconds=1))
        for page in entered:
            response = client.get(page)
            assert response["X-Cache"] == "miss", page
            assert "Embargo lifts at noon" in html(response), page
        # The entries of other lists did not end with it: no global expiry.
        for page in untouched:
            assert client.get(page)["X-Cache"] == "hit", page
        response = client.get(news["b"].get_absolute_url())
        assert "Embargo lifts at noon" in recent_posts(html(response))
        assert client.get(story.get_absolute_url()).status_code == 200
    worker.assert_not_called()
    purge.assert_not_called()


def test_a_scheduled_story_given_a_tag_and_a_byline_appears_on_their_pages_at_its_time(
    news, client, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        story = scheduled_story(news)
        news["c"].tags.add("economy")
    warm(client, "/", "/tag/economy/", "/author/lilit-sargsyan/")  # the schedule is read
    clock.shift(timedelta(minutes=1))
    # An editor adds a tag and a byline before its time, as the admin does.
    with django_capture_on_commit_callbacks(execute=True):
        loaded = Article.objects.get(pk=story.pk)
        loaded.tags.add("economy")
        loaded.bylines.create(author=news["lilit"], order=1)
    warm(client, "/tag/economy/", "/author/lilit-sargsyan/")
    for page in ("/tag/economy/", "/author/lilit-sargsyan/"):
        assert "Embargo lifts at noon" not in html(client.get(page)), page
    clock.shift(timedelta(minutes=9, seconds=1))
    for page in ("/tag/economy/", "/author/lilit-sargsyan/"):
        assert "Embargo lifts at noon" in html(client.get(page)), page


def test_what_a_story_enters_is_kept_by_the_edge_only_until_its_time(news, client):
    scheduled_story(news, minutes=10)
    home = client.get("/", headers=ESI)
    assert 590 <= cache_control(home)["s-maxage"] <= 600
    # An unrelated article page (its Recent Posts is the edge's own fragment) is not cut short.
    other = client.get(news["b"].get_absolute_url(), headers=ESI)
    assert cache_control(other)["s-maxage"] > 3600
    fragment = client.get(f"/_fragment/recent-posts/?exclude={news['b'].pk}")
    assert 590 <= cache_control(fragment)["s-maxage"] <= 600


def test_a_404_at_a_scheduled_storys_address_becomes_the_story_at_its_time(news, client, clock):
    story = scheduled_story(news, minutes=5)
    address = story.get_absolute_url()
    assert client.get(address).status_code == 404
    response = client.get(address)
    assert (response.status_code, response["X-Cache"]) == (404, "hit")
    assert "Embargo lifts at noon" not in html(response)
    clock.shift(timedelta(minutes=5, seconds=1))
    response = client.get(address)
    assert (response.status_code, response["X-Cache"]) == (200, "miss")
    assert "Embargo lifts at noon" in html(response)


def test_a_banner_appears_at_its_start_time_on_pages_that_stay_cached(news, client, clock):
    BreakingNewsFactory(text="Results expected", starts_at=timezone.now() + timedelta(minutes=5))
    pages = ["/", news["a"].get_absolute_url(), "/category/culture/"]
    warm(client, *pages)
    for page in pages:
        assert "Results expected" not in html(client.get(page))
    clock.shift(timedelta(minutes=5, seconds=1))
    for page in pages:
        response = client.get(page)
        assert response["X-Cache"] == "hit", page
        assert "Results expected" in html(response), page


def test_a_banner_goes_when_it_expires(news, client, clock):
    BreakingNewsFactory(text="Polls have closed", expires_at=timezone.now() + timedelta(minutes=5))
    pages = ["/", news["a"].get_absolute_url(), "/category/culture/"]
    warm(client, *pages)
    for page in pages:
        assert "Polls have closed" in html(client.get(page))
    clock.shift(timedelta(minutes=5, seconds=1))
    for page in pages:
        response = client.get(page)
        assert response["X-Cache"] == "hit", page
        assert "Polls have closed" not in html(response), page


# -- caching.schedule ------------------------------------------------------------------


def test_deadline_is_the_first_upcoming_moment_that_changes_one_of_the_keys(news, clock):
    soon = scheduled_story(news, minutes=10)
    ArticleFactory(
        title="Later, elsewhere",
        category=news["sport"],
        authors=[news["davit"]],
        publish_at=timezone.now() + timedelta(hours=2),
    )
    now = timezone.now().timestamp()
    politics = listing(f"section:{news['politics'].pk}")
    sport = listing(f"section:{news['sport'].pk}")
    assert schedule.deadline({"home"}, 3600) == pytest.approx(now + 600)
    assert schedule.deadline({politics, f"article:{soon.pk}"}, 3600) == pytest.approx(now + 600)
    assert schedule.deadline({sport}, 3 * 3600) == pytest.approx(now + 7200)
    # Keys no upcoming moment changes: the maximum. A section's own key (its name on
    # labels) is not its list.
    culture = listing(f"section:{news['culture'].pk}")
    assert schedule.deadline({f"section:{news['politics'].pk}"}, 3600) == (
        pytest.approx(now + 3600)
    )
    assert schedule.deadline({culture, f"article:{news['c'].pk}"}, 3600) == (
        pytest.approx(now + 3600)
    )
    assert schedule.deadline(set(), 60) == pytest.approx(now + 60)
    # A moment beyond the maximum does not lengthen it.
    assert schedule.deadline({"home"}, 300) == pytest.approx(now + 300)


def test_deadline_without_any_upcoming_moment_is_the_maximum(news, clock):
    # Drafts, stories under review and unpublished ones have no moment.
    ArticleFactory(draft=True)
    ArticleFactory(review=True)
    ArticleFactory(unpublished=True, publish_at=timezone.now() + timedelta(minutes=5))
    assert schedule.upcoming() == ([], None)
    assert schedule.deadline({"home", "feed"}, 900) == pytest.approx(
        timezone.now().timestamp() + 900
    )


def test_past_the_listed_horizon_nothing_is_kept_beyond_the_last_known_moment(
    news, clock, monkeypatch
):
    monkeypatch.setattr(schedule, "HORIZON", 2)
    for minutes in (10, 20, 30):
        ArticleFactory(
            category=news["sport"], publish_at=timezone.now() + timedelta(minutes=minutes)
        )
    events, cutoff = schedule.upcoming()
    now = timezone.now().timestamp()
    assert len(events) == 2
    assert cutoff == pytest.approx(now + 1800)
    assert schedule.deadline({"sections"}, 3600) == pytest.approx(now + 1800)


def test_without_the_schedule_a_rendering_is_kept_briefly(news, clock):
    def broken():
        raise DatabaseError("gone")

    with mock.patch.object(registry, "clock_sources", [broken]):
        assert schedule.deadline({"home"}, 3600) == pytest.approx(timezone.now().timestamp() + 5)


def test_the_schedule_is_read_once_per_change_of_schedule(
    news, clock, django_assert_num_queries, django_capture_on_commit_callbacks
):
    story = scheduled_story(news, minutes=10)
    schedule.upcoming()
    with django_assert_num_queries(0):
        events, _ = schedule.upcoming()
    assert [moment for moment, _ in events] == [pytest.approx(story.publish_at.timestamp())]

    # Moved without any signal: the stored schedule still says 10 minutes ...
    later = timezone.now() + timedelta(minutes=30)
    Article.objects.filter(pk=story.pk).update(publish_at=later)
    assert schedule.upcoming()[0][0][0] == pytest.approx(story.publish_at.timestamp())
    # ... until `schedule` is purged, as every write that can move a moment does.
    clock.shift(timedelta(seconds=1))
    purges.purge({"schedule"})
    assert schedule.upcoming()[0][0][0] == pytest.approx(later.timestamp())

    clock.shift(timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        moved = Article.objects.get(pk=story.pk)
        moved.publish_at = timezone.now() + timedelta(minutes=45)
        moved.save()
    assert schedule.upcoming()[0][0][0] == pytest.approx(moved.publish_at.timestamp())


def test_a_request_reads_the_schedule_at_most_once(news, clock):
    scheduled_story(news)
    with (
        schedule.request_scope(),
        mock.patch.object(store, "get_many", wraps=store.get_many) as reads,
    ):
        first = schedule.upcoming()
        assert schedule.upcoming() == first
        schedule.deadline({"home"}, 60)
    assert reads.call_count == 1


def test_the_schedule_ends_itself_at_its_first_moment(news, client, clock):
    scheduled_story(news, minutes=10)
    first, _ = schedule.upcoming()
    assert len(first) == 1
    clock.shift(timedelta(minutes=10, seconds=1))
    assert schedule.upcoming() == ([], None)
