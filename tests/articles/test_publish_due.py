from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import Article
from articles.signals import article_went_live
from tests.factories import ArticleFactory


def test_publish_due_command_runs_what_is_owed(db):
    article = ArticleFactory(publish_at=timezone.now() - timedelta(minutes=3))
    out = StringIO()
    call_command("publish_due", stdout=out)
    assert "1 article(s) due, 1 went live now." in out.getvalue()
    assert Article.objects.get(pk=article.pk).went_live_at is not None
    out = StringIO()
    call_command("publish_due", stdout=out)
    assert "0 article(s) due" in out.getvalue()


def test_publish_due_command_fails_loudly_for_cron(db):
    ArticleFactory()

    def broken(sender, article, **kwargs):
        raise RuntimeError("cache server down")

    article_went_live.connect(broken, dispatch_uid="test-command-broken")
    err = StringIO()
    try:
        with pytest.raises(CommandError, match="1 error"):
            call_command("publish_due", stdout=StringIO(), stderr=err)
    finally:
        article_went_live.disconnect(dispatch_uid="test-command-broken")
    assert "cache server down" in err.getvalue()


def test_publish_due_command_refuses_a_bad_limit(db):
    with pytest.raises(CommandError, match="--limit"):
        call_command("publish_due", "--limit", "0")


def test_healthz_reports_overdue_side_effects_until_the_sweep_runs(db, client, settings):
    # The components are shown to a monitor holding the token (newsroom/health.py).
    settings.HEALTH_TOKEN = "monitor-token"
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer monitor-token"
    ArticleFactory(publish_at=timezone.now() - timedelta(minutes=10))
    ArticleFactory(publish_at=timezone.now() - timedelta(seconds=30))  # within the grace
    body = client.get("/healthz").json()
    publishing = body["components"]["publishing"]
    assert publishing == {
        "status": "error",
        "overdue": 1,
        "detail": publishing["detail"],
    }
    assert "worker with beat" in publishing["detail"]
    assert "publishing" in body["failing"]

    call_command("publish_due", stdout=StringIO())
    response = client.get("/healthz")
    assert response.json()["components"]["publishing"]["overdue"] == 0
    assert response.json()["components"]["publishing"]["status"] == "ok"
