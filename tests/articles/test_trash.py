"""Deleting a story moves it to the trash: restorable, purged after ARTICLE_TRASH_DAYS."""

import lxml.html
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import services, tasks
from articles.models import Article, ArticleEvent
from newsroom.celery import app
from tests.articles.test_admin_support import change_url, login
from tests.factories import ArticleFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"


def listed(client):
    """The titles in the article list's rows."""
    page = lxml.html.fromstring(client.get(reverse(CHANGELIST)).content)
    return " ".join(page.xpath("//table[@id='result_list']//th//text()"))


def delete_url(article):
    return reverse("admin:articles_article_delete", args=[article.pk])


def test_trash_hides_a_draft_from_the_list_and_keeps_its_events(client):
    editor = login(client, "Editor")
    article = ArticleFactory(draft=True, title="Draft to bin", created_by=editor)
    services.save_article(article, user=editor, base_version=article.version)
    response = client.post(delete_url(article), {"_trash": "1"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.trashed_at is not None
    assert "Draft to bin" not in listed(client)
    assert ArticleEvent.objects.filter(article=article, action="edited").exists()
    assert ArticleEvent.objects.filter(article=article, action="trashed").exists()
    trash = client.get(reverse("admin:articles_article_trash")).content.decode()
    assert "Draft to bin" in trash


def test_the_delete_page_has_no_permission_error_about_events(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    ArticleEvent.objects.create(article=article, action="edited")
    page = client.get(delete_url(article)).content.decode()
    assert "article event" not in page
    assert "Move to the trash" in page


def test_a_live_story_offers_unpublish_first(client):
    login(client, "Editor")
    article = ArticleFactory(title="Live one")
    page = client.get(delete_url(article)).content.decode()
    assert 'name="_unpublish_only"' in page and "Unpublish and move to the trash" in page
    client.post(delete_url(article), {"_unpublish_only": "1"})
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED and article.trashed_at is None


def test_trashing_a_live_story_unpublishes_it_through_the_services(
    client, django_capture_on_commit_callbacks
):
    editor = StaffUserFactory(role="Editor")
    article = ArticleFactory(title="Live and binned")
    assert client.get(article.get_absolute_url()).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.trash(article, user=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED
    assert not Article.objects.live().filter(pk=article.pk).exists()
    assert ArticleEvent.objects.filter(article=article, action="unpublished").exists()
    # The page cache was purged: readers get a 404 at once.
    assert client.get(article.get_absolute_url()).status_code == 404


def test_a_story_in_the_trash_cannot_be_published():
    editor = StaffUserFactory(role="Editor")
    article = ArticleFactory(draft=True)
    services.trash(article, user=editor)
    with pytest.raises(ValidationError):
        services.publish(article, user=editor)
    assert not Article.objects.live().filter(pk=article.pk).exists()


def test_an_author_trashes_her_own_draft_but_not_a_colleagues_or_a_live_one():
    author = StaffUserFactory(role="Author")
    own = ArticleFactory(draft=True, created_by=author)
    services.trash(own, user=author)
    other = ArticleFactory(draft=True)
    with pytest.raises(PermissionDenied):
        services.trash(other, user=author)
    live = ArticleFactory(created_by=author)
    with pytest.raises(PermissionDenied):
        services.trash(live, user=author)


def test_restore_from_the_trash_brings_it_back_to_the_list(client):
    editor = login(client, "Editor")
    article = ArticleFactory(draft=True, title="Back again")
    services.trash(article, user=editor)
    response = client.post(reverse("admin:articles_article_trash_restore", args=[article.pk]))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.trashed_at is None and article.status == Article.Status.DRAFT
    assert "Back again" in listed(client)


def test_delete_for_good_from_the_trash(client):
    editor = login(client, "Editor")
    article = ArticleFactory(draft=True)
    services.save_article(article, user=editor, base_version=article.version)
    assert Version.objects.get_for_object(article).exists()
    services.trash(article, user=editor)
    client.post(reverse("admin:articles_article_trash_delete", args=[article.pk]))
    assert not Article.objects.filter(pk=article.pk).exists()
    assert not ArticleEvent.objects.filter(article_id=article.pk).exists()
    assert not Version.objects.get_for_object_reference(Article, article.pk).exists()


def test_only_editors_delete_for_good(client):
    author = login(client, "Author")
    article = ArticleFactory(draft=True, created_by=author)
    services.trash(article, user=author)
    page = client.get(reverse("admin:articles_article_trash")).content.decode()
    assert "Restore" in page and "Delete for good" not in page
    with pytest.raises(PermissionDenied):
        services.delete_for_good(article, user=author)


def test_trash_restore_and_delete_answer_only_post(client):
    editor = login(client, "Editor")
    article = ArticleFactory(draft=True)
    services.trash(article, user=editor)
    restore = reverse("admin:articles_article_trash_restore", args=[article.pk])
    assert client.get(restore).status_code == 405


def test_purge_deletes_only_what_is_older_than_the_setting(settings):
    settings.ARTICLE_TRASH_DAYS = 30
    editor = StaffUserFactory(role="Editor")
    old, recent = ArticleFactory(draft=True), ArticleFactory(draft=True)
    services.trash(old, user=editor)
    services.trash(recent, user=editor)
    Article.objects.filter(pk=old.pk).update(
        trashed_at=timezone.now() - timezone.timedelta(days=31)
    )
    assert tasks.purge_trash() == 1
    assert not Article.objects.filter(pk=old.pk).exists()
    assert Article.objects.filter(pk=recent.pk).exists()


def test_the_purge_runs_on_the_beat_schedule():
    entry = app.conf.beat_schedule["purge-trash"]
    assert entry["task"] == "articles.tasks.purge_trash"
    assert entry["task"] in app.tasks


def test_the_change_form_says_move_to_the_trash(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    assert "Move to the trash" in client.get(change_url(article)).content.decode()
