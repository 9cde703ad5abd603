"""The image library admin over HTTP: list, upload, focal point, where used, delete guard."""

from unittest.mock import patch

import lxml.html
import pytest
from django.test import Client
from django.urls import reverse

from images.models import Image
from tests.articles.test_admin_support import login
from tests.factories import ArticleFactory, StaffUserFactory
from tests.images.conftest import image_bytes, upload

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:images_image_changelist"
ADD = "admin:images_image_add"


def change_url(image):
    return reverse("admin:images_image_change", args=[image.pk])


def delete_url(image):
    return reverse("admin:images_image_delete", args=[image.pk])


def add_data(file, **values):
    data = {
        "file": file,
        "title": "",
        "alt_text": "",
        "caption": "",
        "credit": "",
        "source": "",
        "licence": "",
        "tags": "",
        "focal_x": "0.5",
        "focal_y": "0.5",
    }
    data.update(values)
    return data


def change_data(image, **values):
    data = {
        "title": image.title,
        "alt_text": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "source": image.source,
        "licence": image.licence,
        "tags": "",
        "focal_x": str(image.focal_x),
        "focal_y": str(image.focal_y),
    }
    data.update(values)
    return data


# -- the list ----------------------------------------------------------------------------


def test_list_shows_thumbnails_newest_first(client, make_image):
    login(client, "Editor")
    make_image(title="Older picture")
    make_image(title="Newer picture")
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert page.index("Newer picture") < page.index("Older picture")
    assert page.count('class="image-thumb"') == 2


def test_list_searches_credit_caption_and_tags(client, make_image):
    login(client, "Editor")
    make_image(title="Riot police", credit="Photolure")
    tagged = make_image(title="Lake Sevan")
    tagged.tags.add("nature")
    make_image(title="Parliament", caption="The vote")
    for term, expected in (
        ("photolure", "Riot police"),
        ("nature", "Lake Sevan"),
        ("vote", "Parliament"),
    ):
        page = client.get(reverse(CHANGELIST), {"q": term}).content.decode()
        titles = {"Riot police", "Lake Sevan", "Parliament"}
        assert expected in page
        assert not any(other in page for other in titles - {expected})


def test_list_filters_by_credit_tag_and_missing_alt_text(client, make_image):
    login(client, "Editor")
    make_image(title="By Ani", credit="Ani", alt_text="x")
    tagged = make_image(title="Tagged one", alt_text="x")
    tagged.tags.add("sport")
    make_image(title="No alt")
    by_credit = client.get(reverse(CHANGELIST), {"credit": "Ani"}).content.decode()
    assert "By Ani" in by_credit and "Tagged one" not in by_credit
    tag_id = tagged.tags.get().pk
    by_tag = client.get(reverse(CHANGELIST), {"tags__id__exact": tag_id}).content.decode()
    assert "Tagged one" in by_tag and "By Ani" not in by_tag
    missing = client.get(reverse(CHANGELIST), {"alt": "missing"}).content.decode()
    assert "No alt" in missing and "By Ani" not in missing


def test_list_filters_by_upload_date(client, make_image):
    login(client, "Editor")
    old = make_image(title="Uploaded long ago")
    Image.objects.filter(pk=old.pk).update(created_at="2020-05-01T10:00:00Z")
    make_image(title="Uploaded recently")
    page = client.get(reverse(CHANGELIST), {"created_at__year": "2020"}).content.decode()
    assert "Uploaded long ago" in page and "Uploaded recently" not in page


def test_list_queries_do_not_grow(client, make_image, django_assert_max_num_queries):
    login(client, "Editor")
    make_image()
    client.get(reverse(CHANGELIST))
    for n in range(12):
        make_image(title=f"Picture {n}")
    with django_assert_max_num_queries(20):
        assert client.get(reverse(CHANGELIST)).status_code == 200


# -- add and change ----------------------------------------------------------------------


