"""Cached renderings that are dropped by key: tag versions over Django's cache.

Every entry records the keys it shows (`article:12`, `home`, ...) with each
key's version at the time it was stored. Purging a key gives it a new version,
so every entry that recorded the old one stops matching: at once, in every
process sharing the cache, whatever the backend (Redis, the file cache of the
embedded default, local memory in tests). An entry also carries its deadline
(caching.schedule): the moment something it shows changes by the clock alone.

A rendering that read the database before a purge must not be stored as
current after it. Every purge first raises a sequence number; a rendering
remembers the sequence it started under (`found.seq` of its lookup) and is not
stored when the sequence has moved since. A lost sequence or version (evicted,
or the cache restarted) makes entries miss, never match. The sequence also
lets a process keep copies of pages in its own memory while it has not moved
(caching.middleware).

A cache that fails means misses, never errors.
"""

import logging
import math
import secrets
import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache

logger = logging.getLogger(__name__)

SEQUENCE = "caching:seq"
VERSION = "caching:v:"
# Every entry depends on this key too: purging it drops everything.
EVERYTHING = "*"
# Versions and the sequence live long but not for ever, so that a Redis with
# maxmemory-policy volatile-lru may evict them (an entry then misses, no more).
VERSION_TIMEOUT = 60 * 60 * 24 * 30
# Per process: the version keys each entry needed last time, so that a lookup
# asks for the entry and its versions in one round trip.
_needs = {}
_NEEDS_LIMIT = 20_000


class Found(dict):
    """{cache key: (value, keys)} of the valid entries; `seq` is the purge sequence read."""

    seq = None
    failed = False


def version_key(key):
    return VERSION + key


def _token():
    # Random, not the clock: two purges within one tick of a coarse clock must
    # still give a key two versions.
    return secrets.randbits(62)


class _Prefetch:
    def __init__(self, found, asked):
        self.found = found
        self.asked = set(asked)
        self.read = []


_prefetch = ContextVar("caching_prefetch", default=None)


@contextmanager
def prefetching(cache_keys):
    """Within the block, get_many() of keys among `cache_keys` answers from one read
    made now (a page asks for its fragments, holes and the schedule in one round
    trip instead of one each). Yields the list of every key asked for inside."""
    found = _fetch(list(cache_keys)) if cache_keys else None
    scope = _Prefetch(found, cache_keys)
    token = _prefetch.set(scope)
    try:
        yield scope.read
    finally:
        _prefetch.reset(token)


def get_many(cache_keys):
    """The valid entries among `cache_keys`: one round trip once their keys are known."""
    scope = _prefetch.get()
    if scope is not None:
        scope.read.extend(cache_keys)
        if (
            scope.found is not None
            and not scope.found.failed
            and scope.asked.issuperset(cache_keys)
        ):
            found = Found({k: scope.found[k] for k in cache_keys if k in scope.found})
            found.seq = scope.found.seq
            return found
    return _fetch(cache_keys)


def _fetch(cache_keys):
    found = Found()
    wanted = [SEQUENCE, *cache_keys]
    for cache_key in cache_keys:
        wanted.extend(_needs.get(cache_key, ()))
    # Entries share keys (a story's fragments all show the story): each asked once.
    wanted = list(dict.fromkeys(wanted))
    fetch = getattr(cache, "get_many_fast", cache.get_many)
    try:
        values = fetch(wanted)
        found.seq = values.get(SEQUENCE)
        if found.seq is None:
            # A new or emptied cache: start the sequence now, so that every
            # rendering in flight stores under the same one (not only the first).
            cache.add(SEQUENCE, _token(), timeout=VERSION_TIMEOUT)
            found.seq = cache.get(SEQUENCE)
        entries = {k: values[k] for k in cache_keys if k in values}
        missing = {v for entry in entries.values() for v in entry[0] if v not in values}
        if missing:
            values.update(fetch(list(missing)))
    except Exception:
        logger.warning("cache read failed; rendering uncached", exc_info=True)
        found.failed = True
        return found
    now = time.time()
    for cache_key, (versions, expires_at, keys, value) in entries.items():
        if len(_needs) > _NEEDS_LIMIT:
            _needs.clear()
        _needs[cache_key] = tuple(versions)
        if expires_at <= now:
            continue
        if all(values.get(v) == version for v, version in versions.items()):
            found[cache_key] = (value, keys)
    return found


def get(cache_key):
    """(value, keys) of a valid entry, or None."""
    return get_many([cache_key]).get(cache_key)


_batch = ContextVar("caching_write_batch", default=None)


