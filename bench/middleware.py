"""The benchmark's "cold" rendering: a request carrying X-Bench-Cold sees every cache
empty (only bench.settings installs this, first in the stack; production never does).

For that request the default cache is an empty local-memory cache of its own: the
page cache, the story's fragments, the holes (Recent Posts, the banner), the
section navigation and the schedule all miss and are built from the database, and
what they store is thrown away with the request, so the next one is as cold.
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
