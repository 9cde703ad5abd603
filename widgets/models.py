"""BreakingNews: a banner switched on for a time window; WidgetSettings: the blocks' numbers."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from articles import editions


class BreakingNewsQuerySet(models.QuerySet):
    def current(self):
        """Banners switched on whose time window includes now, of the page's edition."""
        now = timezone.now()
        banners = self.filter(is_active=True, starts_at__lte=now, expires_at__gt=now)
        if editions.is_multilingual():
            banners = banners.filter(language=editions.current())
        return banners


class BreakingNews(models.Model):
    """A banner across the top of every public page, until it expires."""

    text = models.CharField(max_length=200)
    url = models.CharField(
        "link",
        max_length=500,
        blank=True,
        help_text="An address on this site (/2026/11/story/) or a full https:// URL.",
    )
    # Each edition has its own banner, in its language.
    language = models.CharField(
        "edition",
        max_length=12,
        choices=editions.choices,
        default=editions.default,
        help_text="The edition whose pages show the banner.",
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


class WidgetSettings(models.Model):
    """The page blocks' numbers an editor sets in the admin: one row (pk 1) for the site.

    Public pages read it through the cache (widgets.selectors.widget_settings), and
    a change purges the blocks and the home page that show it (widgets.apps).
    """

    SINGLETON_PK = 1

    recent_posts_count = models.PositiveSmallIntegerField(
        "stories in “Recent Posts”",
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many of the newest stories the sidebar lists (1–20).",
    )
    home_latest_count = models.PositiveSmallIntegerField(
        "stories in the home page's “Latest”",
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="How many stories follow the lead story on the home page (1–30).",
    )
    home_block_size = models.PositiveSmallIntegerField(
        "stories per section block on the home page",
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Which sections have a block is set on each section (“Show on home”).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "page blocks settings"
        verbose_name_plural = "page blocks settings"

    def __str__(self):
        return "Page blocks settings"

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK  # one row: a second "add" edits the first
        super().save(*args, **kwargs)

    @classmethod
    def defaults(cls):
        """The values before an editor has saved any (from the project's settings)."""
        from django.conf import settings

        return {
            "recent_posts_count": settings.RECENT_POSTS_COUNT,
            "home_latest_count": settings.HOME_LATEST_COUNT,
            "home_block_size": settings.HOME_BLOCK_SIZE,
        }
