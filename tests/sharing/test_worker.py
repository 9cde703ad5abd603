"""A real Celery worker, the real Redis and the fake networks: timing, crashes, lost messages.

Waits poll the database with generous deadlines (a loaded 2-core CI machine);
nothing asserts on a fixed sleep.
"""

import time
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from articles.tasks import publish_due
from sharing import services
from sharing.models import ShareChannel, ShareDelivery
from tests.factories import ArticleFactory
from tests.workers import kill, start_worker, stop_worker, worker_pid

from .conftest import post_counts

pytestmark = [pytest.mark.worker, pytest.mark.redis]

Status = ShareDelivery.Status


def wait_for(predicate, what, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def only(channels, *names):
    keep = [getattr(channels, name).pk for name in names]
    ShareChannel.objects.exclude(pk__in=keep).update(enabled=False)


def sent(count):
    return lambda: ShareDelivery.objects.filter(status=Status.SENT).count() == count


def test_scheduled_article_goes_live_on_time_and_is_shared_once_per_channel(
    celery_worker_process, channels, networks, settings
):
    settings.SIDE_EFFECTS_QUEUE = celery_worker_process
    article = ArticleFactory(draft=True)
    when = timezone.now() + timedelta(seconds=3)
    article_services.schedule(article, when)

    wait_for(sent(5), "five posts")
    article.refresh_from_db()
    assert article.went_live_at >= when  # not before its time
    assert post_counts(networks) == dict.fromkeys(post_counts(networks), 1)
    assert not ShareDelivery.objects.exclude(status=Status.SENT).exists()


def test_429_and_5xx_are_retried_by_the_worker(celery_worker_process, channels, networks, settings):
    settings.SIDE_EFFECTS_QUEUE = celery_worker_process
    only(channels, "mastodon")
    networks.mastodon.fail_next(429, {"error": "Too many requests"}, {"Retry-After": "1"})
    networks.mastodon.fail_next(503, {"error": "Down for maintenance"})
    article_services.publish(ArticleFactory(draft=True))

    wait_for(sent(1), "the post after two retries")
    delivery = ShareDelivery.objects.get()
    assert delivery.attempts == 3
    assert len(networks.mastodon.posts) == 1


def test_worker_killed_mid_share_and_restarted_posts_exactly_once(
    celery_worker_process, channels, networks, settings, monkeypatch
):
    queue = celery_worker_process
    settings.SIDE_EFFECTS_QUEUE = queue
    only(channels, "mastodon", "webhook")
    pid = worker_pid(queue)
    networks.mastodon.hold()  # the post is made, the answer never comes back
    article_services.publish(ArticleFactory(draft=True))
    assert networks.mastodon.arrived.wait(timeout=90), "the worker never posted"
    wait_for(lambda: ShareDelivery.objects.filter(status=Status.SENDING).exists(), "sending")

    kill(pid)
    networks.mastodon.release()
    replacement = start_worker(queue)
    try:
        # The sweep, as beat would run it: the cut-off delivery is stale at once here.
        settings.SHARING_STALE_AFTER = 0
        monkeypatch.setattr(services, "PENDING_GRACE", timedelta(0))
        publish_due()
        wait_for(sent(2), "both deliveries done")
    finally:
        stop_worker(replacement)
    assert len(networks.mastodon.posts) == 1  # the retry reused the Idempotency-Key
    assert len(networks.webhook.posts) == 1
    assert ShareDelivery.objects.get(channel=channels.mastodon).attempts == 2


def test_redis_flushed_with_an_eta_pending_the_sweep_catches_up(
    celery_worker_process, channels, networks, settings
):
    only(channels, "webhook")
    # Queued where no worker listens yet, so the flush is what loses it.
    settings.SIDE_EFFECTS_QUEUE = f"{celery_worker_process}-parked"
    article = ArticleFactory(draft=True)
    article_services.schedule(article, timezone.now() + timedelta(seconds=2))
    broker = redis.Redis.from_url(settings.REDIS_URL)
    assert broker.llen(settings.SIDE_EFFECTS_QUEUE) == 1
    broker.flushdb()

    wait_for(lambda: Article.objects.live().filter(pk=article.pk).exists(), "publish_at")
    article.refresh_from_db()
    assert article.went_live_at is None and not ShareDelivery.objects.exists()

    settings.SIDE_EFFECTS_QUEUE = celery_worker_process
    summary = publish_due()
    assert summary["went_live"] == 1, summary
    wait_for(sent(1), "the post")
    assert len(networks.webhook.posts) == 1
