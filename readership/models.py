"""Readership counts: hourly buckets (the database's, when there is no Redis) and daily totals."""

from django.db import models

from articles.models import Article


class HourlyViews(models.Model):
    """Reads of one story in one hour, when the counts live in the database (no Redis)."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="hourly_views"
    )
    hour = models.DateTimeField(help_text="The hour's start, in UTC.")
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "hour"], name="hourlyviews_once_per_hour")
        ]
        indexes = [models.Index(fields=["hour"], name="hourlyviews_hour")]
        verbose_name_plural = "hourly views"

    def __str__(self):
        return f"{self.article_id} at {self.hour}: {self.views}"


class DailyViews(models.Model):
    """Reads of one story on one day of the newsroom's time zone, folded from the hourly counts."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="daily_views"
    )
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="dailyviews_once_per_day")
        ]
        indexes = [models.Index(fields=["day"], name="dailyviews_day")]
        verbose_name_plural = "daily views"

    def __str__(self):
        return f"{self.article_id} on {self.day}: {self.views}"


class StoryReadership(Article):
    """Stories seen from readership's side: an admin list with their reads."""

    class Meta:
        proxy = True
        verbose_name = "story readership"
        verbose_name_plural = "story readership"
