"""Subscribers, editions (a digest or an alert) and one delivery per subscriber per edition."""

import secrets

from django.db import models
from django.utils import timezone


def new_key():
    return secrets.token_urlsafe(16)


class Subscriber(models.Model):
    """One address and what it asked for. Deleting the row deletes the address everywhere:
    deliveries keep only their counts."""

    class Status(models.TextChoices):
        PENDING = "pending", "waiting for confirmation"
        ACTIVE = "active", "subscribed"
        UNSUBSCRIBED = "unsubscribed", "unsubscribed"
        BOUNCED = "bounced", "address bounced"
        COMPLAINED = "complained", "marked as spam"

    email = models.EmailField(unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    daily = models.BooleanField("daily digest", default=True)
    weekly = models.BooleanField("weekly digest", default=False)
    alerts = models.BooleanField("breaking-news alerts", default=False)
    sections = models.ManyToManyField(
        "categories.Category",
        blank=True,
        related_name="+",
        help_text="Digests carry only these sections' stories; none means every section.",
    )
    # Part of every signed link: a new key voids the old links.
    key = models.CharField(max_length=40, default=new_key, editable=False)
    consent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the address was confirmed."
    )
    consent_source = models.CharField(
        max_length=200, blank=True, help_text="Where the reader signed up (the page's address)."
    )
    created_at = models.DateTimeField(default=timezone.now)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    soft_bounces = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.email


class Edition(models.Model):
    """One mailing: a daily or weekly digest, or a breaking-news alert for one story."""

    class Kind(models.TextChoices):
        DAILY = "daily", "daily digest"
        WEEKLY = "weekly", "weekly digest"
        ALERT = "alert", "breaking-news alert"

    class Status(models.TextChoices):
        SENDING = "sending", "sending"
        DONE = "done", "sent"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # "daily:2026-12-05", "weekly:2026-W49", "alert:12": at most one edition each.
    key = models.CharField(max_length=60, unique=True)
    subject = models.CharField(max_length=250)
    article_ids = models.JSONField(default=list, help_text="The stories it carries, in order.")
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.subject


class Delivery(models.Model):
    """The edition owed to one subscriber: claimed, sent and recorded exactly once."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        CLAIMED = "claimed", "claimed by a worker"
        SENDING = "sending", "being sent"
        SENT = "sent", "sent"
        SKIPPED = "skipped", "skipped"
        FAILED = "failed", "failed"
        UNKNOWN = "unknown", "unknown (worker lost while sending)"

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    claim = models.CharField(max_length=40, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "subscriber"], name="delivery_once_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["edition", "status"], name="delivery_edition_status")]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.edition_id} to {self.subscriber_id}: {self.status}"


class BreakingAlert(models.Model):
    """An editor's request: e-mail this story to alert subscribers when it goes live."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, related_name="breaking_alert"
    )
    # Off until ticked: an untouched extra inline form is not saved at all.
    send_alert = models.BooleanField(
        "send a breaking-news alert",
        default=False,
        help_text="Subscribers to breaking news get this story by e-mail when it goes live.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "breaking-news alert"

    def __str__(self):
        return f"alert for {self.article_id}"
