"""Due work without a worker: `make run` and other in-process setups (no Celery beat).

With CELERY_TASK_ALWAYS_EAGER nothing runs the periodic publish_due sweep, so a
scheduled story came due without its go-live side effects (sharing, pings,
cache refresh) and the article list warned about a stopped worker. This
middleware runs the same sweep in the request cycle, at most once every
ARTICLE_INPROCESS_SWEEP_INTERVAL seconds per process, before the view (so the
page that follows already counts the work as done). 0 turns it off; it is off
by default wherever a broker and a beat run the sweep.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_last_run = None  # time.monotonic() of the last sweep in this process


def sweep_if_due(now=None):
    """Run the publish_due sweep here when the interval has passed; its summary, else None."""
    global _last_run
    interval = getattr(settings, "ARTICLE_INPROCESS_SWEEP_INTERVAL", 0)
    if interval <= 0:
        return None
    now = time.monotonic() if now is None else now
    if _last_run is not None and now - _last_run < interval:
        return None
    # One sweep at a time: the other threads of a threaded server go on serving.
    if not _lock.acquire(blocking=False):
        return None
    try:
        if _last_run is not None and now - _last_run < interval:
            return None
        _last_run = now
        from .tasks import publish_due

        try:
            return publish_due.run()
        except Exception:
            # A failing sweep must not take the page down; the admin's warning stays.
            logger.exception("in-process publish_due sweep failed")
            return None
    finally:
        _lock.release()


def reset():
    """Forget when the last sweep ran (tests)."""
    global _last_run
    _last_run = None


class DueWorkMiddleware:
    """Runs sweep_if_due() before each request's view (see the module's docstring)."""

    def __init__(self, get_response):
        # Off (a worker and beat run the sweep): out of the stack, not a check per request.
        if getattr(settings, "ARTICLE_INPROCESS_SWEEP_INTERVAL", 0) <= 0:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        sweep_if_due()
        return self.get_response(request)
