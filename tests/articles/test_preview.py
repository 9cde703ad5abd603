"""Signed, expiring preview links: they open an unpublished article without a login."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles import preview
from tests.articles.test_admin_support import login
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_a_preview_link_opens_a_draft_without_login(client):
    article = ArticleFactory(draft=True, title="Embargoed story")
    response = client.get(preview.preview_url(article))
    assert response.status_code == 200
    assert "Embargoed story" in response.content.decode()


def test_a_draft_without_a_token_is_not_found(client):
    article = ArticleFactory(draft=True)
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_tampered_token_is_refused(client):
    article = ArticleFactory(draft=True)
    token = preview.make_token(article)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(article.get_absolute_url(), {"preview": tampered})
    assert response.status_code == 404


def test_a_token_for_another_article_is_refused(client):
    article = ArticleFactory(draft=True)
    other = ArticleFactory(draft=True)
    response = client.get(article.get_absolute_url(), {"preview": preview.make_token(other)})
    assert response.status_code == 404


def test_an_expired_token_is_refused(client, settings):
    settings.ARTICLE_PREVIEW_MAX_AGE = 3600
    article = ArticleFactory(draft=True)
    url = preview.preview_url(article)
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2), tick=False):
        assert client.get(url).status_code == 404


def test_a_token_keeps_working_after_edits(client):
    article = ArticleFactory(draft=True)
    url = preview.preview_url(article)
    article.title = "A new headline"
    article.version += 1
    article.save()
    assert client.get(url).status_code == 200


def test_a_scheduled_article_can_be_previewed_by_link(client):
    article = ArticleFactory(scheduled=True)
    assert client.get(preview.preview_url(article)).status_code == 200


def test_preview_responses_are_not_stored_by_shared_caches(client):
    article = ArticleFactory(draft=True)
    response = client.get(preview.preview_url(article))
    assert "private" in response.get("Cache-Control", "") or "no-store" in response.get(
        "Cache-Control", ""
    )


def test_garbage_tokens_never_raise():
    assert preview.token_article_id("") is None
    assert preview.token_article_id("x" * 10_000) is None
    assert preview.token_article_id("not:a:token") is None


def test_admin_preview_button_redirects_to_a_signed_link(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    response = client.get(reverse("admin:articles_article_preview", args=[article.pk]))
    assert response.status_code == 302
    assert "?preview=" in response["Location"]
    client.logout()
    assert client.get(response["Location"]).status_code == 200


def test_change_form_shows_the_preview_link(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    page = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert "?preview=" in page.content.decode()


def test_staff_who_may_see_an_article_preview_it_when_logged_in(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    assert client.get(article.get_absolute_url()).status_code == 200
