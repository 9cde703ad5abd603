"""Where reads are counted: hourly buckets in Redis, or in the database without Redis.

Redis keeps one hash per hour (`<prefix>:reads:<YYYYMMDDHH>`, story id -> reads),
expiring after READERSHIP_KEEP_HOURS, so the sliding 24-hour and 7-day windows are
sums of the last 24 or 168 hashes. A read costs one HINCRBY and one EXPIRE, pipelined:
no database work on the reader's request. Without Redis (`make run`) the same
buckets are HourlyViews rows.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

HOUR = timedelta(hours=1)


def hour_start(when):
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hours_between(start, end):
    """The hour starts from `start`'s hour up to and including `end`'s hour."""
    hour, last = hour_start(start), hour_start(end)
    while hour <= last:
        yield hour
        hour += HOUR


@lru_cache(maxsize=4)
def _redis(url):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)


class RedisCounter:
    def __init__(self, url, prefix):
        self.client = _redis(url)
        self.prefix = prefix

    def key(self, hour):
        return f"{self.prefix}:reads:{hour:%Y%m%d%H}"

    def record(self, article_id, when):
        key = self.key(hour_start(when))
        pipe = self.client.pipeline(transaction=False)
        pipe.hincrby(key, article_id, 1)
        pipe.expire(key, settings.READERSHIP_KEEP_HOURS * 3600)
        pipe.execute()
        return True

    def add_many(self, items):
        """Add {(hour, article id): reads} in one round trip."""
        pipe = self.client.pipeline(transaction=False)
        for (hour, pk), views in items.items():
            pipe.hincrby(self.key(hour), pk, views)
        for hour in {hour for hour, _ in items}:
            pipe.expire(self.key(hour), settings.READERSHIP_KEEP_HOURS * 3600)
        pipe.execute()

    def counts(self, hours, article_ids=None):
        """{(hour, article id): reads} over `hours` (for `article_ids` only, when given)."""
        hours = list(hours)
        pipe = self.client.pipeline(transaction=False)
        ids = [str(pk) for pk in article_ids] if article_ids is not None else None
        for hour in hours:
            if ids is None:
                pipe.hgetall(self.key(hour))
            elif ids:
                pipe.hmget(self.key(hour), ids)
        if ids == []:
            return {}
        found = {}
        for hour, answer in zip(hours, pipe.execute(), strict=True):
            pairs = answer.items() if ids is None else zip(ids, answer, strict=True)
            for pk, views in pairs:
                if views is not None and int(views) > 0 and str(int(pk)) == _text(pk):
                    found[(hour, int(pk))] = int(views)
        return found

    def prune(self, before):
        return 0  # Redis expires the buckets itself


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


class DatabaseCounter:
    def record(self, article_id, when):
        from articles.models import Article

        if not Article.objects.filter(pk=article_id).exists():
            return False
        self.add_many({(hour_start(when), article_id): 1})
        return True

    def add_many(self, items):
        """Add {(hour, article id): reads}; reads of stories deleted meanwhile are dropped."""
        from articles.models import Article

        from .models import HourlyViews

        existing = set(
            Article.objects.filter(pk__in={pk for _, pk in items}).values_list("pk", flat=True)
        )
        for (hour, article_id), views in items.items():
            if article_id not in existing:
                continue
            updated = HourlyViews.objects.filter(article_id=article_id, hour=hour).update(
                views=F("views") + views
            )
            if not updated:
                try:
                    with transaction.atomic():
                        HourlyViews.objects.create(article_id=article_id, hour=hour, views=views)
                except IntegrityError:  # a concurrent first read of the hour
                    HourlyViews.objects.filter(article_id=article_id, hour=hour).update(
                        views=F("views") + views
                    )

    def counts(self, hours, article_ids=None):
        from .models import HourlyViews

        hours = list(hours)
        if not hours:
            return {}
        rows = HourlyViews.objects.filter(hour__gte=hours[0], hour__lte=hours[-1])
        if article_ids is not None:
            rows = rows.filter(article_id__in=list(article_ids))
        return {
            (hour_start(hour), pk): views
            for hour, pk, views in rows.values_list("hour", "article_id", "views")
        }

    def prune(self, before):
        from .models import HourlyViews

        return HourlyViews.objects.filter(hour__lt=hour_start(before)).delete()[0]


def get_counter():
    """The counter the settings choose (read per call, so tests can switch)."""
    url = settings.READERSHIP_REDIS_URL
    if url:
        return RedisCounter(url, settings.CACHE_KEY_PREFIX)
    return DatabaseCounter()


def now():
    return datetime.now(UTC)
