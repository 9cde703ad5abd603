"""Throttling of public endpoints that cost work: 429 with Retry-After, per address."""

from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from articles.preview import preview_url
from newsroom.security import parse_rate
from tests.factories import ArticleFactory


@pytest.fixture
def tight(settings):
    settings.THROTTLE_RATES = {
        "search": "3/60", "preview": "2/60", "feed": "2/60", "password-reset": "1/60",
    }


def search(client, address="203.0.113.5", **extra):
    return client.get(reverse("articles:search"), {"q": "budget"}, REMOTE_ADDR=address, **extra)


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


def test_feed_floods_are_throttled_even_from_the_page_cache(db, client, tight):
    ArticleFactory()
    assert [client.get("/feed/").status_code for _ in range(3)] == [200, 200, 429]


def test_password_reset_requests_are_throttled(db, client, tight):
    url = reverse("admin_password_reset")
    assert client.post(url, {"email": "a@example.com"}).status_code == 302
    assert client.post(url, {"email": "a@example.com"}).status_code == 429


def test_other_pages_are_not_counted(db, client, tight):
    assert all(client.get("/").status_code == 200 for _ in range(10))


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


@pytest.mark.redis
def test_throttle_counts_in_redis(db, client, tight):
    assert [search(client).status_code for _ in range(4)][-1] == 429
