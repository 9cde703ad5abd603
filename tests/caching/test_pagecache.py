"""The page cache (caching.middleware): whole public responses for anonymous readers.

A hit is answered before sessions, views, the database and templates. Staff and
preview links always get their own rendering. Responses name the keys they show
for the edge (Surrogate-Key, Cache-Tag) and say how long shared caches and
browsers may keep them.
"""

import gzip
import re
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache, caches
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.signals import template_rendered
from django.urls import include, path
from django.utils import timezone
from taggit.models import Tag

from articles.preview import preview_url
from caching import pages, purges, store
from caching.keys import listing
from caching.redis import UNREACHABLE, CacheUnavailable
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    StaffUserFactory,
)

from .support import ESI, ago, cache_control, cached, failing_cache, html, surrogate_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    category = CategoryFactory(name="Politics", slug="politics", show_on_home=True)
    author = AuthorFactory(name="Ani Hakobyan", slug="ani-hakobyan")
    article = ArticleFactory(
        title="Parliament passes the budget",
        category=category,
        authors=[author],
        tags=["budget"],
    )
    return {"category": category, "author": author, "article": article}


def public_url(site, name):
    article = site["article"]
    when = article.local_publish_at
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "category": "/category/politics/",
        "tag": "/tag/budget/",
        "author": "/author/ani-hakobyan/",
        "year": f"/{when:%Y}/",
        "month": f"/{when:%Y/%m}/",
        "search": "/search/?q=budget",
        "feed": "/feed/",
        "atom": "/feed/atom/",
        "category-feed": "/category/politics/feed/",
        "tag-feed": "/tag/budget/feed/",
        "author-feed": "/author/ani-hakobyan/feed/",
        "sitemap": "/sitemap.xml",
        "sitemap-month": f"/sitemap-articles-{when:%Y-%m}.xml",
        "sitemap-categories": "/sitemap-categories.xml",
        "news-sitemap": "/news-sitemap.xml",
        "404": "/no-such-page/",
        "day-link": f"/{when:%Y/%m/%d}/{article.slug}/",
    }[name]


PUBLIC_PAGES = [
    "home",
    "article",
    "category",
    "tag",
    "author",
    "year",
    "month",
    "search",
    "feed",
    "atom",
    "category-feed",
    "tag-feed",
    "author-feed",
    "sitemap",
    "sitemap-month",
    "sitemap-categories",
    "news-sitemap",
    "404",
    "day-link",
]


# -- what is cached, and how ---------------------------------------------------------


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_every_public_page_is_a_hit_the_second_time_with_no_query_and_no_session(
    site, client, page, django_assert_num_queries
):
    url = public_url(site, page)
    first = client.get(url)
    assert first["X-Cache"] == "miss"
    with (
        mock.patch(
            "django.contrib.sessions.middleware.SessionMiddleware.process_request"
        ) as session,
        django_assert_num_queries(0),
    ):
        second = client.get(url)
    assert second["X-Cache"] == "hit"
    assert second.status_code == first.status_code
    assert second.content == first.content
    assert not second.templates
    session.assert_not_called()
    assert "Set-Cookie" not in second and not second.cookies


@pytest.mark.parametrize("page", ["home", "article", "category", "404"])
def test_the_content_length_sent_is_the_length_of_the_content(site, client, page):
    # The holes are filled in after the view's response was measured: the length
    # sent must be that of the page with its holes.
    ArticleFactory(title="Another story for the sidebar", publish_at=ago(hours=5))
    url = public_url(site, page)
    for expected in ("miss", "hit"):
        response = client.get(url)
        assert response["X-Cache"] == expected
        if response.has_header("Content-Length"):
            assert int(response["Content-Length"]) == len(response.content), expected


def test_a_404_and_a_301_are_cached(site, client):
    assert client.get("/no-such-page/").status_code == 404
    response = client.get("/no-such-page/")
    assert (response.status_code, response["X-Cache"]) == (404, "hit")
    day_link = public_url(site, "day-link")
    client.get(day_link)
    response = client.get(day_link)
    assert (response.status_code, response["X-Cache"]) == (301, "hit")
    assert response["Location"] == site["article"].get_absolute_url()


