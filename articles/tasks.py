"""Publishing tasks: an article's go-live side effects, once, and the sweep that catches
up with any a lost message or a dead worker left due."""

import logging

from celery import shared_task
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import Article
from .signals import article_went_live

logger = logging.getLogger(__name__)

# Sent by publish_due after it has run the missed go-lives, so that apps with
# work of their own in flight (sharing: posts cut off by a dead worker or lost
# with the broker) can pick it up on the same beat and the same cron line.
side_effects_sweep = Signal()

SWEEP_BATCH = 200


@shared_task(name="articles.tasks.go_live", ignore_result=True)
def go_live(article_id):
    """Run the side effects of an article going live, once per publication; True if it ran them."""
    with transaction.atomic():
        # The row lock makes the ETA task and the sweep take turns; the second
        # finds went_live_at set (publish() clears it for a new time) and stops.
        article = (
            Article.objects.live()
            .select_for_update()
            .filter(pk=article_id, went_live_at__isnull=True)
            .first()
        )
        if article is None:
            return False  # unpublished, rescheduled, deleted or already done
        # Receivers (sharing, caches, pings) record what they do and queue their
        # work on commit; if one raises, nothing is stamped and the sweep retries.
        article_went_live.send(sender=Article, article=article)
        Article.objects.filter(pk=article.pk).update(went_live_at=timezone.now())
    return True


@shared_task(name="articles.tasks.publish_due", ignore_result=True)
def publish_due(limit=SWEEP_BATCH):
    """Run the go-live side effects every live article is still owed, then the apps' sweeps."""
    due = list(
        Article.objects.live()
        .filter(went_live_at__isnull=True)
        .order_by("publish_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    went_live, errors = 0, []
    for pk in due:
        try:
            went_live += bool(go_live(pk))
        except Exception as exc:
            # One broken article must not hold back the others; it stays due.
            logger.exception("go-live side effects of article %s failed", pk)
            errors.append(f"article {pk}: {type(exc).__name__}: {exc}")
    sweeps = {}
    for receiver, result in side_effects_sweep.send_robust(sender=Article):
        name = f"{receiver.__module__}.{receiver.__qualname__}"
        if isinstance(result, Exception):
            logger.error("side-effects sweep %s failed: %r", name, result)
            errors.append(f"{name}: {type(result).__name__}: {result}")
        else:
            sweeps[name] = result
    return {"due": len(due), "went_live": went_live, "sweeps": sweeps, "errors": errors}


@shared_task(name="articles.tasks.purge_trash", ignore_result=True)
def purge_trash():
    """Delete for good the stories left in the trash longer than ARTICLE_TRASH_DAYS."""
    from . import services  # services imports this module

    return services.purge_trash()
