"""The Armenian edition as a reader sees it: the demo site's `/hy/` home page and an
Armenian story, on a desktop (1280 px) and a phone (375 px), in Chromium. The
screenshots are test artifacts (test-artifacts/armenian-*.png)."""

import io
import re

import pytest
from django.core.management import call_command

from articles.models import Article

pytestmark = pytest.mark.browser

ARMENIAN = re.compile(r"[\u0531-\u0587]")
# The interface's words and the demo's section and byline names, in English.
LATIN_WORDS = ("Recent Posts", "Share", "Published by", "Related", "Search")
LATIN_NAMES = ("Armenia", "Artsakh", "Diaspora", "Politics", "Culture", "Nare Mkrtchyan")
WIDTHS = {"desktop": 1280, "phone": 375}


@pytest.fixture
def armenian_demo(transactional_db, settings):
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    settings.LANGUAGE_CODE = "en"
    call_command("seed_demo", stdout=io.StringIO())
    return Article.objects.live().filter(language="hy", translation_group__isnull=False)


def english_left(text, words):
    """Each of `words` found in `text` (any case), with what surrounds it."""
    folded = text.casefold()
    return {
        word: text[max(0, at - 60) : at + 60]
        for word in words
        if (at := folded.find(word.casefold())) >= 0
    }


def read_page(page):
    """What a reader meets: the language, the visible text, and whether the page is
    wider than the screen."""
    return page.evaluate(
        """() => ({
            lang: document.documentElement.lang,
            text: document.body.innerText,
            overflow: document.documentElement.scrollWidth - window.innerWidth,
        })"""
    )


@pytest.mark.parametrize("device", WIDTHS)
def test_armenian_home_and_story(armenian_demo, live_server, browser, artifacts_dir, device):
    story = armenian_demo.order_by("-publish_at").first()
    assert story is not None and story.get_absolute_url().startswith("/hy/")
    page = browser.new_page(viewport={"width": WIDTHS[device], "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(live_server.url + "/hy/")
        home = read_page(page)
        assert home["lang"] == "hy"
        assert home["overflow"] <= 0, f"the home page is {home['overflow']} px too wide"
        assert story.title in home["text"]
        # The interface speaks Armenian: none of the English labels is left.
        assert english_left(home["text"], (*LATIN_WORDS, *LATIN_NAMES)) == {}
        assert "Արցախ" in page.locator("nav").first.inner_text()
        # Only the Armenian edition's stories are listed.
        english = Article.objects.live().filter(language="en").values_list("title", flat=True)
        assert not [title for title in english if title in home["text"]]
        page.screenshot(path=artifacts_dir / f"armenian-home-{WIDTHS[device]}.png", full_page=True)

        page.goto(live_server.url + story.get_absolute_url())
        read = read_page(page)
        assert read["lang"] == "hy"
        assert read["overflow"] <= 0, f"the story page is {read['overflow']} px too wide"
        assert page.locator("h1").inner_text().strip() == story.title
        assert ARMENIAN.search(page.locator("time").first.inner_text())
        assert english_left(read["text"], (*LATIN_WORDS, *LATIN_NAMES)) == {}
        # The switcher leads to the English original.
        assert page.locator("nav.editions").get_by_role("link", name="English").count() == 1
        page.screenshot(
            path=artifacts_dir / f"armenian-article-{WIDTHS[device]}.png", full_page=True
        )
        assert errors == []
    finally:
        page.close()
