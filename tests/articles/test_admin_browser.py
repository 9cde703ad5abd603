"""An editor writes a story in CKEditor 5, publishes it and reads it on the public site."""

import pytest
from django.urls import reverse

from articles.models import Article
from tests.factories import CategoryFactory

pytestmark = pytest.mark.browser

SELECT_WORD = """(word) => {
  const editor = document.querySelector(".ck-editor__editable").ckeditorInstance;
  editor.editing.view.focus();
  editor.model.change((writer) => {
    for (const block of editor.model.document.getRoot().getChildren()) {
      for (const node of block.getChildren()) {
        const at = node.is("$text") ? node.data.indexOf(word) : -1;
        if (at >= 0) {
          const start = node.startOffset + at;
          writer.setSelection(writer.createRange(
            writer.createPositionAt(block, start),
            writer.createPositionAt(block, start + word.length)
          ));
          return;
        }
      }
    }
    throw new Error("word not found: " + word);
  });
}"""


def test_editor_writes_and_publishes_a_story_in_ckeditor(
    admin_login, live_server, browser, artifacts_dir
):
    CategoryFactory(name="Politics", slug="politics")
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        admin_login(page)

        page.goto(live_server.url + reverse("admin:articles_article_add"))
        page.locator("#id_title").press_sequentially("Parliament passes the budget")
        # The slug is filled from the title as it is typed.
        assert page.input_value("#id_slug") == "parliament-passes-the-budget"
        page.fill("#id_dek", "A long night ends with a vote.")

        page.click(".field-category .select2-selection")
        page.fill(".select2-search__field", "Poli")
        page.click(".select2-results__option:has-text('Politics')")

        editable = page.locator(".ck-editor__editable")
        editable.wait_for()
        editable.click()
        page.keyboard.type("## Background")  # CKEditor's autoformat makes a heading
        page.keyboard.press("Enter")
        page.keyboard.type("The vote came after midnight. Read the statement.")
        # The editor applies typed input asynchronously: wait until it has all of it
        # before selecting, or a busy machine selects the wrong letters.
        page.wait_for_function(
            "document.querySelector('.ck-editor__editable h2')?.innerText === 'Background'"
            " && document.querySelector('.ck-editor__editable').innerText"
            ".includes('Read the statement.')"
        )
        # Select the word through the editor's model, then link it through its UI.
        page.evaluate(SELECT_WORD, "statement")
        page.keyboard.press("Control+k")
        url_input = page.locator(".ck-link-form input[inputmode=url]")
        url_input.wait_for()
        url_input.fill("https://parliament.example/statement")
        page.keyboard.press("Enter")
        page.locator(".ck-editor__editable a", has_text="statement").wait_for()

        page.click("input[name=_publish]")
        page.wait_for_selector(".messagelist")

        article = Article.objects.get(title="Parliament passes the budget")
        assert article.is_live
        assert "<h2>Background</h2>" in article.body

        page.goto(live_server.url + article.get_absolute_url())
        assert page.locator("h1").inner_text() == "Parliament passes the budget"
        assert page.locator(".article__body h2").inner_text() == "Background"
        link = page.locator(".article__body a", has_text="statement")
        assert link.get_attribute("href") == "https://parliament.example/statement"
        assert errors == []
    except Exception:
        page.screenshot(path=str(artifacts_dir / "admin-browser-failure.png"), full_page=True)
        raise
