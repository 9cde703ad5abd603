"""Roles (Contributor, Author, Editor) enforced on the server, driven over HTTP."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleEvent
from tests.articles.test_admin_support import ADD_URL, change_url, form_data, login
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"


def own_article(user, **kwargs):
    article = ArticleFactory(**kwargs)
    Article.objects.filter(pk=article.pk).update(created_by=user)
    article.refresh_from_db()
    return article


def new_article_data(client, **values):
    data = form_data(client, reverse(ADD_URL))
    data.update(
        {
            "title": "A new story",
            "slug": "",
            "body": "<p>Text</p>",
            "category": str(CategoryFactory().pk),
        }
    )
    data.update(values)
    return data


def test_roles_are_created_as_groups_by_the_migration():
    names = set(Group.objects.values_list("name", flat=True))
    assert {"Contributor", "Author", "Editor"} <= names
    editor_perms = set(
        Group.objects.get(name="Editor").permissions.values_list("codename", flat=True)
    )
    assert {"publish_article", "edit_any_article", "change_category", "change_author"} <= (
        editor_perms
    )
    contributor_perms = set(
        Group.objects.get(name="Contributor").permissions.values_list("codename", flat=True)
    )
    assert "publish_own_article" not in contributor_perms
    assert "publish_article" not in contributor_perms


def test_contributor_creates_a_draft_owned_by_them(client):
    user = login(client, "Contributor")
    response = client.post(reverse(ADD_URL), new_article_data(client))
    assert response.status_code == 302
    article = Article.objects.get(title="A new story")
    assert article.status == Article.Status.DRAFT
    assert article.created_by == user
    assert article.events.filter(action=ArticleEvent.Action.CREATED, user=user).exists()


def test_contributor_crafted_post_with_status_published_stays_a_draft(client):
    login(client, "Contributor")
    data = new_article_data(
        client, status="published", publish_at_0="2020-01-01", publish_at_1="10:00"
    )
    client.post(reverse(ADD_URL), data)
    article = Article.objects.get(title="A new story")
    assert article.status == Article.Status.DRAFT
    assert article.publish_at is None


def test_contributor_pressing_publish_is_refused_and_keeps_their_text(client):
    user = login(client, "Contributor")
    article = own_article(user, draft=True)
    data = form_data(client, change_url(article))
    data.update({"body": "<p>My careful words</p>", "_publish": "Publish"})
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "may not publish" in response.content.decode()
    assert "My careful words" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_contributor_submits_own_draft_for_review(client):
    user = login(client, "Contributor")
    article = own_article(user, draft=True)
    data = form_data(client, change_url(article))
    data["_submit_review"] = "Submit"
    response = client.post(change_url(article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW
    assert article.events.filter(action=ArticleEvent.Action.SUBMITTED, user=user).exists()


def test_contributor_cannot_edit_someone_elses_article(client):
    login(client, "Contributor")
    other = ArticleFactory(draft=True, title="Not yours")
    response = client.post(change_url(other), {"title": "Hijacked", "base_version": "1"})
    assert response.status_code in (302, 403, 404)
    other.refresh_from_db()
    assert other.title == "Not yours"


def test_contributor_cannot_edit_a_live_article_of_someone_else(client):
    login(client, "Contributor")
    live = ArticleFactory(title="Live story")
    assert client.get(change_url(live)).status_code == 200  # view only
    response = client.post(change_url(live), {"title": "Hijacked", "base_version": "1"})
    assert response.status_code == 403
    live.refresh_from_db()
    assert live.title == "Live story"


def test_contributor_does_not_see_others_unpublished_work(client):
    user = login(client, "Contributor")
    own_article(user, draft=True, title="My own draft")
    ArticleFactory(draft=True, title="Someone else's draft")
    ArticleFactory(scheduled=True, title="Someone else's scheduled story")
    ArticleFactory(title="A live story")
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "My own draft" in page
    assert "A live story" in page
    assert "Someone else&#x27;s draft" not in page and "Someone else's draft" not in page
    assert "scheduled story" not in page


def test_contributor_cannot_open_preview_of_others_draft(client):
    login(client, "Contributor")
    other = ArticleFactory(draft=True)
    assert client.get(other.get_absolute_url()).status_code == 404


def test_contributor_crafted_bulk_publish_is_refused(client):
    user = login(client, "Contributor")
    article = own_article(user, draft=True)
    client.post(
        reverse(CHANGELIST),
        {
            "action": "publish_selected",
            "_selected_action": [str(article.pk)],
        },
    )
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_author_publishes_own_article(client):
    user = login(client, "Author")
    article = own_article(user, draft=True)
    data = form_data(client, change_url(article))
    data["_publish"] = "Publish"
    response = client.post(change_url(article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_live
    assert article.events.filter(action=ArticleEvent.Action.PUBLISHED, user=user).exists()


def test_an_author_with_a_byline_owns_the_article(client):
    user = login(client, "Author")
    article = ArticleFactory(draft=True, authors=[AuthorFactory(user=user)])
    data = form_data(client, change_url(article))
    data["_publish"] = "Publish"
    client.post(change_url(article), data)
    article.refresh_from_db()
    assert article.is_live


def test_author_cannot_publish_someone_elses_article_in_bulk(client):
    login(client, "Author")
    other = ArticleFactory(review=True)
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "publish_selected",
            "_selected_action": [str(other.pk)],
        },
        follow=True,
    )
    other.refresh_from_db()
    assert other.status == Article.Status.REVIEW
    assert "You may not do this" in response.content.decode()


def test_author_cannot_edit_someone_elses_article(client):
    login(client, "Author")
    other = ArticleFactory(review=True, title="Theirs")
    response = client.post(change_url(other), {"title": "Mine now", "base_version": "1"})
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.title == "Theirs"


def test_editor_publishes_anyones_article_in_bulk(client):
    login(client, "Editor")
    articles = [ArticleFactory(review=True), ArticleFactory(draft=True)]
    client.post(
        reverse(CHANGELIST),
        {
            "action": "publish_selected",
            "_selected_action": [str(a.pk) for a in articles],
        },
    )
    for article in articles:
        article.refresh_from_db()
        assert article.is_live


def test_editor_schedules_in_bulk_with_a_time(client):
    login(client, "Editor")
    article = ArticleFactory(review=True)
    when = timezone.localtime() + timezone.timedelta(days=2)
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "schedule_selected",
            "_selected_action": [str(article.pk)],
        },
    )
    assert response.status_code == 200
    assert "Publish at" in response.content.decode()
    client.post(
        reverse(CHANGELIST),
        {
            "action": "schedule_selected",
            "_selected_action": [str(article.pk)],
            "apply": "1",
            "publish_at": when.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    article.refresh_from_db()
    assert article.is_scheduled
    assert article.events.filter(action=ArticleEvent.Action.SCHEDULED).exists()


def test_schedule_in_the_past_is_refused_with_a_message(client):
    login(client, "Editor")
    article = ArticleFactory(review=True)
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "schedule_selected",
            "_selected_action": [str(article.pk)],
            "apply": "1",
            "publish_at": "2001-01-01T10:00",
        },
    )
    assert "Choose a time in the future" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW


def test_editor_unpublishes_in_bulk(client):
    login(client, "Editor")
    article = ArticleFactory()
    client.post(
        reverse(CHANGELIST),
        {
            "action": "unpublish_selected",
            "_selected_action": [str(article.pk)],
        },
    )
    article.refresh_from_db()
    assert article.status == Article.Status.UNPUBLISHED


def test_editor_edits_someone_elses_article(client):
    login(client, "Editor")
    article = ArticleFactory(review=True)
    data = form_data(client, change_url(article))
    data["title"] = "Edited by the desk"
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.title == "Edited by the desk"


def test_editor_changes_a_schedule(client):
    login(client, "Editor")
    article = ArticleFactory(scheduled=True)
    later = timezone.localtime(article.publish_at) + timezone.timedelta(days=1)
    data = form_data(client, change_url(article))
    data.update(
        {"publish_at_0": later.strftime("%Y-%m-%d"), "publish_at_1": later.strftime("%H:%M:%S")}
    )
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.is_scheduled
    assert abs((article.publish_at - later).total_seconds()) < 1


def test_editor_cancels_a_schedule(client):
    login(client, "Editor")
    article = ArticleFactory(scheduled=True)
    data = form_data(client, change_url(article))
    data["_cancel_schedule"] = "Cancel"
    client.post(change_url(article), data)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not article.is_scheduled


def test_editor_manages_categories_and_authors(client):
    login(client, "Editor")
    assert client.get(reverse("admin:categories_category_add")).status_code == 200
    assert client.get(reverse("admin:authors_author_add")).status_code == 200


def test_contributor_cannot_manage_categories(client):
    login(client, "Contributor")
    assert client.get(reverse("admin:categories_category_add")).status_code == 403
