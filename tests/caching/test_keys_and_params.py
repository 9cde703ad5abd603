"""A page's cache key is what its view reads: the path and the declared query parameters.

Parameters a view does not read (`?cachebust=1`, `utm_*`, typos) neither render
the page again nor make new entries; a repeated parameter counts with its last
value, as the view reads it. The Host is not part of the key. Holes are
answered apart, at /_fragment/<name>/.
"""

from unittest import mock

import pytest

from caching import pages, store
from tests.factories import ArticleFactory

from .support import ESI, cached, html, newsroom, surrogate_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def news(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return newsroom()


@pytest.fixture
def stored():
    """The keys of pages and fragments stored from now on (calls of store.set_many)."""
    keys = []
    real = store.set_many

    def recording(items, *, since):
        keys.extend(key for key in items if key.startswith("caching:page:"))
        return real(items, since=since)

    with mock.patch.object(store, "set_many", recording):
        yield keys


# -- query parameters ----------------------------------------------------------------


def test_a_repeated_parameter_counts_with_its_last_value_as_the_view_reads_it(news, client):
    # Texts of their own, with words no generated text holds and no stop list drops
    # ("other" is one of PostgreSQL's English stop words).
    armenia = ArticleFactory(
        title="Armenia signs the treaty",
        slug="armenia-signs",
        dek="The treaty was signed in Yerevan.",
        body="<p>The treaty was signed in Yerevan on Monday.</p>",
    )
    other = ArticleFactory(
        title="Zvartnots reopens to visitors",
        slug="zvartnots-reopens",
        dek="The cathedral's ruins are open again.",
        body="<p>The ruins of Zvartnots are open again, in brief.</p>",
    )
    first = cached(client, "/search/?q=armenia")
    assert armenia.get_absolute_url() in html(first)
    response = client.get("/search/?q=armenia&q=zvartnots")
    assert response["X-Cache"] == "miss"
    assert other.get_absolute_url() in html(response)
    assert armenia.get_absolute_url() not in html(response)
    # It is the entry of ?q=zvartnots.
    again = client.get("/search/?q=zvartnots")
    assert again["X-Cache"] == "hit"
    assert again.content == response.content


@pytest.mark.parametrize(
    ("canonical", "variant"),
    [
        ("/", "/?cachebust=1"),
        ("/", "/?utm_source=x&utm_medium=social&fbclid=abc&gclid=1"),
        ("/", "/?Cachebust=2&nonsense"),
        ("/category/politics/", "/category/politics/?utm_campaign=y"),
        ("/category/politics/?page=1", "/category/politics/?utm_campaign=y&page=1"),
        ("/category/politics/?page=1", "/category/politics/?page=1&cachebust=3"),
        ("/search/?q=budget", "/search/?utm_campaign=y&q=budget&cachebust=1"),
        ("/feed/", "/feed/?cachebust=1"),
        ("/tag/budget/", "/tag/budget/?fbclid=x"),
    ],
)
def test_parameters_the_page_does_not_read_are_served_its_entry_without_rendering(
    news, client, stored, canonical, variant, django_assert_num_queries
):
    page = cached(client, canonical)
    stored.clear()
    with django_assert_num_queries(0):
        response = client.get(variant)
    assert response["X-Cache"] == "hit"
    assert response.content == page.content
    assert stored == []


def test_an_unread_parameter_on_a_page_not_cached_yet_fills_the_plain_entry(news, client, stored):
    response = client.get("/category/politics/?cachebust=7&utm_source=x")
    assert response["X-Cache"] == "miss"
    plain = pages.cache_key("/category/politics/", [])
    holes = {pages.cache_key("/_fragment/breaking-news/", [])}
    assert set(stored) == {plain} | holes
    assert pages.cache_key("/category/politics/", [("cachebust", "7")]) not in stored
    stored.clear()
    assert client.get("/category/politics/")["X-Cache"] == "hit"
    assert client.get("/category/politics/?cachebust=8")["X-Cache"] == "hit"
    assert stored == []


def test_parameters_the_page_reads_make_their_own_entries(news, client, settings):
    settings.ARTICLES_PER_PAGE = 1
    ArticleFactory(category=news["politics"], title="Second politics story")
    first = cached(client, "/category/politics/")
    second = client.get("/category/politics/?page=2")
    assert second["X-Cache"] == "miss"
    assert second.content != first.content
    assert client.get("/search/?q=parliament")["X-Cache"] == "miss"
    assert client.get("/search/?q=other")["X-Cache"] == "miss"


def test_a_redirect_is_not_stored_with_the_query_it_was_asked_with(news, client):
    first = client.get("/category/politics?utm_campaign=x")
    assert first.status_code == 301
    assert "utm_campaign=x" in first["Location"]
    plain = client.get("/category/politics")
    assert plain.status_code == 301
    assert plain["X-Cache"] == "miss"
    assert plain["Location"] == "/category/politics/"
    # Without a query it is stored, and given to the next reader.
    again = client.get("/category/politics")
    assert (again["X-Cache"], again["Location"]) == ("hit", "/category/politics/")
    # Nobody else is sent to the first reader's campaign.
    for query in ("utm_campaign=someone-else", "foo=1", ""):
        other = client.get(f"/category/politics?{query}")
        assert other.status_code == 301
        assert "utm_campaign=x" not in other["Location"]


# -- hosts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["localhost", "LOCALHOST", "localhost.", "LocalHost:80", "127.0.0.1", "127.0.0.1."]
)
def test_every_spelling_of_an_allowed_host_gets_the_same_entry(news, client, settings, spelling):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    cached(client, "/", HOST="localhost")
    response = client.get("/", headers={"Host": spelling})
    assert (response.status_code, response["X-Cache"]) == (200, "hit")