@contextmanager
def writing_together():
    """Within the block, set_many() queues what it stores; at its end the queue is
    stored in one read (the sequence and the keys' versions) and one write, instead of
    two round trips for each call. The page cache renders a page this way: the
    story's fragments, its frame, the holes, the schedule and the page itself are
    written together. What was rendered under a sequence that has moved is still
    dropped, batch by batch."""
    queue = []
    token = _batch.set(queue)
    try:
        yield
    finally:
        _batch.reset(token)
        if queue:
            _store(queue)


def set_many(items, *, since):
    """Store {cache key: (value, keys, expires_at)} rendered under purge sequence `since`.

    Nothing is stored when a purge happened since (the rendering may show what
    it purged) or when the deadline has passed. True if stored (within
    writing_together(): if queued).
    """
    now = time.time()
    items = {k: item for k, item in items.items() if item[2] > now}
    if not items:
        return False
    queue = _batch.get()
    if queue is not None:
        queue.append((items, since))
        return True
    return _store([(items, since)])


def _store(batches):
    """Store each batch of [(items, since)] whose `since` is the current sequence."""
    now = time.time()
    needed = {version_key(EVERYTHING)}
    for items, _since in batches:
        needed.update(version_key(key) for _, keys, _ in items.values() for key in keys)
    try:
        values = cache.get_many([SEQUENCE, *needed])
        batches = [(items, since) for items, since in batches if since == values.get(SEQUENCE)]
        if not batches:
            return False
        # Versions are started only for the keys of what is stored.
        needed = {version_key(EVERYTHING)}
        for items, _since in batches:
            needed.update(version_key(key) for _, keys, _ in items.values() for key in keys)
        missing = [v for v in needed if v not in values]
        if missing:
            # A key never purged (or whose version was lost) starts now.
            token = _token()
            for v in missing:
                cache.add(v, token, timeout=VERSION_TIMEOUT)
            values.update(cache.get_many(missing))
            if any(v not in values for v in missing):
                return False
        stored = {}
        for items, _since in batches:
            for cache_key, (value, keys, expires_at) in items.items():
                if expires_at <= now:
                    continue
                versions = {version_key(key): values[version_key(key)] for key in keys}
                versions[version_key(EVERYTHING)] = values[version_key(EVERYTHING)]
                entry = (versions, expires_at, frozenset(keys), value)
                stored[cache_key] = (entry, max(1, math.ceil(expires_at - now) + 1))
                _needs[cache_key] = tuple(versions)
        if not stored:
            return False
        _write(stored)
        return True
    except Exception:
        logger.warning("cache write failed", exc_info=True)
        return False


def _write(stored):
    """{cache key: (entry, seconds)}: each kept until its deadline; in one round trip with
    the project's Redis backend, one per distinct timeout with another backend."""
    expiring = getattr(cache, "set_many_expiring", None)
    if expiring is not None:
        expiring(stored)
        return
    by_timeout = {}
    for cache_key, (entry, seconds) in stored.items():
        by_timeout.setdefault(seconds, {})[cache_key] = entry
    for seconds, entries in by_timeout.items():
        cache.set_many(entries, timeout=seconds)


def sequence():
    """The current purge sequence (for a rendering that had no lookup), or None."""
    fetch = getattr(cache, "get_many_fast", cache.get_many)
    try:
        return fetch([SEQUENCE]).get(SEQUENCE)
    except Exception:
        return None


def _advance_sequence():
    try:
        cache.incr(SEQUENCE)
    except ValueError:
        cache.add(SEQUENCE, _token(), timeout=VERSION_TIMEOUT)
        cache.incr(SEQUENCE)


# Purges made by this process, counted: copies of pages a process keeps are
# checked again at once after a purge of its own (caching.middleware).
_local_purges = 0


def local_purges():
    """How many purges this process has made (or tried)."""
    return _local_purges


def purge(keys):
    """Drop every entry that shows one of `keys`. False when the cache could not be told."""
    global _local_purges
    keys = {version_key(key) for key in keys}
    if not keys:
        return True
    _local_purges += 1
    try:
        # The sequence moves before the versions (a rendering that started before
        # is then not stored) and after them (a copy found valid while the purge
        # was under way is not kept as valid at the sequence it read).
        _advance_sequence()
        cache.set_many(dict.fromkeys(keys, _token()), timeout=VERSION_TIMEOUT)
        _advance_sequence()
        return True
    except Exception:
        logger.error("cache purge failed for %s", sorted(keys)[:20], exc_info=True)
        return False


def purge_all():
    """Drop every entry of the store (`purges.purge_all` drops the edge's too)."""
    return purge([EVERYTHING])
