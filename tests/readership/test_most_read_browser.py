"""'Most read' in a real browser: the beacon counts the read, the block drops the story read."""

import time

import pytest

from readership import buffer, services
from tests.factories import ArticleFactory

pytestmark = pytest.mark.browser

# A reader's browser; the default headless user agent is filtered out as a bot.
READER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)


def test_reading_a_story_counts_once_and_most_read_leaves_it_out(
    transactional_db, live_server, browser, artifacts_dir, settings
):
    settings.MOST_READ_COUNT = 3
    # The live server's tally is written by its timer within a second.
    settings.READERSHIP_BUFFER_SECONDS = 1
    buffer.reset()
    stories = [ArticleFactory(title=f"Much read story {n}") for n in range(5)]
    for reads, story in zip((9, 7, 5, 3, 1), stories, strict=True):
        for _ in range(reads):
            services.record_read(story.pk)
    current = stories[0]  # the most read of all

    context = browser.new_context(user_agent=READER_AGENT, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + current.get_absolute_url())
    block = page.locator(".most-read")
    block.scroll_into_view_if_needed()
    visible = [t.strip() for t in block.locator("li:not([hidden])").all_inner_texts()]
    assert visible == ["Much read story 1", "Much read story 2", "Much read story 3"]
    page.locator("aside.sidebar").screenshot(path=str(artifacts_dir / "most-read.png"))

    deadline = time.monotonic() + 15
    while services.views_for([current.pk])[current.pk][0] == 9 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert services.views_for([current.pk])[current.pk][0] == 10
    # Another story's page shows the first four but that story.
    page.goto(live_server.url + stories[2].get_absolute_url())
    visible = [t.strip() for t in page.locator(".most-read li:not([hidden])").all_inner_texts()]
    assert visible == ["Much read story 0", "Much read story 1", "Much read story 3"]
    time.sleep(0.5)
    assert services.views_for([current.pk])[current.pk][0] == 10  # one count per page load
    assert errors == []
    context.close()
