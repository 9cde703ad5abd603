"""Contributors' bylines: roles make staff, the user admin makes or links the author
profile, and a story without a byline asks before it goes out."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from articles.models import Article
from authors.models import Author
from tests.articles.test_admin_support import ADD_URL, change_url, form_data, login
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, role_group

pytestmark = pytest.mark.django_db


def test_joining_a_newsroom_role_makes_the_user_staff():
    user = User.objects.create_user("ani", password="x" * 20)
    assert not user.is_staff
    user.groups.add(role_group("Contributor"))
    user.refresh_from_db()
    assert user.is_staff


def test_adding_users_to_a_role_from_the_group_side_makes_them_staff():
    first = User.objects.create_user("one")
    second = User.objects.create_user("two")
    role_group("Editor").user_set.add(first, second)
    assert User.objects.filter(pk__in=[first.pk, second.pk], is_staff=True).count() == 2


def test_another_group_does_not_make_staff():
    from django.contrib.auth.models import Group

    user = User.objects.create_user("reader")
    user.groups.add(Group.objects.create(name="Newsletter readers"))
    user.refresh_from_db()
    assert not user.is_staff


def user_form(client, user):
    url = reverse("admin:auth_user_change", args=[user.pk])
    import lxml.html

    page = client.get(url)
    doc = lxml.html.fromstring(page.content)
    data = {}
    for name, value in doc.get_element_by_id("user_form").form_values():
        data.setdefault(name, value)
    return url, data, page.content.decode()


def test_user_admin_creates_the_author_profile_prefilled_from_the_name(client):
    client.force_login(User.objects.create_superuser("boss", password="x" * 20))
    writer = User.objects.create_user("ani", first_name="Ani", last_name="Hakobyan")
    url, data, page = user_form(client, writer)
    assert "Create author profile" in page
    assert data["author_name"] == "Ani Hakobyan"
    assert data["create_author_profile"] == "on"
    data["groups"] = [role_group("Contributor").pk]
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    author = Author.objects.get(user=writer)
    assert (author.name, author.slug) == ("Ani Hakobyan", "ani-hakobyan")
    writer.refresh_from_db()
    assert writer.is_staff  # the role did it, no box ticked by hand


def test_user_admin_links_an_existing_byline(client):
    client.force_login(User.objects.create_superuser("boss", password="x" * 20))
    imported = AuthorFactory(name="Aram Petrosyan")
    writer = User.objects.create_user("aram", first_name="Aram", last_name="Petrosyan")
    url, data, _ = user_form(client, writer)
    data.pop("create_author_profile")
    data["link_author"] = imported.pk
    assert client.post(url, data).status_code == 302
    imported.refresh_from_db()
    assert imported.user == writer
    assert Author.objects.filter(user=writer).count() == 1


def test_a_contributor_finds_her_own_byline_by_her_name(client):
    contributor = login(client, "Contributor", first_name="Ani", last_name="Hakobyan")
    AuthorFactory(name="A. Hakobyan", user=contributor)
    AuthorFactory(name="Someone Else")
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Ani",
            "app_label": "articles",
            "model_name": "articleauthor",
            "field_name": "author",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["A. Hakobyan"]


def test_publishing_without_a_byline_asks_for_confirmation(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True, authors=[], title="Nobody's story")
    data = form_data(client, change_url(article))
    data["_publish"] = "Publish"
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "no byline" in response.content.decode()
    assert "Go ahead without a byline" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT

    data["publish_without_byline"] = "on"
    data["base_version"] = article.version
    response = client.post(change_url(article), data)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_live


def test_submitting_a_new_story_without_a_byline_asks_too(client):
    login(client, "Contributor")  # no author profile: nothing fills the byline
    data = form_data(client, reverse(ADD_URL))
    data.update(title="Fresh story", slug="fresh-story", category=CategoryFactory().pk)
    data["_submit_review"] = "Submit"
    response = client.post(reverse(ADD_URL), data)
    assert response.status_code == 200
    assert "no byline" in response.content.decode()
    assert not Article.objects.filter(title="Fresh story").exists()


def test_a_story_with_a_byline_is_published_without_a_question(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    data = form_data(client, change_url(article))
    data["_publish"] = "Publish"
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert article.is_live


def test_the_byline_takes_the_names_typed_in_the_same_form(client):
    client.force_login(User.objects.create_superuser("boss", password="x" * 20))
    writer = User.objects.create_user("ani2")
    url, data, _ = user_form(client, writer)
    assert data.get("author_name", "") == ""
    data.update(first_name="Ani", last_name="Hakobyan")
    assert client.post(url, data).status_code == 302
    assert Author.objects.get(user=writer).name == "Ani Hakobyan"
