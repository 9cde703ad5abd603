"""Purging by key: the store at once and after commit, the edge after commit.

`purge(keys)` drops the local renderings at once (code that reads its own
uncommitted writes, tests, the shell) and again after the transaction commits
(a rendering made from the old rows while it was open). The edge (Varnish, a
CDN) is told after commit, with every key of the transaction in one request
per backend; a backend that fails is retried by a Celery task with back-off
and logged. Nothing here raises into the save that caused it.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction

from . import edge, store, tasks

logger = logging.getLogger(__name__)

_bulk = ContextVar("caching_bulk", default=False)


@contextmanager
def bulk():
    """A bulk load (an import, demo content): no purge per row, everything once at the end."""
    if _bulk.get():
        yield
        return
    token = _bulk.set(True)
    try:
        yield
    finally:
        _bulk.reset(token)
        purge_all()


def in_bulk():
    return _bulk.get()


def purge(keys, *, using=None):
    """Drop every cached rendering that shows one of `keys`, here and at the edge."""
    keys = {str(key) for key in keys if key}
    if not keys:
        return
    store.purge(keys)
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        send_to_edge(sorted(keys))
        repeat_after_replica_lag(keys)
        return
    # One batch per transaction, kept on its outermost block: a rollback drops
    # it with the block. A callback per call: the first to run sends the batch
    # (a callback of a savepoint that rolled back is dropped, the others stay).
    outermost = connection.atomic_blocks[0]
    batch = getattr(outermost, "_caching_batch", None)
    if batch is None:
        batch = outermost._caching_batch = set()
    batch.update(keys)
    transaction.on_commit(lambda: _flush_batch(batch), using=using)


def _flush_batch(batch):
    if batch:
        keys = set(batch)
        batch.clear()
        _flush(keys)


def _flush(keys):
    store.purge(keys)
    send_to_edge(sorted(keys))
    repeat_after_replica_lag(keys)


def repeat_after_replica_lag(keys):
    """With read replicas, purge `keys` once more when the write has surely reached them.

    A page rendered from a replica that had not replayed the write yet (up to
    REPLICA_MAX_LAG seconds behind) just after the first purge would otherwise be kept
    with the old content until the next change.
    """
    if not getattr(settings, "REPLICA_DATABASES", None) or settings.CELERY_TASK_ALWAYS_EAGER:
        return
    try:
        # A replica is used only while its lag, plus the time until it is measured
        # again, stays within REPLICA_MAX_LAG: after that long every one shows the write.
        tasks.purge_again.apply_async((sorted(keys),), countdown=settings.REPLICA_MAX_LAG)
    except Exception:
        logger.exception("could not queue the repeated purge of %s", sorted(keys)[:20])


def send_to_edge(keys):
    """Tell every edge backend to drop `keys` now; failed ones are retried by a task."""
    if not keys:
        return
    try:
        backends = edge.configured()
    except Exception:
        logger.exception("edge purge of %s not sent: EDGE_PURGE_BACKENDS is invalid", keys[:20])
        return
    failed = []
    for name, backend in backends.items():
        try:
            backend.purge_keys(keys)
        except Exception as exc:
            logger.warning(
                "edge purge through %s failed (%s); retrying in the background", name, exc
            )
            failed.append(name)
    if failed and settings.CELERY_TASK_ALWAYS_EAGER:
        # No broker: a retry would run here and now, costing the request another timeout.
        logger.error("edge purge of %s through %s failed; no worker to retry it", keys[:20], failed)
    elif failed:
        try:
            tasks.purge_edge.apply_async((keys, failed), countdown=settings.EDGE_PURGE_RETRY_DELAY)
        except Exception:
            logger.exception("could not queue the edge purge retry of %s", keys[:20])


def purge_all():
    """Drop everything: the store and every edge backend."""
    ok = store.purge([store.EVERYTHING])
    try:
        backends = edge.configured()
    except Exception:
        logger.exception("edge purge of everything not sent: EDGE_PURGE_BACKENDS is invalid")
        return False
    for name, backend in backends.items():
        try:
            backend.purge_all()
        except Exception:
            logger.exception("edge purge of everything through %s failed", name)
            ok = False
    return ok
