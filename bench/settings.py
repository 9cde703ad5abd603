"""Settings of the server `make bench` measures: production settings plus the page
cache's bypass header, so that the benchmark can time uncached renderings.

Only the benchmark's gunicorn (and its own process, which counts queries) runs
with DJANGO_SETTINGS_MODULE=bench.settings; production never honours the header.
"""

from newsroom.settings import *  # noqa: F403

# A request carrying this header skips the page cache (caching.middleware).
PAGE_CACHE_BYPASS_HEADER = "X-Bench-Bypass"

# A request carrying X-Bench-Cold sees every cache empty (bench/middleware.py): the
# benchmark's "cold" row.
MIDDLEWARE = ["bench.middleware.ColdCacheMiddleware", *MIDDLEWARE]  # noqa: F405
