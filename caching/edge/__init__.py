"""Edge purge backends: Varnish, Cloudflare and Fastly, chosen by settings.

EDGE_PURGE_BACKENDS maps a name to {"BACKEND": dotted path, **options}; each
backend takes its options as keyword arguments and implements EdgeBackend.
With none configured (the default) purges stay local.
"""

from functools import lru_cache

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
