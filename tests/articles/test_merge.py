"""A save refused as stale leads to a field-by-field merge that keeps the colleague's change."""

import json

import lxml.html
import pytest
from django.urls import reverse

from articles import services
from articles.models import Article
from tests.articles.test_admin_support import change_url, form_data, login
from tests.factories import ArticleFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def merge_url(article):
    return reverse("admin:articles_article_merge", args=[article.pk])


@pytest.fixture
def story():
    article = ArticleFactory(
        draft=True, title="Old headline", dek="Old excerpt", body="<p>Old body text.</p>"
    )
    # The version both editors open has a revision (the base of the merge).
    editor = StaffUserFactory(role="Editor")
    return services.save_article(article, user=editor, base_version=article.version)


def colleague_saves(article, **values):
    colleague = StaffUserFactory(role="Editor", first_name="Anna", last_name="Colleague")
    current = Article.objects.get(pk=article.pk)
    for name, value in values.items():
        setattr(current, name, value)
    return services.save_article(current, user=colleague, base_version=current.version)


def merge_fields(response):
    """{field: checked choice or None} on the merge page."""
    doc = lxml.html.fromstring(response.content)
    fields = {}
    for fieldset in doc.xpath("//fieldset[@data-field]"):
        checked = fieldset.xpath(".//input[@type='radio'][@checked]")
        fields[fieldset.get("data-field")] = checked[0].get("value") if checked else None
    return fields


def test_only_their_change_and_only_mine_are_both_kept(client, story):
    login(client, "Editor")
    data = form_data(client, change_url(story))  # tab B opens version N
    colleague_saves(story, dek="Their new excerpt")  # tab A saves first
    data.update(title="My new headline", body="<p>My new body text.</p>")
    response = client.post(change_url(story), data, follow=True)
    assert response.redirect_chain[-1][0] == merge_url(story)
    assert "Anna Colleague saved this article" in response.content.decode()
    assert merge_fields(response) == {"title": "yours", "dek": "theirs", "body": "yours"}
    page = client.get(merge_url(story))
    version = lxml.html.fromstring(page.content).xpath("//input[@name='version']/@value")[0]
    response = client.post(
        merge_url(story),
        {
            "version": version,
            "choice_title": "yours",
            "choice_dek": "theirs",
            "choice_body": "yours",
        },
    )
    assert response.status_code == 302 and response.url == change_url(story)
    story.refresh_from_db()
    assert story.title == "My new headline"
    assert story.body == "<p>My new body text.</p>"
    assert story.dek == "Their new excerpt"
    assert services.autosaved_draft(response.wsgi_request.user, story) is None


def test_a_field_both_changed_is_asked_and_the_choice_wins(client, story):
    login(client, "Editor")
    data = form_data(client, change_url(story))
    colleague_saves(story, title="Their headline")
    data["title"] = "My headline"
    response = client.post(change_url(story), data, follow=True)
    assert merge_fields(response) == {"title": None}
    version = str(Article.objects.get(pk=story.pk).version)
    unanswered = client.post(merge_url(story), {"version": version})
    assert "Choose what to keep for: Headline" in unanswered.content.decode()
    assert Article.objects.get(pk=story.pk).title == "Their headline"
    client.post(merge_url(story), {"version": version, "choice_title": "yours"})
    assert Article.objects.get(pk=story.pk).title == "My headline"


def test_a_merge_is_refused_when_yet_another_save_came_in(client, story):
    login(client, "Editor")
    data = form_data(client, change_url(story))
    colleague_saves(story, dek="First other excerpt")
    data["title"] = "My headline"
    client.post(change_url(story), data)
    shown = str(Article.objects.get(pk=story.pk).version)
    colleague_saves(story, dek="Second other excerpt")
    response = client.post(merge_url(story), {"version": shown, "choice_title": "yours"})
    assert response.status_code == 200
    assert "saved the article again" in response.content.decode()
    story.refresh_from_db()
    assert story.title == "Old headline" and story.dek == "Second other excerpt"


def test_both_keeps_the_tags_of_each_side(client, story):
    login(client, "Editor")
    data = form_data(client, change_url(story))
    current = Article.objects.get(pk=story.pk)
    current.tags.add("elections")
    colleague_saves(story, dek="Their excerpt")
    data["tags"] = "diaspora"
    client.post(change_url(story), data)
    version = str(Article.objects.get(pk=story.pk).version)
    client.post(merge_url(story), {"version": version, "choice_tags": "both"})
    assert sorted(Article.objects.get(pk=story.pk).tag_names) == ["diaspora", "elections"]


def test_restoring_an_old_draft_offers_the_merge_instead(client, story):
    user = login(client, "Editor")
    services.autosave(
        user, story, title="Draft headline", dek="Old excerpt", body="<p>Old body text.</p>",
        base_version=story.version,
    )  # fmt: skip
    colleague_saves(story, dek="Their excerpt")
    page = client.get(change_url(story))
    config = json.loads(
        lxml.html.fromstring(page.content).get_element_by_id("article-editor-config").text
    )
    assert config["draft"]["mergeUrl"] == merge_url(story)
    merge = client.get(merge_url(story))
    # Restoring the draft as it was would put the old excerpt back: the merge keeps theirs.
    assert merge_fields(merge) == {"title": "yours", "dek": "theirs"}


def test_a_draft_of_the_current_version_is_restored_as_before(client, story):
    user = login(client, "Editor")
    services.autosave(user, story, title="Draft headline", base_version=story.version)
    page = client.get(change_url(story))
    config = json.loads(
        lxml.html.fromstring(page.content).get_element_by_id("article-editor-config").text
    )
    assert "mergeUrl" not in config["draft"]


def test_merge_page_without_a_draft_goes_back_to_the_article(client, story):
    login(client, "Editor")
    response = client.get(merge_url(story))
    assert response.status_code == 302 and response.url == change_url(story)
