"""BreakingNews: a banner switched on for a time window."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class BreakingNewsQuerySet(models.QuerySet):
    def current(self):
        """Banners switched on whose time window includes now."""
        now = timezone.now()
        return self.filter(is_active=True, starts_at__lte=now, expires_at__gt=now)


class BreakingNews(models.Model):
    """A banner across the top of every public page, until it expires."""

    text = models.CharField(max_length=200)
    url = models.CharField(
        "link",
        max_length=500,
        blank=True,
        help_text="An address on this site (/2026/11/story/) or a full https:// URL.",
    )
    is_active = models.BooleanField("switched on", default=True)
    starts_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="The banner disappears at this time.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BreakingNewsQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = "breaking-news banner"
        verbose_name_plural = "breaking-news banners"

    def __str__(self):
        return self.text

    def clean(self):
        errors = {}
        if self.url and not (
            self.url.startswith("/")
            and not self.url.startswith("//")
            or self.url.startswith(("https://", "http://"))
        ):
            errors["url"] = "Give an address on this site starting with / or a full http(s):// URL."
        if self.expires_at and self.starts_at and self.expires_at <= self.starts_at:
            errors["expires_at"] = "The expiry time must come after the start time."
        if errors:
            raise ValidationError(errors)
