"""caching.store: renderings stored under the keys they show, dropped by key."""

import time
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import transaction

from caching import purges, store

from .support import failing_cache


def later(seconds=600):
    return time.time() + seconds


def put(cache_key, value, keys, *, seconds=600):
    """Store one entry as a rendering that started now would."""
    since = store.get_many([cache_key]).seq
    assert store.set_many({cache_key: (value, frozenset(keys), later(seconds))}, since=since)


def test_an_entry_is_found_with_its_keys_until_one_of_them_is_purged():
    put("page:a", "A", {"article:1", "home"})
    assert store.get("page:a") == ("A", frozenset({"article:1", "home"}))
    store.purge({"article:1"})
    assert store.get("page:a") is None


def test_every_purge_drops_the_entries_stored_before_it_even_within_one_clock_tick():
    # Two purges of a key, with a rendering stored between them, may come within
    # one tick of a coarse clock: each must still give the key a version never
    # used before.
    with time_machine.travel(time.time(), tick=False):
        put("page:a", "A", {"article:1"})
        store.purge({"article:1"})
        assert store.get("page:a") is None
        put("page:a", "A2", {"article:1"})
        store.purge({"article:1"})
        assert store.get("page:a") is None


def test_a_purge_leaves_entries_that_do_not_show_the_key():
    put("page:a", "A", {"article:1", "home"})
    put("page:b", "B", {"article:2", "section:2"})
    put("page:c", "C", set())
    store.purge({"article:1"})
    found = store.get_many(["page:a", "page:b", "page:c"])
    assert dict(found) == {
        "page:b": ("B", frozenset({"article:2", "section:2"})),
        "page:c": ("C", frozenset()),
    }


def test_entries_are_read_in_one_round_trip_once_their_keys_are_known():
    put("page:a", "A", {"article:1", "home"})
    put("page:b", "B", {"article:2"})
    store.get_many(["page:a", "page:b"])
    backend = caches["default"]
    read = "get_many_fast" if hasattr(backend, "get_many_fast") else "get_many"
    with mock.patch.object(backend, read, wraps=getattr(backend, read)) as reads:
        found = store.get_many(["page:a", "page:b"])
    assert set(found) == {"page:a", "page:b"}
    assert reads.call_count == 1


def test_a_purge_between_the_lookup_and_the_store_means_nothing_is_stored():
    found = store.get_many(["page:a"])
    assert "page:a" not in found
    # ... the page renders from rows read now, and meanwhile a write purges:
    store.purge({"article:1"})
    stored = store.set_many({"page:a": ("old", frozenset({"article:1"}), later())}, since=found.seq)
    assert stored is False
    assert store.get("page:a") is None
    # Even a purge of keys the rendering does not show: it cannot know what it read.
    found = store.get_many(["page:a"])
    store.purge({"article:99"})
    assert not store.set_many({"page:a": ("old", frozenset({"home"}), later())}, since=found.seq)


def test_a_rendering_with_no_purge_since_its_lookup_is_stored():
    found = store.get_many(["page:a"])
    assert store.set_many({"page:a": ("A", frozenset({"home"}), later())}, since=found.seq)
    assert store.get("page:a") == ("A", frozenset({"home"}))


def test_a_lost_version_makes_entries_miss_never_match():
    put("page:a", "A", {"article:1"})
    put("page:b", "B", {"article:2"})
    cache.delete(store.version_key("article:1"))
    assert store.get("page:a") is None
    assert store.get("page:b") == ("B", frozenset({"article:2"}))
    # Stored again, it starts a new version and is found again.
    put("page:a", "A2", {"article:1"})
    assert store.get("page:a") == ("A2", frozenset({"article:1"}))


def test_a_lost_sequence_makes_a_rendering_that_read_it_unstorable_after_a_purge():
    found = store.get_many(["page:a"])
    cache.delete(store.SEQUENCE)
    store.purge({"home"})
    assert not store.set_many({"page:a": ("A", frozenset({"home"}), later())}, since=found.seq)


def test_an_entry_past_its_deadline_misses():
    with time_machine.travel(time.time(), tick=False) as clock:
        put("page:a", "A", {"home"}, seconds=30)
        clock.shift(29)
        assert store.get("page:a") == ("A", frozenset({"home"}))
        clock.shift(2)
        assert store.get("page:a") is None


def test_an_entry_whose_deadline_has_passed_is_not_stored():
    since = store.get_many(["page:a"]).seq
    assert not store.set_many({"page:a": ("A", frozenset(), time.time() - 1)}, since=since)
    assert store.get("page:a") is None


