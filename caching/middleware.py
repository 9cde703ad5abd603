"""The page cache: whole public responses, stored by key, with their holes.

A hit is answered here, before sessions, authentication, URL resolving, views,
the database or templates: one round trip to the cache for the page, the
versions of its keys and its holes' fragments. A miss renders the page with
its holes as placeholders while recording the keys it shows, stores it until
one of them is purged or its deadline (caching.schedule) comes, and answers:

- to Varnish (Surrogate-Capability: ESI/1.0) the page with <esi:include> tags,
  its own keys in Surrogate-Key/Cache-Tag and Surrogate-Control;
- to everyone else the page with its holes filled from the store (a missing
  fragment is rendered here and stored), the keys of page and fragments.

Shared caches may keep it for s-maxage (up to the deadline: they are purged by
key); browsers for max-age (short: nobody can purge them). Conditional GETs get
304. Staff (a session cookie), preview links and anything a view marks private
always get a fresh rendering, never stored.
"""

import gzip
import hashlib
import logging
import time
from collections import OrderedDict

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date, parse_http_date_safe

from . import blocks, keys, pages, registry, schedule, store

logger = logging.getLogger(__name__)

CACHEABLE_STATUSES = {200, 301, 404, 410}
# Query parameters that name a visitor's origin, never what a page shows.
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "yclid",
    "_ga",
    "_gl",
    "ref_src",
    "cmpid",
}
# Vary values that do not split a reader's page: only requests without a
# session cookie are stored, so their Cookie is irrelevant to the page.
HARMLESS_VARY = {"cookie", "accept-encoding"}
# Response headers a stored page must not replay.
UNSTORED_HEADERS = {
    "set-cookie",
    "x-cache",
    "date",
    "content-length",
    "surrogate-key",
    "cache-tag",
    "surrogate-control",
    "cache-control",
    "etag",
    "last-modified",
    "vary",
}
ESI_CONTROL = 'content="ESI/1.0"'
# Request headers that make a GET conditional.
VALIDATORS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# Per process: the fragments a page showed last time, fetched with it in one round trip.
_page_holes = {}
# Per process: what a page's rendering read from the store last time (fragments,
# holes, the schedule), read in one round trip when it is rendered again.
_page_reads = {}
_PAGE_HOLES_LIMIT = 20_000
# Per process: copies of the pages answered lately, each with the purge sequence
# under which it was found valid (caching.store). While the sequence has not
# moved, no purge has happened anywhere: the copy is served after reading that
# one number, with no entry, version or fragment to fetch and unpickle.
_local = OrderedDict()
_LOCAL_MAX_BYTES = 512 * 1024
GZIP_MIN_BYTES = 1024
COMPRESSIBLE = (
    "text/",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "application/json",
)


class LocalCopy:
    """A page as answered, plain and compressed once (most readers take gzip)."""

    __slots__ = (
        "seq",
        "expires",
        "status",
        "headers",
        "content",
        "gzip_headers",
        "gzipped",
        "checked_at",
        "purges",
    )

    def __init__(self, seq, expires, response, purges):
        self.seq = seq
        self.expires = expires
        self.checked(purges)
        self.status = response.status_code
        # The headers as Django keeps them (checked once, when first set), so
        # that a hit copies them instead of checking each again.
        self.headers = {
            lower: pair
            for lower, pair in response.headers._store.items()
            if lower not in ("cache-control", "x-cache")
        }
        self.content = response.content
        self.gzipped = self.gzip_headers = None
        if len(self.content) >= GZIP_MIN_BYTES and response.get("Content-Type", "").startswith(
            COMPRESSIBLE
        ):
            self.gzipped = gzip.compress(self.content, compresslevel=6, mtime=0)
            self.gzip_headers = {**self.headers, "content-encoding": ("Content-Encoding", "gzip")}
            if "etag" in self.headers:
                # Another representation: another validator (as GZipMiddleware does).
                etag = self.headers["etag"][1]
                self.gzip_headers["etag"] = ("ETag", etag if etag.startswith("W/") else "W/" + etag)

    def checked(self, purges):
        """The copy was found current just now, when this process had made `purges`."""
        self.checked_at = time.monotonic()
        self.purges = purges

    def trusted(self):
        """Current without asking the cache: checked less than PAGE_CACHE_LOCAL_TRUST_SECONDS
        ago, with no purge made by this process since."""
        trust = settings.PAGE_CACHE_LOCAL_TRUST_SECONDS
        return (
            trust > 0
            and self.purges == store.local_purges()
            and time.monotonic() - self.checked_at < trust
        )

    def response(self, request):
        if self.gzipped is not None and "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", ""):
            response = HttpResponse(self.gzipped, status=self.status)
            response.headers._store = dict(self.gzip_headers)
        else:
            response = HttpResponse(self.content, status=self.status)
            response.headers._store = dict(self.headers)
        return response


