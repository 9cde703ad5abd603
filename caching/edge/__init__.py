"""Edge purge backends: Varnish, Cloudflare and Fastly, chosen by settings.

EDGE_PURGE_BACKENDS maps a name to {"BACKEND": dotted path, **options}; each
backend takes its options as keyword arguments and implements EdgeBackend.
With none configured (the default) purges stay local.
"""

from functools import lru_cache

import httpx
from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string


class EdgePurgeError(Exception):
    """The edge did not confirm a purge (retryable)."""


class EdgeBackend:
    """What a purge backend does. Each method raises EdgePurgeError on failure."""

    def purge_keys(self, keys):
        """Drop every object tagged with one of `keys`."""
        raise NotImplementedError

    def purge_all(self):
        """Drop every object of this site."""
        raise NotImplementedError


def batches(items, size):
    """`items` in lists of at most `size` (a purge API's cap per call)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def post(client, service, timeout, url, **kwargs):
    """client.post(url, **kwargs), a timeout or a failed connection as EdgePurgeError."""
    try:
        return client.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        raise EdgePurgeError(
            f"{service} purge timed out after {timeout:g}s ({type(exc).__name__})"
        ) from exc
    except httpx.HTTPError as exc:
        raise EdgePurgeError(f"{service} purge request failed: {exc!r}") from exc


def refused(service, response, details):
    """'<service> purge refused (HTTP 403): <details>; Retry-After: 30s'."""
    parts = list(details)
    if not parts:
        text = response.text.strip()
        parts.append(text[:300] if text else response.reason_phrase or "no details")
    retry_after = response.headers.get("Retry-After")
    if retry_after:
        parts.append(f"Retry-After: {retry_after}s")
    return f"{service} purge refused (HTTP {response.status_code}): {'; '.join(parts)}"


def configured():
    """{name: backend instance} of EDGE_PURGE_BACKENDS."""
    return _load(repr(sorted(getattr(settings, "EDGE_PURGE_BACKENDS", {}).items())))


@lru_cache(maxsize=4)
def _load(_signature):
    backends = {}
    for name, options in getattr(settings, "EDGE_PURGE_BACKENDS", {}).items():
        options = dict(options)
        backend_class = import_string(options.pop("BACKEND"))
        backends[name] = backend_class(**{k.lower(): v for k, v in options.items()})
    return backends


def _reset(setting, **kwargs):
    if setting == "EDGE_PURGE_BACKENDS":
        _load.cache_clear()


setting_changed.connect(_reset)
