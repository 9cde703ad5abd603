"""Writes to sharing: planning, claiming and recording each post and hub ping.

Exactly once: a ShareDelivery row exists per (article, channel, publication,
round), guarded by a UniqueConstraint, and a worker posts only after moving the
row from "pending" to "sending" with a conditional UPDATE that one worker alone
can win. A retry, a duplicated message or the sweep finds the row taken (or
done) and stops. A row left in "sending" by a dead worker is never posted again
blindly: on networks that deduplicate (Mastodon's Idempotency-Key, Bluesky's
record key) it is tried again with the same key, elsewhere it becomes "unknown"
for an editor to check and retry by hand.
"""

import logging
import random
from datetime import timedelta
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone

from articles import editions
from articles.models import Article
from articles.seo import absolute_url

from . import clients
from .models import ArticleShareSetting, HubPing, ShareChannel, ShareDelivery

logger = logging.getLogger(__name__)

Status = ShareDelivery.Status

# A pending row whose task has not run this long after it was due lost its
# message (Redis flushed, worker killed before it fetched it): the sweep re-sends it.
PENDING_GRACE = timedelta(seconds=90)
# Articles older than this when they go live (an import, a late first deploy of
# sharing) are not announced: nobody wants a burst of last year's stories.
MAX_AGE = timedelta(hours=24)


def article_url(article):
    # A story's address may already be absolute (an edition on a host of its own).
    return absolute_url(article.get_absolute_url())


def feed_urls(article):
    """The feeds listing `article`: its edition's RSS and Atom feeds and its category's feed."""
    edition = article.edition or editions.default()
    names = [
        ("articles:feed", {}),
        ("articles:feed-atom", {}),
        ("articles:category-feed", {"slug": article.category.slug}),
    ]
    return [
        absolute_url(editions.url_in(edition, partial(reverse, name, kwargs=kwargs)))
        for name, kwargs in names
    ]


def retry_delay(attempts, retry_after=None):
    """Seconds before the next try: the network's Retry-After, else exponential with jitter."""
    ceiling = settings.SHARING_RETRY_MAX_DELAY
    if retry_after is not None:
        # Never sooner than asked; a little later so retries of many posts spread out.
        return min(max(1, retry_after) + random.uniform(0, 2), max(ceiling, retry_after))  # noqa: S311
    delay = settings.SHARING_RETRY_BASE * 2 ** max(0, attempts - 1)
    return min(ceiling, delay * random.uniform(0.5, 1.5))  # noqa: S311


# The tasks (sharing/tasks.py) call this module; this module asks for them by name.
DELIVER_TASK = "sharing.tasks.deliver_share"
PING_TASK = "sharing.tasks.ping_hub"


def _enqueue(task_name, object_id, countdown):
    def send():
        current_app.tasks[task_name].apply_async((object_id,), countdown=countdown)

    transaction.on_commit(send)


def _enqueue_delivery(delivery_id, countdown=None):
    _enqueue(DELIVER_TASK, delivery_id, countdown)


def _enqueue_ping(ping_id, countdown=None):
    _enqueue(PING_TASK, ping_id, countdown)


def _too_old(article):
    return article.publish_at < timezone.now() - MAX_AGE


# -- planning ------------------------------------------------------------------


@transaction.atomic
def plan_shares(article):
    """Record and queue a delivery per switched-on channel for the current publication."""
    choices = {s.channel_id: s for s in ArticleShareSetting.objects.filter(article=article)}
    too_old = _too_old(article)
    # A new publication time of an article already posted (backdated, or
    # unpublished and published again later) is an edit, not news.
    shared_before = set(
        ShareDelivery.objects.filter(article=article, status=Status.SENT)
        .exclude(publication=article.publish_at)
        .values_list("channel_id", flat=True)
    )
    queued = []
    for channel in ShareChannel.objects.filter(enabled=True):
        choice = choices.get(channel.pk)
        if choice and choice.opt_out:
            status, note = Status.SKIPPED, "An editor chose not to share this article here."
        elif channel.pk in shared_before:
            status, note = (
                Status.SKIPPED,
                "Already shared at an earlier publication time; use 'share again' to post it.",
            )
        elif too_old:
            status, note = Status.SKIPPED, "Not announced: it went live more than a day late."
        else:
            status, note = Status.PENDING, ""
        delivery, created = ShareDelivery.objects.get_or_create(
            article=article,
            channel=channel,
            publication=article.publish_at,
            round=1,
            defaults={"status": status, "last_error": note},
        )
        if not created and delivery.status == Status.CANCELLED and status == Status.PENDING:
            # Unpublished and published again at the same time: the post is still owed.
            revived = ShareDelivery.objects.filter(pk=delivery.pk, status=Status.CANCELLED).update(
                status=Status.PENDING,
                last_error="",
                next_attempt_at=None,
                updated_at=timezone.now(),
            )
            delivery.status = Status.PENDING if revived else delivery.status
        if delivery.status == Status.PENDING:
            _enqueue_delivery(delivery.pk)
            queued.append(delivery.pk)
    return queued


