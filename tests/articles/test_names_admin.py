"""Names per language in the admin: one input per edition other than the default."""

from taggit.models import Tag

from articles.models import TagTranslation
from authors.models import Author
from categories.models import Category
from tests.factories import AuthorFactory, CategoryFactory


def test_category_form_keeps_the_armenian_name_and_description(two_editions, admin_client):
    category = CategoryFactory(name="Artsakh", slug="artsakh", description="News")
    url = f"/admin/categories/category/{category.pk}/change/"
    assert 'name="name_hy"' in admin_client.get(url).content.decode()
    response = admin_client.post(
        url,
        {
            "name": "Artsakh",
            "slug": "artsakh",
            "description": "News",
            "order": 0,
            "show_on_home": "on",
            "feed_content": "",
            "name_hy": " Արցախ ",
            "description_hy": "Լուրեր",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    category.refresh_from_db()
    assert category.translations == {"hy": {"name": "Արցախ", "description": "Լուրեր"}}
    # Emptied inputs drop the language.
    admin_client.post(
        url,
        {"name": "Artsakh", "slug": "artsakh", "order": 0, "feed_content": "", "name_hy": ""},
    )
    category.refresh_from_db()
    assert category.translations == {}


def test_author_form_keeps_the_armenian_name_and_bio(two_editions, admin_client):
    author = AuthorFactory(name="Ani Hovhannisyan", slug="ani")
    url = f"/admin/authors/author/{author.pk}/change/"
    html = admin_client.get(url).content.decode()
    assert 'name="name_hy"' in html and 'name="bio_hy"' in html
    response = admin_client.post(
        url,
        {
            "name": "Ani Hovhannisyan",
            "slug": "ani",
            "kind": "person",
            "name_hy": "Անի Հովհաննիսյան",
            "bio_hy": "Լրագրող",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Author.objects.get(pk=author.pk).translations == {
        "hy": {"name": "Անի Հովհաննիսյան", "bio": "Լրագրող"}
    }


def test_tag_form_keeps_the_armenian_name(two_editions, admin_client):
    tag = Tag.objects.create(name="politics", slug="politics")
    url = f"/admin/taggit/tag/{tag.pk}/change/"
    assert 'name="translation-0-name_hy"' in admin_client.get(url).content.decode()
    response = admin_client.post(
        url,
        {
            "name": "politics",
            "slug": "politics",
            "taggit_taggeditem_items-TOTAL_FORMS": 0,
            "taggit_taggeditem_items-INITIAL_FORMS": 0,
            "translation-TOTAL_FORMS": 1,
            "translation-INITIAL_FORMS": 0,
            "translation-0-name_hy": "Քաղաքականություն",
            "translation-0-tag": tag.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert TagTranslation.objects.get(tag=tag).names == {"hy": "Քաղաքականություն"}


def test_a_one_language_site_has_no_inputs_for_other_editions(admin_client):
    category = CategoryFactory()
    html = admin_client.get(f"/admin/categories/category/{category.pk}/change/").content.decode()
    assert "name_hy" not in html and "Other editions" not in html
    tag = Tag.objects.create(name="politics", slug="politics")
    assert (
        "translation-"
        not in admin_client.get(f"/admin/taggit/tag/{tag.pk}/change/").content.decode()
    )
    assert Category.objects.get(pk=category.pk).translations == {}
