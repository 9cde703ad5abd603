"""The newsroom desk: what needs doing now, for the admin's index page and the calendar.

Each section is one bounded query (a slice, never a loop of queries per row), so
the desk costs the same number of queries however much work is in progress.
What a user sees follows the article list's rule (`visible_to`): a contributor
sees others' work only once it is live.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from . import editions, services, translations
from .models import Article, ArticleAuthor, ArticleEvent, ArticleLock
from .querysets import live_q

# How many rows each desk section shows at most (the article list has the rest).
DESK_ROWS = 10


def visible_to(queryset, user):
    """`queryset` narrowed to the articles `user` may see in the admin (see ArticleAdmin)."""
    if not services.sees_only_own_unpublished(user):
        return queryset
    own_byline = ArticleAuthor.objects.filter(article=OuterRef("pk"), author__user=user)
    return queryset.filter(live_q() | Q(created_by=user) | Q(Exists(own_byline)))


def _last_event(actions, column):
    return Subquery(
        ArticleEvent.objects.filter(article=OuterRef("pk"), action__in=actions)
        .order_by("-created_at", "-id")
        .values(column)[:1]
    )


@dataclass
class Desk:
    in_review: list = field(default_factory=list)
    my_drafts: list = field(default_factory=list)
    scheduled_today: list = field(default_factory=list)
    recently_published: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    locks: list = field(default_factory=list)
    in_review_count: int = 0
    # Live stories lacking a translation (articles.translations); None on a one-edition site.
    missing_translations: int | None = None


def age_label(age):
    """A short age for people: "12 min", "3 h 5 min", "2 days"."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def local_day_bounds(day):
    """The first and last moments of `day` (a date) in the site's time zone, as aware times."""
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    return start, start + timedelta(days=1)


def desk_for(user, *, now=None):
    """The desk's sections for `user`: a fixed number of bounded queries, whatever the load."""
    now = now or timezone.now()
    articles = visible_to(Article.objects.all(), user)
    slim = ("category", "last_edited_by")

    review = list(
        articles.filter(status=Article.Status.REVIEW)
        .select_related(*slim)
        .annotate(submitted_at=_last_event([ArticleEvent.Action.SUBMITTED], "created_at"))
        .order_by(F("submitted_at").asc(nulls_first=True), "pk")[:DESK_ROWS]
    )
    for article in review:
        article.waiting = now - (article.submitted_at or article.updated_at)
        article.waiting_label = age_label(article.waiting)
    review_count = articles.filter(status=Article.Status.REVIEW).count()

    drafts = list(
        Article.objects.filter(status=Article.Status.DRAFT)
        .filter(Q(created_by=user) | Q(bylines__author__user=user))
        .distinct()
        .select_related("category")
        .order_by("-updated_at", "-pk")[:DESK_ROWS]
    )

    start, end = local_day_bounds(timezone.localdate(now))
    today = list(
        articles.filter(status=Article.Status.PUBLISHED, publish_at__gt=now, publish_at__lt=end)
        .select_related(*slim)
        .order_by("publish_at", "pk")[: DESK_ROWS * 2]
    )

    published = list(
        articles.filter(live_q(now=now))
        .select_related("category")
        .annotate(
            publisher_id=_last_event(
                [ArticleEvent.Action.PUBLISHED, ArticleEvent.Action.SCHEDULED], "user_id"
            )
        )
        .order_by("-publish_at", "-pk")[:DESK_ROWS]
    )
    publisher_ids = {a.publisher_id for a in published if a.publisher_id}
    publishers = (
        {u.pk: u for u in get_user_model().objects.filter(pk__in=publisher_ids)}
        if publisher_ids
        else {}
    )
    for article in published:
        article.publisher = publishers.get(article.publisher_id)

    overdue = list(
        Article.objects.side_effects_overdue().order_by("publish_at", "pk")[: DESK_ROWS + 1]
    )

    fresh = now - timedelta(seconds=settings.ARTICLE_LOCK_TIMEOUT)
    locks = list(
        ArticleLock.objects.filter(heartbeat_at__gt=fresh)
        .filter(article__in=articles.values("pk"))
        .select_related("article", "user")
        .order_by("acquired_at", "pk")[:DESK_ROWS]
    )

    missing = translations.missing().count() if editions.is_multilingual() else None

    return Desk(
        missing_translations=missing,
        in_review=review,
        in_review_count=review_count,
        my_drafts=drafts,
        scheduled_today=today,
        recently_published=published,
        overdue=overdue,
        locks=locks,
    )


# -- calendar -----------------------------------------------------------------


def calendar_days(first_day, days, user):
    """{date: [article, ...]} of scheduled and published stories from `first_day`, for `days`.

    One query; a day lists its stories in publication order.
    """
    start, _ = local_day_bounds(first_day)
    _, end = local_day_bounds(first_day + timedelta(days=days - 1))
    stories = (
        visible_to(Article.objects.all(), user)
        .filter(status=Article.Status.PUBLISHED, publish_at__gte=start, publish_at__lt=end)
        .select_related("category")
        .order_by("publish_at", "pk")
    )
    by_day = {first_day + timedelta(days=n): [] for n in range(days)}
    for article in stories:
        by_day.setdefault(timezone.localdate(article.publish_at), []).append(article)
    return by_day