def forget_local_copies():
    """Drop this process's copies of pages (after the cache was emptied behind its back)."""
    _local.clear()


def _keep_local(key, seq, expires, response, purges):
    limit = settings.PAGE_CACHE_LOCAL_ENTRIES
    if not limit or seq is None or len(response.content) > _LOCAL_MAX_BYTES:
        return
    _local[key] = LocalCopy(seq, expires, response, purges)
    while len(_local) > limit:
        _local.popitem(last=False)


def _tracking(name):
    return name in TRACKING_PARAMS or name.startswith("utm_")


def _has_session(request):
    names = (settings.SESSION_COOKIE_NAME, getattr(settings, "MESSAGE_COOKIE_NAME", "messages"))
    raw = request.META.get("HTTP_COOKIE", "")
    # Parsed only when one of the names appears at all: most readers send none.
    if not raw or not any(name in raw for name in names):
        return False
    return any(name in request.COOKIES for name in names)


def _private(request):
    if _has_session(request):
        return True
    query = request.META.get("QUERY_STRING", "")
    return bool(query) and any(p in query and p in request.GET for p in registry.private_params)


def _esi_capable(request):
    return "ESI/1.0" in request.META.get("HTTP_SURROGATE_CAPABILITY", "")


class Entry(dict):
    """A stored page: status, headers, content split at its holes, validators, deadline."""


