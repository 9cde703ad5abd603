"""The benchmark's uncached renderings; only bench.settings installs these.

"Stack": a request carrying X-Bench-Stack (and X-Bench-Bypass) goes through every
middleware of the site, the page cache's rendering path included, and is answered
with the floor's fixed page where URL resolution and the view would begin
(StackProbeMiddleware, last): what the request stack costs on its own.

"Bypass": a request carrying X-Bench-Bypass skips the page cache (its fragments and
holes are still read from the cache), through BypassPageCacheMiddleware in the page
cache's place. "Elsewhere": a story's page carrying X-Bench-Elsewhere as well is
rendered as after an edit elsewhere (a story entering one of the lists its related
stories come from): its related stories' fragment misses and is built again, the
rest of its fragments (its frame, its row) are read from the cache. "Edited": one
carrying X-Bench-Edited is rendered as after an edit of the story itself: all of
its own fragments miss, the blocks every page shares are warm. "Cold": a
request carrying X-Bench-Cold sees every cache empty (bench/coldcache.py): the page
cache, the story's fragments, the holes (Recent Posts, the banner), the section
navigation and the schedule all miss and are built from the database.
"""

from django.http import HttpResponse

from articles.views import PARTS, ArticleDetailView
from bench.floor_urls import PAGE
from caching import fragments, store
from caching.middleware import PageCacheMiddleware

BYPASS_HEADER = "X-Bench-Bypass"
STACK_HEADER = "X-Bench-Stack"
# The fragment an edit elsewhere purges from a story's page: its related stories.
ELSEWHERE_PURGES = ArticleDetailView.part_name("related", "")
# Those an edit of the story purges: all of its own (ArticleDetailView.own_fragments()).
EDITED_PURGES = (
    *(ArticleDetailView.part_name(part, "") for part in PARTS),
    ArticleDetailView.row_name(""),
    "article-page:",
)


class StackProbeMiddleware:
    """Last of the chain: the floor's page for a request carrying STACK_HEADER."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "HTTP_X_BENCH_STACK" in request.META:
            return HttpResponse(PAGE)
        return self.get_response(request)


class BypassPageCacheMiddleware(PageCacheMiddleware):
    """The page cache, rendering every request that carries BYPASS_HEADER."""

    def renders_anyway(self, request):
        return request.headers.get(BYPASS_HEADER) is not None


class StaleFragmentsMiddleware:
    """For a request carrying X-Bench-Elsewhere, a story's related stories are read but
    not found, as when a purge has made them stale; for one carrying X-Bench-Edited,
    all of the story's own fragments (its row, frame, metadata, story and related
    stories), as after an edit of the story itself. The shared blocks (navigation,
    holes, schedule) stay warm. A sync worker serves one request at a time: the swap
    is its own."""

    STALE = {
        "HTTP_X_BENCH_ELSEWHERE": (ELSEWHERE_PURGES,),
        "HTTP_X_BENCH_EDITED": EDITED_PURGES,
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        stale = next(
            (names for header, names in self.STALE.items() if header in request.META), None
        )
        if stale is None:
            return self.get_response(request)
        real = store.get_many

        def get_many(cache_keys):
            # Asked as ever (within the page's one read), found stale, as after the purge.
            found = real(cache_keys)
            for key in [key for key in found if key.startswith(fragments.PREFIX)]:
                if any(name in key for name in stale):
                    del found[key]
            return found

        store.get_many = get_many
        try:
            return self.get_response(request)
        finally:
            store.get_many = real
