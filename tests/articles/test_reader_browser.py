"""The seed article in a real browser (Debian's Chromium), on a phone and a desktop."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article

pytestmark = pytest.mark.browser

SEED_HEADLINE = "Artsakh Leadership Again Reject ‘Reintegration’ Talks in Baku"
RECENT_TITLES = [
    "US Congressman Henry Cuellar Indicted for Accepting Bribes from Azerbaijan",
    "Armenia Improves to 43rd Place in 2024 World Press Freedom Index",
]


@pytest.fixture
def seeded(transactional_db):
    call_command("seed_demo", verbosity=0)
    return Article.objects.get(title=SEED_HEADLINE)


@pytest.mark.parametrize("width,height", [(1280, 900), (375, 812)])
def test_seed_article_page_shows_what_a_reader_expects(
    seeded, live_server, browser, artifacts_dir, width, height
):
    page = browser.new_page(viewport={"width": width, "height": height})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + seeded.get_absolute_url())

    headline = page.locator("h1")
    assert headline.count() == 1
    assert headline.inner_text() == SEED_HEADLINE
    assert headline.is_visible()
    assert page.locator(".dateline").inner_text() == "STEPANAKERT"
    assert page.locator(".article__meta .byline a").first.inner_text() == "MassisPost"
    assert page.locator(".category-label").first.inner_text().lower() == "artsakh"
    for name in ["Facebook", "X", "Telegram", "WhatsApp", "Email", "Copy link"]:
        link = page.locator(".share").get_by_text(name, exact=True)
        link.scroll_into_view_if_needed()
        assert link.is_visible(), name

    sidebar = page.locator(".recent-posts")
    sidebar.scroll_into_view_if_needed()
    assert sidebar.is_visible()
    assert sidebar.locator("h2").inner_text() == "Recent Posts"
    sidebar_text = sidebar.inner_text()
    for title in RECENT_TITLES:
        assert title in sidebar_text
    assert SEED_HEADLINE not in sidebar_text
    # The script has turned the printed dates into the seed's relative wording.
    assert "12 hours ago" in sidebar_text
    assert "2 days ago" in sidebar_text

    # Nothing overflows the viewport sideways, on the phone too.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert errors == []
    page.screenshot(path=str(artifacts_dir / f"seed-article-{width}.png"), full_page=True)
    page.close()


def test_relative_time_wording(seeded, live_server, browser):
    page = browser.new_page()
    page.goto(live_server.url + "/")
    now = timezone.now()
    cases = {
        timedelta(seconds=20): "just now",
        timedelta(minutes=1): "1 minute ago",
        timedelta(minutes=45): "45 minutes ago",
        timedelta(hours=1): "1 hour ago",
        timedelta(hours=12, minutes=30): "12 hours ago",
        timedelta(hours=23, minutes=59): "23 hours ago",
        timedelta(days=1): "1 day ago",
        timedelta(days=2, hours=5): "2 days ago",
        timedelta(days=6, hours=23): "6 days ago",
        timedelta(days=7): None,  # past a week the printed date stays
        timedelta(days=-1): None,  # a clock ahead of the reader's shows the date
    }
    for age, expected in cases.items():
        then = (now - age).isoformat()
        got = page.evaluate(
            "([then, now]) => window.newsroomRelativeTime(Date.parse(then), Date.parse(now))",
            [then, now.isoformat()],
        )
        assert got == expected, (age, got)
    # Without the script, the server's absolute date is what readers see.
    raw = browser.new_page(java_script_enabled=False)
    raw.goto(live_server.url + seeded.get_absolute_url())
    first = raw.locator(".recent-posts time").first
    assert first.get_attribute("datetime")
    assert "ago" not in first.inner_text()