def _cache_reads():
    """A spy on the page cache's reads (Redis: get_many_fast; others: get_many)."""
    backend = caches["default"]
    name = "get_many_fast" if hasattr(backend, "get_many_fast") else "get_many"
    return mock.patch.object(backend, name, wraps=getattr(backend, name))


def test_a_process_serves_its_own_copy_while_no_purge_happened_anywhere(site, client, settings):
    settings.PAGE_CACHE_LOCAL_TRUST_SECONDS = 0  # every hit asks whether a purge happened
    url = site["article"].get_absolute_url()
    stored = cached(client, url)  # found in the store: the process keeps a copy
    with _cache_reads() as reads:
        copy = client.get(url)
    assert copy["X-Cache"] == "hit"
    assert copy.content == stored.content
    assert copy["ETag"] == stored["ETag"]
    assert surrogate_keys(copy) == surrogate_keys(stored)
    # One number read: the purge sequence.
    assert [call.args[0] for call in reads.call_args_list] == [[store.SEQUENCE]]
    # A purge anywhere (here of something else) ends every copy: the store is asked again.
    purges.purge({"article:999999"})
    with _cache_reads() as reads:
        again = client.get(url)
    assert again["X-Cache"] == "hit"
    assert reads.call_count > 1


def test_a_story_that_did_not_change_is_rendered_again_without_the_database(
    site, client, render_anyway, django_assert_num_queries
):
    url = site["article"].get_absolute_url()
    first = client.get(url, headers=render_anyway)
    with django_assert_num_queries(0):
        again = client.get(url, headers=render_anyway)
    assert again["X-Cache"] == "bypass"

    # The same page (but for each response's own nonce): its row came from the cache.
    def without_nonce(response):
        return re.sub(r'nonce="[^"]+"', "", html(response))

    assert without_nonce(again) == without_nonce(first)
    assert "Parliament passes the budget" in html(again)
    assert 'aria-current="page"' in html(again).split("</nav>")[0]


def test_a_change_of_the_story_or_its_section_is_rendered_at_once(
    site, client, render_anyway, django_capture_on_commit_callbacks
):
    article, category = site["article"], site["category"]
    url = article.get_absolute_url()
    client.get(url, headers=render_anyway)
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Parliament rejects the budget"
        article.dek = "A new excerpt for the description."
        article.save()
    page = html(client.get(url, headers=render_anyway))
    assert "<title>Parliament rejects the budget" in page
    assert 'content="A new excerpt for the description."' in page
    with django_capture_on_commit_callbacks(execute=True):
        category.slug = "government"
        category.save()
    page = html(client.get(url, headers=render_anyway))
    assert 'href="/category/government/" aria-current="page"' in page


def test_a_story_taken_off_the_site_is_not_answered_from_its_cached_row(
    site, client, render_anyway, django_capture_on_commit_callbacks
):
    article = site["article"]
    url = article.get_absolute_url()
    assert client.get(url, headers=render_anyway).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        article.status = article.Status.UNPUBLISHED
        article.save()
    assert client.get(url, headers=render_anyway).status_code == 404


def test_a_cached_row_of_another_shape_is_not_used(
    site, client, render_anyway, django_assert_num_queries
):
    """A row stored by an older version of the view (other fields) is read again."""
    from caching import fragments

    article = site["article"]
    url = article.get_absolute_url()
    client.get(url, headers=render_anyway)
    found = fragments.get_many([f"article-row:{article.slug}"])
    fields, values, facts = found[f"article-row:{article.slug}"]
    fragments.set_many(
        {f"article-row:{article.slug}": ((fields[:-1], values[:-1], facts), {"x"})},
        since=found.since,
    )
    response = client.get(url, headers=render_anyway)
    assert response.status_code == 200
    assert "Parliament passes the budget" in html(response)
    # Facts of another shape (no tags): read again too, and kept as this code keeps them.
    found = fragments.get_many([f"article-row:{article.slug}"])
    assert found[f"article-row:{article.slug}"][2]["tag_ids"]
    older = {k: v for k, v in facts.items() if k != "tag_ids"}
    fragments.set_many(
        {f"article-row:{article.slug}": ((fields, values, older), {"x"})}, since=found.since
    )
    purges.purge({listing(f"section:{article.category_id}")})  # the related stories
    with django_assert_num_queries(3):  # the row, its tags, the related stories
        response = client.get(url, headers=render_anyway)
    assert "Parliament passes the budget" in html(response)
    found = fragments.get_many([f"article-row:{article.slug}"])
    assert found[f"article-row:{article.slug}"][2] == facts


