"""Celery tasks of sharing: thin, each takes an id and asks services; safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name=services.DELIVER_TASK, ignore_result=True)
def deliver_share(delivery_id):
    """Post one share delivery; on a temporary failure queue the next try after its back-off."""
    delay = services.attempt_delivery(delivery_id)
    if delay is not None:
        # A fresh message rather than self.retry(): the number of attempts lives
        # in the row, so a redelivered or duplicated message cannot reset it.
        deliver_share.apply_async((delivery_id,), countdown=delay)


@shared_task(name=services.PING_TASK, ignore_result=True)
def ping_hub(ping_id):
    """Send one WebSub ping; on a temporary failure queue the next try after its back-off."""
    delay = services.attempt_hub_ping(ping_id)
    if delay is not None:
        ping_hub.apply_async((ping_id,), countdown=delay)
