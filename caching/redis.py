"""A Redis cache backend that fails fast: Django's RedisCache with a circuit breaker.

Every cache of this app lives in it when REDIS_URL is set. A Redis that is down
or unreachable costs one request one socket timeout, not every request: the
failure is remembered for CACHE_RETRY_AFTER seconds, during which every call
raises CacheUnavailable at once (callers render uncached on any cache error).
When it answers again everything cached before is dropped (store.purge_all),
because purges made while it was unreachable could not reach it.
"""

import logging
import threading
import time
from functools import wraps

import redis
from django.conf import settings
from django.core.cache.backends.base import default_key_func
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

from . import store

logger = logging.getLogger(__name__)


class CacheUnavailable(ConnectionError):
    """The cache failed a moment ago and is not being asked again yet."""


class _Breaker:
    """Per-process memory of a failing cache server, shared by every thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.open_until = 0.0
        self.failed_at = None
        self.reason = ""

    def trip(self, exc):
        retry_after = getattr(settings, "CACHE_RETRY_AFTER", 5.0)
        with self.lock:
            if self.failed_at is None:
                logger.error("cache unreachable (%s); serving uncached for %ss", exc, retry_after)
                self.failed_at = time.time()
            self.reason = f"{type(exc).__name__}: {exc}"[:200]
            self.open_until = time.monotonic() + retry_after

    def recovered(self):
        with self.lock:
            if self.failed_at is None:
                return False
            logger.warning("cache reachable again after %.1fs", time.time() - self.failed_at)
            self.failed_at = None
            self.open_until = 0.0
            return True


_breakers = {}
_breakers_lock = threading.Lock()

# Failures that say the server cannot be reached, as opposed to a command error.
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ReusingRedisClient(RedisCacheClient):
    """Django's Redis client, keeping one redis.Redis per connection pool.

    Django builds a new redis.Redis for every command; each builds a table of
    ~170 response callbacks, which costs more than the command itself on a
    page that asks the cache several times. redis.Redis is thread-safe over its
    pool, so one per pool serves every thread.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class RedisCache(DjangoRedisCache):
    """Django's Redis cache with a circuit breaker and no retries with back-off.

    (Named as Django's, whose drop-in it is: /healthz reports the backend by name.)

    redis-py retries a failed command with exponential back-off by default,
    which turns a stopped Redis into seconds per request. Here a failure is
    raised at once and remembered for CACHE_RETRY_AFTER seconds, during which
    every call raises CacheUnavailable without touching the network (callers
    already render uncached on any cache error). The first call after that
    tries the server again; when it answers, everything cached before is
    dropped, because purges made while it was unreachable could not reach it.
    """

    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        params["OPTIONS"].setdefault("retry", redis.retry.Retry(redis.backoff.NoBackoff(), 0))
        super().__init__(server, params)
        self._class = ReusingRedisClient
        name = server if isinstance(server, str) else ",".join(server)
        with _breakers_lock:
            self._breaker = _breakers.setdefault(name, _Breaker())

    @property
    def available(self):
        """False while a recent failure is remembered."""
        return time.monotonic() >= self._breaker.open_until

    def get_many_fast(self, keys):
        """get_many() without the per-key checks meant for memcached: the page cache
        asks for dozens of keys on every hit, all made by this project."""
        if self.key_func is not default_key_func:
            return self.get_many(keys)
        prefix = f"{self.key_prefix}:{self.version}:"
        values = self._cache.get_client(None).mget([prefix + key for key in keys])
        loads = self._cache._serializer.loads
        pairs = zip(keys, values, strict=True)
        return {key: loads(value) for key, value in pairs if value is not None}

    def set_many_expiring(self, data):
        """{key: (value, seconds)}: set_many() with each key's own timeout, in one round
        trip (Django's set_many() gives every key the same)."""
        if not data:
            return
        stored = {
            self.make_and_validate_key(key): (value, self.get_backend_timeout(seconds))
            for key, (value, seconds) in data.items()
        }
        dumps = self._cache._serializer.dumps
        pipeline = self._cache.get_client(None, write=True).pipeline()
        pipeline.mset({key: dumps(value) for key, (value, _) in stored.items()})
        for key, (_, seconds) in stored.items():
            if seconds is not None:
                pipeline.expire(key, seconds)
        pipeline.execute()

    # Django's incr() asks EXISTS, then INCRBY: two round trips for every counter
    # (throttling counts each rendering). One script does both in one.
    _INCR = (
        "if redis.call('exists', KEYS[1]) == 1 then "
        "return redis.call('incrby', KEYS[1], ARGV[1]) end return false"
    )

    def incr(self, key, delta=1, version=None):
        """As Django's (ValueError when the key is missing), in one round trip."""
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)
        scripts = self.__dict__.setdefault("_scripts", {})
        script = scripts.get(id(client))
        if script is None:
            script = scripts[id(client)] = client.register_script(self._INCR)
        value = script(keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


# Calls whose answer is read again after the purge made on recovery.
_READS = {"get", "get_many", "get_many_fast", "has_key"}


def _guarded(name):
    method = RedisCache.__dict__.get(name) or getattr(DjangoRedisCache, name)

    @wraps(method)
    def call(self, *args, **kwargs):
        breaker = self._breaker
        if time.monotonic() < breaker.open_until:
            raise CacheUnavailable(f"cache unreachable, not retried yet ({breaker.reason})")
        try:
            result = method(self, *args, **kwargs)
        except UNREACHABLE as exc:
            breaker.trip(exc)
            raise
        if breaker.failed_at is not None and breaker.recovered():
            store.purge_all()
            if name in _READS:
                # Read before that purge: it may show pages from before the outage.
                try:
                    result = method(self, *args, **kwargs)
                except UNREACHABLE as exc:
                    breaker.trip(exc)
                    raise
        return result

    return call


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "has_key",
    "incr",
    "get_many",
    "set_many",
    "set_many_expiring",
    "delete_many",
    "clear",
    "get_many_fast",
):
    setattr(RedisCache, _name, _guarded(_name))
