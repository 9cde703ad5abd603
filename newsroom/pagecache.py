"""The anonymous page cache, and a Redis cache backend that fails fast.

Readers without a session get whole responses from the cache: a hit is answered
here, before sessions, authentication, URL resolving, views, the database or
templates are touched. Entries never outlive a change of content:

- every entry records the content generation (articles/freshness.py) it was
  rendered under, and is served only while that is still the current
  generation; every write of public content bumps it. The generation and the
  entry are read in one round trip (MGET on Redis).
- every entry ends no later than the next clock-driven change: the next
  scheduled `publish_at`, a breaking-news banner starting or expiring
  (freshness.change_expiry), worked out before the page is rendered.

Staff (any request carrying a session cookie), preview links and anything a
view marks private or uncacheable always get a fresh rendering, and are never
stored. A cache that fails renders every page uncached: the Redis backend below
remembers a failure for CACHE_RETRY_AFTER seconds and answers at once meanwhile,
so a dead Redis costs one request one socket timeout, not every request.
"""

import hashlib
import logging
import threading
import time
from functools import wraps
from urllib.parse import parse_qsl, urlencode

import redis
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from django.http import HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date, parse_http_date_safe

from articles import freshness
from articles.preview import PREVIEW_PARAM

logger = logging.getLogger(__name__)

CACHEABLE_STATUSES = {200, 301, 404}
# Query parameters that name a visitor's origin, not what the page shows: a
# link shared with tracking tags must hit the same entry as the plain address.
TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
    "igshid", "yclid", "_ga", "_gl", "ref_src", "cmpid",
}
TRACKING_PREFIXES = ("utm_",)
# Vary values that do not split a reader's page: this cache only stores for
# requests without a session cookie, so their Cookie is irrelevant to the page.
HARMLESS_VARY = {"cookie", "accept-encoding"}
# Response headers a cache hit must not replay.
UNSTORED_HEADERS = {"set-cookie", "x-cache", "date", "content-length"}