@pytest.fixture
def templates_rendered():
    """The names of the templates rendered while the test runs, in order."""
    names = []

    def seen(sender, template, **kwargs):
        names.append(template.name)

    template_rendered.connect(seen)
    yield names
    template_rendered.disconnect(seen)


def test_a_story_page_purged_for_its_related_stories_is_put_together_from_its_frame(
    site,
    client,
    render_anyway,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
    templates_rendered,
):
    """The page but its related stories is cached as the story's frame: a page purged
    because a story entered one of the lists its related stories come from is rendered
    again from the frame and a new related list, without the page's templates."""
    article = site["article"]
    url = article.get_absolute_url()
    first = client.get(url)
    assert "base.html" in templates_rendered
    with mock.patch.object(store, "purge"), django_capture_on_commit_callbacks(execute=True):
        ArticleFactory(
            title="The budget's second reading",
            category=CategoryFactory(name="Economy", slug="economy"),
            tags=["budget"],
            publish_at=timezone.now() - timedelta(minutes=5),
        )
    assert "second reading" not in html(client.get(url))
    # The tag's list: the page and its related stories are purged, the frame is not.
    purges.purge({listing(f"tag:{Tag.objects.get(slug='budget').pk}")})
    templates_rendered.clear()
    with django_assert_num_queries(1):  # the related stories: the row and tags are cached
        again = client.get(url)
    assert again["X-Cache"] == "miss"
    assert templates_rendered == ["articles/includes/related.html"]
    assert "The budget&#x27;s second reading" in html(again)

    def without(response, *parts):
        page = re.sub(r'nonce="[^"]+"', "", html(response))
        for part in parts:
            page = page.replace(part, "")
        return re.sub(r'<section class="related".*?</section>', "", page, flags=re.S)

    assert without(again) == without(first)
    # What the frame shows is the story's own: a change of the story renders it again.
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Parliament passes the budget at last"
        article.save()
    assert "<title>Parliament passes the budget at last" in html(client.get(url))
    assert "base.html" in templates_rendered


def test_a_story_page_for_the_cache_keeps_no_nonce_and_staff_get_no_frame(
    site, client, render_anyway, templates_rendered
):
    url = site["article"].get_absolute_url()
    pages = [client.get(url, headers=render_anyway) for _ in range(3)]
    nonces = [re.search(r'<script [^>]*nonce="([^"]+)"', html(p))[1] for p in pages]
    assert len(set(nonces)) == 3
    assert templates_rendered.count("base.html") == 1
    # Staff get their own rendering, holes inline: from the templates, not the frame.
    client.force_login(StaffUserFactory())
    templates_rendered.clear()
    staff = client.get(url)
    assert "base.html" in templates_rendered
    assert "<esi:include" not in html(staff)
    assert re.search(r'<script [^>]*nonce="([^"]+)"', html(staff))[1] not in nonces


