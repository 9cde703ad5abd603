"""The article admin driven over HTTP: lists, stale saves, uploads, autosave, locks, corrections."""

import io
import json

import lxml.html
import pytest
from django.contrib import admin as django_admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from articles import hooks, services
from articles.models import Article, ArticleEvent, Correction
from articles.signals import article_changed
from images.models import Image as LibraryImage
from tests.articles.test_admin_support import ADD_URL, change_url, error_text, form_data, login
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    ImageFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"


def image_file(kind="PNG", size=(20, 10), name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, kind)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


# -- the list -------------------------------------------------------------------


def test_changelist_shows_scheduled_for_local_time(client, settings):
    settings.TIME_ZONE = "Asia/Yerevan"
    login(client, "Editor")
    # Minutes other than :00, which Django's time format would print as "5 a.m.".
    when = (timezone.now() + timezone.timedelta(days=1)).replace(minute=37, second=0)
    article = ArticleFactory(publish_at=when, title="Tomorrow's story")
    page = client.get(reverse(CHANGELIST)).content.decode()
    local = timezone.localtime(article.publish_at, timezone=timezone.get_default_timezone())
    assert "Scheduled for" in page
    assert local.strftime("%H:%M").lstrip("0") in page or local.strftime("%-I:%M") in page
    assert "+04" in page


def test_changelist_filters_by_scheduled(client):
    login(client, "Editor")
    ArticleFactory(scheduled=True, title="Later story")
    ArticleFactory(title="Live story")
    page = client.get(reverse(CHANGELIST), {"state": "scheduled"}).content.decode()
    assert "Later story" in page and "Live story" not in page


def test_changelist_search_finds_by_title(client):
    login(client, "Editor")
    ArticleFactory(title="Parliament votes")
    ArticleFactory(title="Weather today")
    page = client.get(reverse(CHANGELIST), {"q": "parliament"}).content.decode()
    assert "Parliament votes" in page and "Weather today" not in page


def test_changelist_warns_of_overdue_side_effects(client):
    login(client, "Editor")
    ArticleFactory(publish_at=timezone.now() - timezone.timedelta(hours=1))
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "is the Celery worker running?" in page


def test_changelist_queries_do_not_grow(client, django_assert_max_num_queries):
    login(client, "Editor")
    ArticleFactory.create_batch(3)
    client.get(reverse(CHANGELIST))
    ArticleFactory.create_batch(20)
    with django_assert_max_num_queries(20):
        assert client.get(reverse(CHANGELIST)).status_code == 200


# -- the form ----------------------------------------------------------------------


def test_add_form_prefills_the_slug_from_the_title_unicode_safe(client):
    login(client, "Editor")
    page = client.get(reverse(ADD_URL)).content.decode()
    assert "data-prepopulated-fields" in page or "prepopulated_fields" in page
    assert "allowUnicode&quot;: true" in page


def test_form_has_length_counters_and_ckeditor(client):
    login(client, "Editor")
    page = client.get(reverse(ADD_URL)).content.decode()
    assert 'data-recommended-length="70"' in page
    assert 'data-recommended-length="160"' in page
    assert "django_ckeditor_5" in page


def test_view_on_site_only_for_live_articles():
    model_admin = django_admin.site._registry[Article]
    assert model_admin.get_view_on_site_url(ArticleFactory(draft=True)) is None
    assert model_admin.get_view_on_site_url(ArticleFactory()) is not None


def test_new_article_gets_the_writers_byline(client):
    user = login(client, "Contributor")
    profile = AuthorFactory(user=user)
    data = form_data(client, reverse(ADD_URL))
    data.update({"title": "Հայերեն վերնագիր", "slug": "", "category": str(CategoryFactory().pk)})
    client.post(reverse(ADD_URL), data)
    article = Article.objects.get(title="Հայերեն վերնագիր")
    assert article.ordered_authors == [profile]
    assert article.slug == "հայերեն-վերնագիր"


