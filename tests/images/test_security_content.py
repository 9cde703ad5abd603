"""What readers see of a library picture on a live story is changed only by those who
may publish that story."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles import services as article_services
from images import services
from images.models import Image
from tests.articles.test_admin_support import error_text, login
from tests.factories import ArticleFactory, ImageFactory, StaffUserFactory
from tests.images.test_admin import change_data

pytestmark = pytest.mark.django_db


def change_url(image):
    return reverse("admin:images_image_change", args=[image.pk])


@pytest.fixture
def live_picture():
    """A picture leading someone else's live story."""
    image = ImageFactory(title="Protest", credit="Photo: Ani", alt_text="Crowd at the square")
    story = ArticleFactory(
        title="Rally in the square",
        featured_image=image,
        created_by=StaffUserFactory(role="Editor"),
    )
    return image, story


def test_a_contributor_may_not_change_a_picture_on_a_live_story(client, live_picture):
    image, _ = live_picture
    login(client, "Contributor")
    response = client.post(
        change_url(image), change_data(image, credit="Photo: someone else", caption="Typed caption")
    )
    assert response.status_code == 200
    assert "Rally in the square" in error_text(response)
    assert "Typed caption" in response.content.decode()  # nothing typed is lost
    image.refresh_from_db()
    assert (image.credit, image.caption) == ("Photo: Ani", "")


def test_an_author_may_not_change_a_picture_on_another_authors_live_story(live_picture):
    image, _ = live_picture
    author = StaffUserFactory(role="Author")
    image.alt_text = "Something else"
    with pytest.raises(ValidationError, match="Rally in the square"):
        services.save_image(image, user=author, changed=["alt_text"])
    image.refresh_from_db()
    assert image.alt_text == "Crowd at the square"


def test_a_body_picture_of_a_live_story_is_guarded_too():
    image = ImageFactory(title="Map")
    story = ArticleFactory(title="Where the road runs", body="<p>x</p>")
    story.body = f'<p><img src="{image.file.url}"></p>'
    article_services.save_article(story, base_version=story.version)
    image.title = "Another map"
    with pytest.raises(ValidationError, match="Where the road runs"):
        services.save_image(image, user=StaffUserFactory(role="Contributor"), changed=["title"])


def test_writers_change_pictures_no_live_story_shows(client):
    contributor = login(client, "Contributor")
    image = ImageFactory(title="Unused")
    ArticleFactory(draft=True, featured_image=ImageFactory(title="Draft picture"))
    response = client.post(change_url(image), change_data(image, credit="Photo: Me"))
    assert response.status_code == 302, error_text(response)
    drafted = Image.objects.get(title="Draft picture")
    drafted.credit = "Photo: Me"
    services.save_image(drafted, user=contributor, changed=["credit"])
    assert Image.objects.get(pk=image.pk).credit == "Photo: Me"


def test_who_may_publish_every_live_story_may_change_its_picture(live_picture):
    image, story = live_picture
    editor = StaffUserFactory(role="Editor")
    image.credit = "Photo: Ani / Agency"
    services.save_image(image, user=editor, changed=["credit"])
    author = StaffUserFactory(role="Author")
    own = ImageFactory(title="Own")
    ArticleFactory(featured_image=own, created_by=author)
    own.caption = "Better caption"
    services.save_image(own, user=author, changed=["caption"])
    assert Image.objects.get(pk=own.pk).caption == "Better caption"


def test_library_notes_readers_never_see_stay_open_to_writers(live_picture):
    image, _ = live_picture
    image.licence = "Agency licence until 2030"
    services.save_image(image, user=StaffUserFactory(role="Contributor"), changed=["licence"])
    assert Image.objects.get(pk=image.pk).licence == "Agency licence until 2030"