class PageCacheMiddleware:
    """Whole-page cache for anonymous readers; see the module docstring."""

    def renders_anyway(self, request):
        """True for a request that is rendered whatever is cached: never here (the public
        must not be able to make every request a miss); the benchmark's subclass says
        so for its own header (bench/middleware.py)."""
        return False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in ("GET", "HEAD")
            or not settings.PAGE_CACHE_ENABLED
            or request.path.startswith(tuple(settings.PAGE_CACHE_EXCLUDE_PREFIXES))
        ):
            return self.get_response(request)
        if not getattr(settings, "PAGE_CACHE_VARY_HOST", False):
            return self._answer(request)
        # Each host is a site of its own (an edition's host): its keys include it.
        with pages.on_host(request.get_host()):
            return self._answer(request)

    def _answer(self, request):
        if _private(request):
            return self._private(request)
        # Refuse hosts outside ALLOWED_HOSTS before anything is served (DisallowedHost).
        request.get_host()
        esi = _esi_capable(request)
        path = request.path
        query = request.META.get("QUERY_STRING", "")
        pairs = [p for p in pages.query_pairs(query) if not _tracking(p[0])] if query else []
        bypass = self.renders_anyway(request)
        key = pages.cache_key(path, pairs)
        found = store.Found()
        if not bypass:
            local = _local.get((key, esi))
            if local is not None:
                if local.expires > time.time():
                    # Varnish keeps what it is given until purged: it always gets
                    # a copy checked now.
                    if not esi and local.trusted():
                        return self._from_local(request, local)
                    purges = store.local_purges()
                    if store.sequence() == local.seq:
                        local.checked(purges)
                        return self._from_local(request, local)
                _local.pop((key, esi), None)
            purges = store.local_purges()
            found = self._lookup(key)
            if key in found:
                return self._serve(request, key, found, esi, purges)
            if pairs:
                allowed = pages.declared_params(path)
                declared = [p for p in pairs if p[0] in allowed]
                if declared != pairs:
                    key = pages.cache_key(path, declared)
                    purges = store.local_purges()
                    found = self._lookup(key)
                    if key in found:
                        return self._serve(request, key, found, esi, purges)
        return self._render(request, key, found, esi, bypass=bypass, query=bool(query))

    # -- hits ------------------------------------------------------------------------

    def _lookup(self, key):
        return store.get_many([key, *_page_holes.get(key, ())])

    def _serve(self, request, key, found, esi, purges):
        entry, shown = found[key]
        if esi:
            content = _with_includes(entry["parts"])
            response = _response(entry, content)
            if len(entry["parts"]) > 1:
                response["Surrogate-Control"] = ESI_CONTROL
            expires = entry["expires"]
            _public_headers(response, shown, expires, entry["etag"], entry["modified"])
        else:
            content, shown, expires, etag, modified = _assemble(entry, shown, found, key)
            response = _response(entry, content)
            _public_headers(response, shown, expires, etag, modified)
        _keep_local((key, esi), found.seq, expires, response, purges)
        response["X-Cache"] = "hit"
        return _conditional(request, response)

    def _from_local(self, request, local):
        response = local.response(request)
        response["Cache-Control"] = _cache_control(local.expires)
        response["X-Cache"] = "hit"
        return _conditional(request, response)

    # -- misses ----------------------------------------------------------------------

    def _render(self, request, key, found, esi, *, bypass, query):
        with (
            schedule.request_scope(),
            keys.collecting() as shown,
            blocks.as_placeholders(),
            store.prefetching(_page_reads.get(key, ())) as read,
            # What the rendering stores (fragments, holes, the page) in one write.
            store.writing_together(),
        ):
            response = self.get_response(request)
            has_holes = _is_html(response) and b"<esi:include" in _content(response)
            if not esi and has_holes:
                # The holes are read below, within this prefetch.
                read.extend(_hole_keys(Entry(parts=_split(response.content))))
            if not _storable(response):
                _remember_reads(key, read)
                if has_holes:
                    _fill_holes_in_place(response, esi)
                return response
            if response.status_code == 404:
                shown.add("404")
            maximum = _maximum(request, response)
            expires = schedule.deadline(shown, maximum)
            # With the schedule's reading: the next rendering has it in its prefetch.
            _remember_reads(key, read)
            entry = _entry(response, expires)
            store_it = (
                not bypass
                and not found.failed
                and request.method == "GET"
                # A redirect carries the query it was asked with: never replay it to others.
                and not (300 <= response.status_code < 400 and query)
            )
            if store_it:
                store.set_many({key: (entry, frozenset(shown), expires)}, since=found.seq)
                _remember_holes(key, entry)
            if esi:
                out = _response(entry, _with_includes(entry["parts"]))
                if has_holes:
                    out["Surrogate-Control"] = ESI_CONTROL
                _public_headers(out, shown, expires, entry["etag"], entry["modified"])
            else:
                holes = store.get_many(_hole_keys(entry)) if has_holes else store.Found()
                content, all_shown, until, etag, modified = _assemble(entry, shown, holes, key)
                out = _response(entry, content)
                _public_headers(out, all_shown, until, etag, modified)
        # The view's response object is kept (tests and outer middleware look at
        # it), with the content and headers readers get.
        response.content = out.content
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        for name in (
            "Surrogate-Key",
            "Cache-Tag",
            "Cache-Control",
            "ETag",
            "Last-Modified",
            "Surrogate-Control",
        ):
            if out.has_header(name):
                response[name] = out[name]
        patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
        response["X-Cache"] = "bypass" if bypass else "miss"
        return _conditional(request, response)

    # -- one reader's pages -------------------------------------------------------------

    def _private(self, request):
        with blocks.inline():
            response = self.get_response(request)
        if response.status_code in CACHEABLE_STATUSES:
            # A page for someone signed in (or a preview) is theirs alone.
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ("Cookie",))
        return response


# -- entries ---------------------------------------------------------------------------


def _is_html(response):
    return response.get("Content-Type", "").startswith("text/html") and not getattr(
        response, "streaming", False
    )


def _content(response):
    if (
        hasattr(response, "render")
        and callable(response.render)
        and not getattr(response, "is_rendered", True)
    ):
        response.render()
    return response.content


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


def _maximum(request, response):
    if response.status_code in (404, 410):
        return settings.PAGE_CACHE_404_SECONDS
    match = getattr(request, "resolver_match", None)
    seconds = pages.view_options(match.func)[1] if match is not None else None
    return seconds or settings.PAGE_CACHE_SECONDS


def _split(content):
    """[bytes, src, bytes, src, ..., bytes]: the content cut at its <esi:include> tags."""
    pieces = blocks.INCLUDE.split(content)
    return [piece if i % 2 == 0 else piece.decode() for i, piece in enumerate(pieces)]


def _entry(response, expires):
    content = _content(response)
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in UNSTORED_HEADERS
    ]
    return Entry(
        status=response.status_code,
        headers=headers,
        parts=_split(content),
        etag=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        modified=int(time.time()),
        expires=expires,
    )