def test_purge_all_drops_everything():
    put("page:a", "A", {"article:1"})
    put("page:b", "B", set())
    assert store.purge_all()
    assert dict(store.get_many(["page:a", "page:b"])) == {}
    put("page:c", "C", {"home"})
    assert purges.purge_all()  # no edge configured: the store alone
    assert store.get("page:c") is None


def test_a_failing_cache_gives_misses_and_says_so_never_errors():
    put("page:a", "A", {"home"})
    with failing_cache("get_many", "get_many_fast"):
        found = store.get_many(["page:a"])
        assert dict(found) == {}
        assert found.failed
        assert store.get("page:a") is None
        assert store.set_many({"page:b": ("B", frozenset(), later())}, since=None) is False
    with failing_cache():
        assert store.purge({"home"}) is False
        assert store.sequence() is None
        assert store.set_many({"page:b": ("B", frozenset(), later())}, since=None) is False
    assert store.get("page:a") == ("A", frozenset({"home"}))


@pytest.mark.django_db
def test_a_purge_inside_a_transaction_drops_at_once_and_again_after_commit(
    django_capture_on_commit_callbacks,
):
    put("page:a", "A", {"article:1"})
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        purges.purge({"article:1"})
        assert store.get("page:a") is None
        # A rendering from rows read while the transaction was open, stored before it ends:
        put("page:a", "stale", {"article:1"})
    for callback in callbacks:
        callback()
    assert store.get("page:a") is None


@pytest.mark.django_db(transaction=True)
def test_keys_purged_in_a_rolled_back_transaction_are_not_sent_to_the_edge():
    sent = []
    with mock.patch.object(purges, "send_to_edge", side_effect=sent.append):
        with pytest.raises(RuntimeError), transaction.atomic():
            purges.purge(["article:1"])
            raise RuntimeError("the save failed")
        with transaction.atomic():
            purges.purge(["article:2"])
            purges.purge(["home"])
    assert sent == [["article:2", "home"]]


def test_the_purge_cache_command_purges_keys_or_everything():
    from django.core.management import CommandError, call_command

    put("page:a", "A", {"article:1"})
    put("page:b", "B", {"home"})
    call_command("purge_cache", "article:1")
    assert store.get("page:a") is None and store.get("page:b") is not None
    call_command("purge_cache", "--all")
    assert store.get("page:b") is None
    with pytest.raises(CommandError, match="Name the keys"):
        call_command("purge_cache")


def test_writes_together_are_stored_at_the_end_each_batch_under_its_own_sequence():
    since = store.get_many(["page:a"]).seq
    with store.writing_together():
        assert store.set_many({"page:a": ("A", frozenset({"article:1"}), later())}, since=since)
        # Queued, not yet written: read-after-write within the block is not promised.
        assert store.get("page:a") is None
        stale = store.get_many(["page:b"]).seq
        store.purge({"article:9"})
        fresh = store.get_many(["page:c"]).seq
        store.set_many({"page:b": ("B", frozenset({"article:2"}), later())}, since=stale)
        store.set_many({"page:c": ("C", frozenset({"article:3"}), later())}, since=fresh)
    # "page:a" and "page:b" were rendered before the purge: dropped; "page:c" after it.
    assert store.get("page:a") is None and store.get("page:b") is None
    assert store.get("page:c") == ("C", frozenset({"article:3"}))
    # No version was started for a key only the dropped batches show.
    assert cache.get(store.version_key("article:2")) is None
    assert cache.get(store.version_key("article:3")) is not None


@pytest.mark.redis
def test_writes_together_keep_each_entry_until_its_own_deadline_in_one_round_trip(settings):
    from django.test import override_settings

    redis = {
        "default": {
            "BACKEND": "caching.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "store-test",
        }
    }
    with override_settings(CACHES=redis):
        backend = caches["default"]
        since = store.get_many(["frag:short"]).seq
        client = backend._cache.get_client(None, write=True)
        with (
            mock.patch.object(type(client), "pipeline", wraps=client.pipeline) as pipelines,
            store.writing_together(),
        ):
            store.set_many({"frag:short": ("S", frozenset({"a"}), later(60))}, since=since)
            store.set_many({"frag:long": ("L", frozenset({"b"}), later(3600))}, since=since)
        assert pipelines.call_count == 1
        ttl = {name: client.ttl(backend.make_key(name)) for name in ("frag:short", "frag:long")}
        assert 55 <= ttl["frag:short"] <= 61 and 3590 <= ttl["frag:long"] <= 3601
        assert store.get("frag:short")[0] == "S" and store.get("frag:long")[0] == "L"
        backend.delete_many(["frag:short", "frag:long"])
