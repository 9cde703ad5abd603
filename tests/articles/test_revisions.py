"""Revisions in the admin: history, a diff between two revisions, restore."""

import pytest
from django.urls import reverse
from reversion.models import Version

from articles.models import ArticleEvent
from tests.articles.test_admin_support import change_url, form_data, login
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def save_title(client, article, title, body=None):
    data = form_data(client, change_url(article))
    data["title"] = title
    if body is not None:
        data["body"] = body
    response = client.post(change_url(article), data)
    assert response.status_code == 302


@pytest.fixture
def edited(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True, title="First headline", body="<p>Alpha</p>")
    save_title(client, article, "First headline")
    save_title(client, article, "Second headline", body="<p>Alpha</p><p>Beta &lt;b&gt;</p>")
    return article


def test_every_admin_save_keeps_a_revision(client, edited):
    assert Version.objects.get_for_object(edited).count() == 2


def test_revisions_page_lists_them(client, edited):
    page = client.get(reverse("admin:articles_article_revisions", args=[edited.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("Restore…") == 1


def test_diff_between_two_revisions_shows_what_changed(client, edited):
    newer, older = Version.objects.get_for_object(edited)[:2]
    page = client.get(
        reverse("admin:articles_article_revision_diff", args=[edited.pk]),
        {"from": older.pk, "to": newer.pk},
    ).content.decode()
    assert "Title" in page and "Second" in page and "First" in page
    assert "Beta" in page
    assert "<b>" not in page.split("Body", 1)[1]  # body text is escaped in the diff


def test_diff_with_a_revision_of_another_article_is_not_found(client, edited):
    other = ArticleFactory(draft=True)
    save_title(client, other, "Other")
    foreign = Version.objects.get_for_object(other).first()
    mine = Version.objects.get_for_object(edited).first()
    response = client.get(
        reverse("admin:articles_article_revision_diff", args=[edited.pk]),
        {"from": foreign.pk, "to": mine.pk},
    )
    assert response.status_code == 404


def test_diff_with_garbage_ids_is_not_found(client, edited):
    response = client.get(
        reverse("admin:articles_article_revision_diff", args=[edited.pk]),
        {"from": "x", "to": ""},
    )
    assert response.status_code == 404


def test_restore_brings_back_the_old_text(client, edited):
    older = Version.objects.get_for_object(edited)[1]
    url = reverse("admin:articles_article_revision_restore", args=[edited.pk, older.pk])
    assert "Restore this revision" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    edited.refresh_from_db()
    assert edited.title == "First headline"
    assert edited.body == "<p>Alpha</p>"
    assert edited.events.filter(action=ArticleEvent.Action.RESTORED).exists()
    assert Version.objects.get_for_object(edited).count() == 3


def test_restore_is_refused_to_a_contributor_on_someone_elses_article(client, edited):
    older = Version.objects.get_for_object(edited)[1]
    login(client, "Contributor")
    url = reverse("admin:articles_article_revision_restore", args=[edited.pk, older.pk])
    assert client.post(url).status_code in (403, 404)
    edited.refresh_from_db()
    assert edited.title == "Second headline"


def test_a_revision_saved_by_no_one_is_listed_as_the_system(client, edited):
    import reversion

    with reversion.create_revision():  # as a task or an import saves, with no user
        edited.title = "Third headline"
        edited.save()
    page = client.get(reverse("admin:articles_article_revisions", args=[edited.pk]))
    assert page.status_code == 200
    assert "the system" in page.content.decode()
