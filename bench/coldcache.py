"""Every cache empty for one request: the benchmark's "cold" renderings.

A request carrying X-Bench-Cold gets, for its duration, an empty local-memory cache
of its own as the default cache: whatever the site reads from its cache misses and
is built from the database, and what it stores is thrown away with the request, so
the next one is as cold. Installed by bench.settings (the project) and by the Wagtail
reference site (bench/wagtail_site/settings.py), which is why it needs nothing but
Django.
"""

from django.core.cache import caches
from django.core.cache.backends import locmem

HEADER = "HTTP_X_BENCH_COLD"


class ColdCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if HEADER not in request.META:
            return self.get_response(request)
        real = caches["default"]
        name = f"bench-cold-{id(request)}"
        caches["default"] = locmem.LocMemCache(name, {"TIMEOUT": 60})
        try:
            return self.get_response(request)
        finally:
            caches["default"] = real
            # Local-memory caches live in module-level dicts, by name.
            for table in (locmem._caches, locmem._expire_info, locmem._locks):
                table.pop(name, None)
