"""An editor translates an English story into Armenian with the source beside the editor."""

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

pytestmark = pytest.mark.browser

HEADLINE = "Լաչինի միջանցքը կրկին բացվեց"
BODY = "Ճանապարհը դեպի Ստեփանակերտ բացվեց երեքշաբթի առավոտյան։"


def test_editor_translates_with_the_source_beside_the_editor(
    admin_login, live_server, browser, artifacts_dir, settings
):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    settings.LANGUAGE_CODE = "en"
    source = ArticleFactory(
        title="Lachin corridor reopened",
        dek="Traffic resumed on Tuesday morning.",
        body="<p>The road to Stepanakert reopened on Tuesday morning.</p>",
        category=CategoryFactory(name="Artsakh", slug="artsakh"),
        authors=[AuthorFactory(name="Nare Mkrtchyan")],
        tags=["Lachin corridor"],
    )
    missing = live_server.url + reverse("admin:articles_article_missing_translations")
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        admin_login(page)
        page.goto(missing)
        assert page.locator("#missing-translations tbody tr").count() == 1
        page.screenshot(path=artifacts_dir / "translation-missing-list.png")

        page.goto(live_server.url + reverse("admin:articles_article_change", args=[source.pk]))
        page.click("button:has-text('Translate into Armenian')")
        page.wait_for_selector(".messagelist .success")
        draft = Article.objects.get(language="hy")
        assert page.url.endswith(reverse("admin:articles_article_change", args=[draft.pk]))

        # The source stands beside the editor, open, on a wide screen.
        panel = page.locator("#translation-source")
        assert panel.is_visible()
        assert panel.get_attribute("open") is not None
        assert panel.locator("h2").inner_text() == "Lachin corridor reopened"
        assert "The road to Stepanakert reopened" in panel.locator(".article-content").inner_text()
        assert "Nare Mkrtchyan" in panel.inner_text()
        panel_box = panel.bounding_box()
        form_box = page.locator("#article_form").bounding_box()
        assert panel_box["x"] + panel_box["width"] <= form_box["x"]
        assert abs(panel_box["y"] - form_box["y"]) < 200

        page.fill("#id_title", HEADLINE)
        page.fill("#id_dek", "Երթևեկությունը վերսկսվեց։")
        editable = page.locator(".ck-editor__editable")
        editable.wait_for()
        editable.click()
        page.keyboard.press("Control+a")
        page.keyboard.type(BODY)
        page.wait_for_function(
            "(text) => document.querySelector('.ck-editor__editable').innerText.trim() === text",
            arg=BODY,
        )
        page.screenshot(path=artifacts_dir / "translation-source-beside-editor.png")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist .success")

        draft = Article.objects.get(pk=draft.pk)
        source = Article.objects.get(pk=source.pk)
        assert draft.title == HEADLINE
        assert draft.body == f"<p>{BODY}</p>"
        assert draft.translation_group == source.translation_group is not None
        # The source panel is still there on the next edit.
        assert page.locator("#translation-source h2").inner_text() == "Lachin corridor reopened"

        page.goto(missing)
        page.wait_for_selector(".missing-translations__empty")
        assert page.locator("#missing-translations").count() == 0

        # On a narrow screen the panel starts folded, above the editor.
        narrow = browser.new_page(viewport={"width": 600, "height": 900})
        narrow.context.add_cookies(page.context.cookies())
        try:
            narrow.goto(live_server.url + reverse("admin:articles_article_change", args=[draft.pk]))
            narrow.wait_for_selector("#translation-source:not([open])", state="attached")
            assert not narrow.locator("#translation-source h2").is_visible()
            narrow.click("#translation-source summary")
            assert narrow.locator("#translation-source h2").is_visible()
            narrow.screenshot(path=artifacts_dir / "translation-source-narrow.png")
        finally:
            narrow.close()
        assert errors == []
    finally:
        page.close()
