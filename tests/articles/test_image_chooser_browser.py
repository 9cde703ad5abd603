"""An editor inserts a library image into the body with "Insert from library" (Chromium)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from articles.models import Article, ArticleBodyImage
from tests.factories import ArticleFactory, ImageFactory

pytestmark = pytest.mark.browser


def test_editor_inserts_a_library_image_into_the_body(
    admin_login, live_server, browser, artifacts_dir
):
    ImageFactory(
        title="Parliament at night", alt_text="Other picture", file__width=64, file__height=36
    )
    image = ImageFactory(
        title="Lake Sevan at dawn",
        alt_text="Mist over Lake Sevan",
        caption="Sevan in March",
        credit="Photo: Ani",
        file__width=64,
        file__height=36,
    )
    article = ArticleFactory(draft=True, body="<p>The lake rose again.</p>")

    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        admin_login(page)
        page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
        page.locator(".ck-editor__editable").wait_for()

        page.click("button.article-insert-image")
        dialog = page.locator("dialog.library-dialog")
        dialog.wait_for()
        page.wait_for_selector(".library-dialog__choice")
        page.fill(".library-dialog__search", "sevan")
        # The search narrows the grid to the one match.
        choices = page.locator(".library-dialog__choice")
        expect(choices).to_have_count(1)
        expect(choices).to_contain_text("Lake Sevan at dawn")
        page.screenshot(path=str(artifacts_dir / "image-chooser.png"))
        page.click(".library-dialog__choice")
        page.wait_for_selector(".ck-editor__editable figure.image img")
        assert not dialog.is_visible()

        page.click("input[name=_save]")
        page.wait_for_selector(".messagelist")
        assert errors == []
    finally:
        page.close()

    article.refresh_from_db()
    assert f'src="{image.file.url}"' in article.body
    assert 'alt="Mist over Lake Sevan"' in article.body
    assert "Sevan in March — Photo: Ani" in article.body
    assert "The lake rose again." in article.body
    assert list(
        ArticleBodyImage.objects.filter(article=article).values_list("image", flat=True)
    ) == [image.pk]
    assert Article.objects.get(pk=article.pk).version == article.version
