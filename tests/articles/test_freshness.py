from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from articles import freshness, services
from articles.signals import article_changed, article_went_live
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    CorrectionFactory,
)

pytestmark = pytest.mark.django_db


def test_generation_is_stable_until_bumped():
    first = freshness.current_generation()
    assert freshness.current_generation() == first
    freshness.bump_generation()
    assert freshness.current_generation() != first


def test_a_lost_generation_restarts_with_a_number_never_used_before():
    first = freshness.current_generation()
    freshness.bump_generation()
    second = freshness.current_generation()
    cache.delete(freshness.GENERATION_KEY)
    assert freshness.current_generation() not in {first, second}


def test_bump_without_a_counter_creates_one():
    cache.delete(freshness.GENERATION_KEY)
    freshness.bump_generation()
    assert freshness.current_generation() is not None


def test_no_scheduled_article_means_no_deadline():
    ArticleFactory()
    assert freshness.seconds_until_next_publication() is None
    assert freshness.cache_timeout(600) == 600


def test_the_next_scheduled_article_caps_the_timeout():
    with time_machine.travel(timezone.now(), tick=False):
        ArticleFactory(publish_at=timezone.now() + timedelta(seconds=90))
        ArticleFactory(publish_at=timezone.now() + timedelta(hours=5))
        ArticleFactory(draft=True)
        assert freshness.seconds_until_next_publication() == 90
        assert freshness.cache_timeout(600) == 90
        assert freshness.cache_timeout(30) == 30
        assert freshness.expiry(600) == pytest.approx(
            (timezone.now() + timedelta(seconds=90)).timestamp()
        )


def test_a_fraction_of_a_second_still_counts_as_one():
    with time_machine.travel(timezone.now(), tick=False):
        ArticleFactory(publish_at=timezone.now() + timedelta(milliseconds=200))
        assert freshness.seconds_until_next_publication() == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.save(),
        lambda a: a.delete(),
        lambda a: a.category.save(),
        lambda a: a.ordered_authors[0].save(),
        lambda a: a.tags.add("New tag"),
        lambda a: a.tags.clear(),
        lambda a: CorrectionFactory(article=a),
        lambda a: a.bylines.first().delete(),
    ],
    ids=["save", "delete", "category", "author", "tag-add", "tag-clear", "correction",
         "byline"],
)
def test_model_changes_bump_the_generation(change):
    article = ArticleFactory(tags=["Old"])
    before = freshness.current_generation()
    change(article)
    assert freshness.current_generation() != before


def test_article_signals_bump_the_generation():
    article = ArticleFactory()
    for signal, extra in ((article_changed, {"reason": "edited"}), (article_went_live, {})):
        before = freshness.current_generation()
        signal.send(sender=type(article), article=article, **extra)
        assert freshness.current_generation() != before


def test_a_change_bumps_again_once_the_transaction_commits(
    django_capture_on_commit_callbacks,
):
    article = ArticleFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.unpublish(article)
    during = freshness.current_generation()
    for callback in callbacks:
        callback()
    assert freshness.current_generation() != during


def test_unrelated_saves_do_not_bump():
    from django.contrib.auth.models import Group

    before = freshness.current_generation()
    Group.objects.create(name="Readers")
    assert freshness.current_generation() == before


# -- the view decorator -------------------------------------------------------------------


def counting_view():
    calls = []

    @freshness.cached_until_changed("test", vary_on_params=("p",), max_age=300)
    def view(request):
        calls.append(request.get_full_path())
        return HttpResponse(f"body {len(calls)}", content_type="text/plain")

    return view, calls


def test_decorated_view_is_rendered_once_per_generation():
    view, calls = counting_view()
    rf = RequestFactory()
    assert view(rf.get("/x/")).content == b"body 1"
    assert view(rf.get("/x/?utm=1")).content == b"body 1"
    assert len(calls) == 1
    view(rf.get("/x/?p=2"))
    assert len(calls) == 2
    freshness.bump_generation()
    assert view(rf.get("/x/")).content == b"body 3"


def test_decorated_view_expires_at_the_deadline_even_if_the_backend_keeps_it():
    view, calls = counting_view()
    rf = RequestFactory()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        view(rf.get("/x/"))
        traveller.shift(timedelta(seconds=299))
        view(rf.get("/x/"))
        assert len(calls) == 1
        # Redis keeps its own clock, which time-machine does not move: the
        # deadline stored in the entry is what retires it on every backend.
        traveller.shift(timedelta(seconds=2))
        view(rf.get("/x/"))
        assert len(calls) == 2


def test_decorated_view_refuses_unsafe_methods():
    view, calls = counting_view()
    assert view(RequestFactory().post("/x/")).status_code == 405
    assert calls == []


def test_a_failing_cache_degrades_to_rendering_not_to_an_error():
    view, calls = counting_view()
    rf = RequestFactory()
    with (
        mock.patch.object(cache, "get", side_effect=ConnectionError("down")),
        mock.patch.object(cache, "set", side_effect=ConnectionError("down")),
        mock.patch.object(cache, "incr", side_effect=ConnectionError("down")),
    ):
        assert freshness.current_generation() is None
        freshness.bump_generation()  # logged, not raised
        assert view(rf.get("/x/")).status_code == 200
        assert view(rf.get("/x/")).status_code == 200
    assert len(calls) == 2


def test_a_failing_cache_still_serves_feeds(client):
    ArticleFactory(title="Still here")
    with mock.patch.object(cache, "get", side_effect=ConnectionError("down")):
        response = client.get("/feed/")
    assert response.status_code == 200
    assert b"Still here" in response.content


def test_errors_are_not_cached():
    calls = []

    @freshness.cached_until_changed("test")
    def view(request):
        calls.append(1)
        return HttpResponse("nope", status=404)

    rf = RequestFactory()
    view(rf.get("/y/"))
    view(rf.get("/y/"))
    assert len(calls) == 2


def test_a_new_category_or_author_is_a_change_too():
    before = freshness.current_generation()
    CategoryFactory()
    middle = freshness.current_generation()
    AuthorFactory()
    assert before != middle != freshness.current_generation()
