"""Writes of the newsletter: subscriptions, planning editions, sending them exactly once.

Exactly once: planning an edition writes one Delivery per subscriber (a
UniqueConstraint guards it). A worker claims a batch of pending rows with a
conditional UPDATE (rows locked with SKIP LOCKED on PostgreSQL), sends them in id
order over one SMTP connection and marks each one "sent" as soon as the server
took it. A worker killed mid-batch leaves the rest "claimed": the sweep (resume)
marks the first of them "unknown" (it may or may not have reached the server, so
it is never sent blindly again; an editor sees it in the admin) and hands the
others, never tried, back to "pending".
"""

import logging
import secrets
import smtplib
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Min
from django.utils import timezone

from articles.models import Article

from . import emails
from .models import BreakingAlert, Delivery, Edition, Subscriber

logger = logging.getLogger(__name__)
SEND_TASK = "newsletters.tasks.send_edition_batch"
MAX_ATTEMPTS = 3


# -- subscriptions -------------------------------------------------------------------


def subscribe(email, *, daily, weekly, alerts, sections=(), source=""):
    """Record a sign-up and e-mail the confirmation link (or a note if already subscribed)."""
    email = email.strip()
    subscriber = Subscriber.objects.filter(email__iexact=email).first()
    if subscriber is not None and subscriber.status == Subscriber.Status.ACTIVE:
        emails.already_subscribed(subscriber).send()
        return subscriber
    if subscriber is None:
        try:
            with transaction.atomic():
                subscriber = Subscriber.objects.create(email=email)
        except IntegrityError:
            subscriber = Subscriber.objects.get(email__iexact=email)
    subscriber.status = Subscriber.Status.PENDING
    subscriber.daily, subscriber.weekly, subscriber.alerts = daily, weekly, alerts
    subscriber.consent_source = source[:200]
    subscriber.save()
    subscriber.sections.set(sections)
    emails.confirmation(subscriber).send()
    return subscriber


def confirm(subscriber):
    """Double opt-in: the address answered; record the consent time."""
    if subscriber.status != Subscriber.Status.ACTIVE:
        subscriber.status = Subscriber.Status.ACTIVE
        subscriber.consent_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["status", "consent_at", "unsubscribed_at"])
    return subscriber


def update_preferences(subscriber, *, daily, weekly, alerts, sections):
    subscriber.daily, subscriber.weekly, subscriber.alerts = daily, weekly, alerts
    subscriber.save(update_fields=["daily", "weekly", "alerts"])
    subscriber.sections.set(sections)
    return subscriber


def unsubscribe(subscriber, status=Subscriber.Status.UNSUBSCRIBED):
    """Stop every mailing to `subscriber` (idempotent); the pending ones are skipped."""
    Subscriber.objects.filter(pk=subscriber.pk).exclude(status=status).update(
        status=status, unsubscribed_at=timezone.now()
    )
    Delivery.objects.filter(subscriber=subscriber, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SKIPPED, error="Unsubscribed before it was sent."
    )


def forget(subscriber):
    """Delete the subscriber: the address is gone; deliveries keep only their counts."""
    subscriber.delete()


def record_event(kind, email, *, hard=True):
    """A bounce or complaint reported by the mail provider; returns the new status or None."""
    subscriber = Subscriber.objects.filter(email__iexact=email.strip()).first()
    if subscriber is None:
        return None
    if kind == "complaint":
        unsubscribe(subscriber, Subscriber.Status.COMPLAINED)
        return Subscriber.Status.COMPLAINED
    if kind == "bounce" and hard:
        unsubscribe(subscriber, Subscriber.Status.BOUNCED)
        return Subscriber.Status.BOUNCED
    Subscriber.objects.filter(pk=subscriber.pk).update(soft_bounces=subscriber.soft_bounces + 1)
    return subscriber.status


# -- planning ------------------------------------------------------------------------

PERIODS = {Edition.Kind.DAILY: timedelta(days=1), Edition.Kind.WEEKLY: timedelta(days=7)}
SUBSCRIBED = {
    Edition.Kind.DAILY: "daily",
    Edition.Kind.WEEKLY: "weekly",
    Edition.Kind.ALERT: "alerts",
}


def digest_key(kind, when):
    local = timezone.localtime(when)
    if kind == Edition.Kind.DAILY:
        return f"daily:{local.date().isoformat()}"
    year, week, _ = local.isocalendar()
    return f"weekly:{year}-W{week:02d}"


