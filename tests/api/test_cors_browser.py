"""A web app on another origin reads the APIs from a real browser (Debian's Chromium)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.factories import ArticleFactory

pytestmark = pytest.mark.browser

READ = """async (url) => {
  try {
    const response = await fetch(url);
    const body = await response.json();
    return {status: response.status, total: response.headers.get("X-WP-Total"),
            next: (response.headers.get("Link") || "").includes('rel="next"'),
            items: Array.isArray(body) ? body.length : body.results.length};
  } catch (error) {
    return {blocked: String(error)};
  }
}"""


class AppPage(BaseHTTPRequestHandler):
    """An app's empty page, on an origin of its own."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<!doctype html><title>app</title>")

    def log_message(self, *args):
        pass


@pytest.fixture
def app_origin():
    server = ThreadingHTTPServer(("127.0.0.1", 0), AppPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_an_app_on_another_origin_reads_both_apis_and_their_paging_headers(
    transactional_db, live_server, browser, settings, app_origin
):
    ArticleFactory.create_batch(3)
    page = browser.new_page()
    page.goto(app_origin)
    api = live_server.url
    assert not api.startswith(app_origin.rstrip("/"))
    wordpress = page.evaluate(READ, f"{api}/wp-json/wp/v2/posts?per_page=2")
    assert wordpress == {"status": 200, "total": "3", "next": True, "items": 2}
    native = page.evaluate(READ, f"{api}/api/v1/stories/")
    assert native == {"status": 200, "total": None, "next": False, "items": 3}
    # The site's pages allow no other origin: the browser refuses to hand them over.
    assert "blocked" in page.evaluate(READ, f"{api}/feed/")
