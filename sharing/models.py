"""Share channels, per-article sharing settings, deliveries (one per article and
channel, enforced by a constraint) and WebSub hub pings."""

import os
import re
import string
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from . import crypto

PLACEHOLDERS = {
    "title": "the headline",
    "dek": "the excerpt",
    "url": "the article's address",
    "hashtags": "hashtags made from the article's tags",
    "category": "the category's name",
}
DEFAULT_TEMPLATE = "{title}\n\n{dek}\n\n{url}\n\n{hashtags}"


def validate_template(template):
    """Refuse placeholders other than PLACEHOLDERS and unbalanced braces."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValidationError(
            f"The template is malformed ({exc}). Write a literal brace as {{{{ or }}}}."
        ) from exc
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        allowed = ", ".join("{%s}" % name for name in PLACEHOLDERS)  # noqa: UP031
        raise ValidationError(
            f"Unknown placeholder(s): {', '.join('{%s}' % n for n in unknown)}. "  # noqa: UP031
            f"Use {allowed}."
        )


def new_key():
    return uuid.uuid4().hex


def hashtag(name):
    """'human rights' -> '#HumanRights'; '' for a tag with no letters."""
    words = re.findall(r"\w+", name)
    text = "".join(word[:1].upper() + word[1:] for word in words)
    if not text or text.isdigit():
        return ""
    return f"#{text}"


class ShareChannel(models.Model):
    """A place new articles are announced: a social account or a webhook."""

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", "Webhook (signed JSON POST)"
        TELEGRAM = "telegram", "Telegram channel"
        MASTODON = "mastodon", "Mastodon"
        BLUESKY = "bluesky", "Bluesky"
        FACEBOOK = "facebook", "Facebook Page"

    DEFAULT_BASE_URLS = {
        Kind.TELEGRAM: "https://api.telegram.org",
        Kind.BLUESKY: "https://bsky.social",
        Kind.FACEBOOK: "https://graph.facebook.com/v21.0",
    }
    # Longest post each network accepts (Bluesky counts graphemes; characters is close).
    MAX_LENGTH = {
        Kind.TELEGRAM: 4096,
        Kind.MASTODON: 500,
        Kind.BLUESKY: 300,
        Kind.FACEBOOK: 60000,
    }
    # Networks on which a repeated request cannot make a second post: Mastodon
    # honours an Idempotency-Key header, Bluesky records are created under a
    # key chosen here and can be looked up before trying again.
    IDEMPOTENT_KINDS = {Kind.MASTODON, Kind.BLUESKY}
    SECRET_LABELS = {
        Kind.WEBHOOK: "signing secret",
        Kind.TELEGRAM: "bot token",
        Kind.MASTODON: "access token",
        Kind.BLUESKY: "app password",
        Kind.FACEBOOK: "Page access token",
    }

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    enabled = models.BooleanField(
        "switched on", default=True, help_text="Only channels switched on receive new articles."
    )
    base_url = models.URLField(
        "address",
        max_length=500,
        blank=True,
        help_text=(
            "Webhook: the URL to POST to. Mastodon: the instance, e.g. https://mastodon.social. "
            "Telegram, Bluesky, Facebook: leave empty for the network's own API "
            "(set it only for a proxy or a test server)."
        ),
    )
    account = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "Telegram: the channel, @name or numeric id. Bluesky: the handle, e.g. "
            "news.example.com. Facebook: the Page id. Not used by webhooks and Mastodon."
        ),
    )
    message_template = models.TextField(
        default=DEFAULT_TEMPLATE,
        validators=[validate_template],
        help_text="Placeholders: "
        + ", ".join(f"{{{name}}} ({what})" for name, what in PLACEHOLDERS.items())
        + ". Empty lines left by an empty excerpt are dropped.",
    )
    max_hashtags = models.PositiveSmallIntegerField(
        default=3, help_text="How many of the article's tags become hashtags."
    )
    secret_env = models.CharField(
        "secret from environment variable",
        max_length=100,
        blank=True,
        validators=[
            # A name, not a token pasted into the wrong field.
            RegexValidator(
                r"^[A-Z_][A-Z0-9_]*$",
                "Use an environment variable name such as SHARE_MASTODON_TOKEN.",
            )
        ],
        help_text="Name of an environment variable of the workers holding the secret "
        "(preferred); otherwise enter the secret below and it is stored encrypted.",
    )
    secret_encrypted = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        needs_address = {self.Kind.WEBHOOK, self.Kind.MASTODON}
        needs_account = {self.Kind.TELEGRAM, self.Kind.BLUESKY, self.Kind.FACEBOOK}
        kind = self.get_kind_display()
        if self.kind in needs_address and not self.base_url:
            raise ValidationError({"base_url": f"A {kind} channel needs an address."})
        if self.kind in needs_account and not self.account:
            raise ValidationError({"account": f"A {kind} channel needs an account."})

    # -- secrets -----------------------------------------------------------

    def set_secret(self, value):
        self.secret_encrypted = crypto.encrypt(value) if value else ""

    @property
    def has_secret(self):
        return bool(self.secret_encrypted or (self.secret_env and os.environ.get(self.secret_env)))

    def get_secret(self):
        """The secret, from the environment variable when named, else decrypted; '' when none."""
        if self.secret_env:
            return os.environ.get(self.secret_env, "")
        if self.secret_encrypted:
            return crypto.decrypt(self.secret_encrypted)
        return ""

    # -- derived values ----------------------------------------------------

    @property
    def api_url(self):
        return (self.base_url or self.DEFAULT_BASE_URLS.get(self.kind, "")).rstrip("/")

    @property
    def is_idempotent(self):
        return self.kind in self.IDEMPOTENT_KINDS

    def compose(self, article, url, template=None):
        """The message for `article` (at `url`), fitted to the network's length limit."""
        template = template or self.message_template
        tags = [hashtag(tag.name) for tag in article.tags.all()]
        values = {
            "title": article.title,
            "dek": article.dek,
            "url": url,
            "hashtags": " ".join([t for t in tags if t][: self.max_hashtags]),
            "category": article.category.name,
        }
        limit = self.MAX_LENGTH.get(self.kind)
        text = _render(template, values)
        # Shed the least important parts first; the link card still carries the story.
        for drop in ("dek", "hashtags"):
            if limit is None or len(text) <= limit:
                break
            values[drop] = ""
            text = _render(template, values)
        if limit is not None and len(text) > limit:
            text = text[: limit - 1].rstrip() + "…"
        return text


