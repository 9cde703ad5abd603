"""The article form completes a featured picture's alt text and credit in place."""

import pytest
from django.urls import reverse

from tests.articles.test_admin_support import change_url, login
from tests.factories import ArticleFactory, ImageFactory

pytestmark = pytest.mark.django_db

DESCRIBE = "admin:images_image_describe"


def test_alt_text_and_credit_are_saved_to_the_library(client):
    login(client, "Contributor")
    image = ImageFactory(alt_text="", credit="")
    response = client.post(
        reverse(DESCRIBE), {"id": image.pk, "alt_text": "Ararat at dawn", "credit": "Photo: Ani"}
    )
    assert response.status_code == 200
    assert response.json()["image"]["alt_text"] == "Ararat at dawn"
    image.refresh_from_db()
    assert (image.alt_text, image.credit) == ("Ararat at dawn", "Photo: Ani")


def test_a_picture_of_someone_elses_published_story_is_refused_by_the_librarys_rule(client):
    login(client, "Contributor")
    image = ImageFactory(alt_text="As the editor wrote it")
    ArticleFactory(featured_image=image)  # live, not hers
    response = client.post(reverse(DESCRIBE), {"id": image.pk, "alt_text": "Changed", "credit": ""})
    assert response.status_code == 403
    assert "published stor" in response.json()["error"]["message"]
    image.refresh_from_db()
    assert image.alt_text == "As the editor wrote it"


def test_bad_input_is_a_clear_error(client):
    login(client, "Editor")
    response = client.post(reverse(DESCRIBE), {"id": "x", "alt_text": "a" * 301})
    assert response.status_code == 400
    assert "Nothing was saved" in response.json()["error"]["message"]
    assert client.get(reverse(DESCRIBE)).status_code == 405
    assert client.post(reverse(DESCRIBE), {"id": 999999}).status_code == 404


def test_the_article_form_shows_the_chosen_picture_and_its_description(client):
    login(client, "Editor")
    image = ImageFactory(title="Lake Sevan", alt_text="", credit="Photo: Ani")
    article = ArticleFactory(draft=True, featured_image=image)
    page = client.get(change_url(article)).content.decode()
    assert 'class="image-chooser"' in page
    assert "Choose from library" in page
    assert 'class="image-chooser-credit" value="Photo: Ani"' in page
    assert reverse(DESCRIBE) in page


def test_the_form_says_when_the_chosen_picture_has_no_alt_text(client):
    login(client, "Editor")
    image = ImageFactory(title="Crowd at the square", alt_text="")
    article = ArticleFactory(draft=True, featured_image=image)
    page = client.get(change_url(article)).content.decode()
    assert "Crowd at the square (no alt text yet)" in page
    assert "describe the picture here before publishing" in page
