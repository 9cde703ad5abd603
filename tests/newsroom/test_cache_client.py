"""Cache plumbing of public pages: one Redis client per pool, one generation per request."""

from unittest import mock

import pytest
from django.core.cache import cache

from articles import freshness
from newsroom.pagecache import RedisCache


def test_the_redis_backend_reuses_one_client_per_connection_pool():
    backend = RedisCache("redis://127.0.0.1:1/0", {})  # never connects: no command is sent
    client = backend._cache.get_client(write=True)
    assert backend._cache.get_client(write=False) is client
    assert backend._cache.get_client(key="anything") is client


@pytest.mark.django_db
def test_a_request_asks_the_cache_for_the_generation_once():
    generation = freshness.current_generation()
    with (
        freshness.request_generation(generation),
        mock.patch.object(cache, "get", side_effect=AssertionError("asked again")),
    ):
        assert freshness.current_generation() == generation
        assert freshness.current_generation() == generation
    assert freshness.current_generation() == generation


@pytest.mark.django_db
def test_a_write_during_a_request_ends_its_generation_at_once():
    generation = freshness.current_generation()
    with freshness.request_generation(generation):
        freshness.bump_generation()
        assert freshness.current_generation() != generation
    assert freshness.current_generation() != generation
