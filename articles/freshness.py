"""Caches that never outlive a change of public content.

One "content generation" number lives in the cache. Anything that renders
public content (feeds, sitemaps, later whole pages) puts the generation in its
cache key, so bumping it retires every cached rendering at once, across all
processes sharing the cache. Writes bump it: the article signals, and
post_save/post_delete/m2m_changed of the watched models (admin edits bypass the
services). A scheduled article becomes live by the clock alone, with no write
and maybe no worker running, so entries also expire no later than the next
scheduled `publish_at`.

A cache that fails (Redis down) degrades to rendering every request: slower,
never stale and never an error page.
"""

import hashlib
import logging
import math
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

logger = logging.getLogger(__name__)

GENERATION_KEY = "freshness:generation"
# Long enough to matter, short enough that an unused generation is reclaimed.
GENERATION_TIMEOUT = 60 * 60 * 24 * 30


def _fresh_generation():
    # A lost or evicted counter restarts from the clock, never from a number
    # already used, so no cached rendering of older content can match again.
    return time.time_ns() // 1000


# The generation a public request started under: its blocks and cards ask for it
# several times, and one page should be rendered under one generation anyway.
_request_generation = ContextVar("freshness_request_generation", default=None)


@contextmanager
def request_generation(generation):
    """Within the block, current_generation() answers `generation` without asking the cache."""
    token = _request_generation.set(generation)
    try:
        yield
    finally:
        _request_generation.reset(token)


def current_generation():
    """The current content generation, or None when the cache cannot be reached."""
    memo = _request_generation.get()
    if memo is not None:
        return memo
    try:
        generation = cache.get(GENERATION_KEY)
        if generation is None:
            cache.add(GENERATION_KEY, _fresh_generation(), GENERATION_TIMEOUT)
            generation = cache.get(GENERATION_KEY)
        return generation
    except Exception:
        logger.warning("content generation unavailable; rendering uncached", exc_info=True)
        return None


def bump_generation():
    """Retire every rendering cached under the current generation."""
    # Whatever this request renders from now on must not count as current.
    _request_generation.set(None)
    try:
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:  # no counter yet, or it was evicted
            cache.set(GENERATION_KEY, _fresh_generation(), GENERATION_TIMEOUT)
    except Exception:
        logger.exception("could not bump the content generation")


def bump_generation_now_and_on_commit():
    """Bump at once and again after the surrounding transaction commits.

    The first bump covers code running without a commit in between (tests, shell);
    the second retires anything rendered from the pre-commit rows while the
    transaction was still open.
    """
    bump_generation()
    transaction.on_commit(bump_generation)


def next_publication_at():
    """When the next scheduled article goes live, or None."""
    from .models import Article

    return (
        Article.objects.scheduled()
        .order_by("publish_at")
        .values_list("publish_at", flat=True)
        .first()
    )


def seconds_until_next_publication():
    """Whole seconds (at least 1) until the next scheduled article goes live, or None."""
    when = next_publication_at()
    if when is None:
        return None
    return max(1, math.ceil((when - timezone.now()).total_seconds()))


def cache_timeout(maximum):
    """`maximum` seconds, cut short by the next scheduled publication."""
    until_next = seconds_until_next_publication()
    return maximum if until_next is None else min(maximum, until_next)


def expiry(maximum):
    """The POSIX time a rendering made now stops being valid: in `maximum` seconds,
    or when the next scheduled article goes live, whichever comes first."""
    deadline = time.time() + maximum
    when = next_publication_at()
    return deadline if when is None else min(deadline, when.timestamp())


def scheduled_publications():
    """Times at which scheduled articles go live (a one-column queryset)."""
    from .models import Article

    return Article.objects.scheduled().order_by().values_list("publish_at", flat=True)


# Other apps show content that changes by the clock alone (a banner that starts
# or expires); they register a function returning a one-column queryset of
# future datetimes. All are asked in one query (UNION ALL), so that a page's
# deadline costs one query however many sources there are.
_change_sources = [scheduled_publications]
# (generation, POSIX deadline or None), per process: the next change can only
# move when content is written, and every write bumps the generation.
_next_change_memo = (None, None)


def add_change_source(func):
    """Register `func() -> QuerySet`: future moments at which public pages change by the clock."""
    if func not in _change_sources:
        _change_sources.append(func)


def next_change_at():
    """POSIX time of the next clock-driven change of any public page, or None."""
    first, *rest = (source() for source in _change_sources)
    combined = first.union(*rest, all=True) if rest else first
    when = next(iter(combined.order_by(first.query.values_select[0])[:1]), None)
    return when.timestamp() if when is not None else None


