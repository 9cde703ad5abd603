"""The site behind a real Varnish (deploy/varnish/default.vcl), purged by key.

One varnishd (module-wide, emptied before each test) sits in front of
pytest-django's live server. Every request Varnish makes to Django is counted
(Varnish marks them with X-Varnish), so "served by Varnish" is checked both by
Varnish's own X-Cache and by the backend not having been asked.

Skipped when varnishd or vmod xkey is missing, except on CI (CI set), where
that fails.
"""

import http.server
import math
import os
import re
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_started
from django.utils import timezone

from articles import services
from articles.models import Article
from caching import edge as edge_backends
from caching.edge import EdgePurgeError
from caching.edge.varnish import MAX_HEADER_BYTES, VarnishBackend
from tests.factories import ArticleFactory

from . import varnish

VARNISH_BACKEND = "caching.edge.varnish.VarnishBackend"


@pytest.fixture(scope="module")
def varnish_server(live_server, tmp_path_factory):
    """A varnishd in front of the live server for this module's tests."""
    reason = varnish.missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; on CI the Varnish tests must run")
        pytest.skip(reason)
    port = int(live_server.url.rsplit(":", 1)[1])
    # The live server listens on "localhost" over IPv4.
    server = varnish.Varnish(tmp_path_factory.mktemp("varnish"), "127.0.0.1", port)
    yield server
    server.stop()


class BackendLog:
    """The requests Varnish made to Django (path?query), in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []

    def record(self, sender, environ=None, **kwargs):
        if environ and "HTTP_X_VARNISH" in environ:
            query = environ.get("QUERY_STRING", "")
            with self.lock:
                self.requests.append(environ["PATH_INFO"] + (f"?{query}" if query else ""))

    def mark(self):
        with self.lock:
            return len(self.requests)

    def since(self, mark):
        with self.lock:
            return self.requests[mark:]


class Edge:
    """Requests through Varnish, and what reached the backend."""

    def __init__(self, server, log):
        self.server = server
        self.url = server.url
        self.log = log
        self.client = httpx.Client(base_url=server.url, timeout=10, trust_env=False)

    def get(self, path, **kwargs):
        return self.client.get(path, **kwargs)

    @contextmanager
    def asked(self):
        """Yields the list of backend requests made inside the block (filled at exit)."""
        seen = []
        mark = self.log.mark()
        yield seen
        seen.extend(self.log.since(mark))


@pytest.fixture
def edge(varnish_server, transactional_db, settings):
    """Varnish emptied, Django purging it, and the backend's requests counted."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    settings.EDGE_PURGE_BACKENDS = {
        "varnish": {"BACKEND": VARNISH_BACKEND, "LOCATIONS": [varnish_server.url]}
    }
    varnish_server.ban_all()
    log = BackendLog()
    request_started.connect(log.record, weak=False, dispatch_uid="test-varnish-backend-log")
    edge = Edge(varnish_server, log)
    try:
        yield edge
    finally:
        request_started.disconnect(dispatch_uid="test-varnish-backend-log")
        edge.client.close()


def cached(response):
    return response.headers.get("X-Cache")


def s_maxage(response):
    match = re.search(r"s-maxage=(\d+)", response.headers.get("Cache-Control", ""))
    return int(match.group(1)) if match else None


def poll(fetch, done, *, within, every=0.05):
    """Call fetch() until done(result); (result, seconds taken), or the last result and None."""
    started = time.monotonic()
    while True:
        result = fetch()
        if done(result):
            return result, time.monotonic() - started
        if time.monotonic() - started > within:
            return result, None
        time.sleep(every)


def recent_posts(html):
    """The Recent Posts block of a page ("" when there is none)."""
    match = re.search(r'<section class="recent-posts".*?</section>', html, re.S)
    return match.group(0) if match else ""


def edit_title(article, title):
    article = Article.objects.get(pk=article.pk)
    article.title = title
    return services.save_article(article, base_version=article.version)