def test_upload_through_the_form_adds_an_image_and_queues_renditions(
    client, django_capture_on_commit_callbacks
):
    user = login(client, "Contributor")
    data = add_data(
        upload(image_bytes(size=(300, 200)), name="Ереван Square.JPG"),
        alt_text="The square at night",
    )
    with (
        patch("images.tasks.generate_renditions.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(reverse(ADD), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    image = Image.objects.get()
    assert image.title == "Ереван Square"
    assert (image.width, image.height) == (300, 200)
    assert image.uploaded_by == user and image.file_size == image.file.size > 0
    assert image.file.name.startswith("images/") and image.file.name.endswith(".jpg")
    delay.assert_called_once_with(image.pk)


def test_a_refused_upload_says_why_and_keeps_the_other_fields(client):
    login(client, "Editor")
    svg = upload(
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>", name="logo.svg"
    )
    data = add_data(
        svg,
        title="Party logo",
        alt_text="The logo, red on white",
        caption="Used with permission",
        credit="Press office",
    )
    response = client.post(reverse(ADD), data)
    assert response.status_code == 200
    assert not Image.objects.exists()
    page = response.content.decode()
    assert "SVG images cannot be uploaded" in page
    doc = lxml.html.fromstring(page)
    assert doc.get_element_by_id("id_title").value == "Party logo"
    assert doc.get_element_by_id("id_alt_text").value == "The logo, red on white"
    assert doc.get_element_by_id("id_caption").text_content().strip() == "Used with permission"
    assert doc.get_element_by_id("id_credit").value == "Press office"


def test_a_huge_upload_is_refused_in_the_form(client, settings):
    settings.IMAGE_MAX_BYTES = 100
    login(client, "Editor")
    response = client.post(reverse(ADD), add_data(upload(image_bytes(size=(200, 200)))))
    assert response.status_code == 200
    assert "images may be at most" in response.content.decode()


def test_credit_is_prefilled_from_the_file(client):
    from tests.images.test_validation import _rotated_jpeg_with_metadata

    login(client, "Editor")
    response = client.post(reverse(ADD), add_data(upload(_rotated_jpeg_with_metadata())))
    assert response.status_code == 302
    assert Image.objects.get().credit == "Ani Petrosyan / Photolure"


def test_focal_point_outside_the_picture_is_refused(client, make_image):
    login(client, "Editor")
    image = make_image()
    response = client.post(change_url(image), change_data(image, focal_x="1.5"))
    assert response.status_code == 200
    assert "less than or equal to 1" in response.content.decode()


def test_moving_the_focal_point_queues_new_crops(
    client, make_image, django_capture_on_commit_callbacks
):
    login(client, "Editor")
    image = make_image()
    with patch("images.tasks.generate_renditions.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(change_url(image), change_data(image, caption="New caption"))
        delay.assert_not_called()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                change_url(image), change_data(image, caption="New caption", focal_x="0.8")
            )
    assert response.status_code == 302
    delay.assert_called_once_with(image.pk)
    image.refresh_from_db()
    assert image.focal_x == 0.8 and image.caption == "New caption"


def test_change_page_has_the_picker_and_numeric_fallback(client, make_image):
    login(client, "Editor")
    image = make_image(focal_x=0.25, focal_y=0.75)
    doc = lxml.html.fromstring(client.get(change_url(image)).content)
    picker = doc.find_class("focal-picker")[0]
    assert "--focal-x: 0.25" in picker.get("style")
    assert doc.get_element_by_id("id_focal_x").get("type") == "number"
    assert any("images-admin/focal-point.js" in s.get("src", "") for s in doc.iter("script"))


# -- where used and the delete guard --------------------------------------------------------


def test_change_page_lists_where_the_image_is_used(client, make_image):
    login(client, "Editor")
    image = make_image()
    article = ArticleFactory(title="Story with the picture", featured_image=image)
    page = client.get(change_url(image)).content.decode()
    assert "Story with the picture" in page
    assert reverse("admin:articles_article_change", args=[article.pk]) in page


def test_usages_include_body_images_through_their_link_table(make_image):
    from articles.models import ArticleBodyImage

    image = make_image()
    featured = ArticleFactory(featured_image=image)
    in_body = ArticleFactory()
    ArticleBodyImage.objects.create(article=in_body, image=image)
    used = {obj for _, obj in image.usages()}
    assert used == {featured, in_body}


def test_deleting_a_used_image_is_refused_with_the_articles(client, make_image):
    login(client, "Editor")
    image = make_image()
    ArticleFactory(title="The story using it", featured_image=image)
    page = client.get(delete_url(image)).content.decode()
    assert "would require deleting the following protected related objects" in page
    assert "The story using it" in page
    response = client.post(delete_url(image), {"post": "yes"})
    assert response.status_code == 200
    assert Image.objects.filter(pk=image.pk).exists()


def test_bulk_delete_of_used_images_is_refused(client, make_image):
    login(client, "Editor")
    used, unused = make_image(), make_image()
    ArticleFactory(title="The story using it", featured_image=used)
    response = client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [used.pk, unused.pk], "post": "yes"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The story using it" in page
    assert Image.objects.count() == 2


def test_deleting_an_unused_image_removes_its_files(
    client, make_image, django_capture_on_commit_callbacks
):
    from images import tasks

    login(client, "Editor")
    image = make_image(image_bytes(size=(320, 200)))
    tasks.generate_renditions(image.pk)
    names = [image.file.name, *image.renditions.values_list("file", flat=True)]
    storage = image.file.storage
    assert all(storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete_url(image), {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.exists()
    assert not any(storage.exists(name) for name in names)


def test_contributors_may_not_delete_images(client, make_image):
    login(client, "Contributor")
    image = make_image()
    assert client.post(delete_url(image), {"post": "yes"}).status_code == 403
    assert Image.objects.filter(pk=image.pk).exists()


# -- chooser and editor upload endpoints -----------------------------------------------------


CHOOSER = "admin:images_image_chooser"
UPLOAD = "admin:images_image_upload"


def test_chooser_lists_images_as_json(client, make_image):
    login(client, "Contributor")
    image = make_image(
        image_bytes(size=(300, 200)),
        title="Sevan",
        alt_text="The lake",
        caption="At dawn",
        credit="Ani",
    )
    data = client.get(reverse(CHOOSER)).json()
    assert data["count"] == 1 and data["has_next"] is False
    (item,) = data["results"]
    assert item == {
        "id": image.pk,
        "title": "Sevan",
        "alt_text": "The lake",
        "caption": "At dawn",
        "credit": "Ani",
        "url": image.file.url,
        "thumb": image.file.url,
        "width": 300,
        "height": 200,
    }


def test_chooser_searches_and_pages(client, make_image):
    login(client, "Editor")
    for n in range(30):
        make_image(image_bytes(size=(20, 20)), title=f"Match {n}")
    make_image(title="Other")
    first = client.get(reverse(CHOOSER), {"q": "match"}).json()
    assert first["count"] == 30 and first["has_next"] is True and len(first["results"]) == 24
    second = client.get(reverse(CHOOSER), {"q": "match", "page": 2}).json()
    assert len(second["results"]) == 6 and second["has_next"] is False
    ids = {r["id"] for r in first["results"]} | {r["id"] for r in second["results"]}
    assert len(ids) == 30


def test_chooser_queries_do_not_grow(client, make_image, django_assert_max_num_queries):
    login(client, "Editor")
    make_image()
    client.get(reverse(CHOOSER))
    for _ in range(10):
        make_image()
    with django_assert_max_num_queries(8):
        assert len(client.get(reverse(CHOOSER)).json()["results"]) == 11


def test_chooser_needs_the_view_permission(client):
    assert client.get(reverse(CHOOSER)).status_code == 403
    client.force_login(StaffUserFactory())  # staff without a role
    assert client.get(reverse(CHOOSER)).status_code == 403


def test_editor_upload_adds_a_library_image(client, django_capture_on_commit_callbacks):
    user = login(client, "Author")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(UPLOAD), {"upload": upload(name="Street_view 2.png", fmt="PNG")}
        )
    assert response.status_code == 200
    image = Image.objects.get()
    assert response.json() == {"url": image.file.url}
    assert image.title == "Street view 2" and image.uploaded_by == user
    assert image.renditions.exists()  # generated in-process here (no broker)


def test_editor_upload_refusal_is_json_with_a_message(client):
    login(client, "Author")
    response = client.post(reverse(UPLOAD), {"upload": upload(b"not an image", name="a.jpg")})
    assert response.status_code == 400
    assert "not an image" in response.json()["error"]["message"]
    assert not Image.objects.exists()


def test_editor_upload_needs_the_add_permission_and_post(client):
    assert client.post(reverse(UPLOAD), {"upload": upload()}).status_code == 403
    client.force_login(StaffUserFactory())
    assert client.post(reverse(UPLOAD), {"upload": upload()}).status_code == 403
    login(client, "Author")
    assert client.get(reverse(UPLOAD)).status_code == 405


def test_editor_upload_is_csrf_protected():
    client = Client(enforce_csrf_checks=True)
    login(client, "Editor")
    assert client.post(reverse(UPLOAD), {"upload": upload()}).status_code == 403
    assert not Image.objects.exists()


# -- roles -----------------------------------------------------------------------------------


def test_roles_get_the_library_permissions():
    from django.contrib.auth.models import Group

    def perms(name):
        group = Group.objects.get(name=name)
        return set(
            group.permissions.filter(content_type__app_label="images").values_list(
                "codename", flat=True
            )
        )

    assert perms("Contributor") == perms("Author") == {"view_image", "add_image", "change_image"}
    assert perms("Editor") == {"view_image", "add_image", "change_image", "delete_image"}
