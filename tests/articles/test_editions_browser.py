"""An editor translates a story in the admin; a reader switches between its editions."""

import pytest
from django.urls import reverse

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory

pytestmark = pytest.mark.browser


def test_editor_translates_and_reader_switches_edition(
    admin_login, live_server, browser, artifacts_dir, settings
):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    settings.LANGUAGE_CODE = "en"
    source = ArticleFactory(title="Lachin corridor reopened")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        admin_login(page)
        page.goto(live_server.url + reverse("admin:articles_article_change", args=[source.pk]))
        page.click("button:has-text('Translate into Armenian')")
        page.wait_for_selector(".messagelist .success")
        draft = Article.objects.get(language="hy")
        assert page.url.endswith(reverse("admin:articles_article_change", args=[draft.pk]))
        # The source text is there to write over; the edition cannot be changed.
        assert page.input_value("#id_title") == "Lachin corridor reopened"
        assert "Armenian" in page.locator(".field-language .readonly").inner_text()
        page.fill("#id_title", "Լաչինի միջանցքը բացվեց")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist .success")
        draft = Article.objects.get(pk=draft.pk)
        assert draft.title == "Լաչինի միջանցքը բացվեց"
        page.screenshot(path=artifacts_dir / "editions-admin-translation.png")
        services.publish(draft)

        page.goto(live_server.url + source.get_absolute_url())
        switcher = page.locator("nav.editions")
        assert switcher.is_visible()
        switcher.get_by_role("link", name="Հայերեն").click()
        page.wait_for_selector("h1:has-text('Լաչինի միջանցքը բացվեց')")
        page.screenshot(path=artifacts_dir / "editions-article-armenian.png")
        page.locator("nav.editions").get_by_role("link", name="English").click()
        page.wait_for_selector("h1:has-text('Lachin corridor reopened')")
        assert errors == []
    finally:
        page.close()