def test_the_home_page_rendered_again_asks_no_statement_until_a_list_changes(
    site, client, render_anyway, django_assert_num_queries, django_capture_on_commit_callbacks
):
    category = site["category"]
    elsewhere = CategoryFactory(name="Sport", slug="sport", show_on_home=False)
    client.get("/", headers=render_anyway)
    with django_assert_num_queries(0):
        again = client.get("/", headers=render_anyway)
    assert again["X-Cache"] == "bypass"
    assert "Parliament passes the budget" in html(again)

    def behind_the_caches_back(**fields):
        with mock.patch.object(store, "purge"), django_capture_on_commit_callbacks(execute=True):
            ArticleFactory(**fields)

    # Which stories the page shows is cached under the lists it draws them from: the
    # latest stories (`home`) and each home section's list.
    now = timezone.now()
    behind_the_caches_back(
        title="A match was played", category=elsewhere, publish_at=now - timedelta(minutes=10)
    )
    assert "A match was played" not in html(client.get("/", headers=render_anyway))
    purges.purge({"home"})
    assert "A match was played" in html(client.get("/", headers=render_anyway))
    behind_the_caches_back(
        title="A newer vote", category=category, publish_at=now - timedelta(minutes=30)
    )
    assert "A newer vote" not in html(client.get("/", headers=render_anyway))
    # Its section's list alone: the lists are read again (the latest and the block).
    purges.purge({listing(f"section:{category.pk}")})
    assert html(client.get("/", headers=render_anyway)).count("A newer vote") == 2
    # A section renamed or taken off the home page (their saves purge them).
    with django_capture_on_commit_callbacks(execute=True):
        category.name = "Government"
        category.save()
    page = html(client.get("/", headers=render_anyway))
    assert 'class="section-title"><a href="/category/politics/">Government</a>' in page
    with django_capture_on_commit_callbacks(execute=True):
        category.show_on_home = False
        category.save()
    assert 'class="category-block"' not in html(client.get("/", headers=render_anyway))


def test_a_scheduled_story_reaches_the_home_page_at_its_time(
    site, client, render_anyway, django_capture_on_commit_callbacks
):
    # In a section without a block: only the latest list shows it.
    elsewhere = CategoryFactory(name="Sport", slug="sport", show_on_home=False)
    with django_capture_on_commit_callbacks(execute=True):
        ArticleFactory(
            title="Tomorrow's story",
            category=elsewhere,
            publish_at=timezone.now() + timedelta(hours=1),
        )
    assert "Tomorrow&#x27;s story" not in html(client.get("/", headers=render_anyway))
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        assert "Tomorrow&#x27;s story" in html(client.get("/", headers=render_anyway))


def test_sitewide_markup_follows_the_settings_and_each_response_keeps_its_nonce(
    site, client, render_anyway, settings
):
    url = site["article"].get_absolute_url()
    answers = [client.get(url, headers=render_anyway) for _ in range(2)]
    nonces = [re.search(r'<script [^>]*nonce="([^"]+)"', html(a))[1] for a in answers]
    assert nonces[0] != nonces[1]
    for answer, nonce in zip(answers, nonces, strict=True):
        assert f"'nonce-{nonce}'" in answer["Content-Security-Policy"]
    settings.SITE_NAME = "The Other Paper"
    page = html(client.get(url, headers=render_anyway))
    assert '<a class="site-title" href="/">The Other Paper</a>' in page


def test_a_page_rendered_again_reads_the_store_in_one_round_trip(site, client, render_anyway):
    url = site["article"].get_absolute_url()
    # The first renderings store the fragments, holes and schedule the page reads.
    for _ in range(2):
        assert client.get(url, headers=render_anyway)["X-Cache"] == "bypass"
    with _cache_reads() as reads:
        response = client.get(url, headers=render_anyway)
    assert response["X-Cache"] == "bypass"
    # Fragments, holes and the schedule of upcoming moments, with the purge sequence.
    (read,) = [call.args[0] for call in reads.call_args_list]
    assert store.SEQUENCE in read
    assert "caching:schedule" in read


def test_a_copy_found_current_is_served_without_asking_for_a_moment(site, client, settings):
    settings.PAGE_CACHE_LOCAL_TRUST_SECONDS = 60
    url = site["article"].get_absolute_url()
    stored = cached(client, url)
    with _cache_reads() as reads:
        copy = client.get(url)
    assert copy["X-Cache"] == "hit" and copy.content == stored.content
    reads.assert_not_called()
    # Requests from Varnish, which keeps what it gets until purged, always ask.
    client.get(url, HTTP_SURROGATE_CAPABILITY='varnish="ESI/1.0"')
    with _cache_reads() as reads:
        client.get(url, HTTP_SURROGATE_CAPABILITY='varnish="ESI/1.0"')
    assert [call.args[0] for call in reads.call_args_list] == [[store.SEQUENCE]]
    # A purge made by this process is seen at once.
    site["article"].title = "Parliament rejects the budget"
    site["article"].save()
    assert "Parliament rejects the budget" in html(client.get(url))


