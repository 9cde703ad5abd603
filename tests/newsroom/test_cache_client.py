"""caching.redis: Django's Redis cache with one client per pool and a circuit breaker."""

import os
import socket
import time
from unittest import mock

import pytest
from django.core.cache import caches

from caching import store
from caching.redis import UNREACHABLE, CacheUnavailable, RedisCache
from tests.factories import ArticleFactory


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_redis_backend_reuses_one_client_per_connection_pool():
    backend = RedisCache("redis://127.0.0.1:1/0", {})  # never connects: no command is sent
    client = backend._cache.get_client(write=True)
    assert backend._cache.get_client(write=False) is client
    assert backend._cache.get_client(key="anything") is client


def test_a_dead_redis_costs_one_fast_failure_then_none(settings):
    settings.CACHE_RETRY_AFTER = 30
    backend = RedisCache(f"redis://127.0.0.1:{_free_port()}/0", {})
    started = time.monotonic()
    with pytest.raises(UNREACHABLE):
        backend.get("anything")
    assert not backend.available
    # Every call, the page cache's own read included, now fails without a socket.
    for call in (
        lambda: backend.get("anything"),
        lambda: backend.get_many(["a", "b"]),
        lambda: backend.get_many_fast(["a", "b"]),
        lambda: backend.set("a", 1),
        lambda: backend.incr("a"),
    ):
        with pytest.raises(CacheUnavailable):
            call()
    assert time.monotonic() - started < 1.0


def test_the_failure_is_tried_again_after_cache_retry_after(settings):
    settings.CACHE_RETRY_AFTER = 0.2
    backend = RedisCache(f"redis://127.0.0.1:{_free_port()}/0", {})
    with pytest.raises(UNREACHABLE):
        backend.get("anything")
    with pytest.raises(CacheUnavailable):
        backend.get("anything")
    time.sleep(0.25)
    assert backend.available
    with pytest.raises(UNREACHABLE):  # asked again, not refused from memory
        backend.get("anything")


def test_backends_of_one_server_share_the_breaker():
    location = f"redis://127.0.0.1:{_free_port()}/0"
    first, second = RedisCache(location, {}), RedisCache(location, {})
    with pytest.raises(UNREACHABLE):
        first.get("anything")
    assert not second.available


@pytest.mark.redis
def test_the_page_cache_read_is_one_mget_and_agrees_with_get_many():
    backend = RedisCache(os.environ.get("REDIS_URL", ""), {"KEY_PREFIX": "cache-client-test"})
    backend.set_many({"a": {"x": 1}, "b": [1, 2], "c": "three"})
    try:
        assert backend.get_many_fast(["a", "b", "c", "missing"]) == backend.get_many(
            ["a", "b", "c", "missing"]
        )
    finally:
        backend.delete_many(["a", "b", "c"])


@pytest.mark.redis
def test_when_redis_answers_again_everything_cached_before_is_dropped():
    # Purges made while it was unreachable could not reach it.
    backend = RedisCache(os.environ.get("REDIS_URL", ""), {})
    backend._breaker.trip(ConnectionError("partition"))
    backend._breaker.open_until = 0
    with mock.patch.object(store, "purge_all") as purge_all:
        backend.get("anything")
    purge_all.assert_called_once_with()
    assert backend._breaker.failed_at is None
    # Only once: the next calls find it healthy.
    with mock.patch.object(store, "purge_all") as purge_all:
        backend.get("anything")
    purge_all.assert_not_called()


@pytest.mark.redis
@pytest.mark.django_db
def test_a_page_stored_before_an_outage_is_not_served_after_it(client, settings):
    settings.PAGE_CACHE_LOCAL_TRUST_SECONDS = 0  # every hit asks Redis
    ArticleFactory(title="Parliament passes the budget")
    client.get("/")
    assert client.get("/")["X-Cache"] == "hit"
    backend = caches["default"]
    backend._breaker.trip(ConnectionError("partition"))
    backend._breaker.open_until = 0
    assert client.get("/")["X-Cache"] == "miss"