def plan_digest(kind, *, now=None, articles=None):
    """Create today's (this week's) digest and its deliveries; None when there is nothing new.

    It carries the stories published since the previous digest of its kind. Running it
    twice for one day (week) finds the edition already planned and returns it.
    `articles` narrows the stories (per edition of the site, once there are editions).
    """
    now = now or timezone.now()
    key = digest_key(kind, now)
    existing = Edition.objects.filter(key=key).first()
    if existing is not None:
        return existing
    previous = Edition.objects.filter(kind=kind).order_by("-period_end").first()
    since = previous.period_end if previous else now - PERIODS[kind]
    queryset = (articles if articles is not None else Article.objects).live()
    ids = list(
        queryset.filter(publish_at__gt=since, publish_at__lte=now)
        .order_by("-publish_at")
        .values_list("pk", flat=True)[: settings.NEWSLETTER_DIGEST_MAX_STORIES]
    )
    if not ids:
        return None
    date = timezone.localtime(now).strftime("%B %-d, %Y")
    label = "Today" if kind == Edition.Kind.DAILY else "This week"
    subject = f"{label} at {settings.SITE_NAME}: {date}"
    return _create(kind, key, subject, ids, since, now)


def plan_alert(article):
    """The breaking-news alert for `article`, once; None when none was asked for."""
    wanted = BreakingAlert.objects.filter(article=article, send_alert=True).exists()
    if not wanted or not article.is_live:
        return None
    existing = Edition.objects.filter(key=f"alert:{article.pk}").first()
    if existing is not None:
        return existing
    subject = f"Breaking: {article.title}"[:250]
    return _create(
        Edition.Kind.ALERT, f"alert:{article.pk}", subject, [article.pk], None, timezone.now()
    )


def _create(kind, key, subject, ids, since, now):
    try:
        with transaction.atomic():
            edition = Edition.objects.create(
                kind=kind,
                key=key,
                subject=subject,
                article_ids=ids,
                period_start=since,
                period_end=now,
            )
            _plan_deliveries(edition)
    except IntegrityError:
        # Another beat or worker planned it at the same moment.
        return Edition.objects.get(key=key)
    transaction.on_commit(lambda: queue_batches(edition, settings.NEWSLETTER_SEND_WORKERS))
    return edition


