"""Content a role may not put before readers unreviewed: others' old addresses, stale
preview links, empty tag pages and feeds, canonical addresses on other sites."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from taggit.models import Tag

from articles import models, preview, services
from articles.models import Article, ArticleRedirect
from tests.articles.test_admin_support import change_url, error_text, form_data, login
from tests.factories import ArticleFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def reload(article):
    return Article.objects.get(pk=article.pk)


# -- 4. old addresses belong to their story ---------------------------------------------


@pytest.fixture
def retired_address():
    """A live story renamed: its first address now redirects to it."""
    story = ArticleFactory(title="Original story", slug="the-address")
    old_path = story.path
    story = reload(story)
    story.slug = "the-new-address"
    services.save_article(story, base_version=story.version)
    assert ArticleRedirect.objects.get(old_path=old_path).article_id == story.pk
    return story, old_path


def test_publishing_at_another_storys_old_address_is_refused(retired_address):
    story, old_path = retired_address
    author = StaffUserFactory(role="Author")
    taker = ArticleFactory(draft=True, slug="the-address", created_by=author)
    with pytest.raises(ValidationError) as refused:
        services.publish(taker, user=author)
    assert "Original story" in " ".join(refused.value.messages)
    assert ArticleRedirect.objects.get(old_path=old_path).article_id == story.pk
    assert reload(taker).status == Article.Status.DRAFT


def test_moving_a_live_story_onto_another_storys_old_address_is_refused(retired_address):
    story, old_path = retired_address
    other = ArticleFactory(title="Another story", slug="another")
    other = reload(other)
    other.slug = "the-address"
    with pytest.raises(ValidationError, match="Original story"):
        services.save_article(other, base_version=other.version)
    assert ArticleRedirect.objects.get(old_path=old_path).article_id == story.pk


def test_a_story_never_deletes_another_storys_redirect(retired_address):
    # Even a save below the services (a data fix in the shell) keeps it.
    story, old_path = retired_address
    other = reload(ArticleFactory(slug="elsewhere"))
    other.slug = "the-address"
    other.save()
    assert ArticleRedirect.objects.get(old_path=old_path).article_id == story.pk


def test_the_admin_refuses_the_clash_with_a_message_and_keeps_the_form(client, retired_address):
    author = login(client, "Author")
    taker = ArticleFactory(draft=True, slug="the-address", created_by=author)
    data = form_data(client, change_url(taker))
    data.update({"dek": "Typed before publishing", "_publish": "1"})
    response = client.post(change_url(taker), data)
    assert response.status_code == 200
    assert "Original story" in error_text(response)
    assert "Typed before publishing" in response.content.decode()
    assert reload(taker).status == Article.Status.DRAFT


def test_a_story_may_return_to_its_own_old_address(retired_address):
    story, old_path = retired_address
    story = reload(story)
    story.slug = "the-address"
    services.save_article(story, base_version=story.version)
    assert not ArticleRedirect.objects.filter(old_path=old_path).exists()


def test_a_story_already_at_a_clashing_address_can_still_be_edited(retired_address):
    # Left by the old rule: the story is refused a move there, not every later edit.
    story, old_path = retired_address
    squatter = ArticleFactory(title="Squatter", slug="the-address")
    squatter = reload(squatter)
    squatter.title = "Squatter, corrected"
    services.save_article(squatter, base_version=squatter.version)
    assert ArticleRedirect.objects.get(old_path=old_path).article_id == story.pk


# -- 6. preview links follow the story's state ------------------------------------------


def test_a_draft_link_stops_working_once_the_story_was_published_and_unpublished(client):
    article = ArticleFactory(draft=True, title="Embargoed")
    url = preview.preview_url(article)
    assert client.get(url).status_code == 200
    services.publish(article)
    services.unpublish(article)
    assert client.get(url).status_code == 404


def test_a_link_for_a_scheduled_story_stops_when_the_schedule_is_cancelled(client):
    article = ArticleFactory(scheduled=True)
    url = preview.preview_url(article)
    services.cancel_schedule(article)
    assert client.get(url).status_code == 404


def test_a_link_survives_submission_for_review(client):
    article = ArticleFactory(draft=True)
    url = preview.preview_url(article)
    services.submit_for_review(article)
    assert client.get(url).status_code == 200


def test_authors_may_not_mint_links_for_others_drafts(client):
    login(client, "Author")
    article = ArticleFactory(draft=True, created_by=StaffUserFactory(role="Author"))
    response = client.get(reverse("admin:articles_article_preview", args=[article.pk]))
    assert response.status_code == 403
    assert not models.PreviewLink.objects.exists()
    with pytest.raises(PermissionDenied):
        services.mint_preview_link(article, user=StaffUserFactory(role="Author"))


def test_writers_mint_links_for_what_they_may_edit_and_it_names_them(client):
    author = login(client, "Author")
    article = ArticleFactory(draft=True, created_by=author)
    response = client.get(reverse("admin:articles_article_preview", args=[article.pk]))
    assert response.status_code == 302
    link = models.PreviewLink.objects.get()
    assert link.minted_by == author and link.article_id == article.pk
    client.logout()
    assert client.get(response["Location"]).status_code == 200


def test_an_editor_revokes_a_link(client):
    author = StaffUserFactory(role="Author")
    article = ArticleFactory(draft=True, created_by=author)
    url = preview.preview_url(article, user=author)
    link = models.PreviewLink.objects.get()
    with pytest.raises(PermissionDenied):
        services.revoke_preview_links([link], user=StaffUserFactory(role="Contributor"))
    editor = login(client, "Editor")
    response = client.post(
        reverse("admin:articles_previewlink_changelist"),
        {"action": "revoke_selected", "_selected_action": [link.pk]},
    )
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == editor
    client.logout()
    assert client.get(url).status_code == 404


def test_the_article_shows_who_minted_each_live_link(client):
    author = StaffUserFactory(role="Author", first_name="Anahit", last_name="Grigoryan")
    article = ArticleFactory(draft=True, created_by=author)
    preview.preview_url(article, user=author)
    login(client, "Editor")
    page = client.get(change_url(article)).content.decode()
    assert "Anahit Grigoryan" in page


# -- 7. unreviewed public text ------------------------------------------------------------


def test_a_tag_without_a_live_story_has_no_page_and_no_feed(client):
    Tag.objects.create(name="Buy cheap pills", slug="buy-cheap-pills")
    ArticleFactory(draft=True, tags=["Draft only"])
    for url in (
        "/tag/buy-cheap-pills/",
        "/tag/buy-cheap-pills/feed/",
        "/tag/buy-cheap-pills/feed/atom/",
        "/tag/draft-only/",
        "/tag/draft-only/feed/",
    ):
        assert client.get(url).status_code == 404, url


def test_an_empty_tag_page_appears_once_a_live_story_has_the_tag(
    client, django_capture_on_commit_callbacks
):
    Tag.objects.create(name="Elections", slug="elections")
    assert client.get("/tag/elections/").status_code == 404
    assert client.get("/tag/elections/").status_code == 404  # cached
    assert client.get("/tag/elections/feed/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory(title="Polls open", tags=["Elections"])
    page = client.get("/tag/elections/")
    assert page.status_code == 200 and "Polls open" in page.content.decode()
    assert client.get("/tag/elections/feed/").status_code == 200


def test_contributors_may_not_point_canonical_at_another_site():
    contributor = StaffUserFactory(role="Contributor")
    article = ArticleFactory(draft=True, created_by=contributor)
    article = reload(article)
    article.canonical_url = "https://spam.example.net/buy"
    with pytest.raises(ValidationError, match="canonical"):
        services.save_article(article, user=contributor, base_version=article.version)
    assert reload(article).canonical_url == ""


def test_writers_may_point_canonical_at_this_site_and_editors_anywhere():
    contributor = StaffUserFactory(role="Contributor")
    article = reload(ArticleFactory(draft=True, created_by=contributor))
    article.canonical_url = "http://testserver/2024/01/original/"
    services.save_article(article, user=contributor, base_version=article.version)
    editor = StaffUserFactory(role="Editor")
    article = reload(article)
    article.canonical_url = "https://agency.example.org/story/1"
    services.save_article(article, user=editor, base_version=article.version)
    assert reload(article).canonical_url == "https://agency.example.org/story/1"
    # A writer's later edit keeps what the editor set.
    article = reload(article)
    article.title = "A better headline"
    services.save_article(article, user=contributor, base_version=article.version)


def test_the_admin_shows_the_canonical_refusal_and_keeps_the_form(client):
    contributor = login(client, "Contributor")
    article = ArticleFactory(draft=True, created_by=contributor)
    data = form_data(client, change_url(article))
    data.update({"canonical_url": "https://spam.example.net/", "dek": "Kept text"})
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "canonical" in error_text(response).lower()
    assert "Kept text" in response.content.decode()
    assert reload(article).canonical_url == ""
