"""What a page's cache key is made of, and what a view declares about it.

The key is the path and the query parameters the page reads, nothing more:
a view lists the parameters it reads (`cache_params`), apps add those their
middleware reads (registry.query_params), and every other parameter
(`?cachebust=1`, `utm_*`, a typo) is left out, so it can neither render the
page again nor fill the cache. A repeated parameter counts once, with its last
value, as `request.GET[name]` reads it. The Host is not part of the key:
Django has already refused hosts outside ALLOWED_HOSTS, and pages build their
absolute links from SITE_URL; except with PAGE_CACHE_VARY_HOST (a site whose
editions have hosts of their own, where `/` is another page on each host): then
the page cache sets the request's host (`on_host()`) and every key made inside
includes it, the holes' too.
"""

import hashlib
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from django.urls import Resolver404, get_resolver

from . import registry

PAGE_PREFIX = "caching:page:"


def view_options(func):
    """(params, seconds) a view declares: `cache_params`, `cache_seconds` on it or its class."""
    owner = getattr(func, "view_class", None)
    params = getattr(func, "cache_params", None) or getattr(owner, "cache_params", ()) or ()
    seconds = getattr(func, "cache_seconds", None) or getattr(owner, "cache_seconds", None)
    return tuple(params), seconds


def page(*, params=(), seconds=None):
    """Declare what a function view's cached page depends on: its query parameters and
    the longest it may be kept (default PAGE_CACHE_SECONDS)."""

    def decorator(view):
        view.cache_params = tuple(params)
        view.cache_seconds = seconds
        return view

    return decorator


@lru_cache(maxsize=4096)
def declared_params(path):
    """The query parameters the page at `path` reads (a frozenset)."""
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return frozenset()
    dynamic = getattr(match.func, "cache_params_for", None)
    params = dynamic(**match.kwargs) if dynamic else view_options(match.func)[0]
    return frozenset(params) | registry.extra_params.get(match.view_name, set())


def query_pairs(query_string, allowed=None):
    """Sorted (name, value) pairs, the last value of each name; only `allowed` names if given."""
    last = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        if allowed is None or name in allowed:
            last[name] = value
    return sorted(last.items())


_host = ContextVar("caching_page_host", default="")


@contextmanager
def on_host(host):
    """Within the block, page and fragment keys are made for `host` ("": any host)."""
    token = _host.set(host)
    try:
        yield
    finally:
        _host.reset(token)


def current_host():
    """The host keys are made for ("" unless PAGE_CACHE_VARY_HOST)."""
    return _host.get()


def cache_key(path, pairs):
    address = f"{path}?{urlencode(pairs)}" if pairs else path
    host = _host.get()
    if host:
        address = f"//{host}{address}"
    return PAGE_PREFIX + hashlib.sha256(address.encode()).hexdigest()


def fragment_path(path, params):
    """The address of a hole's fragment (the same for the edge and the store)."""
    pairs = sorted((k, str(v)) for k, v in params.items() if v not in (None, ""))
    return f"{path}?{urlencode(pairs)}" if pairs else path
