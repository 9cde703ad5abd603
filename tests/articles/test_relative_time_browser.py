"""Relative times in the reader's language: the browser words them (Intl) after
the page's <html lang>, the server's absolute date staying underneath."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from caching.middleware import forget_local_copies
from tests.factories import ArticleFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def stories(transactional_db):
    """The same three stories in each edition: {language: the newest one}."""
    now = timezone.now()
    newest = {}
    for language in ("en", "hy"):
        newest[language] = ArticleFactory(
            title=f"Lead story {language}", publish_at=now - timedelta(minutes=5), language=language
        )
        ArticleFactory(
            title=f"Earlier story {language}",
            publish_at=now - timedelta(hours=12, minutes=10),
            language=language,
        )
        ArticleFactory(
            title=f"Older story {language}",
            publish_at=now - timedelta(days=2, hours=1),
            language=language,
        )
    return newest


def sidebar_times(browser, url, javascript=True):
    # Each language renders afresh: nothing cached by the other one's visit.
    cache.clear()
    forget_local_copies()
    page = browser.new_page(java_script_enabled=javascript)
    page.goto(url)
    lang = page.evaluate("document.documentElement.lang")
    times = page.locator(".recent-posts time")
    texts = [times.nth(i).inner_text() for i in range(times.count())]
    page.close()
    return lang, texts


def test_relative_times_follow_the_page_language(two_editions, stories, live_server, browser):
    lang, english = sidebar_times(browser, live_server.url + stories["en"].get_absolute_url())
    assert lang == "en"
    assert english == ["12 hours ago", "2 days ago"]

    armenian_url = live_server.url + stories["hy"].get_absolute_url()
    assert "/hy/" in armenian_url
    lang, armenian = sidebar_times(browser, armenian_url)
    assert lang == "hy"
    assert armenian == ["12 ժամ առաջ", "2 օր առաջ"]

    # Without the script: the absolute date, in the page's language.
    lang, printed = sidebar_times(browser, armenian_url, javascript=False)
    assert all("առաջ" not in text and " թ." in text for text in printed), printed