def test_a_purge_made_elsewhere_reaches_a_trusted_copy_within_the_trust_time(
    site, client, settings
):
    settings.PAGE_CACHE_LOCAL_TRUST_SECONDS = 0.5
    url = site["article"].get_absolute_url()
    cached(client, url)
    # As another process would: the store is told, this process's count is not.
    with mock.patch.object(store, "_local_purges", store.local_purges()):
        store.purge({f"article:{site['article'].pk}"})
    time.sleep(0.6)
    assert client.get(url)["X-Cache"] == "miss"


def test_a_processs_copy_goes_compressed_to_readers_that_take_gzip(site, client):
    url = site["article"].get_absolute_url()
    plain = cached(client, url)
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["X-Cache"] == "hit"
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == plain.content
    # Another representation, another validator; caches keep both apart.
    assert response["ETag"] == "W/" + plain["ETag"]
    assert "Accept-Encoding" in response["Vary"]
    revalidated = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=response["ETag"])
    assert revalidated.status_code == 304
    identity = client.get(url)
    assert not identity.has_header("Content-Encoding")
    assert identity.content == plain.content


def test_a_processs_copy_ends_with_a_purge_of_what_it_shows(site, client):
    url = site["article"].get_absolute_url()
    cached(client, url)
    client.get(url)
    site["article"].title = "Parliament rejects the budget"
    site["article"].save()
    response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "Parliament rejects the budget" in html(response)


def test_a_processs_copy_ends_at_its_deadline(site, client):
    with time_machine.travel(time.time(), tick=False) as clock:
        ArticleFactory(
            title="Embargo lifts at noon",
            category=site["category"],
            publish_at=timezone.now() + timedelta(minutes=5),
        )
        cached(client, "/")
        assert client.get("/")["X-Cache"] == "hit"
        clock.shift(timedelta(minutes=5, seconds=1))
        response = client.get("/")
        assert response["X-Cache"] == "miss"
        assert "Embargo lifts at noon" in html(response)


def test_a_head_request_is_answered_from_the_cache(site, client):
    cached(client, "/")
    response = client.head("/")
    assert (response.status_code, response["X-Cache"]) == (200, "hit")


@pytest.mark.parametrize("page", ["home", "article", "feed", "sitemap", "404"])
def test_responses_tell_shared_caches_and_browsers_how_long_to_keep_them(
    site, client, settings, page
):
    url = public_url(site, page)
    longest = {
        "feed": settings.FEED_CACHE_SECONDS,
        "sitemap": settings.FEED_CACHE_SECONDS,
        "404": settings.PAGE_CACHE_404_SECONDS,
    }.get(page, settings.PAGE_CACHE_EDGE_SECONDS)
    for response in (client.get(url), client.get(url)):
        control = cache_control(response)
        assert control.get("public") is True
        # Browsers briefly (nobody can purge them), shared caches long (purged by key).
        assert 0 < control["max-age"] <= settings.PAGE_CACHE_MAX_AGE
        assert longest - 5 <= control["s-maxage"] <= longest
        assert "Cookie" in response["Vary"]
        if response.status_code == 200:
            assert response["ETag"] and response["Last-Modified"]
    assert response["X-Cache"] == "hit"


@pytest.mark.parametrize("warm", [False, True])
def test_pages_answer_conditional_gets_with_304(site, client, warm):
    url = site["article"].get_absolute_url()
    if warm:
        client.get(url)
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_changed_page_has_a_new_etag(site, client):
    url = site["article"].get_absolute_url()
    before = cached(client, url)["ETag"]
    site["article"].title = "Parliament rejects the budget"
    site["article"].save()
    response = client.get(url, HTTP_IF_NONE_MATCH=before)
    assert response.status_code == 200
    assert response["ETag"] != before