# -- a: pages are served by Varnish ----------------------------------------------------


def test_home_and_article_are_varnish_hits_the_second_time(edge):
    story = ArticleFactory(title="Harbour bridge opens to traffic")
    ArticleFactory(title="Council passes the budget")

    for path in ("/", story.get_absolute_url()):
        with edge.asked() as first_fetches:
            first = edge.get(path)
        assert first.status_code == 200
        assert "Harbour bridge opens to traffic" in first.text
        assert cached(first) == "MISS"
        assert path in first_fetches

        with edge.asked() as second_fetches:
            second = edge.get(path)
        assert second.status_code == 200
        assert cached(second) == "HIT", second.headers
        assert int(second.headers["X-Cache-Hits"]) >= 1
        assert second_fetches == []  # Django was not asked, not even for a fragment
        assert second.text == first.text
        # The index header stays inside Varnish; the keys stay visible for a CDN in front.
        assert "xkey" not in second.headers
        assert "Surrogate-Control" not in second.headers


# -- b: an edit purges what shows the story, nothing else -----------------------------


def test_an_edit_shows_within_a_second_and_leaves_other_stories_cached(edge):
    a = ArticleFactory(title="Original headline of story A")
    b = ArticleFactory(title="Story B stays as it is")
    pages = {"a": a.get_absolute_url(), "b": b.get_absolute_url(), "home": "/"}
    for path in pages.values():
        edge.get(path)
        assert cached(edge.get(path)) == "HIT"

    edit_title(a, "Corrected headline of story A")
    saved = time.monotonic()

    for name in ("a", "home"):
        response, _ = poll(
            lambda name=name: edge.get(pages[name]),
            lambda r: "Corrected headline of story A" in r.text,
            within=1.0,
        )
        assert "Corrected headline of story A" in response.text, f"{name} still stale after 1 s"
        assert time.monotonic() - saved < 1.0
        assert "Original headline of story A" not in response.text
        assert cached(response) == "MISS"  # the first answer after the edit is a fresh one

    with edge.asked() as fetched:
        page_b = edge.get(pages["b"])
    assert cached(page_b) == "HIT"
    assert pages["b"] not in fetched
    # B's page shows A in its Recent Posts: that hole was fetched again, B's page was not.
    assert "Original headline of story A" not in page_b.text


# -- c: a scheduled story goes live by the clock, with no task -----------------------


def test_a_scheduled_story_appears_on_time_through_varnish(edge):
    other = ArticleFactory(title="Already live story")
    story = ArticleFactory(title="Embargoed story goes live", draft=True)
    publish_at = timezone.now() + timezone.timedelta(seconds=3)
    services.schedule(story, publish_at)
    due = publish_at.timestamp()
    # The home page lists it; another story's page shows it in Recent Posts (an ESI fragment).
    pages = ["/", other.get_absolute_url()]

    before = time.time()
    for path in pages:
        first = edge.get(path)
        assert first.status_code == 200
        assert "Embargoed story goes live" not in first.text
        second = edge.get(path)
        assert cached(second) == "HIT"
        assert "Embargoed story goes live" not in second.text
        if path == "/":
            # Varnish may keep the home page only until the story's time ...
            limit = math.ceil(due - before)
            assert 1 <= (s_maxage(first) or 0) <= limit, first.headers.get("Cache-Control")
        else:
            # ... and the article page as long as it likes: its Recent Posts is a hole.
            assert s_maxage(first) > limit

    early = []

    def fetch():
        responses = [edge.get(path) for path in pages]
        return time.time(), responses

    def live(result):
        answered_at, (home, article) = result
        shown = [
            "Embargoed story goes live" in home.text,
            "Embargoed story goes live" in recent_posts(article.text),
        ]
        if any(shown) and answered_at < due:
            early.append(due - answered_at)
        return all(shown)

    (_, (home, article)), _ = poll(fetch, live, within=due - time.time() + 2.5, every=0.1)
    assert not early, f"shown {early[0]:.3f} s before its time"
    assert "Embargoed story goes live" in home.text, "not on the home page 2 s after its time"
    assert "Embargoed story goes live" in recent_posts(article.text), "not in Recent Posts"
    assert time.time() - due <= 2.0
    assert cached(article) == "HIT"  # the article page itself was kept