def _render(template, values):
    text = template.format_map(values)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class ArticleShareSetting(models.Model):
    """An editor's choice for one article on one channel: skip it, or say something else."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="share_settings"
    )
    channel = models.ForeignKey(ShareChannel, on_delete=models.CASCADE, related_name="+")
    opt_out = models.BooleanField("do not share", default=False)
    message = models.TextField(
        blank=True,
        validators=[validate_template],
        help_text="Leave empty for the channel's template; the same placeholders work here.",
    )

    class Meta:
        verbose_name = "sharing setting"
        constraints = [
            models.UniqueConstraint(fields=["article", "channel"], name="share_setting_unique"),
        ]

    def __str__(self):
        return f"{self.channel} for {self.article}"


class Attempted(models.Model):
    """What every recorded side effect keeps: where it stands and how it went."""

    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ShareDelivery(Attempted):
    """One post of one publication of an article on one channel: made at most once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown: check the network, then retry by hand"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped"

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="share_deliveries"
    )
    channel = models.ForeignKey(ShareChannel, on_delete=models.CASCADE, related_name="deliveries")
    publication = models.DateTimeField(
        help_text="The article's publication time this post belongs to."
    )
    round = models.PositiveSmallIntegerField(
        default=1, help_text="2, 3, ... when an editor asked to share again."
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    message = models.TextField(blank=True, help_text="The text as posted.")
    idempotency_key = models.CharField(max_length=64, default=new_key, editable=False)
    external_id = models.CharField("post id", max_length=300, blank=True)
    external_url = models.URLField("post", max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "share deliveries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "channel", "publication", "round"],
                name="share_delivery_once",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="share_delivery_due")]

    def __str__(self):
        return f"{self.article} on {self.channel} ({self.get_status_display()})"


class HubPing(Attempted):
    """One WebSub notification of the feeds an article is in (published, or corrected)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="hub_pings"
    )
    event = models.CharField(max_length=100, help_text='e.g. "published 2026-11-28T10:00:00+00:00"')
    hub_url = models.URLField(max_length=500)
    topics = models.JSONField(default=list)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )

    class Meta:
        verbose_name = "WebSub ping"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["article", "event"], name="hub_ping_once"),
            models.CheckConstraint(condition=~Q(event=""), name="hub_ping_has_event"),
        ]

    def __str__(self):
        return f"WebSub {self.event} for {self.article}"
