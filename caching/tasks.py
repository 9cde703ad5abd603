"""Retries of edge purges that failed when first sent (caching.purges)."""

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from . import edge

logger = logging.getLogger(__name__)

MAX_RETRIES = 8
RETRY_BACKOFF_MAX = 600


@shared_task(
    name="caching.tasks.purge_edge", bind=True, ignore_result=True, max_retries=MAX_RETRIES
)
def purge_edge(self, keys, backend_names=None):
    """Tell the named edge backends (all when None) to drop `keys`; retried with back-off
    (EDGE_PURGE_RETRY_DELAY seconds, doubled each time, at most ten minutes)."""
    backends = edge.configured()
    names = backend_names or list(backends)
    failed = []
    for name in names:
        backend = backends.get(name)
        if backend is None:
            logger.error("edge purge: no backend named %r in EDGE_PURGE_BACKENDS", name)
            continue
        try:
            backend.purge_keys(keys)
        except Exception as exc:
            logger.warning(
                "edge purge through %s failed (attempt %s): %s", name, self.request.retries + 1, exc
            )
            failed.append(name)
    if not failed:
        return
    if self.request.retries >= self.max_retries or settings.CELERY_TASK_ALWAYS_EAGER:
        logger.error("edge purge of %s through %s gave up", keys[:20], failed)
        return
    countdown = get_exponential_backoff_interval(
        factor=settings.EDGE_PURGE_RETRY_DELAY,
        retries=self.request.retries,
        maximum=RETRY_BACKOFF_MAX,
        full_jitter=False,
    )
    raise self.retry(
        args=(keys, failed), countdown=countdown, exc=edge.EdgePurgeError(", ".join(failed))
    )


@shared_task(name="caching.tasks.purge_again", ignore_result=True)
def purge_again(keys):
    """The second purge of `keys`, once read replicas have replayed the write that caused
    the first (caching.purges.repeat_after_replica_lag)."""
    from . import purges, store

    store.purge(set(keys))
    purges.send_to_edge(sorted(keys))
