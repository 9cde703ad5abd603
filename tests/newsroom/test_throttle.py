"""Throttling of public endpoints that cost work: 429 with Retry-After, per address.

The throttle stands inside the page cache: only renderings count. A page or
feed answered from the cache is never refused, however often one address asks.
"""

import itertools
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from articles.preview import preview_url
from newsroom.security import parse_rate
from tests.caching.support import failing_cache
from tests.factories import ArticleFactory, StaffUserFactory


@pytest.fixture
def tight(settings):
    settings.THROTTLE_RATES = {
        "search": "3/60",
        "preview": "2/60",
        "feed": "2/60",
        "password-reset": "1/60",
        "render": "4/60",
    }


_queries = itertools.count()


def search(client, address="203.0.113.5", **extra):
    """A search nobody asked before: rendered, never a cache hit."""
    query = f"budget {next(_queries)}"
    return client.get(reverse("articles:search"), {"q": query}, REMOTE_ADDR=address, **extra)


_pages = itertools.count()


def render(client, address="203.0.113.5", **extra):
    """A page not in the cache (a new address each time): rendered."""
    return client.get(f"/no-such-page-{next(_pages)}/", REMOTE_ADDR=address, **extra)


def test_search_past_the_limit_answers_429_with_retry_after(db, client, tight):
    assert [search(client).status_code for _ in range(3)] == [200, 200, 200]
    refused = search(client)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "no-store" in refused["Cache-Control"]


def test_another_address_is_not_throttled(db, client, tight):
    for _ in range(4):
        search(client)
    assert search(client, address="198.51.100.7").status_code == 200