def test_staff_always_get_fresh_private_pages_that_are_never_stored(site, client):
    client.force_login(StaffUserFactory(role="Editor"))
    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 200
        assert response.templates  # rendered, not replayed
        assert "X-Cache" not in response
        control = cache_control(response)
        assert control.get("private") is True and "public" not in control
        assert "Surrogate-Key" not in response
    client.logout()
    client.cookies.clear()
    assert client.get("/")["X-Cache"] == "miss"


def test_staff_do_not_get_the_public_copy(site, client):
    cached(client, "/")
    client.force_login(StaffUserFactory(role="Editor"))
    response = client.get("/")
    assert "X-Cache" not in response
    assert "private" in cache_control(response)


def test_a_staff_page_shows_a_change_of_its_blocks_at_once(site, client):
    # Staff pages are rendered each time; their blocks come from the cache.
    client.force_login(StaffUserFactory(role="Editor"))
    url = site["article"].get_absolute_url()
    client.get(url)
    with mock.patch("widgets.selectors.recent_posts") as recent:
        client.get(url)
    recent.assert_not_called()
    ArticleFactory(title="Late result from the north")
    page = html(client.get(url))
    assert "Late result from the north" in page.split('class="recent-posts"', 1)[1]


def test_a_preview_link_is_never_stored_nor_served_from_the_cache(db, client):
    article = ArticleFactory(draft=True, title="Embargoed story")
    url = preview_url(article)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "Embargoed story" in html(response)
        assert "X-Cache" not in response
        assert "private" in cache_control(response)
    public = client.get(article.get_absolute_url())
    assert public.status_code == 404
    assert "Embargoed story" not in html(public)


def test_public_pages_carry_no_per_reader_data(site, client):
    search = client.get("/search/?q=budget")
    assert "csrfmiddlewaretoken" not in html(search)
    assert not search.cookies
    assert not client.get("/").cookies


def test_the_bypass_header_works_only_in_the_benchmarks_stack(site, client, request):
    cached(client, "/")
    assert client.get("/", HTTP_X_BENCH_BYPASS="1")["X-Cache"] == "hit"
    bypass = request.getfixturevalue("render_anyway")  # the benchmark's middleware
    bench = Client()
    assert bench.get("/", headers=bypass)["X-Cache"] == "bypass"
    assert bench.get("/")["X-Cache"] == "hit"


def test_page_cache_off_renders_every_time_and_stores_nothing(site, client, settings):
    settings.PAGE_CACHE_ENABLED = False
    ArticleFactory(title="Another story for the sidebar", publish_at=ago(hours=5))
    with mock.patch.object(store, "set_many", wraps=store.set_many) as stored:
        for _ in range(2):
            response = client.get(site["article"].get_absolute_url())
            assert response.status_code == 200
            assert response.templates
            assert "X-Cache" not in response
    page = html(response)
    assert "<esi:include" not in page
    assert "Another story for the sidebar" in page.split('class="recent-posts"', 1)[1]
    stored_pages = [
        key
        for call in stored.call_args_list
        for key in call.args[0]
        if key.startswith(pages.PAGE_PREFIX)
    ]
    assert stored_pages == []


# -- what a view says about its response ----------------------------------------------


def _probe(kind):
    def view(request):
        response = HttpResponse(f"probe {kind} {time.monotonic_ns()}")
        if kind == "no-store":
            response["Cache-Control"] = "no-store"
        elif kind == "private":
            response["Cache-Control"] = "private, max-age=60"
        elif kind == "no-cache":
            response["Cache-Control"] = "no-cache"
        elif kind == "cookie":
            response.set_cookie("seen", "1")
        elif kind == "vary":
            response["Vary"] = "Accept-Language"
        elif kind == "error":
            response.status_code = 500
        elif kind == "gone":
            response.status_code = 410
        return response

    return view