def plan_hub_ping(article, event):
    """Record and queue a WebSub ping for `article`'s feeds, once per event; None without a hub."""
    hub = settings.WEBSUB_HUB_URL
    if not hub:
        return None
    ping, created = HubPing.objects.get_or_create(
        article=article,
        event=event,
        defaults={"hub_url": hub, "topics": feed_urls(article)},
    )
    if created:
        _enqueue_ping(ping.pk)
    return ping


def went_live(article):
    """Everything sharing does when an article goes live."""
    plan_shares(article)
    if not _too_old(article):
        plan_hub_ping(article, f"published {article.publish_at.isoformat()}")


def corrected(article):
    """Tell subscribers' hubs of a correction to a live article."""
    article = Article.objects.live().filter(pk=article.pk).first()
    if article is None or article.content_updated_at is None:
        return None
    return plan_hub_ping(article, f"corrected {article.content_updated_at.isoformat()}")


def cancel_pending(article, note):
    """Cancel the posts of `article` that have not gone yet (unpublished, rescheduled)."""
    return ShareDelivery.objects.filter(article=article, status=Status.PENDING).update(
        status=Status.CANCELLED, last_error=note, next_attempt_at=None, updated_at=timezone.now()
    )


def cancel_outdated(article):
    """Cancel pending posts that belong to a publication time the article no longer has."""
    article = Article.objects.filter(pk=article.pk).first()
    if article is None:
        return 0
    pending = ShareDelivery.objects.filter(article=article, status=Status.PENDING)
    if article.is_live:
        pending = pending.exclude(publication=article.publish_at)
    return pending.update(
        status=Status.CANCELLED,
        last_error="The publication time changed before this was shared.",
        next_attempt_at=None,
        updated_at=timezone.now(),
    )


# -- delivering ----------------------------------------------------------------


def _why_not(delivery):
    """Why a pending delivery must not go (article or channel changed), or None."""
    article, channel = delivery.article, delivery.channel
    if not article.is_live:
        return Status.CANCELLED, "The article is not live any more."
    if article.publish_at != delivery.publication:
        return Status.CANCELLED, "The publication time changed before this was shared."
    if not channel.enabled:
        return Status.CANCELLED, "The channel was switched off before this was shared."
    if ArticleShareSetting.objects.filter(article=article, channel=channel, opt_out=True).exists():
        return Status.SKIPPED, "An editor chose not to share this article here."
    return None


def _message(delivery):
    choice = ArticleShareSetting.objects.filter(
        article=delivery.article, channel=delivery.channel
    ).first()
    template = choice.message if choice and choice.message.strip() else None
    return delivery.channel.compose(delivery.article, article_url(delivery.article), template)


def attempt_delivery(delivery_id):
    """Post one pending delivery if this worker wins it; seconds until a retry is due, or None."""
    delivery = (
        ShareDelivery.objects.select_related("article__category", "channel")
        .filter(pk=delivery_id, status=Status.PENDING)
        .first()
    )
    if delivery is None:
        return None  # done, taken by another worker, cancelled or deleted
    stop = _why_not(delivery)
    now = timezone.now()
    if stop:
        ShareDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
            status=stop[0], last_error=stop[1], next_attempt_at=None, updated_at=now
        )
        return None
    message = delivery.message or _message(delivery)
    claimed = ShareDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING).update(
        status=Status.SENDING,
        attempts=F("attempts") + 1,
        sending_since=now,
        next_attempt_at=None,
        message=message,
        updated_at=now,
    )
    if not claimed:
        return None  # another worker won the race
    delivery.refresh_from_db()
    sending = ShareDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING)
    try:
        result = clients.post(
            delivery.channel, delivery, delivery.article, message, article_url(delivery.article)
        )
    except clients.ShareError as exc:
        return _record_failure(delivery, sending, exc)
    except Exception as exc:
        # A bug or an unexpected answer: the post may exist, so never try again by itself.
        logger.exception("sharing delivery %s failed unexpectedly", delivery.pk)
        sending.update(
            status=Status.UNKNOWN,
            last_error=f"{type(exc).__name__}: {exc}"[:1000],
            updated_at=timezone.now(),
        )
        return None
    sending.update(
        status=Status.SENT,
        external_id=result.external_id[:300],
        external_url=result.url[:500],
        sent_at=timezone.now(),
        last_error="",
        updated_at=timezone.now(),
    )
    return None


def _record_failure(delivery, sending, exc):
    now = timezone.now()
    error = str(exc)[:1000]
    if exc.retryable and delivery.attempts < settings.SHARING_MAX_ATTEMPTS:
        delay = retry_delay(delivery.attempts, exc.retry_after)
        sending.update(
            status=Status.PENDING,
            last_error=error,
            next_attempt_at=now + timedelta(seconds=delay),
            updated_at=now,
        )
        return delay
    if exc.unknown:
        status = Status.UNKNOWN
        error = f"{error} — the post may exist: check {delivery.channel}, then retry by hand."
    else:
        status = Status.FAILED
        if exc.retryable:
            error = f"Gave up after {delivery.attempts} attempts. Last error: {error}"
    sending.update(status=status, last_error=error, updated_at=now)
    return None


