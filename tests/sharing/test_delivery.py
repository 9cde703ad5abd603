"""Eager-mode tests: the real clients against local fake networks, tasks run in-process."""

import hashlib
import hmac
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from articles.tasks import go_live, publish_due
from sharing import services, tasks
from sharing.clients import bluesky_rkey, parse_retry_after
from sharing.models import ArticleShareSetting, ShareChannel, ShareDelivery
from tests.factories import ArticleFactory

from .conftest import WEBHOOK_SECRET, post_counts

Status = ShareDelivery.Status
ALL_ONCE = {"webhook": 1, "telegram": 1, "mastodon": 1, "bluesky": 1, "facebook": 1}


def publish_now(django_capture_on_commit_callbacks, **kwargs):
    article = ArticleFactory(draft=True, **kwargs)
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(article)
    return Article.objects.get(pk=article.pk)


def test_publishing_shares_once_on_every_channel(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = publish_now(django_capture_on_commit_callbacks, tags=["human rights", "Artsakh"])

    assert post_counts(networks) == ALL_ONCE
    deliveries = ShareDelivery.objects.filter(article=article)
    assert {d.status for d in deliveries} == {Status.SENT}
    assert all(d.external_id for d in deliveries)
    assert all(d.external_url for d in deliveries if d.channel != channels.webhook)
    assert all(d.attempts == 1 for d in deliveries)
    assert article.went_live_at is not None
    url = f"http://testserver{article.get_absolute_url()}"
    toot = networks.mastodon.posts[0]["status"]
    assert article.title in toot and url in toot
    assert "#HumanRights" in toot and "#Artsakh" in toot


def test_going_live_again_or_the_sweep_never_posts_twice(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = publish_now(django_capture_on_commit_callbacks)
    Article.objects.filter(pk=article.pk).update(went_live_at=None)  # as if the stamp was lost
    with django_capture_on_commit_callbacks(execute=True):
        go_live(article.pk)
        publish_due()
        for delivery in ShareDelivery.objects.all():
            tasks.deliver_share(delivery.pk)  # a duplicated message
    assert post_counts(networks) == ALL_ONCE
    assert ShareDelivery.objects.count() == 5


def test_a_delivery_taken_by_another_worker_is_left_alone(db, channels, networks):
    article = ArticleFactory()
    delivery = ShareDelivery.objects.create(
        article=article,
        channel=channels.webhook,
        publication=article.publish_at,
        status=Status.SENDING,
        sending_since=timezone.now(),
    )
    assert services.attempt_delivery(delivery.pk) is None
    assert networks.webhook.requests == []


def test_webhook_body_is_signed_with_hmac_sha256(
    db, channels, networks, django_capture_on_commit_callbacks
):
    publish_now(django_capture_on_commit_callbacks)
    request = networks.webhook.requests[0]
    expected = hmac.new(WEBHOOK_SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["x-newsroom-signature-256"] == f"sha256={expected}"
    assert json.loads(request["body"])["event"] == "article.published"


def test_bluesky_post_has_a_link_card_and_live_link(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = publish_now(django_capture_on_commit_callbacks, tags=["Yerevan"])
    record = networks.bluesky.posts[0]["record"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert record["embed"]["external"]["title"] == article.title
    features = [f["features"][0]["$type"] for f in record["facets"]]
    assert "app.bsky.richtext.facet#link" in features
    assert "app.bsky.richtext.facet#tag" in features
    delivery = ShareDelivery.objects.get(channel=channels.bluesky)
    assert delivery.external_url.endswith(f"/post/{bluesky_rkey(delivery)}")


def test_429_waits_for_retry_after_then_posts(
    db, channels, networks, django_capture_on_commit_callbacks
):
    networks.mastodon.fail_next(429, {"error": "Too many requests"}, {"Retry-After": "7"})
    with mock.patch.object(
        tasks.deliver_share, "apply_async", wraps=tasks.deliver_share.apply_async
    ) as enqueue:
        publish_now(django_capture_on_commit_callbacks)
    retries = [c for c in enqueue.call_args_list if c.kwargs.get("countdown")]
    assert len(retries) == 1 and retries[0].kwargs["countdown"] >= 7
    delivery = ShareDelivery.objects.get(channel=channels.mastodon)
    assert delivery.status == Status.SENT and delivery.attempts == 2
    assert len(networks.mastodon.posts) == 1


def test_telegram_429_retry_after_in_the_body_is_honoured(
    db, channels, networks, django_capture_on_commit_callbacks
):
    networks.telegram.fail_next(
        429, {"ok": False, "description": "Too Many Requests", "parameters": {"retry_after": 12}}
    )
    with mock.patch.object(
        tasks.deliver_share, "apply_async", wraps=tasks.deliver_share.apply_async
    ) as enqueue:
        publish_now(django_capture_on_commit_callbacks)
    assert max(c.kwargs.get("countdown") or 0 for c in enqueue.call_args_list) >= 12
    assert ShareDelivery.objects.get(channel=channels.telegram).status == Status.SENT


def test_5xx_is_retried_and_then_posts(db, channels, networks, django_capture_on_commit_callbacks):
    networks.facebook.fail_next(
        503, {"error": {"message": "Service unavailable", "code": 2}}, times=2
    )
    publish_now(django_capture_on_commit_callbacks)
    delivery = ShareDelivery.objects.get(channel=channels.facebook)
    assert delivery.status == Status.SENT and delivery.attempts == 3
    assert len(networks.facebook.posts) == 1


def test_5xx_gives_up_after_the_limit(
    db, channels, networks, settings, django_capture_on_commit_callbacks
):
    settings.SHARING_MAX_ATTEMPTS = 3
    networks.webhook.fail_next(500, b"upstream exploded", times=5)
    publish_now(django_capture_on_commit_callbacks)
    delivery = ShareDelivery.objects.get(channel=channels.webhook)
    assert delivery.status == Status.FAILED and delivery.attempts == 3
    assert "Gave up after 3 attempts" in delivery.last_error
    assert "upstream exploded" in delivery.last_error


def test_4xx_stops_and_keeps_the_networks_message(
    db, channels, networks, django_capture_on_commit_callbacks
):
    networks.mastodon.fail_next(422, {"error": "Validation failed: Text can't be blank"})
    publish_now(django_capture_on_commit_callbacks)
    delivery = ShareDelivery.objects.get(channel=channels.mastodon)
    assert delivery.status == Status.FAILED and delivery.attempts == 1
    assert delivery.last_error == "HTTP 422: Validation failed: Text can't be blank"
    assert len(networks.mastodon.requests) == 1


def test_wrong_token_fails_without_showing_the_token(
    db, channels, networks, django_capture_on_commit_callbacks
):
    channels.telegram.set_secret("999:wrong-token")
    channels.telegram.save()
    publish_now(django_capture_on_commit_callbacks)
    delivery = ShareDelivery.objects.get(channel=channels.telegram)
    assert delivery.status == Status.FAILED
    assert "Unauthorized" in delivery.last_error and "wrong-token" not in delivery.last_error


def test_facebook_rate_limit_code_is_retried(
    db, channels, networks, django_capture_on_commit_callbacks
):
    networks.facebook.fail_next(
        400, {"error": {"message": "Application request limit reached", "code": 4}}
    )
    publish_now(django_capture_on_commit_callbacks)
    assert ShareDelivery.objects.get(channel=channels.facebook).status == Status.SENT


def test_unreachable_network_is_retried(
    db, channels, networks, settings, django_capture_on_commit_callbacks
):
    settings.SHARING_MAX_ATTEMPTS = 2
    channels.webhook.base_url = "http://127.0.0.1:1/hook"  # nothing listens on port 1
    channels.webhook.save()
    publish_now(django_capture_on_commit_callbacks)
    delivery = ShareDelivery.objects.get(channel=channels.webhook)
    assert delivery.status == Status.FAILED and delivery.attempts == 2
    assert "could not connect" in delivery.last_error


def test_lost_answer_from_a_network_without_idempotency_is_unknown(
    db, channels, networks, settings, django_capture_on_commit_callbacks
):
    settings.SHARING_HTTP_TIMEOUT = 0.5
    networks.telegram.hold()
    try:
        publish_now(django_capture_on_commit_callbacks)
    finally:
        networks.telegram.release()
    delivery = ShareDelivery.objects.get(channel=channels.telegram)
    assert delivery.status == Status.UNKNOWN and delivery.attempts == 1
    assert "retry by hand" in delivery.last_error
    assert len(networks.telegram.posts) == 1


def test_opted_out_channel_is_skipped_and_edited_message_is_used(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = ArticleFactory(draft=True)
    ArticleShareSetting.objects.create(article=article, channel=channels.facebook, opt_out=True)
    ArticleShareSetting.objects.create(
        article=article, channel=channels.mastodon, message="Must read: {title} {url}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(article)
    assert networks.facebook.requests == []
    assert ShareDelivery.objects.get(channel=channels.facebook).status == Status.SKIPPED
    assert networks.mastodon.posts[0]["status"].startswith(f"Must read: {article.title} http")


def test_disabled_channel_gets_nothing(db, channels, networks, django_capture_on_commit_callbacks):
    ShareChannel.objects.filter(pk=channels.telegram.pk).update(enabled=False)
    publish_now(django_capture_on_commit_callbacks)
    assert networks.telegram.requests == []
    assert not ShareDelivery.objects.filter(channel=channels.telegram).exists()


def test_unpublish_before_the_time_cancels(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = ArticleFactory(draft=True)
    with django_capture_on_commit_callbacks(execute=True):
        article_services.schedule(article, timezone.now() + timedelta(minutes=5))
        article_services.unpublish(article)
    # The time comes; the ETA task and the sweep both find nothing to do.
    Article.objects.filter(pk=article.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        go_live(article.pk)
        publish_due()
    assert post_counts(networks) == dict.fromkeys(ALL_ONCE, 0)
    assert not ShareDelivery.objects.exists()


def test_unpublish_cancels_a_delivery_waiting_for_its_retry(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    delivery = ShareDelivery.objects.create(
        article=article,
        channel=channels.webhook,
        publication=article.publish_at,
        next_attempt_at=timezone.now() + timedelta(minutes=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        article_services.unpublish(article)
    delivery.refresh_from_db()
    assert delivery.status == Status.CANCELLED
    tasks.deliver_share(delivery.pk)
    assert networks.webhook.requests == []


def test_moving_the_time_later_cancels_pending_posts(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    delivery = ShareDelivery.objects.create(
        article=article, channel=channels.webhook, publication=article.publish_at
    )
    with django_capture_on_commit_callbacks(execute=True):
        article_services.schedule(article, timezone.now() + timedelta(hours=3))
    delivery.refresh_from_db()
    assert delivery.status == Status.CANCELLED
    assert networks.webhook.requests == []


def test_an_edit_after_going_live_does_not_share_again_but_share_again_does(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = publish_now(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        article_services.add_correction(article, "A name was misspelled.")
        article_services.unpublish(article)
        article_services.publish(article)  # same time: the same publication
    assert post_counts(networks) == ALL_ONCE

    with django_capture_on_commit_callbacks(execute=True):
        again = services.share_again(article, channels.mastodon)
    assert again.round == 2 and again.status == Status.PENDING
    again.refresh_from_db()
    assert again.status == Status.SENT
    assert len(networks.mastodon.posts) == 2


def test_editor_can_retry_a_failed_delivery(
    db, channels, networks, django_capture_on_commit_callbacks
):
    networks.facebook.fail_next(400, {"error": {"message": "Invalid link", "code": 100}})
    article = publish_now(django_capture_on_commit_callbacks)
    failed = ShareDelivery.objects.filter(article=article, status=Status.FAILED)
    assert failed.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry(ShareDelivery.objects.filter(article=article)) == 1
    delivery = ShareDelivery.objects.get(channel=channels.facebook)
    assert delivery.status == Status.SENT and len(networks.facebook.posts) == 1


def test_stuck_sending_is_unknown_unless_the_network_deduplicates(
    db, channels, networks, settings, django_capture_on_commit_callbacks
):
    """A worker died mid-post: Mastodon is asked again with the same key, the webhook is not."""
    settings.SHARING_STALE_AFTER = 0
    article = ArticleFactory()
    started = timezone.now() - timedelta(seconds=5)
    stuck = {}
    for name in ("webhook", "mastodon"):
        channel = getattr(channels, name)
        stuck[name] = ShareDelivery.objects.create(
            article=article,
            channel=channel,
            publication=article.publish_at,
            status=Status.SENDING,
            sending_since=started,
            attempts=1,
            message="Hello",
        )
    # The dead worker's Mastodon request had gone through.
    networks.mastodon.by_key[stuck["mastodon"].idempotency_key] = {"id": "77", "url": "http://x/77"}
    with django_capture_on_commit_callbacks(execute=True):
        summary = publish_due()
    assert summary["errors"] == []
    for delivery in stuck.values():
        delivery.refresh_from_db()
    assert stuck["webhook"].status == Status.UNKNOWN
    assert "retry by hand" in stuck["webhook"].last_error
    assert stuck["mastodon"].status == Status.SENT and stuck["mastodon"].external_id == "77"
    assert networks.webhook.requests == [] and networks.mastodon.posts == []


def test_bluesky_retry_finds_the_record_the_lost_attempt_made(db, channels, networks, settings):
    settings.SHARING_STALE_AFTER = 0
    article = ArticleFactory()
    delivery = ShareDelivery.objects.create(
        article=article,
        channel=channels.bluesky,
        publication=article.publish_at,
        status=Status.SENDING,
        sending_since=timezone.now() - timedelta(seconds=5),
        attempts=1,
    )
    networks.bluesky.records[bluesky_rkey(delivery)] = {"text": "posted before the crash"}
    services.resume()
    tasks.deliver_share(delivery.pk)  # what the sweep queued
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert networks.bluesky.posts == []


def test_sweep_requeues_a_pending_delivery_whose_message_was_lost(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = ArticleFactory()
    delivery = ShareDelivery.objects.create(
        article=article, channel=channels.webhook, publication=article.publish_at
    )
    ShareDelivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        publish_due()
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and len(networks.webhook.posts) == 1


def test_old_articles_going_live_late_are_not_announced(db, channels, networks):
    article = ArticleFactory(publish_at=timezone.now() - timedelta(days=3))
    go_live(article.pk)
    assert post_counts(networks) == dict.fromkeys(ALL_ONCE, 0)
    assert {d.status for d in ShareDelivery.objects.all()} == {Status.SKIPPED}


def test_missing_secret_fails_with_a_clear_message(
    db, channels, networks, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.delenv("SHARE_TEST_EMPTY", raising=False)
    ShareChannel.objects.filter(pk=channels.telegram.pk).update(
        secret_env="SHARE_TEST_EMPTY", secret_encrypted=""
    )
    publish_now(django_capture_on_commit_callbacks)
    delivery = ShareDelivery.objects.get(channel=channels.telegram)
    assert delivery.status == Status.FAILED
    assert "SHARE_TEST_EMPTY" in delivery.last_error


@pytest.mark.parametrize(("header", "at_least"), [("30", 30), (None, None), ("soon", None)])
def test_retry_after_is_read_as_seconds(header, at_least):
    assert parse_retry_after(header) == at_least


def test_retry_after_as_an_http_date():
    when = timezone.now() + timedelta(seconds=120)
    header = when.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 100 <= parse_retry_after(header) <= 120


def test_back_off_grows_with_jitter_and_is_capped(settings):
    settings.SHARING_RETRY_BASE = 10
    settings.SHARING_RETRY_MAX_DELAY = 100
    assert 5 <= services.retry_delay(1) <= 15
    assert 20 <= services.retry_delay(2) <= 30 or 10 <= services.retry_delay(2) <= 30
    assert services.retry_delay(10) <= 100
    assert services.retry_delay(1, retry_after=40) >= 40


def test_a_new_publication_time_of_a_shared_article_does_not_post_again(
    db, channels, networks, django_capture_on_commit_callbacks
):
    article = publish_now(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        article_services.publish(article, when=article.publish_at - timedelta(hours=1))
    assert post_counts(networks) == ALL_ONCE
    later = ShareDelivery.objects.exclude(publication=article.publish_at)
    assert {d.status for d in later} == {Status.SKIPPED}
