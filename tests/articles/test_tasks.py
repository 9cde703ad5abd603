from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from articles.signals import article_went_live
from articles.tasks import go_live, publish_due, side_effects_sweep
from newsroom.celery import app, route_side_effects
from tests.factories import ArticleFactory


@pytest.fixture
def went_live_calls():
    calls = []

    def receiver(sender, article, **kwargs):
        calls.append(article.pk)

    article_went_live.connect(receiver, dispatch_uid="test-went-live")
    yield calls
    article_went_live.disconnect(dispatch_uid="test-went-live")


def test_go_live_sends_the_signal_once_per_publication_and_stamps_it(db, went_live_calls):
    article = ArticleFactory()
    assert go_live(article.pk) is True
    assert go_live(article.pk) is False
    assert went_live_calls == [article.pk]
    article.refresh_from_db()
    assert article.went_live_at is not None


def test_go_live_does_nothing_for_a_scheduled_or_unpublished_article(db, went_live_calls):
    scheduled = ArticleFactory(scheduled=True)
    unpublished = ArticleFactory(unpublished=True)
    assert go_live(scheduled.pk) is False
    assert go_live(unpublished.pk) is False
    assert go_live(999_999) is False
    assert went_live_calls == []


def test_a_failing_receiver_leaves_the_article_due_for_the_sweep(db):
    article = ArticleFactory()

    def broken(sender, article, **kwargs):
        raise RuntimeError("cache server down")

    article_went_live.connect(broken, dispatch_uid="test-broken")
    try:
        with pytest.raises(RuntimeError):
            go_live(article.pk)
    finally:
        article_went_live.disconnect(dispatch_uid="test-broken")
    article.refresh_from_db()
    assert article.went_live_at is None
    assert go_live(article.pk) is True  # the next try (the sweep) runs it


def test_publish_due_runs_missed_go_lives_oldest_first_and_skips_done(db, went_live_calls):
    now = timezone.now()
    newer = ArticleFactory(publish_at=now - timedelta(minutes=1))
    older = ArticleFactory(publish_at=now - timedelta(minutes=10))
    ArticleFactory(publish_at=now - timedelta(minutes=5), went_live_at=now)
    ArticleFactory(scheduled=True)
    summary = publish_due()
    assert summary["due"] == 2 and summary["went_live"] == 2 and summary["errors"] == []
    assert went_live_calls == [older.pk, newer.pk]
    assert publish_due()["due"] == 0


def test_publish_due_goes_on_after_one_article_fails(db):
    first = ArticleFactory(publish_at=timezone.now() - timedelta(minutes=9))
    second = ArticleFactory(publish_at=timezone.now() - timedelta(minutes=8))

    def broken(sender, article, **kwargs):
        if article.pk == first.pk:
            raise RuntimeError("boom")

    article_went_live.connect(broken, dispatch_uid="test-broken-one")
    try:
        summary = publish_due()
    finally:
        article_went_live.disconnect(dispatch_uid="test-broken-one")
    assert summary["went_live"] == 1
    assert summary["errors"] == [f"article {first.pk}: RuntimeError: boom"]
    assert Article.objects.get(pk=second.pk).went_live_at is not None


def test_publish_due_runs_the_apps_sweeps(db):
    seen = []
    side_effects_sweep.connect(
        lambda sender, **kw: seen.append(sender) or "ok", dispatch_uid="test-sweep", weak=False
    )
    try:
        summary = publish_due()
    finally:
        side_effects_sweep.disconnect(dispatch_uid="test-sweep")
    assert seen == [Article]
    assert "ok" in summary["sweeps"].values()


def test_beat_runs_the_sweep_every_minute():
    entry = app.conf.beat_schedule["publish-due"]
    assert entry["task"] == "articles.tasks.publish_due"
    assert entry["schedule"] == 60.0
    assert "articles.tasks.publish_due" in app.tasks


def test_side_effect_tasks_go_to_their_queue_when_one_is_set(settings):
    settings.SIDE_EFFECTS_QUEUE = ""
    assert route_side_effects("sharing.tasks.deliver_share", (), {}, {}) is None
    settings.SIDE_EFFECTS_QUEUE = "publishing"
    assert route_side_effects("articles.tasks.go_live", (), {}, {}) == {"queue": "publishing"}
    assert route_side_effects("newsroom.ping", (), {}, {}) is None