def attempt_hub_ping(ping_id):
    """Send one pending WebSub ping if this worker wins it; seconds until a retry, or None."""
    ping = HubPing.objects.filter(pk=ping_id, status=HubPing.Status.PENDING).first()
    if ping is None:
        return None
    now = timezone.now()
    claimed = HubPing.objects.filter(pk=ping.pk, status=HubPing.Status.PENDING).update(
        status=HubPing.Status.SENDING,
        attempts=F("attempts") + 1,
        sending_since=now,
        next_attempt_at=None,
        updated_at=now,
    )
    if not claimed:
        return None
    ping.refresh_from_db()
    sending = HubPing.objects.filter(pk=ping.pk, status=HubPing.Status.SENDING)
    try:
        clients.ping_hub(ping.hub_url, ping.topics)
    except clients.ShareError as exc:
        now = timezone.now()
        # A ping is idempotent (the hub only re-reads the feeds): any doubt is worth a retry.
        if (exc.retryable or exc.unknown) and ping.attempts < settings.SHARING_MAX_ATTEMPTS:
            delay = retry_delay(ping.attempts, exc.retry_after)
            sending.update(
                status=HubPing.Status.PENDING,
                last_error=str(exc)[:1000],
                next_attempt_at=now + timedelta(seconds=delay),
                updated_at=now,
            )
            return delay
        sending.update(status=HubPing.Status.FAILED, last_error=str(exc)[:1000], updated_at=now)
        return None
    sending.update(
        status=HubPing.Status.SENT, sent_at=timezone.now(), last_error="", updated_at=timezone.now()
    )
    return None


# -- editors' actions ----------------------------------------------------------


@transaction.atomic
def retry(deliveries):
    """Queue failed, unknown or cancelled deliveries again (an editor checked); how many."""
    now = timezone.now()
    ids = list(
        deliveries.filter(status__in=[Status.FAILED, Status.UNKNOWN, Status.CANCELLED]).values_list(
            "pk", flat=True
        )
    )
    ShareDelivery.objects.filter(pk__in=ids).update(
        status=Status.PENDING,
        attempts=0,
        last_error="",
        message="",
        next_attempt_at=None,
        sending_since=None,
        updated_at=now,
    )
    for pk in ids:
        _enqueue_delivery(pk)
    return len(ids)


@transaction.atomic
def share_again(article, channel):
    """Post `article` on `channel` once more, as an editor asked; None if it is not live."""
    article = Article.objects.live().select_for_update().filter(pk=article.pk).first()
    if article is None:
        return None
    last = ShareDelivery.objects.filter(
        article=article, channel=channel, publication=article.publish_at
    ).aggregate(last=Max("round"))["last"]
    delivery = ShareDelivery.objects.create(
        article=article, channel=channel, publication=article.publish_at, round=(last or 0) + 1
    )
    _enqueue_delivery(delivery.pk)
    return delivery


# -- the sweep -----------------------------------------------------------------


@transaction.atomic
def resume():
    """Recover work cut off by a dead worker or lost with the broker; counts of what was done."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.SHARING_STALE_AFTER)
    overdue = now - PENDING_GRACE
    counts = {"requeued": 0, "unknown": 0, "pings_requeued": 0}

    stuck = ShareDelivery.objects.select_related("channel").filter(
        status=Status.SENDING, sending_since__lte=stale
    )
    for delivery in stuck:
        taken = ShareDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING)
        if delivery.channel.is_idempotent:
            if taken.update(status=Status.PENDING, next_attempt_at=now, updated_at=now):
                _enqueue_delivery(delivery.pk)
                counts["requeued"] += 1
        elif taken.update(
            status=Status.UNKNOWN,
            last_error=(
                f"The worker stopped while posting to {delivery.channel}; the post may or may "
                "not exist. Check the network, then retry by hand if it is missing."
            ),
            updated_at=now,
        ):
            counts["unknown"] += 1

    lost = ShareDelivery.objects.filter(status=Status.PENDING).filter(
        Q(next_attempt_at__lte=overdue) | Q(next_attempt_at__isnull=True, updated_at__lte=overdue)
    )
    for pk in lost.values_list("pk", flat=True)[:500]:
        _enqueue_delivery(pk)
        counts["requeued"] += 1

    HubPing.objects.filter(status=HubPing.Status.SENDING, sending_since__lte=stale).update(
        status=HubPing.Status.PENDING, next_attempt_at=now, updated_at=now
    )
    lost_pings = HubPing.objects.filter(status=HubPing.Status.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, updated_at__lte=overdue)
    )
    for pk in lost_pings.values_list("pk", flat=True)[:500]:
        _enqueue_ping(pk)
        counts["pings_requeued"] += 1
    return counts