PROBES = ["plain", "no-store", "private", "no-cache", "cookie", "vary", "error", "gone"]
urlpatterns = [path(f"probe/{kind}/", _probe(kind)) for kind in PROBES] + [
    path("", include("newsroom.urls")),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("kind", ["no-store", "private", "no-cache", "cookie", "vary", "error"])
def test_a_response_the_view_keeps_from_shared_caches_is_not_stored(client, kind):
    first = client.get(f"/probe/{kind}/")
    second = client.get(f"/probe/{kind}/")
    assert second.get("X-Cache") != "hit"
    assert first.content != second.content  # rendered twice
    if kind == "cookie":
        assert second.cookies["seen"].value == "1"
    if kind in ("no-store", "private", "no-cache"):
        assert kind in second["Cache-Control"]
        assert "public" not in second["Cache-Control"]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("kind", ["plain", "gone"])
def test_a_plain_response_of_a_view_is_stored(client, kind):
    purges.purge({"something"})  # a cache in use (its purge sequence started)
    first = client.get(f"/probe/{kind}/")
    second = client.get(f"/probe/{kind}/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert first.status_code == second.status_code


@pytest.mark.urls(__name__)
def test_the_first_rendering_in_an_empty_cache_is_stored(client):
    # A new or emptied cache (Redis restarted, say): nothing was ever purged. The
    # rendering stores the schedule it reads and its holes as it goes; the page
    # must be stored too.
    first = client.get("/probe/plain/")
    second = client.get("/probe/plain/")
    assert (first["X-Cache"], second["X-Cache"]) == ("miss", "hit")


def test_the_first_page_in_an_empty_cache_is_stored_with_its_holes(db, client):
    ArticleFactory(title="Parliament passes the budget", publish_at=ago(hours=2))
    story = ArticleFactory(title="Cup final goes to extra time")
    cache.clear()  # as a restarted cache: the writes above purged into it
    assert client.get(story.get_absolute_url())["X-Cache"] == "miss"
    with _cache_reads() as reads:
        response = client.get(story.get_absolute_url())
    assert response["X-Cache"] == "hit"
    assert "Parliament passes the budget" in html(response).split('class="recent-posts"')[1]
    assert reads.call_count == 1  # the page and its holes in one read


@pytest.mark.urls(__name__)
def test_unsafe_methods_are_never_answered_from_the_cache(client):
    cached(client, "/probe/plain/")
    response = client.post("/probe/plain/")
    assert "X-Cache" not in response
    assert response.content != client.get("/probe/plain/").content


def test_crawler_files_refuse_unsafe_methods(site, client):
    cached(client, "/sitemap.xml")
    response = client.post("/sitemap.xml")
    assert response.status_code == 405
    assert "X-Cache" not in response


# -- keys for the edge --------------------------------------------------------------


def test_an_article_page_names_what_it_shows(site, client):
    article = site["article"]
    budget = Tag.objects.get(name="budget")
    response = client.get(article.get_absolute_url())
    keys = surrogate_keys(response)
    section, tag = f"section:{site['category'].pk}", f"tag:{budget.pk}"
    assert {
        f"article:{article.pk}",
        section,
        tag,
        f"author:{site['author'].pk}",
        "sections",
        # The lists its related stories are drawn from.
        listing(section),
        listing(tag),
    } <= keys
    assert response["Cache-Tag"].split(",") == sorted(keys)
    # A hit says the same.
    assert surrogate_keys(client.get(article.get_absolute_url())) == keys


def test_list_pages_name_their_list_and_every_story_on_them(site, client):
    article, section, author = site["article"], site["category"], site["author"]
    budget = Tag.objects.get(name="budget")
    story = f"article:{article.pk}"
    on_section = {f"section:{section.pk}", listing(f"section:{section.pk}")}
    expected = {
        "/": {"home", story, *on_section},
        "/category/politics/": {*on_section, story},
        "/tag/budget/": {f"tag:{budget.pk}", listing(f"tag:{budget.pk}"), story},
        "/author/ani-hakobyan/": {f"author:{author.pk}", listing(f"author:{author.pk}"), story},
        f"/{article.local_publish_at:%Y}/": {f"archive:{article.local_publish_at:%Y}", story},
        f"/{article.local_publish_at:%Y/%m}/": {f"archive:{article.local_publish_at:%Y-%m}", story},
        "/search/?q=budget": {"search"},
        "/feed/": {"feed", story, f"section:{section.pk}", f"author:{author.pk}"},
        "/category/politics/feed/": {*on_section, story},
        "/sitemap.xml": {"sitemap"},
    }
    for url, keys in expected.items():
        assert keys <= surrogate_keys(client.get(url)), url


def test_the_edge_gets_the_page_keys_and_other_clients_the_holes_keys_too(site, client):
    url = site["article"].get_absolute_url()
    for_varnish = client.get(url, headers=ESI)
    for_readers = client.get(url)
    assert {"recent", "banner"}.isdisjoint(surrogate_keys(for_varnish))
    assert {"recent", "banner"} <= surrogate_keys(for_readers)
    assert for_varnish["Surrogate-Control"] == 'content="ESI/1.0"'
    assert "Surrogate-Control" not in for_readers


# -- a failing cache ----------------------------------------------------------------


def test_a_failing_cache_renders_pages_uncached(site, client):
    ArticleFactory(title="Another story for the sidebar", publish_at=ago(hours=5))
    with failing_cache():
        for _ in range(2):
            feed = client.get("/feed/")
            assert (feed.status_code, feed["X-Cache"]) == (200, "miss")
            assert "Parliament passes the budget" in html(feed)
            response = client.get("/")
            assert response.status_code == 200
            assert response["X-Cache"] == "miss"
            page = html(response)
            assert "Parliament passes the budget" in page
            assert "<esi:include" not in page
            assert "Another story for the sidebar" in page.split('class="recent-posts"', 1)[1]
    # Nothing was stored meanwhile.
    assert client.get("/")["X-Cache"] == "miss"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_cache(location):
    return {
        "default": {
            "BACKEND": "caching.redis.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "pagecache-test",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.mark.redis
def test_pages_render_uncached_and_fast_when_redis_is_unreachable(site, client):
    with override_settings(
        CACHES=_redis_cache(f"redis://127.0.0.1:{_free_port()}/0"), CACHE_RETRY_AFTER=30
    ):
        started = time.monotonic()
        for url in ("/", site["article"].get_absolute_url(), "/feed/", "/no-such-page/"):
            for _ in range(2):
                response = client.get(url)
                assert response.status_code in (200, 404), url
                assert response.get("X-Cache") == "miss"
        assert "Parliament passes the budget" in html(client.get("/"))
        assert time.monotonic() - started < 5
        with pytest.raises((CacheUnavailable, *UNREACHABLE)):
            cache.get("anything")


class RedisServer:
    def __init__(self, directory):
        self.port = _free_port()
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


@pytest.mark.redis
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
def test_pages_survive_redis_stopping_and_the_cache_heals_when_it_returns(
    site, client, tmp_path, settings
):
    # /healthz names the failing components to a monitor holding the token.
    settings.HEALTH_TOKEN = "monitor-token"
    monitor = {"HTTP_AUTHORIZATION": "Bearer monitor-token"}
    server = RedisServer(tmp_path)
    server.start()
    try:
        # Every hit asks Redis (no copy served on trust): the outage shows at once.
        with override_settings(
            CACHES=_redis_cache(f"redis://127.0.0.1:{server.port}/0"),
            CACHE_RETRY_AFTER=1,
            PAGE_CACHE_LOCAL_TRUST_SECONDS=0,
        ):
            assert "Parliament" in html(cached(client, "/"))
            server.stop()
            started = time.monotonic()
            for _ in range(5):
                response = client.get("/")
                assert response.status_code == 200
                assert response.get("X-Cache") != "hit"
            assert time.monotonic() - started < 5
            # This purge cannot reach Redis ...
            site["article"].title = "Parliament rejects the budget"
            site["article"].save()
            assert "Parliament rejects" in html(client.get("/"))
            health = client.get("/healthz", **monitor)
            assert health.status_code == 503
            assert "cache" in health.json()["failing"]

            # ... which, when it answers again, drops what it held from before.
            server.start()
            time.sleep(1.1)
            deadline = time.monotonic() + 10
            while (
                client.get("/healthz", **monitor).status_code != 200 and time.monotonic() < deadline
            ):
                time.sleep(0.2)
            assert "cache" not in client.get("/healthz", **monitor).json()["failing"]
            assert "Parliament rejects" in html(cached(client, "/"))
    finally:
        server.stop()
