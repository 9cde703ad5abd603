"""Public pages point clients to the API as WordPress's do: a <link> and a Link header."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from lxml import html

from tests.factories import ArticleFactory

API_REL = "https://api.w.org/"


def test_pages_announce_the_api_in_head_and_header_also_when_cached(db, client):
    story = ArticleFactory()
    for url in ("/", story.get_absolute_url(), f"/category/{story.category.slug}/"):
        for expected in ("miss", "hit"):
            response = client.get(url)
            assert response.status_code == 200
            assert response["X-Cache"] == expected
            assert f'<http://testserver/wp-json/>; rel="{API_REL}"' in response["Link"]
            links = html.fromstring(response.content).xpath(f'//head/link[@rel="{API_REL}"]')
            assert [link.get("href") for link in links] == ["http://testserver/wp-json/"]


def test_the_announcement_costs_no_query(db, settings):
    story = ArticleFactory()
    settings.PAGE_CACHE_ENABLED = False  # every request renders

    def queries():
        client = Client()  # loads the middleware as set now
        client.get(story.get_absolute_url())  # warm per-process lookups
        with CaptureQueriesContext(connection) as captured:
            response = client.get(story.get_absolute_url())
        return len(captured), response.has_header("Link")

    with_link = queries()
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("ApiDiscoveryMiddleware")
    ]
    without = queries()
    assert with_link == (without[0], True)
    assert without[1] is False


def test_feeds_carry_no_html_announcement(db, client):
    ArticleFactory()
    response = client.get("/feed/")
    assert response.status_code == 200
    assert API_REL not in response.get("Link", "")
