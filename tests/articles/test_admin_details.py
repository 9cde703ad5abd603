"""Smaller things of the article admin: the section box's ranking, revision comparison as
text, the History, help texts, the featured flag for contributors, preview expiry."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import services
from tests.articles.test_admin_support import change_url, form_data, login
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def autocomplete(client, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": term, "app_label": "articles", "model_name": "article", "field_name": "category"},
    )
    return [row["text"] for row in json.loads(response.content)["results"]]


def test_the_section_box_ranks_name_prefixes_first(client):
    login(client, "Editor")
    CategoryFactory(name="Diaspora", order=1, description="News of the Armenian community")
    CategoryFactory(name="Community", order=9)
    CategoryFactory(name="Local community", order=5)
    assert autocomplete(client, "Commun") == ["Community", "Local community", "Diaspora"]


# -- revision comparison ------------------------------------------------------------


def save(client, article, **changes):
    data = form_data(client, change_url(article))
    data.update(changes)
    response = client.post(change_url(article), data)
    assert response.status_code == 302


def compared(client, article):
    newer, older = Version.objects.get_for_object(article)[:2]
    return client.get(
        reverse("admin:articles_article_revision_diff", args=[article.pk]),
        {"from": older.pk, "to": newer.pk},
    ).content.decode()


def test_bodies_are_compared_as_text_word_by_word(client, settings):
    settings.TIME_ZONE = "Asia/Yerevan"
    login(client, "Editor")
    article = ArticleFactory(
        draft=True,
        body='<p>The vote came after midnight.</p><figure class="image">'
        '<img src="/media/x.jpg" alt="The parliament hall">'
        "<figcaption>Yerevan</figcaption></figure>",
    )
    save(client, article)
    save(client, article, body="<p>The vote came before dawn.</p>")
    page = compared(client, article)
    body = page.split("Body", 1)[1]
    assert "<del>after midnight</del>" in body and "<ins>before dawn</ins>" in body
    assert "[Image: The parliament hall]" in body
    assert "&lt;p&gt;" not in body and '<table class="diff"' not in page


def test_status_and_times_are_labels_and_local_times(client, settings):
    settings.TIME_ZONE = "Asia/Yerevan"
    editor = login(client, "Editor")
    article = ArticleFactory(draft=True)
    save(client, article)
    when = timezone.now() + timezone.timedelta(days=2)
    services.publish(article, when=when, user=editor)
    article.refresh_from_db()
    save(client, article, title="Scheduled now")
    page = compared(client, article)
    assert "<ins>Published</ins>" in page and ">draft<" not in page
    assert "+04" in page  # the newsroom's zone, not ISO UTC
    assert when.isoformat()[:16] not in page


def test_the_history_does_not_list_the_version_field(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    save(client, article, title="New headline")
    entry = LogEntry.objects.filter(object_id=str(article.pk)).latest("action_time")
    message = entry.get_change_message()
    assert "Title" in message and "version" not in message.lower()
    history = client.get(reverse("admin:articles_article_history", args=[article.pk]))
    assert "Base version" not in history.content.decode()


# -- small things ---------------------------------------------------------------------


def test_slug_help_texts_show_an_example_address(client):
    login(client, "Editor", is_superuser=True)
    author = AuthorFactory()
    page = client.get(reverse("admin:authors_author_change", args=[author.pk])).content.decode()
    assert "/author//" not in page and "/author/ani-hovhannisyan/" in page


def test_contributors_read_featured_in_words_not_a_red_cross(client):
    contributor = login(client, "Contributor")
    article = ArticleFactory(draft=True, created_by=contributor)
    page = client.get(change_url(article)).content.decode()
    assert "icon-no.svg" not in page
    assert "editors choose the home page" in page


def test_the_preview_link_says_when_it_expires(client, settings):
    settings.TIME_ZONE = "Asia/Yerevan"
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    page = client.get(change_url(article)).content.decode()
    link = services.open_preview_links(article)[0]
    local = timezone.localtime(link.expires_at)
    assert "works without login until" in page
    assert f"{local.year}" in page.split("works without login until", 1)[1][:80]
    assert "(+04)" in page.split("works without login until", 1)[1][:80]
