"""In Chromium: the featured picture is chosen from the library's grid, previewed at
once, and its missing alt text is written in place before publishing."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article
from tests.factories import ArticleFactory, ImageFactory

pytestmark = pytest.mark.browser


def test_editor_picks_a_featured_image_fixes_its_alt_text_and_publishes(
    admin_login, live_server, browser, artifacts_dir
):
    ImageFactory(
        title="Parliament at night", alt_text="Parliament", file__width=64, file__height=36
    )
    image = ImageFactory(title="Lake Sevan at dawn", alt_text="", file__width=64, file__height=36)
    article = ArticleFactory(draft=True, title="The lake rises")

    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    admin_login(page)
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    chooser = page.locator(".field-featured_image .image-chooser")
    chooser.locator(".image-chooser-open").click()
    page.wait_for_selector(".image-library-item")
    page.fill(".image-library-search input[type=search]", "sevan")
    page.keyboard.press("Enter")
    items = page.locator(".image-library-item")
    expect(items).to_have_count(1)
    items.first.click()

    # The preview shows before any save, with the missing alt text said plainly.
    thumb = chooser.locator(".image-chooser-thumb")
    expect(thumb).to_be_visible()
    expect(chooser.locator(".image-chooser-title")).to_contain_text("no alt text yet")
    assert page.input_value("#id_featured_image") == str(image.pk)

    chooser.locator(".image-chooser-alt").fill("Mist over Lake Sevan at dawn")
    chooser.locator(".image-chooser-credit").fill("Photo: Ani")
    chooser.locator(".image-chooser-save").click()
    expect(chooser.locator(".image-chooser-status")).to_have_text("Saved to the library.")
    page.screenshot(path=str(artifacts_dir / "featured-image.png"), full_page=True)

    page.click("input[name=_publish]")
    page.wait_for_selector(".messagelist")
    assert errors == []
    article.refresh_from_db()
    image.refresh_from_db()
    assert image.alt_text == "Mist over Lake Sevan at dawn" and image.credit == "Photo: Ani"
    assert article.featured_image == image
    assert article.status == Article.Status.PUBLISHED and article.is_live