def test_the_window_ends(db, client, tight, time_machine):
    time_machine.move_to("2026-01-01 12:00:00Z", tick=False)
    for _ in range(4):
        search(client)
    assert search(client).status_code == 429
    time_machine.move_to("2026-01-01 12:01:00Z", tick=False)
    assert search(client).status_code == 200


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(db, client, tight):
    for n in range(4):
        response = search(client, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert response.status_code == 429


def test_forwarded_for_from_a_trusted_proxy_names_the_client(db, client, tight, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(4):
        search(client, address="10.0.0.1", HTTP_X_FORWARDED_FOR="forged, 192.0.2.1")
    assert search(client, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
    # Another reader behind the same proxy, whatever they put in front of the list.
    other = search(client, address="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1, 192.0.2.2")
    assert other.status_code == 200


def test_preview_links_are_throttled(db, client, tight):
    url = preview_url(ArticleFactory(draft=True))
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_a_feed_answered_from_the_cache_is_never_refused(db, client, tight):
    ArticleFactory()
    responses = [client.get("/feed/", REMOTE_ADDR="203.0.113.5") for _ in range(20)]
    assert {r.status_code for r in responses} == {200}
    assert {r["X-Cache"] for r in responses[1:]} == {"hit"}


def test_feeds_that_have_to_be_rendered_are_throttled(db, client, tight):
    ArticleFactory(category__slug="politics")
    urls = ["/feed/", "/feed/atom/", "/category/politics/feed/"]
    assert [client.get(url).status_code for url in urls] == [200, 200, 429]


def test_pages_answered_from_the_cache_are_never_refused(db, client, tight):
    article = ArticleFactory()
    for url in ("/", article.get_absolute_url(), "/search/?q=budget"):
        for _ in range(10):
            assert client.get(url, REMOTE_ADDR="203.0.113.5").status_code == 200, url


def test_renderings_of_pages_past_the_limit_answer_429(db, client, tight):
    assert [render(client).status_code for _ in range(4)] == [404] * 4
    refused = render(client)
    assert refused.status_code == 429
    assert "no-store" in refused["Cache-Control"]
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another address is not refused, and the refusal was not cached for it.
    assert client.get(refused.wsgi_request.path, REMOTE_ADDR="198.51.100.7").status_code == 404


def test_a_refused_request_is_not_stored_for_others(db, client, tight):
    for _ in range(4):
        search(client)
    refused = client.get("/search/?q=fresh", REMOTE_ADDR="203.0.113.5")
    assert refused.status_code == 429
    response = client.get("/search/?q=fresh", REMOTE_ADDR="198.51.100.7")
    assert (response.status_code, response["X-Cache"]) == (200, "miss")


def test_password_reset_requests_are_throttled(db, client, tight):
    url = reverse("admin_password_reset")
    assert client.post(url, {"email": "a@example.com"}).status_code == 302
    assert client.post(url, {"email": "a@example.com"}).status_code == 429


def test_staff_pages_are_rendered_and_counted_too(db, client, tight):
    client.force_login(StaffUserFactory(role="Editor"))
    assert [client.get("/").status_code for _ in range(5)] == [200] * 4 + [429]


def test_the_admin_is_not_counted(db, client, tight):
    assert all(client.get("/admin/login/").status_code == 200 for _ in range(10))


def test_a_failing_cache_lets_requests_through(db, client, tight):
    with mock.patch("newsroom.security.cache.incr", side_effect=ConnectionError("down")):
        assert all(search(client).status_code == 200 for _ in range(6))


def test_throttling_can_be_switched_off(db, client, tight, settings):
    settings.THROTTLE_ENABLED = False
    assert all(search(client).status_code == 200 for _ in range(6))


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [("30/60", (30, 60)), ("5/1h", (5, 3600)), (" 10 / 2m ", (10, 120)), ("off", None), ("", None)],
)
def test_rates_are_read_from_settings_text(rate, parsed):
    assert parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["thirty", "30/0", "30/60x"])
def test_a_malformed_rate_is_a_clear_configuration_error(rate):
    with pytest.raises(ImproperlyConfigured, match="REQUESTS/SECONDS"):
        parse_rate(rate)


def test_a_failing_cache_lets_renderings_through(db, client, tight):
    with failing_cache():
        assert all(client.get("/").status_code == 200 for _ in range(6))


@pytest.mark.redis
def test_throttle_counts_in_redis(db, client, tight):
    assert [search(client).status_code for _ in range(4)][-1] == 429


def test_a_counted_request_asks_the_cache_once_but_the_first_of_its_window(db, client, tight):
    from django.core.cache import cache

    def throttle_calls(spy):
        return [c for c in spy.call_args_list if str(c.args[0]).startswith("throttle:")]

    with (
        mock.patch.object(cache, "add", wraps=cache.add) as add,
        mock.patch.object(cache, "incr", wraps=cache.incr) as incr,
    ):
        search(client)
        assert len(throttle_calls(add)) == 1
        add.reset_mock()
        incr.reset_mock()
        search(client)
        assert len(throttle_calls(add)) == 0
        assert len(throttle_calls(incr)) == 1
    assert [search(client).status_code for _ in range(2)] == [200, 429]


def test_a_large_limit_is_counted_in_batches_yet_holds(db, client, settings):
    """Past a twentieth of the limit a process adds its count to the shared one in one
    increment; the limit still holds, to within that twentieth."""
    from django.core.cache import cache

    settings.THROTTLE_RATES = {"search": "40/60"}
    with mock.patch.object(cache, "incr", wraps=cache.incr) as incr:
        answers = [search(client).status_code for _ in range(44)]
    counted = [c for c in incr.call_args_list if str(c.args[0]).startswith("throttle:")]
    # 40 // 20 = 2 requests an increment: 44 requests, 22 round trips, not 44.
    assert len(counted) == 22
    assert answers[:40] == [200] * 40
    assert set(answers[40:]) == {429}


def test_other_processes_counts_are_read_at_each_addition(db, client, settings):
    """What another process (or host) counted reaches this one's decision."""
    from django.core.cache import cache

    settings.THROTTLE_RATES = {"search": "40/60"}
    assert [search(client).status_code for _ in range(2)] == [200, 200]
    key = next(k for k in _throttle_keys(cache))
    assert cache.get(key) == 2
    # Meanwhile another process counted 37 in the same window: 39 of 40.
    cache.incr(key, 37)
    # Counted here (2 + 1), then added (2 + 37 + 2 = 41).
    assert [search(client).status_code for _ in range(2)] == [200, 429]


def _throttle_keys(cache):
    from newsroom.security import _counts

    return list(_counts._windows)