def _plan_deliveries(edition):
    subscribers = (
        Subscriber.objects.filter(
            status=Subscriber.Status.ACTIVE, **{SUBSCRIBED[edition.kind]: True}
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    batch = []
    for pk in subscribers.iterator(chunk_size=5000):
        batch.append(Delivery(edition=edition, subscriber_id=pk))
        if len(batch) >= 5000:
            Delivery.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Delivery.objects.bulk_create(batch, ignore_conflicts=True)


def queue_batches(edition, workers=1):
    """Queue `workers` batch tasks for the edition; each queues the next until none is left."""
    task = current_app.tasks[SEND_TASK]
    for _ in range(max(1, workers)):
        task.apply_async((edition.pk,))


# -- sending -------------------------------------------------------------------------


def claim_batch(edition, size):
    """Claim up to `size` pending deliveries for this worker: (claim token, row ids)."""
    token = secrets.token_hex(8)
    now = timezone.now()
    with transaction.atomic():
        pending = Delivery.objects.filter(edition=edition, status=Delivery.Status.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        ids = list(pending.order_by("pk").values_list("pk", flat=True)[:size])
        if ids:
            Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(
                status=Delivery.Status.CLAIMED, claim=token, claimed_at=now
            )
    return token


def _wanted(edition, subscriber, articles):
    """The stories this subscriber gets, or None when the delivery is to be skipped."""
    if subscriber is None or subscriber.status != Subscriber.Status.ACTIVE:
        return None
    if edition.kind == Edition.Kind.ALERT:
        return articles
    sections = {c.pk for c in subscriber.sections.all()}
    if sections:
        articles = [a for a in articles if a.category_id in sections]
    return articles or None


def send_batch(edition_id, size=None):
    """Send one claimed batch of the edition; True when pending deliveries are left."""
    edition = Edition.objects.filter(pk=edition_id).first()
    if edition is None:
        return False
    token = claim_batch(edition, size or settings.NEWSLETTER_BATCH_SIZE)
    rows = list(
        Delivery.objects.filter(claim=token, status=Delivery.Status.CLAIMED)
        .select_related("subscriber")
        .prefetch_related("subscriber__sections")
        .order_by("pk")
    )
    if rows:
        articles = emails.stories(edition)
        rendered = {}
        with get_connection() as mail:
            for delivery in rows:
                _send_one(edition, delivery, articles, rendered, mail)
    return finish_if_done(edition)


def _send_one(edition, delivery, articles, rendered, mail):
    claimed = Delivery.objects.filter(
        pk=delivery.pk, claim=delivery.claim, status=Delivery.Status.CLAIMED
    )
    wanted = _wanted(edition, delivery.subscriber, articles)
    if wanted is None:
        claimed.update(status=Delivery.Status.SKIPPED, error="Nothing for this subscriber.")
        return
    ids = tuple(a.pk for a in wanted)
    if ids not in rendered:
        rendered[ids] = emails.Rendered(edition, wanted)
    message = rendered[ids].message(edition, delivery.subscriber, connection=mail)
    attempts = delivery.attempts + 1
    try:
        message.send()
    except (
        smtplib.SMTPRecipientsRefused,
        smtplib.SMTPSenderRefused,
        smtplib.SMTPDataError,
    ) as exc:
        # The server said no: nothing was delivered.
        status = Delivery.Status.PENDING if attempts < MAX_ATTEMPTS else Delivery.Status.FAILED
        claimed.update(status=status, error=str(exc)[:500], claim="", attempts=attempts)
        return
    except Exception as exc:
        # The connection broke mid-message: it may have gone; never send it twice.
        logger.exception("newsletter delivery %s failed", delivery.pk)
        claimed.update(
            status=Delivery.Status.UNKNOWN,
            error=f"{type(exc).__name__}: {exc}"[:500],
            attempts=attempts,
        )
        raise
    # One write per message: rows of a batch are sent in id order, so after a crash
    # only the first row still claimed can have been in flight (resume()).
    claimed.update(status=Delivery.Status.SENT, sent_at=timezone.now(), error="", attempts=attempts)


def finish_if_done(edition):
    """Mark the edition sent when no delivery is left to send; True when some are pending."""
    open_ = Delivery.objects.filter(
        edition=edition,
        status__in=[Delivery.Status.PENDING, Delivery.Status.CLAIMED, Delivery.Status.SENDING],
    )
    if open_.filter(status=Delivery.Status.PENDING).exists():
        return True
    if not open_.exists():
        Edition.objects.filter(pk=edition.pk, status=Edition.Status.SENDING).update(
            status=Edition.Status.DONE, finished_at=timezone.now()
        )
    return False


def resume(stale_seconds=None):
    """Take up editions a dead worker cut off; returns the editions queued again.

    A worker sends its claimed rows in id order and marks each one sent as soon as the
    server took it, so of a batch claimed longer than NEWSLETTER_CLAIM_SECONDS ago, the
    first row still claimed may have reached the server: it becomes "unknown" and is
    never sent blindly again. The rows after it were never tried: back to pending.
    """
    stale_seconds = settings.NEWSLETTER_CLAIM_SECONDS if stale_seconds is None else stale_seconds
    cutoff = timezone.now() - timedelta(seconds=stale_seconds)
    stale = Delivery.objects.filter(status=Delivery.Status.CLAIMED, claimed_at__lte=cutoff)
    in_flight = list(
        stale.values("claim").annotate(first=Min("pk")).values_list("first", flat=True)
    )
    Delivery.objects.filter(pk__in=in_flight, status=Delivery.Status.CLAIMED).update(
        status=Delivery.Status.UNKNOWN,
        error="The worker stopped while sending: it may or may not have gone.",
    )
    stale.exclude(pk__in=in_flight).update(status=Delivery.Status.PENDING, claim="")
    queued = []
    for edition in Edition.objects.filter(status=Edition.Status.SENDING):
        if finish_if_done(edition):
            queue_batches(edition, settings.NEWSLETTER_SEND_WORKERS)
            queued.append(edition.pk)
    return queued


def counts(edition_ids):
    """{edition id: {status: count}} for the admin."""
    rows = (
        Delivery.objects.filter(edition_id__in=edition_ids)
        .values("edition_id", "status")
        .annotate(n=Count("pk"))
    )
    found = {pk: {} for pk in edition_ids}
    for row in rows:
        found[row["edition_id"]][row["status"]] = row["n"]
    return found


def send_test(edition, email):
    """E-mail the edition to `email` (an editor's own address): no delivery is recorded."""
    articles = emails.stories(edition)
    probe = Subscriber(pk=0, email=email, key="test")
    emails.Rendered(edition, articles).message(edition, probe).send()


def went_live(article):
    edition = plan_alert(article)
    return edition