def test_a_host_not_allowed_gets_400_and_never_the_cached_page(news, client, settings):
    settings.ALLOWED_HOSTS = ["localhost"]
    cached(client, "/", HOST="localhost")
    response = client.get("/", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "X-Cache" not in response
    assert b"Parliament" not in response.content


# -- holes ---------------------------------------------------------------------------


def test_the_edge_gets_the_recent_posts_as_an_include_and_others_the_block(news, client):
    a = news["a"]
    url = a.get_absolute_url()
    src = f"/_fragment/recent-posts/?exclude={a.pk}"
    for_varnish = client.get(url, headers=ESI)
    assert f'<esi:include src="{src}" />' in html(for_varnish)
    assert 'class="recent-posts"' not in html(for_varnish)
    assert for_varnish["Surrogate-Control"] == 'content="ESI/1.0"'
    for_readers = client.get(url)
    assert "<esi:include" not in html(for_readers)
    block = html(for_readers).split('class="recent-posts"', 1)[1]
    assert "Cup final goes to extra time" in block
    assert "Surrogate-Control" not in for_readers
    # The same stored page serves both.
    assert for_readers["X-Cache"] == "hit"


def test_a_fragment_answers_its_block_with_its_own_keys(news, client):
    a, b, c = news["a"], news["b"], news["c"]
    response = client.get(f"/_fragment/recent-posts/?exclude={a.pk}")
    assert response.status_code == 200
    page = html(response)
    assert "Cup final goes to extra time" in page and "Film festival opens" in page
    assert "Parliament passes the budget" not in page
    assert "<html" not in page
    keys = surrogate_keys(response)
    assert {"recent", f"article:{b.pk}", f"article:{c.pk}"} <= keys
    assert f"article:{a.pk}" not in keys
    assert response["X-Robots-Tag"] == "noindex"
    assert client.get(f"/_fragment/recent-posts/?exclude={a.pk}")["X-Cache"] == "hit"


def test_a_fragments_other_parameters_are_not_part_of_its_key(news, client):
    a = news["a"]
    cached(client, f"/_fragment/recent-posts/?exclude={a.pk}")
    response = client.get(f"/_fragment/recent-posts/?exclude={a.pk}&limit=50&x=1")
    assert response["X-Cache"] == "hit"


def test_an_unknown_fragment_is_404(news, client):
    assert client.get("/_fragment/no-such-block/").status_code == 404
    assert client.get("/_fragment/no-such-block/").status_code == 404
