"""The article editor (CKEditor 5 and the article admin's scripts) runs under the admin's
content security policy, and the public site under its own, without violations."""

import pytest
from django.urls import reverse

from tests.factories import ArticleFactory

pytestmark = pytest.mark.browser


def watch(page):
    """Console errors, CSP violation events and page errors on `page`."""
    problems = []

    def console(message):
        # Browsers ask for /favicon.ico on their own; the site has none.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    return problems


def test_article_editor_runs_under_the_admin_policy(
    admin_login, live_server, browser, artifacts_dir
):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    problems = watch(page)
    try:
        admin_login(page)
        response = page.goto(live_server.url + reverse("admin:articles_article_add"))
        assert "script-src 'self'" in response.headers["content-security-policy"]
        editable = page.locator(".ck-editor__editable")
        editable.wait_for()
        editable.click()
        page.keyboard.type("Typed under the content security policy.")
        page.wait_for_timeout(500)
        assert "Typed under" in editable.inner_text()
        assert problems == []
    except Exception:
        page.screenshot(path=str(artifacts_dir / "admin-csp-failure.png"), full_page=True)
        raise


def test_public_article_runs_under_the_public_policy(db, live_server, browser):
    article = ArticleFactory()
    page = browser.new_page()
    problems = watch(page)
    response = page.goto(live_server.url + article.get_absolute_url())
    assert "'nonce-" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    # site.js ran: relative times are filled in.
    page.wait_for_function("typeof window.newsroomRelativeTime === 'function'")
    assert problems == []
