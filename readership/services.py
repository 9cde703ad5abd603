"""Readership: count a read, the most read stories, reads per story, the daily fold."""

import re
from collections import Counter
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from articles.models import Article

from .counter import HOUR, get_counter, hour_start, hours_between, now
from .models import DailyViews

# Crawlers and tools that run scripts anyway; most bots never run the beacon at all.
BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|fetch|monitor|lighthouse|pagespeed|curl|wget|python|"
    r"httpclient|java/|go-http|headlesschrome|phantomjs|facebookexternalhit",
    re.IGNORECASE,
)
MAX_ID = 2**31 - 1


def is_bot(user_agent):
    """True for an empty or a known automated user agent."""
    return not user_agent or bool(BOT_AGENTS.search(user_agent))


def record_read(article_id, *, when=None):
    """Count one read of story `article_id`; False when no such story could be counted."""
    if not 0 < article_id <= MAX_ID:
        return False
    return get_counter().record(article_id, when or now())


def window_counts(hours, article_ids=None, *, until=None):
    """{article id: reads} over the last `hours` hours (the current one included)."""
    until = until or now()
    start = hour_start(until) - (hours - 1) * HOUR
    totals = Counter()
    for (_, pk), views in get_counter().counts(hours_between(start, until), article_ids).items():
        totals[pk] += views
    return totals


def most_read(limit, *, hours=24, articles=None):
    """The `limit` live stories read most in the last `hours` hours, with their reads.

    `articles` narrows the candidates (an edition's stories, once there are editions).
    One database query whatever the limit.
    """
    counts = window_counts(hours)
    if not counts or limit <= 0:
        return []
    # Enough candidates that unpublished or filtered-out stories cannot leave the list short.
    candidates = [pk for pk, _ in counts.most_common(limit * 4 + 20)]
    queryset = (articles if articles is not None else Article.objects).live()
    found = {a.pk: a for a in queryset.filter(pk__in=candidates).select_related("category")}
    ranked = [(found[pk], counts[pk]) for pk in candidates if pk in found]
    return ranked[:limit]


def views_for(article_ids):
    """{article id: (reads in 24 h, in 7 days, in all)}; "all" is the daily totals plus
    what the counter holds since the last fold."""
    ids = [int(pk) for pk in article_ids]
    if not ids:
        return {}
    until = now()
    week_start = hour_start(until) - 167 * HOUR
    hourly = get_counter().counts(hours_between(week_start, until), ids)
    day_start = hour_start(until) - 23 * HOUR
    day, week = Counter(), Counter()
    for (hour, pk), views in hourly.items():
        week[pk] += views
        if hour >= day_start:
            day[pk] += views
    totals = dict(
        DailyViews.objects.filter(article_id__in=ids)
        .values_list("article_id")
        .annotate(total=Sum("views"))
    )
    unfolded = _unfolded(hourly, ids)
    return {pk: (day[pk], week[pk], totals.get(pk, 0) + unfolded[pk]) for pk in ids}


def _local_day(hour):
    return timezone.localtime(hour).date()


def _unfolded(hourly, ids):
    """Reads counted on days the daily totals do not have yet (after the last fold)."""
    folded = {
        (pk, day): views
        for pk, day, views in DailyViews.objects.filter(
            article_id__in=ids, day__gte=timezone.localdate() - timedelta(days=7)
        ).values_list("article_id", "day", "views")
    }
    per_day = Counter()
    for (hour, pk), views in hourly.items():
        per_day[(pk, _local_day(hour))] += views
    extra = Counter()
    for (pk, day), views in per_day.items():
        extra[pk] += max(0, views - folded.get((pk, day), 0))
    return extra


def fold(days=2, *, until=None):
    """Write the daily totals of the last `days` local days from the hourly counts.

    Idempotent: each total is set to the sum of its day's hours, never added to, so a
    second run, a retry or two beats at once write the same numbers.
    """
    until = until or now()
    today = timezone.localtime(until).date()
    counter = get_counter()
    written = 0
    for offset in range(days):
        day = today - timedelta(days=offset)
        start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
        end = min(start + timedelta(days=1) - timedelta(microseconds=1), until)
        totals = Counter()
        for (hour, pk), views in counter.counts(hours_between(start, end)).items():
            if _local_day(hour) == day:
                totals[pk] += views
        existing = set(Article.objects.filter(pk__in=list(totals)).values_list("pk", flat=True))
        rows = [
            DailyViews(article_id=pk, day=day, views=views)
            for pk, views in totals.items()
            if pk in existing
        ]
        DailyViews.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["article", "day"],
            update_fields=["views", "updated_at"],
            batch_size=500,
        )
        written += len(rows)
    from django.conf import settings

    counter.prune(until - timedelta(hours=settings.READERSHIP_KEEP_HOURS))
    return written