def next_change_for(generation):
    """next_change_at(), worked out once per content generation while it lies ahead."""
    global _next_change_memo
    memo_generation, deadline = _next_change_memo
    if (
        generation is not None
        and memo_generation == generation
        and (deadline is None or deadline > time.time())
    ):
        return deadline
    deadline = next_change_at()
    _next_change_memo = (generation, deadline)
    return deadline


def known_change_expiry(maximum, generation):
    """change_expiry() if the next change under `generation` is already worked out
    in this process, else None (costs no query: for blocks inside a page)."""
    memo_generation, deadline = _next_change_memo
    if generation is None or memo_generation != generation:
        return None
    if deadline is not None and deadline <= time.time():
        return None
    cap = time.time() + maximum
    return cap if deadline is None else min(cap, deadline)


def change_expiry(maximum, generation):
    """When a rendering made now under `generation` stops being valid: in `maximum`
    seconds or at the next clock-driven change of public content, whichever is first."""
    deadline = time.time() + maximum
    when = next_change_for(generation)
    return deadline if when is None else min(deadline, when)


# -- receivers -------------------------------------------------------------------


def _on_content_signal(sender, **kwargs):
    bump_generation_now_and_on_commit()


def _on_m2m_changed(sender, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        bump_generation_now_and_on_commit()


def watch(*models):
    """Bump the generation whenever a row of one of `models` is saved or deleted."""
    for model in models:
        uid = f"freshness:{model._meta.label_lower}"
        post_save.connect(_on_content_signal, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(_on_content_signal, sender=model, dispatch_uid=f"{uid}:delete")


def watch_m2m(*through_models):
    """Bump the generation when a many-to-many relation through these models changes."""
    for through in through_models:
        m2m_changed.connect(
            _on_m2m_changed, sender=through, dispatch_uid=f"freshness:m2m:{through._meta.label}"
        )


def watch_signals(*signals):
    """Bump the generation whenever one of `signals` is sent."""
    for signal in signals:
        signal.connect(_on_content_signal, dispatch_uid=f"freshness:signal:{id(signal)}")


# -- views ------------------------------------------------------------------------


def cached_until_changed(name, *, vary_on_params=(), max_age=None):
    """Cache a public GET view's 200 responses under the content generation.

    Answers conditional GETs (ETag from the body, Last-Modified from when it was
    rendered) with 304. Only the query parameters in `vary_on_params` make a
    separate entry: anything else a client appends cannot fill the cache.
    `max_age` (seconds) defaults to settings.FEED_CACHE_SECONDS.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return HttpResponseNotAllowed(["GET", "HEAD"])
            # A benchmark measuring rendering sets this (newsroom/pagecache.py).
            skip = getattr(request, "skip_render_caches", False)
            generation = None if skip else current_generation()
            key = None
            if generation is not None:
                params = "&".join(
                    f"{p}={request.GET.get(p, '')}" for p in vary_on_params if p in request.GET
                )
                digest = hashlib.sha256(f"{request.path}?{params}".encode()).hexdigest()
                key = f"freshness:view:{name}:{generation}:{digest}"
                entry = _cache_get(key)
                # The entry carries its own deadline as well as the cache's timeout:
                # a backend that rounds or keeps entries longer must not serve past it.
                if entry is not None and entry["expires_at"] > time.time():
                    return _respond(request, entry)
            # The timeout is worked out before rendering: an article that falls
            # due while the page renders must end the entry, not outlive it.
            expires_at = expiry(settings.FEED_CACHE_SECONDS if max_age is None else max_age)
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or getattr(response, "streaming", False):
                return response
            if hasattr(response, "render") and callable(response.render):
                response.render()
            entry = {
                "content": response.content,
                "content_type": response["Content-Type"],
                "etag": f'"{hashlib.md5(response.content, usedforsecurity=False).hexdigest()}"',
                "last_modified": int(time.time()),
                "expires_at": expires_at,
            }
            if key is not None:
                _cache_set(key, entry, max(1, math.ceil(expires_at - time.time())))
            return _respond(request, entry)

        return wrapper

    return decorator


def _cache_get(key):
    try:
        return cache.get(key)
    except Exception:
        logger.warning("cache read failed; rendering uncached", exc_info=True)
        return None


def _cache_set(key, value, timeout):
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("cache write failed", exc_info=True)


def _respond(request, entry):
    response = HttpResponse(entry["content"], content_type=entry["content_type"])
    response["ETag"] = entry["etag"]
    response["Last-Modified"] = http_date(entry["last_modified"])
    # Downstream caches must ask again every time: a 304 is cheap, and only
    # this server knows when the content changed.
    patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
    conditional = get_conditional_response(
        request,
        etag=entry["etag"],
        last_modified=entry["last_modified"],
        response=response,
    )
    return conditional
