"""Retries of edge purges that failed when first sent (caching.purges)."""

import logging

from celery import shared_task
from django.conf import settings

from . import edge

logger = logging.getLogger(__name__)


@shared_task(
    name="caching.tasks.purge_edge",
    bind=True,
    ignore_result=True,
    autoretry_for=(edge.EdgePurgeError, OSError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def purge_edge(self, keys, backend_names=None):
    """Tell the named edge backends (all when None) to drop `keys`."""
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
            logger.warning("edge purge through %s failed (attempt %s): %s",
                           name, self.request.retries + 1, exc)
            failed.append(name)
    if failed:
        if self.request.retries >= self.max_retries or settings.CELERY_TASK_ALWAYS_EAGER:
            logger.error("edge purge of %s through %s gave up", keys[:20], failed)
            return
        raise self.retry(args=(keys, failed), exc=edge.EdgePurgeError(", ".join(failed)))
