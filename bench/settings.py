"""Settings of the server `make bench` measures: production settings plus the headers
of bench/middleware.py and bench/coldcache.py, so that the benchmark can time uncached
renderings.

Only the benchmark's gunicorn (and its own process, which counts queries) runs
with DJANGO_SETTINGS_MODULE=bench.settings; production never honours the headers.
"""

from newsroom.settings import *  # noqa: F403

# A request carrying X-Bench-Bypass skips the page cache, one carrying X-Bench-Cold
# sees every cache empty, one carrying X-Bench-Elsewhere misses a story's related
# stories, one carrying X-Bench-Edited all of a story's own fragments, one carrying
# X-Bench-Stack is answered a fixed page after every middleware (bench/middleware.py):
# the benchmark's "bypass", "cold", "elsewhere", "edited" and "stack" rows.
PAGE_CACHE_MIDDLEWARE = "caching.middleware.PageCacheMiddleware"
BYPASS_MIDDLEWARE = "bench.middleware.BypassPageCacheMiddleware"
MIDDLEWARE = [
    "bench.coldcache.ColdCacheMiddleware",
    "bench.middleware.StaleFragmentsMiddleware",
    *(BYPASS_MIDDLEWARE if name == PAGE_CACHE_MIDDLEWARE else name for name in MIDDLEWARE),  # noqa: F405
    # Answers X-Bench-Stack after every middleware: the stack's own cost.
    "bench.middleware.StackProbeMiddleware",
]
