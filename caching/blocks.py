"""Holes: blocks that stand on many pages ("Recent Posts", the breaking-news banner)
and change on their own, so they are cached apart from the pages that show them.

A page rendered for the page cache writes a hole as an Edge Side Include,
`<esi:include src="/_fragment/recent-posts/?exclude=12" />`. Varnish fetches
and caches each fragment under its own keys; for every other client the page
cache fills the holes itself from the same store (caching.middleware). A page
rendered for one reader (staff, a preview) gets its blocks inline. Publishing
a story then purges the Recent Posts fragment, not every article page.
"""

import hashlib
import re
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation

from . import keys, pages, registry, schedule, store

_placeholders = ContextVar("caching_hole_placeholders", default=False)
INCLUDE = re.compile(rb'<esi:include src="([^"]+)"\s*/>')


@contextmanager
def _holes_as(placeholders):
    token = _placeholders.set(placeholders)
    try:
        yield
    finally:
        _placeholders.reset(token)


def as_placeholders():
    """Within the block, holes render as <esi:include> tags."""
    return _holes_as(True)


def inline():
    """Within the block, holes render their blocks in place."""
    return _holes_as(False)


def as_includes():
    """True while holes render as <esi:include> tags: a rendering for the page cache,
    the same for every reader (not one reader's page, not a fragment's own)."""
    return _placeholders.get()


# {(name, script prefix, URLconf, language, host): the fragment's path}: reversed once
# per process. The path carries the page's language prefix (/hy/_fragment/...), so a
# page and its holes are of one edition, at the edge and in the store.
_paths = {}


@receiver(setting_changed)
def _addresses_changed(*, setting, **kwargs):
    # Tests change the languages (and so the prefixes) of the site as they go.
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "EDITION_HOSTS", "ROOT_URLCONF"):
        _paths.clear()
        _cache_key.cache_clear()
        pages.declared_params.cache_clear()


def address(name, values):
    """The fragment's address for a hole with these parameter values."""
    made_of = (
        name,
        get_script_prefix(),
        get_urlconf(),
        translation.get_language(),
        pages.current_host(),
    )
    path = _paths.get(made_of)
    if path is None:
        if len(_paths) > 64:
            _paths.clear()
        path = _paths[made_of] = reverse("caching:fragment", kwargs={"name": name})
    return pages.fragment_path(path, values)


def cache_key(src):
    """The store's key of the fragment at `src` (the same as its page's)."""
    return _cache_key(src, pages.current_host())


@lru_cache(maxsize=8192)
def _cache_key(src, _host):
    path, _, query = src.partition("?")
    return pages.cache_key(path, pages.query_pairs(query))


def rendered(src):
    """(entry, keys) of the fragment at `src`, rendered here and now, as the page
    cache stores it (caching.middleware)."""
    with schedule.request_scope():
        html, shown = render_isolated(src)
        content = html.encode()
        expires = schedule.deadline(shown, settings.PAGE_CACHE_SECONDS)
    entry = {
        "status": 200,
        "headers": [("Content-Type", "text/html; charset=utf-8")],
        "parts": [content],
        "etag": hashlib.md5(content, usedforsecurity=False).hexdigest(),
        "modified": int(time.time()),
        "expires": expires,
    }
    return entry, frozenset(shown)


def cached_or_rendered(src):
    """(HTML, keys) of the fragment at `src`: from the store, or rendered and stored
    (rendered only, with the page cache off)."""
    if not settings.PAGE_CACHE_ENABLED:
        entry, shown = rendered(src)
        return b"".join(entry["parts"]).decode(), shown
    key = cache_key(src)
    found = store.get_many([key])
    if key in found:
        entry, shown = found[key]
    else:
        entry, shown = rendered(src)
        if not found.failed:
            store.set_many({key: (entry, shown, entry["expires"])}, since=found.seq)
    return b"".join(entry["parts"]).decode(), shown


def hole(name, **values):
    """The HTML standing for block `name` in the page being rendered."""
    if name not in registry.blocks:
        raise KeyError(f"No block named {name!r}: register it with caching.registry.block()")
    _, params = registry.blocks[name]
    unknown = set(values) - set(params)
    if unknown:
        raise TypeError(f"Block {name!r} takes {params}, not {sorted(unknown)}")
    values = {k: "" if v is None else str(getattr(v, "pk", v)) for k, v in values.items()}
    src = address(name, values)
    if _placeholders.get():
        # urlencode leaves nothing in the address that needs escaping here.
        return f'<esi:include src="{src}" />'
    # A page rendered for one reader (staff, a preview) fills the hole at once,
    # from the same fragment the public pages use.
    html, shown = cached_or_rendered(src)
    keys.record_all(shown)
    return html


def render(name, values):
    """Block `name`'s HTML for these (string) parameter values; its keys go to the collectors."""
    render_block, params = registry.blocks[name]
    with inline():
        return render_block(**{p: values.get(p) or None for p in params})


def parse(src):
    """(name, values) of a fragment address written by hole(), or None."""
    parts = urlsplit(src)
    prefix = reverse("caching:fragment", kwargs={"name": "x"})[:-2]
    if not parts.path.startswith(prefix):
        return None
    name = parts.path[len(prefix) :].strip("/")
    if name not in registry.blocks:
        return None
    return name, dict(parse_qsl(parts.query))


def render_isolated(src):
    """(html, keys) of the fragment at `src`, rendered here and now, in the language its
    address names (/hy/_fragment/...), as the fragment's own request would be."""
    language = translation.get_language_from_path(urlsplit(src).path)
    with translation.override(language or translation.get_language()):
        parsed = parse(src)
        if parsed is None:
            return "", set()
        with keys.collecting(isolated=True) as shown:
            html = render(*parsed)
    return html, shown
