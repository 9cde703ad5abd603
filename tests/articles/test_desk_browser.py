"""In Chromium: the desk, dragging a story on the calendar, the list at 1366 px."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article
from tests.factories import ArticleFactory, CategoryFactory

pytestmark = pytest.mark.browser


def watch(page):
    """Collect the page's script errors and CSP refusals (a console error)."""
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "favicon" not in msg.location.get("url", "")
            else None
        ),
    )
    return errors


def test_editor_sees_the_desk_and_drags_a_story_to_another_day(
    admin_login, live_server, browser, artifacts_dir
):
    from django.contrib.auth.models import User

    ArticleFactory(review=True, title="Council budget: the vote")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors = watch(page)
    admin_login(page)
    desk = User.objects.get(username="desk")
    ArticleFactory(draft=True, title="Draft on the water plant", created_by=desk)
    services.publish(ArticleFactory(draft=True, title="Morning briefing"), user=desk)
    # Tomorrow at 09:30 local time, to be moved two days later.
    tomorrow = timezone.localdate() + timedelta(days=1)
    when = timezone.make_aware(
        timezone.datetime.combine(tomorrow, timezone.datetime.min.time()).replace(hour=9, minute=30)
    )
    story = ArticleFactory(title="Festival preview", publish_at=when)
    target = tomorrow + timedelta(days=2)

    page.goto(live_server.url + reverse("admin:index"))
    page.wait_for_selector("#newsroom-desk")
    assert "Council budget: the vote" in page.inner_text("#desk-review")
    assert "Morning briefing" in page.inner_text("#desk-published")
    assert "Draft on the water plant" in page.inner_text("#desk-drafts")
    page.screenshot(path=str(artifacts_dir / "desk.png"), full_page=True)

    page.goto(
        live_server.url
        + reverse("admin:articles_article_calendar")
        + f"?start={tomorrow.isoformat()}&weeks=4"
    )
    card = page.locator(f'.calendar__story[data-article="{story.pk}"]')
    card.wait_for()
    card.drag_to(page.locator(f'td[data-day="{target.isoformat()}"]'))
    page.locator("#calendar-status", has_text="now goes live").wait_for()
    assert page.locator(f'td[data-day="{target.isoformat()}"] [data-article="{story.pk}"]').count()
    page.screenshot(path=str(artifacts_dir / "calendar.png"), full_page=True)

    story.refresh_from_db()
    local = timezone.localtime(story.publish_at)
    assert (local.date(), local.hour, local.minute) == (target, 9, 30)
    assert story.is_scheduled
    assert errors == []


def test_article_list_fits_1366_pixels_without_cutting_columns(
    admin_login, live_server, browser, artifacts_dir
):
    section = CategoryFactory(name="International relations and diplomacy")
    for n in range(5):
        ArticleFactory(
            title=f"A long headline about the negotiations in the capital, part {n}",
            category=section,
            scheduled=n % 2 == 0,
        )
    ArticleFactory(review=True, title="Waiting", category=section)
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors = watch(page)
    admin_login(page)
    page.goto(live_server.url + reverse("admin:articles_article_changelist"))
    page.wait_for_selector("#result_list")
    overflow = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth - document.documentElement.clientWidth,"
        " table: document.querySelector('.results').scrollWidth"
        " - document.querySelector('.results').clientWidth})"
    )
    page.screenshot(path=str(artifacts_dir / "article-list-1366.png"), full_page=True)
    assert overflow == {"page": 0, "table": 0}
    headers = page.locator("#result_list thead th").all_inner_texts()
    assert any("STATUS" in h.upper() for h in headers)
    assert page.locator(".quick-edit-link").count() == Article.objects.count()
    assert errors == []