# -- the Redis backend ---------------------------------------------------------------


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
    tries the server again; when it answers, the content generation is bumped,
    because writes made while it was unreachable could not bump it.
    """

    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        params["OPTIONS"].setdefault(
            "retry", redis.retry.Retry(redis.backoff.NoBackoff(), 0)
        )
        super().__init__(server, params)
        self._class = ReusingRedisClient
        name = server if isinstance(server, str) else ",".join(server)
        with _breakers_lock:
            self._breaker = _breakers.setdefault(name, _Breaker())

    @property
    def available(self):
        """False while a recent failure is remembered."""
        return time.monotonic() >= self._breaker.open_until

    @property
    def unavailable_reason(self):
        return self._breaker.reason


def _guarded(name):
    method = getattr(DjangoRedisCache, name)

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
            freshness.bump_generation()
        return result

    return call


for _name in (
    "add", "get", "set", "touch", "delete", "has_key", "incr", "get_many",
    "set_many", "delete_many", "clear",
):
    setattr(RedisCache, _name, _guarded(_name))


def cache_available():
    """False while the default cache is known to be failing (see RedisCache)."""
    return getattr(cache, "available", True)


# -- the middleware ------------------------------------------------------------------


def normalised_query(query_string):
    """The query string without tracking parameters, sorted: one entry per distinct page."""
    pairs = [
        (name, value)
        for name, value in parse_qsl(query_string, keep_blank_values=True)
        if name not in TRACKING_PARAMS and not name.startswith(TRACKING_PREFIXES)
    ]
    return urlencode(sorted(pairs))


def page_key(request):
    """The cache key of a request: scheme, Host, path and the query parameters that matter."""
    scheme = "https" if request.is_secure() else "http"
    query = normalised_query(request.META.get("QUERY_STRING", ""))
    address = f"{scheme}://{request.get_host()}{request.path}?{query}"
    return "pagecache:GET:" + hashlib.sha256(address.encode()).hexdigest()


def _has_session(request):
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME in cookies or getattr(
        settings, "MESSAGE_COOKIE_NAME", "messages"
    ) in cookies


def _excluded(request):
    return request.path.startswith(tuple(settings.PAGE_CACHE_EXCLUDE_PREFIXES))


def _bypassed(request):
    # Only a server started with PAGE_CACHE_BYPASS_HEADER honours it (benchmarks):
    # the public must not be able to make every request a miss.
    header = getattr(settings, "PAGE_CACHE_BYPASS_HEADER", "")
    return bool(header) and f"HTTP_{header.upper().replace('-', '_')}" in request.META


def _storable(response):
    if response.status_code not in CACHEABLE_STATUSES or getattr(response, "streaming", False):
        return False
    if response.cookies or response.has_header("Set-Cookie"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    return vary <= HARMLESS_VARY


def _public_headers(response):
    """HTTP caching for a page any anonymous reader may get."""
    if not response.has_header("Cache-Control"):
        patch_cache_control(
            response,
            public=True,
            max_age=settings.PAGE_CACHE_MAX_AGE,
            stale_while_revalidate=settings.PAGE_CACHE_STALE_WHILE_REVALIDATE,
        )
    # Staff share these addresses and must not get the public copy from a proxy.
    patch_vary_headers(response, ("Cookie",))


class PageCacheMiddleware:
    """Whole-page cache for anonymous readers; see the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE_ENABLED or _excluded(request):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD") or _has_session(request) or _preview(request):
            generation = None
            if request.method in ("GET", "HEAD") and cache_available():
                # The page is rendered each time, but its shared blocks can
                # still come from the cache once the deadline is known.
                generation = _prepare_blocks()
            with freshness.request_generation(generation):
                response = self.get_response(request)
            if request.method in ("GET", "HEAD") and response.status_code in CACHEABLE_STATUSES:
                # A page for someone signed in (or a preview) is theirs alone.
                if not response.has_header("Cache-Control") or _has_session(request):
                    add_never_cache_headers(response)
                    patch_cache_control(response, private=True)
                patch_vary_headers(response, ("Cookie",))
            return response

        bypass = _bypassed(request)
        key = generation = None
        if cache_available():
            if bypass:
                # Feeds and sitemaps keep their own cache (articles/freshness.py).
                request.skip_render_caches = True
                generation = _prepare_blocks()
            else:
                key = page_key(request)
                generation, entry = self._lookup(key)
                if entry is not None:
                    return self._from_entry(request, entry)

        expires_at = None
        if generation is not None:
            # Before rendering: an article falling due mid-render must end the entry.
            maximum = settings.PAGE_CACHE_SECONDS
            expires_at = freshness.change_expiry(maximum, generation)

        with freshness.request_generation(generation):
            response = self.get_response(request)
        if not _storable(response):
            return response
        _public_headers(response)
        if response.status_code == 404 and expires_at is not None:
            # Any address can be asked for: keep misses briefly.
            expires_at = min(expires_at, time.time() + settings.PAGE_CACHE_404_SECONDS)
        entry = self._entry(response, generation, expires_at)
        if key is not None and generation is not None and request.method == "GET":
            self._store(key, entry)
        # The view's own response goes out (tests and middleware may look at it),
        # with the validators the stored copy carries.
        for name, value in entry["headers"]:
            if name in ("ETag", "Last-Modified"):
                response[name] = value
        response["X-Cache"] = "bypass" if bypass else "miss"
        return _conditional(request, response)

    def _lookup(self, key):
        """(current generation, a valid entry or None); (None, None) when the cache fails."""
        try:
            found = cache.get_many([freshness.GENERATION_KEY, key])
        except Exception:
            logger.warning("page cache read failed; rendering uncached", exc_info=True)
            return None, None
        generation = found.get(freshness.GENERATION_KEY)
        if generation is None:
            return freshness.current_generation(), None
        entry = found.get(key)
        if (
            entry is not None
            and entry["generation"] == generation
            and entry["expires_at"] > time.time()
        ):
            return generation, entry
        return generation, None

    def _entry(self, response, generation, expires_at):
        content = response.content
        headers = [
            (name, value)
            for name, value in response.headers.items()
            if name.lower() not in UNSTORED_HEADERS
        ]
        if response.status_code == 200 and not response.has_header("ETag"):
            etag = f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'
            headers.append(("ETag", etag))
        if response.status_code == 200 and not response.has_header("Last-Modified"):
            headers.append(("Last-Modified", http_date(time.time())))
        return {
            "generation": generation,
            "expires_at": expires_at,
            "status": response.status_code,
            "headers": headers,
            "content": content,
        }

    def _store(self, key, entry):
        timeout = max(1, int(entry["expires_at"] - time.time()) + 1)
        if entry["expires_at"] <= time.time():
            return
        try:
            cache.set(key, entry, timeout)
        except Exception:
            logger.warning("page cache write failed", exc_info=True)

    def _from_entry(self, request, entry):
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response["X-Cache"] = "hit"
        return _conditional(request, response)


def _prepare_blocks():
    """Work out the content deadline for this generation, so that the page's
    shared blocks (widgets, cards) can be cached while the page itself is not.
    Returns the generation (None when the cache is unavailable)."""
    generation = freshness.current_generation()
    if generation is not None:
        freshness.change_expiry(settings.PAGE_CACHE_SECONDS, generation)
    return generation


def _conditional(request, response):
    """A 304 when the reader's copy is current (If-None-Match / If-Modified-Since)."""
    if response.status_code != 200:
        return response
    last_modified = response.get("Last-Modified")
    return get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(last_modified) if last_modified else None,
        response=response,
    )


def _preview(request):
    # Preview links are one person's; the view marks them private, but they
    # must not even be looked up under a shared key.
    return PREVIEW_PARAM in request.GET
