import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from caching.middleware import forget_local_copies
from newsroom.celery import app as celery_app
from newsroom.security import forget_local_counts

PROJECT_DIR = Path(__file__).resolve().parent.parent
ARTIFACTS_DIR = PROJECT_DIR / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    """Skip Redis and worker tests, with the reason, only where REDIS_URL is unset (never on CI)."""
    skip_redis = pytest.mark.skip(reason="needs a real Redis: set REDIS_URL (CI always does)")
    skip_browser = pytest.mark.skip(reason="needs Debian's chromium at /usr/bin/chromium")
    for item in items:
        if ("redis" in item.keywords or "worker" in item.keywords) and not settings.REDIS_URL:
            item.add_marker(skip_redis)
        if "browser" in item.keywords and not Path("/usr/bin/chromium").exists():
            if os.environ.get("CI"):
                continue  # on CI a missing browser must fail, not skip
            item.add_marker(skip_browser)


@pytest.fixture
def render_anyway(settings):
    """The benchmark's page cache in the stack: returns the headers of a request that is
    rendered whatever is cached (fragments and holes are still read from the cache)."""
    from bench import middleware

    page_cache = "caching.middleware.PageCacheMiddleware"
    bypass = "bench.middleware.BypassPageCacheMiddleware"
    settings.MIDDLEWARE = [bypass if name == page_cache else name for name in settings.MIDDLEWARE]
    return {middleware.BYPASS_HEADER: "1"}


@pytest.fixture
def two_editions(settings):
    """A site of two editions: English (the default, unprefixed) and Armenian (/hy/)."""
    settings.LANGUAGES = [("en", "English"), ("hy", "Armenian")]
    settings.LANGUAGE_CODE = "en"
    settings.SITE_LANGUAGE = "en-us"
    return settings


@pytest.fixture(autouse=True)
def _isolated_cache_and_eager_tasks(request, settings, tmp_path):
    """Each test starts with an empty cache, its own media folder, and in-process tasks.

    Tests marked `worker` talk to a real Celery worker instead.
    """
    cache.clear()
    # Emptied behind the page cache's back: its per-process copies go too.
    forget_local_copies()
    forget_local_counts()
    settings.MEDIA_ROOT = tmp_path / "media"
    eager = "worker" not in request.keywords
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    yield
    celery_app.conf.task_always_eager = previous
    cache.clear()


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    # Playwright's event loop shares the thread with the test's ORM calls.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


BROWSER_PASSWORD = "correct horse battery staple"


@pytest.fixture
def admin_login(transactional_db, settings, live_server):
    """An Editor ("desk", with a byline); `admin_login(page)` signs a browser page in."""
    from django.urls import reverse

    from tests.factories import StaffUserFactory

    # The live server speaks plain HTTP.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    from tests.factories import AuthorFactory

    desk = StaffUserFactory(role="Editor", username="desk", password=BROWSER_PASSWORD)
    # A byline of their own, as the user admin offers: new stories carry it, and
    # publishing does not stop to ask about a missing one.
    AuthorFactory(user=desk, name="Desk Editor")

    def log_in(page):
        page.goto(live_server.url + reverse("admin:login"))
        page.fill("#id_username", "desk")
        page.fill("#id_password", BROWSER_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#user-tools")

    return log_in


@pytest.fixture
def artifacts_dir():
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture
def celery_worker_process(transactional_db):
    """A real `celery worker` process on its own queue, against REDIS_URL and the test database.

    Yields the queue name; tasks sent with `queue=` that name reach this worker only.
    """
    from tests.workers import start_worker, stop_worker

    queue = f"test-{uuid.uuid4().hex[:8]}"
    proc = start_worker(queue)
    try:
        yield queue
    finally:
        stop_worker(proc)
