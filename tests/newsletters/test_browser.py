"""The sign-up form and a digest as rendered HTML, in a real browser (screenshots kept)."""

import pytest
from django.urls import reverse

from newsletters import services
from newsletters.models import Edition, Subscriber
from tests.factories import ArticleFactory, CategoryFactory

from .conftest import parts

pytestmark = pytest.mark.browser


def test_signup_form_in_a_browser(
    transactional_db, live_server, browser, artifacts_dir, smtp_server
):
    CategoryFactory(name="Artsakh")
    CategoryFactory(name="Diaspora")
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.goto(live_server.url + reverse("newsletters:signup"))
    page.fill("#id_email", "browser@example.org")
    page.check("#id_alerts")
    page.get_by_label("Diaspora").check()
    page.screenshot(path=str(artifacts_dir / "newsletter-signup.png"), full_page=True)
    page.click(".newsletter-form button[type=submit]")
    assert page.locator(".newsletter h1").inner_text() == "Check your inbox"
    subscriber = Subscriber.objects.get(email="browser@example.org")
    assert (subscriber.daily, subscriber.alerts) == (True, True)
    assert [c.name for c in subscriber.sections.all()] == ["Diaspora"]
    assert len(smtp_server.to("browser@example.org")) == 1
    assert errors == []  # CSP let the page do what it does


def test_digest_renders_in_a_browser(transactional_db, browser, artifacts_dir, smtp_server):
    culture = CategoryFactory(name="Culture")
    for title in ("Parliament passes the budget", "A festival opens in Yerevan", "Elections set"):
        ArticleFactory(title=title, category=culture)
    Subscriber.objects.create(email="look@example.org", status=Subscriber.Status.ACTIVE)
    services.plan_digest(Edition.Kind.DAILY)
    (mail,) = smtp_server.to("look@example.org")
    _, html = parts(mail)
    page = browser.new_page(viewport={"width": 700, "height": 900})
    page.set_content(html)
    titles = page.locator("a.title")
    assert titles.count() == 3
    # The inlined CSS applies: the masthead is dark, the titles are serif.
    assert page.locator(".masthead").evaluate("e => getComputedStyle(e).backgroundColor") == (
        "rgb(29, 43, 54)"
    )
    assert "Georgia" in titles.first.evaluate("e => getComputedStyle(e).fontFamily")
    page.screenshot(path=str(artifacts_dir / "digest.png"), full_page=True)