def _with_includes(parts):
    return b"".join(
        part if i % 2 == 0 else f'<esi:include src="{part}" />'.encode()
        for i, part in enumerate(parts)
    )


def _hole_keys(entry):
    return [blocks.cache_key(src) for src in entry["parts"][1::2]]


def _remember_reads(key, read):
    """What the rendering of page `key` asked the store for, to ask it in one go next time."""
    wanted = tuple(dict.fromkeys(read))
    if _page_reads.get(key) != wanted:
        if len(_page_reads) > _PAGE_HOLES_LIMIT:
            _page_reads.clear()
        _page_reads[key] = wanted


def _remember_holes(key, entry):
    holes = _hole_keys(entry)
    if holes or key in _page_holes:
        if len(_page_holes) > _PAGE_HOLES_LIMIT:
            _page_holes.clear()
        _page_holes[key] = tuple(holes)


def _assemble(entry, shown, found, key):
    """(content, keys, deadline, etag, last modified) of the page with its holes filled."""
    parts = entry["parts"]
    if len(parts) == 1:
        return parts[0], shown, entry["expires"], entry["etag"], entry["modified"]
    shown = set(shown)
    expires, modified = entry["expires"], entry["modified"]
    etags = [entry["etag"]]
    out = [parts[0]]
    missing = {}
    for i in range(1, len(parts), 2):
        src = parts[i]
        hole_key = blocks.cache_key(src)
        hit = found.get(hole_key)
        if hit is None:
            hit = missing.get(hole_key)
        if hit is None:
            hit = missing[hole_key] = blocks.rendered(src)
        fragment, fragment_keys = hit
        out.append(b"".join(fragment["parts"]))
        out.append(parts[i + 1])
        shown |= fragment_keys
        expires = min(expires, fragment["expires"])
        modified = max(modified, fragment["modified"])
        etags.append(fragment["etag"])
    if missing:
        store.set_many(
            {
                k: (fragment, frozenset(ks), fragment["expires"])
                for k, (fragment, ks) in missing.items()
            },
            since=found.seq,
        )
    if key is not None and len(_page_holes) <= _PAGE_HOLES_LIMIT:
        _page_holes.setdefault(key, tuple(_hole_keys(entry)))
    etag = hashlib.md5(" ".join(etags).encode(), usedforsecurity=False).hexdigest()
    return b"".join(out), shown, expires, etag, modified


def _fill_holes_in_place(response, esi):
    """A page rendered with placeholders that will not be stored: fill them (or let Varnish)."""
    if esi:
        response["Surrogate-Control"] = ESI_CONTROL
        return
    entry = Entry(parts=_split(response.content), expires=float("inf"), etag="", modified=0)
    found = store.get_many(_hole_keys(entry))
    response.content = _assemble(entry, set(), found, None)[0]
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))


# -- responses -------------------------------------------------------------------------


def _response(entry, content):
    response = HttpResponse(content, status=entry["status"])
    for name, value in entry["headers"]:
        response[name] = value
    return response


def _public_headers(response, shown, expires, etag, modified):
    """Keys for the edge, and how long browsers and shared caches may keep the page."""
    ordered = sorted(shown)
    if ordered:
        response["Surrogate-Key"] = " ".join(ordered)
        response["Cache-Tag"] = ",".join(ordered)
    response["Cache-Control"] = _cache_control(expires)
    # Staff share these addresses and must not get the public copy from a proxy;
    # readers that take gzip may get the page compressed.
    patch_vary_headers(response, ("Cookie", "Accept-Encoding"))
    if response.status_code == 200:
        response["ETag"] = f'"{etag}"'
        response["Last-Modified"] = http_date(modified)


def _cache_control(expires):
    remaining = max(0, int(expires - time.time()))
    return (
        f"public, max-age={min(settings.PAGE_CACHE_MAX_AGE, remaining)}, "
        f"s-maxage={min(settings.PAGE_CACHE_EDGE_SECONDS, remaining)}, "
        f"stale-while-revalidate={settings.PAGE_CACHE_STALE_WHILE_REVALIDATE}"
    )


def _conditional(request, response):
    """A 304 when the reader's copy is current (If-None-Match / If-Modified-Since)."""
    if response.status_code != 200 or not any(name in request.META for name in VALIDATORS):
        return response
    last_modified = response.get("Last-Modified")
    return get_conditional_response(
        request,
        etag=response.get("ETag"),
        last_modified=parse_http_date_safe(last_modified) if last_modified else None,
        response=response,
    )