def test_save_from_a_stale_copy_is_refused_and_keeps_the_users_text(client):
    first = StaffUserFactory(role="Editor", first_name="Mariam", last_name="First")
    login(client, "Editor")
    article = ArticleFactory(draft=True, body="<p>Original</p>")
    data = form_data(client, change_url(article))
    # Someone else saves in between.
    article.body = "<p>Their edit</p>"
    services.save_article(article, user=first, base_version=article.version)
    data["body"] = "<p>My unsaved paragraph</p>"
    response = client.post(change_url(article), data, follow=True)
    # The refusal leads to the field-by-field merge (articles.admin_merge).
    assert response.redirect_chain[-1][0].endswith("/merge/")
    page = response.content.decode()
    assert "Mariam First saved this article" in page
    assert "My unsaved paragraph" in page
    article.refresh_from_db()
    assert article.body == "<p>Their edit</p>"
    draft = services.autosaved_draft(response.wsgi_request.user, article)
    assert "My unsaved paragraph" in draft.body


def test_a_post_without_a_version_is_refused(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    data = form_data(client, change_url(article))
    data.pop("base_version")
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "does not say which version" in response.content.decode()


def test_admin_save_sends_article_changed_on_commit(client, django_capture_on_commit_callbacks):
    login(client, "Editor")
    article = ArticleFactory()
    data = form_data(client, change_url(article))
    data["title"] = "Updated headline"
    received = []
    article_changed.connect(
        lambda **kw: received.append(kw["article"].pk), weak=False, dispatch_uid="test-admin-save"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(change_url(article), data)
    finally:
        article_changed.disconnect(dispatch_uid="test-admin-save")
    assert article.pk in received


def test_audit_trail_is_visible_on_the_article(client):
    editor = login(client, "Editor", first_name="Lilit", last_name="Editor")
    article = ArticleFactory(draft=True)
    services.publish(article, user=editor)
    page = client.get(change_url(article)).content.decode()
    assert "audit-trail" in page
    assert "Published</strong> by Lilit Editor" in page


def test_correction_added_inline_is_dated_and_shown_on_the_public_page(client):
    login(client, "Editor")
    article = ArticleFactory()
    data = form_data(client, change_url(article))
    today = timezone.localtime()
    data.update(
        {
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": "correction",
            "corrections-0-text": "An earlier version misnamed the minister.",
            "corrections-0-noted_at_0": today.strftime("%Y-%m-%d"),
            "corrections-0-noted_at_1": today.strftime("%H:%M:%S"),
        }
    )
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Correction.objects.filter(article=article).count() == 1
    article.refresh_from_db()
    assert article.content_updated_at is not None
    assert article.events.filter(action=ArticleEvent.Action.CORRECTED).exists()
    public = client.get(article.get_absolute_url()).content.decode()
    assert "misnamed the minister" in public


def test_extra_inlines_can_be_added_by_other_apps(rf):
    class Extra(django_admin.TabularInline):
        model = Correction

    def extra_inlines():
        return [Extra]

    hooks.register(hooks.ARTICLE_ADMIN_INLINES, extra_inlines)
    try:
        request = rf.get("/")
        request.user = StaffUserFactory(is_superuser=True)
        inlines = django_admin.site._registry[Article].get_inlines(request, None)
        assert Extra in inlines
    finally:
        hooks.unregister(hooks.ARTICLE_ADMIN_INLINES, extra_inlines)
    assert Extra not in django_admin.site._registry[Article].get_inlines(request, None)


# -- uploads from the article form (they go to the image library) ----------------------


def editor_upload_url(client):
    """The address the article form's CKEditor posts its uploads to."""
    page = lxml.html.fromstring(client.get(reverse(ADD_URL)).content)
    urls = page.xpath("//input[@data-upload-url]/@data-upload-url")
    assert urls, "the body editor has an upload address"
    return urls[0]


def test_the_article_form_uploads_into_the_image_library(client):
    login(client, "Editor")
    assert editor_upload_url(client) == reverse("admin:images_image_upload")


def test_editor_uploads_an_image_and_it_joins_the_library(client):
    user = login(client, "Editor")
    response = client.post(editor_upload_url(client), {"upload": image_file()})
    assert response.status_code == 200
    url = response.json()["url"]
    image = LibraryImage.objects.get()
    assert url == image.file.url
    assert url.endswith(".png") and image.file.name.startswith("images/")
    assert (image.width, image.height, image.uploaded_by) == (20, 10, user)


def test_an_uploaded_image_in_the_body_is_recorded_as_used_by_the_article(client):
    login(client, "Editor")
    url = client.post(editor_upload_url(client), {"upload": image_file()}).json()["url"]
    data = form_data(client, reverse(ADD_URL))
    data.update(
        {
            "title": "With a picture",
            "category": str(CategoryFactory().pk),
            "body": f'<figure class="image"><img src="{url}" alt="A red square"></figure>',
        }
    )
    response = client.post(reverse(ADD_URL), data)
    assert response.status_code == 302, error_text(response)
    article = Article.objects.get(title="With a picture")
    image = LibraryImage.objects.get()
    assert [line.image for line in article.body_images.all()] == [image]


def test_upload_of_a_non_image_is_refused_with_a_clear_message(client):
    login(client, "Editor")
    fake = SimpleUploadedFile("evil.png", b"<script>alert(1)</script>", content_type="image/png")
    response = client.post(editor_upload_url(client), {"upload": fake})
    assert response.status_code == 400
    assert "not an image" in response.json()["error"]["message"]
    assert not LibraryImage.objects.exists()


def test_upload_type_is_decided_by_content_not_name(client):
    login(client, "Editor")
    upload = image_file("JPEG", name="x.html")
    response = client.post(editor_upload_url(client), {"upload": upload})
    assert response.status_code == 200
    assert response.json()["url"].endswith(".jpg")


def test_upload_of_an_unsupported_image_type_is_refused(client):
    login(client, "Editor")
    upload = image_file("BMP", name="x.bmp")
    response = client.post(editor_upload_url(client), {"upload": upload})
    assert response.status_code == 400
    assert "JPEG, PNG, GIF or WebP" in response.json()["error"]["message"]


def test_upload_over_the_size_limit_is_refused(client, settings):
    login(client, "Editor")
    url = editor_upload_url(client)
    settings.IMAGE_MAX_BYTES = 100
    response = client.post(url, {"upload": image_file(size=(200, 200))})
    assert response.status_code == 400
    assert "at most" in response.json()["error"]["message"]


def test_upload_over_the_pixel_limit_is_refused(client, settings):
    login(client, "Editor")
    url = editor_upload_url(client)
    settings.IMAGE_MAX_PIXELS = 1000
    response = client.post(url, {"upload": image_file(size=(100, 100))})
    assert response.status_code == 400
    assert "100×100 pixels" in response.json()["error"]["message"]


def test_upload_needs_library_rights(client):
    client.force_login(StaffUserFactory())  # staff, no role
    response = client.post(reverse("admin:images_image_upload"), {"upload": image_file()})
    assert response.status_code == 403


def test_upload_refuses_anonymous_users(client):
    response = client.post(reverse("admin:images_image_upload"), {"upload": image_file()})
    assert response.status_code == 403


# -- featured image and the alt-text rule ------------------------------------------------


def test_featured_image_is_picked_from_the_library_with_a_preview(client):
    login(client, "Editor")
    image = ImageFactory(title="Lake Sevan", alt_text="The lake at dawn")
    article = ArticleFactory(draft=True, featured_image=image)
    page = lxml.html.fromstring(client.get(change_url(article)).content)
    picker = page.get_element_by_id("id_featured_image")
    assert picker.get("value") == str(image.pk)
    # The library's thumbnail grid chooser, previewing the picture (articles.admin_desk).
    chooser = picker.getparent()
    assert "image-chooser" in chooser.get("class")
    assert chooser.xpath('.//img[@class="image-chooser-thumb"]/@src')
    assert "Lake Sevan" in chooser.text_content()
    assert chooser.xpath('.//input[@class="image-chooser-alt"]/@value') == ["The lake at dawn"]


def test_publishing_with_a_featured_image_without_alt_text_is_a_form_error(client):
    login(client, "Editor")
    image = ImageFactory(title="Crowd at the square", alt_text="")
    article = ArticleFactory(draft=True, title="Rally")
    data = form_data(client, change_url(article))
    data.update({"featured_image": str(image.pk), "dek": "My new excerpt", "_publish": "1"})
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "“Crowd at the square” has no alt text" in error_text(response)
    assert "My new excerpt" in response.content.decode()  # nothing typed is lost
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.featured_image_id is None


def test_publishing_with_a_body_image_without_alt_text_is_a_form_error(client):
    login(client, "Editor")
    image = ImageFactory(title="Map of the region", alt_text="")
    article = ArticleFactory(draft=True)
    data = form_data(client, change_url(article))
    data.update({"body": f'<p><img src="{image.file.url}"></p>', "_publish": "1"})
    response = client.post(change_url(article), data)
    assert response.status_code == 200
    assert "“Map of the region” has no alt text" in error_text(response)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_a_draft_may_use_an_image_without_alt_text(client):
    login(client, "Editor")
    image = ImageFactory(alt_text="")
    article = ArticleFactory(draft=True)
    data = form_data(client, change_url(article))
    data["featured_image"] = str(image.pk)
    response = client.post(change_url(article), data)
    assert response.status_code == 302, error_text(response)
    article.refresh_from_db()
    assert article.featured_image == image


def test_bulk_publish_names_the_image_without_alt_text(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True, featured_image=ImageFactory(title="Dark", alt_text=""))
    response = client.post(
        reverse(CHANGELIST),
        {
            "action": "publish_selected",
            "_selected_action": [article.pk],
        },
        follow=True,
    )
    assert "“Dark” has no alt text" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


# -- autosave and lock ------------------------------------------------------------------


def test_autosave_endpoint_stores_and_returns_the_draft(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    url = reverse("admin:articles_article_autosave", args=[article.pk])
    response = client.post(url, {"title": "T", "dek": "", "body": "<p>B</p>", "base_version": "1"})
    assert response.status_code == 200
    assert client.get(url).json()["draft"]["body"] == "<p>B</p>"
    page = lxml.html.fromstring(client.get(change_url(article)).content)
    config = json.loads(page.get_element_by_id("article-editor-config").text)
    assert config["draft"]["body"] == "<p>B</p>"


def test_autosave_of_someone_elses_article_is_refused(client):
    login(client, "Contributor")
    other = ArticleFactory(draft=True)
    url = reverse("admin:articles_article_autosave", args=[other.pk])
    assert client.post(url, {"title": "x"}).status_code in (403, 404)


def test_autosave_rejects_a_bad_version(client):
    login(client, "Editor")
    article = ArticleFactory(draft=True)
    url = reverse("admin:articles_article_autosave", args=[article.pk])
    assert client.post(url, {"base_version": "abc"}).status_code == 400


def test_opening_an_article_shows_who_else_is_editing(client):
    holder = StaffUserFactory(role="Editor", first_name="Aram", last_name="Holder")
    article = ArticleFactory(draft=True)
    services.hold_lock(article, holder)
    login(client, "Editor")
    page = client.get(change_url(article)).content.decode()
    assert "Aram Holder has had this article open" in page
    assert "Take over editing" in page


def test_heartbeat_reports_the_holder_and_an_editor_takes_over(client):
    holder = StaffUserFactory(role="Author")
    article = ArticleFactory(draft=True)
    services.hold_lock(article, holder)
    me = login(client, "Editor")
    beat = client.post(reverse("admin:articles_article_lock", args=[article.pk])).json()
    assert beat["lock"]["mine"] is False
    client.post(reverse("admin:articles_article_lock_take", args=[article.pk]))
    assert services.active_lock(article).user == me


def test_tag_suggestions(client):
    login(client, "Editor")
    ArticleFactory(tags=["Armenia", "Artsakh", "Economy"])
    response = client.get(reverse("admin:articles_article_tag_suggestions"), {"q": "ar"})
    assert response.json()["results"] == ["Armenia", "Artsakh"]