# -- d: Edge Side Includes ----------------------------------------------------------------


def test_recent_posts_is_an_esi_fragment_purged_on_its_own(edge):
    page_story = ArticleFactory(title="The story being read")
    sidebar_story = ArticleFactory(
        title="Older story only in the sidebar",
        publish_at=timezone.now() - timezone.timedelta(hours=5),
    )
    path = page_story.get_absolute_url()

    with edge.asked() as fetched:
        first = edge.get(path)
    assert first.status_code == 200
    assert "Recent Posts" in first.text
    assert "Older story only in the sidebar" in first.text
    assert "<esi:include" not in first.text
    assert "esi:" not in first.text
    assert any(p.startswith("/_fragment/recent-posts/") for p in fetched), fetched
    assert cached(edge.get(path)) == "HIT"

    edit_title(sidebar_story, "Renamed story in the sidebar")

    with edge.asked() as fetched:
        page = edge.get(path)
    assert cached(page) == "HIT"  # the page object itself was not purged ...
    assert "Renamed story in the sidebar" in page.text  # ... its hole was
    assert "Older story only in the sidebar" not in page.text
    assert path not in fetched
    assert fetched and all(p.startswith("/_fragment/") for p in fetched), fetched


# -- e: what is never shared, and who may purge ----------------------------------------


def test_signed_in_readers_pass_and_anonymous_cookies_are_dropped(edge):
    story = ArticleFactory(title="A story for everyone")
    path = story.get_absolute_url()
    edge.get(path)

    for cookie in ("sessionid=abc123", "csrftoken=x; sessionid=abc123", "messages=xyz"):
        with edge.asked() as fetched:
            responses = [edge.get(path, headers={"Cookie": cookie}) for _ in range(2)]
        assert [cached(r) for r in responses] == ["PASS", "PASS"], cookie
        assert fetched == [path, path], cookie

    with edge.asked() as fetched:
        response = edge.get(path, headers={"Cookie": "_ga=GA1.2.3; csrftoken=abc"})
    assert cached(response) == "HIT"  # other cookies do not split the shared copy
    assert fetched == []

    with edge.asked() as fetched:
        admin = [edge.get("/admin/login/") for _ in range(2)]
    assert [cached(r) for r in admin] == ["PASS", "PASS"]
    assert len(fetched) == 2


def test_purges_only_from_the_acl(edge):
    story = ArticleFactory(title="A story nobody outside may purge")
    path = story.get_absolute_url()
    edge.get(path)
    keys = edge.get(path).headers.get("Surrogate-Key", "home")

    outsider = "203.0.113.7"  # through the PROXY-protocol listener, client.ip is this
    purge = (
        f"PURGE / HTTP/1.1\r\nHost: 127.0.0.1\r\nxkey-purge: {keys}\r\nConnection: close\r\n\r\n"
    ).encode()
    ban = b"BAN / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Ban-All: 1\r\nConnection: close\r\n\r\n"
    assert edge.server.proxied(purge, outsider).startswith(b"HTTP/1.1 403")
    assert edge.server.proxied(ban, outsider).startswith(b"HTTP/1.1 403")
    # A purge relayed by a proxy in front (it adds X-Forwarded-For) is refused too,
    # even when that proxy runs on an allowed address.
    relayed = edge.client.request(
        "PURGE", "/", headers={"xkey-purge": keys, "X-Forwarded-For": "198.51.100.4"}
    )
    assert relayed.status_code == 403
    # Readers from outside are served as usual; methods Varnish does not know are refused.
    get = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
    assert edge.server.proxied(get, outsider).startswith(b"HTTP/1.1 200")
    assert edge.client.request("FROB", "/").status_code == 405
    assert edge.client.request("PURGE", "/").status_code == 400  # no keys named
    assert cached(edge.get(path)) == "HIT"  # nothing above dropped it

    purged = edge.client.request("PURGE", "/", headers={"xkey-purge": keys})
    assert purged.status_code == 200
    assert int(purged.headers["X-Purged"]) >= 1
    assert cached(edge.get(path)) == "MISS"


# -- f: a Varnish that does not answer ---------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers PURGE with `status`, recording each xkey-purge header."""

    status = 200
    seen = None

    def do_PURGE(self):  # noqa: N802 (the HTTP method's name)
        self.seen.append(self.headers.get("xkey-purge", ""))
        self.send_response(self.status)
        self.send_header("X-Purged", "1")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@contextmanager
def recorder(status):
    handler = type("Handler", (_Recorder,), {"status": status, "seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.seen
    finally:
        server.shutdown()
        server.server_close()


def test_backend_reports_every_host_that_failed(edge):
    stopped = f"http://127.0.0.1:{varnish.free_port()}"  # nothing listens there
    with pytest.raises(EdgePurgeError, match=re.escape(stopped)):
        VarnishBackend([stopped], timeout=0.5).purge_keys(["home"])
    with pytest.raises(EdgePurgeError, match=re.escape(stopped)):
        VarnishBackend([stopped], timeout=0.5).purge_all()

    # The hosts after a failed one are still purged; only the failed one is named.
    ArticleFactory(title="Front page story")
    edge.get("/")
    assert cached(edge.get("/")) == "HIT"
    with recorder(503) as (refusing, _), pytest.raises(EdgePurgeError) as failure:
        VarnishBackend([stopped, refusing, edge.url], timeout=0.5).purge_keys(["home"])
    assert stopped in str(failure.value)
    assert f"{refusing}/ (answered 503" in str(failure.value)
    assert edge.url not in str(failure.value)
    assert cached(edge.get("/")) == "MISS"


def test_backend_needs_http_locations():
    for locations in ([], [""], ["127.0.0.1:8080"]):
        with pytest.raises(ImproperlyConfigured):
            VarnishBackend(locations)


def test_backend_sends_long_key_lists_in_batches():
    keys = [f"article:{n}" for n in range(2000)]
    with recorder(200) as (url, seen):
        purged = VarnishBackend([url]).purge_keys(keys)
    assert len(seen) > 1
    assert all(len(header.encode()) <= MAX_HEADER_BYTES for header in seen)
    assert sorted(k for header in seen for k in header.split()) == sorted(keys)
    assert purged == len(seen)


def test_a_save_succeeds_while_varnish_is_down_and_the_purge_is_retried(
    edge, settings, monkeypatch, caplog
):
    from caching import tasks

    stopped = f"http://127.0.0.1:{varnish.free_port()}"
    settings.EDGE_PURGE_BACKENDS = {
        "varnish": {"BACKEND": VARNISH_BACKEND, "LOCATIONS": [stopped], "TIMEOUT": 0.5}
    }
    assert isinstance(edge_backends.configured()["varnish"], VarnishBackend)
    story = ArticleFactory(title="Saved while the edge is down")

    # Tasks run in-process here: the failure is logged, the save goes through.
    saved = edit_title(story, "Saved again while the edge is down")
    assert Article.objects.get(pk=saved.pk).title == "Saved again while the edge is down"
    assert stopped in caplog.text

    # With a broker, the failed purge is queued for a worker to retry.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    retries = []
    monkeypatch.setattr(
        tasks.purge_edge, "apply_async", lambda *args, **kwargs: retries.append((args, kwargs))
    )
    saved = edit_title(saved, "Saved a third time while the edge is down")
    assert Article.objects.get(pk=saved.pk).title == "Saved a third time while the edge is down"
    assert retries, "no retry was queued"
    ((keys, failed),) = retries[-1][0]
    assert failed == ["varnish"]
    assert f"article:{story.pk}" in keys
