import os
import shutil
import socket
import subprocess
import time
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from articles import freshness, services
from articles.preview import preview_url
from newsroom import pagecache
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    BreakingNewsFactory,
    CategoryFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db


def get(client, url, **headers):
    return client.get(url, headers=headers)


def cached(client, url):
    """Fetch `url` until it comes from the page cache; return that hit's HTML."""
    first = client.get(url)
    second = client.get(url)
    assert second["X-Cache"] == "hit", (first.get("X-Cache"), second.get("X-Cache"))
    return second.content.decode()


@pytest.fixture
def site(db):
    category = CategoryFactory(name="Politics", slug="politics")
    author = AuthorFactory(name="Ani Hakobyan", slug="ani-hakobyan")
    article = ArticleFactory(
        title="Parliament passes the budget", category=category, authors=[author]
    )
    return {"category": category, "author": author, "article": article}


# -- what is cached, and how ---------------------------------------------------------


def test_a_hit_touches_neither_database_nor_templates_nor_session(
    site, client, django_assert_num_queries
):
    client.get("/")
    with (
        mock.patch(
            "django.contrib.sessions.middleware.SessionMiddleware.process_request"
        ) as session,
        django_assert_num_queries(0),
    ):
        response = client.get("/")
    assert response.status_code == 200
    assert response["X-Cache"] == "hit"
    assert not response.templates
    session.assert_not_called()
    assert "Set-Cookie" not in response and not response.cookies


@pytest.mark.parametrize(
    "url",
    ["/", "/politics-article", "/category/politics/", "/tag/budget/", "/author/ani-hakobyan/",
     "/archive-year", "/archive-month", "/search/?q=budget"],
)
def test_every_public_page_is_served_from_the_cache(site, client, url):
    when = site["article"].local_publish_at
    site["article"].tags.add("budget")
    url = {
        "/politics-article": site["article"].get_absolute_url(),
        "/archive-year": f"/{when:%Y}/",
        "/archive-month": f"/{when:%Y/%m}/",
    }.get(url, url)
    assert client.get(url)["X-Cache"] == "miss"
    response = client.get(url)
    assert response.status_code == 200
    assert response["X-Cache"] == "hit"


def test_tracking_parameters_do_not_make_a_new_entry(site, client):
    client.get("/")
    assert client.get("/?utm_source=x&utm_medium=social&fbclid=abc")["X-Cache"] == "hit"


def test_parameters_that_change_the_page_make_their_own_entry(site, client):
    ArticleFactory.create_batch(3, category=site["category"])
    with override_settings(ARTICLES_PER_PAGE=2):
        url = site["category"].get_absolute_url()
        client.get(url)
        response = client.get(f"{url}?page=2")
    assert response["X-Cache"] == "miss"
    assert client.get("/search/?q=parliament")["X-Cache"] == "miss"
    assert client.get("/search/?q=other")["X-Cache"] == "miss"


def test_hosts_get_their_own_entries(site, client, settings):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    client.get("/", HTTP_HOST="localhost")
    assert client.get("/", HTTP_HOST="127.0.0.1")["X-Cache"] == "miss"


def test_a_404_and_a_301_are_cached(site, client):
    client.get("/no-such-page/")
    assert client.get("/no-such-page/")["X-Cache"] == "hit"
    assert client.get("/no-such-page/").status_code == 404
    when = site["article"].local_publish_at
    day_link = f"/{when:%Y/%m/%d}/{site['article'].slug}/"
    client.get(day_link)
    response = client.get(day_link)
    assert (response.status_code, response["X-Cache"]) == (301, "hit")
    assert response["Location"] == site["article"].get_absolute_url()


def test_anonymous_pages_tell_shared_caches_how_long_to_keep_them(site, client):
    for response in (client.get("/"), client.get("/")):
        cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"public", "max-age=60", "stale-while-revalidate=300"} <= cache_control
        assert "Cookie" in response["Vary"]
        assert response["ETag"] and response["Last-Modified"]


@pytest.mark.parametrize("warm", [False, True])
def test_pages_answer_conditional_gets_with_304(site, client, warm):
    url = site["article"].get_absolute_url()
    if warm:
        client.get(url)
    first = client.get(url)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert (
        client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    )


def test_staff_always_get_fresh_private_pages_that_are_never_stored(site, client):
    client.force_login(StaffUserFactory(role="Editor"))
    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 200
        assert "X-Cache" not in response
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    client.logout()
    client.cookies.clear()
    assert client.get("/")["X-Cache"] == "miss"


def test_a_preview_link_is_never_stored_nor_served_from_the_cache(db, client):
    article = ArticleFactory(draft=True, title="Embargoed story")
    url = preview_url(article)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        assert "X-Cache" not in response
    assert client.get(article.get_absolute_url()).status_code == 404


def test_public_pages_carry_no_per_reader_data(site, client):
    html = client.get("/search/?q=budget").content.decode()
    assert "csrfmiddlewaretoken" not in html
    assert not client.get("/").cookies


def test_the_bypass_header_works_only_when_the_server_enables_it(site, client):
    client.get("/")
    assert client.get("/", HTTP_X_BENCH_BYPASS="1")["X-Cache"] == "hit"
    with override_settings(PAGE_CACHE_BYPASS_HEADER="X-Bench-Bypass"):
        assert client.get("/", HTTP_X_BENCH_BYPASS="1")["X-Cache"] == "bypass"
        assert client.get("/")["X-Cache"] == "hit"


def test_a_failing_cache_renders_pages_uncached(site, client):
    with mock.patch.object(cache, "get_many", side_effect=ConnectionError("down")), \
            mock.patch.object(cache, "get", side_effect=ConnectionError("down")):
        response = client.get("/")
    assert response.status_code == 200
    assert "Parliament passes the budget" in response.content.decode()


# -- every kind of change retires cached pages at once ------------------------------


def test_publishing_shows_at_once(site, client):
    draft = ArticleFactory(draft=True, title="Ceasefire announced", category=site["category"])
    cached(client, "/")
    services.publish(draft)
    assert "Ceasefire announced" in client.get("/").content.decode()
    assert "Ceasefire announced" in client.get(site["category"].get_absolute_url()).content.decode()


def test_an_edit_shows_at_once(site, client):
    article = site["article"]
    url = article.get_absolute_url()
    cached(client, url)
    cached(client, "/")
    article.title = "Parliament passes the amended budget"
    services.save_article(article, base_version=article.version)
    assert "the amended budget" in client.get(url).content.decode()
    assert "the amended budget" in client.get("/").content.decode()


def test_unpublishing_shows_at_once(site, client):
    article = site["article"]
    url = article.get_absolute_url()
    cached(client, url)
    cached(client, "/")
    services.unpublish(article)
    assert client.get(url).status_code == 404
    assert article.title not in client.get("/").content.decode()


def test_a_scheduled_article_shows_when_its_time_comes(site, client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        scheduled = ArticleFactory(
            title="Embargo lifts at noon",
            publish_at=timezone.now() + timedelta(minutes=10),
            category=site["category"],
        )
        assert "Embargo lifts at noon" not in cached(client, "/")
        cached(client, site["category"].get_absolute_url())
        clock.shift(timedelta(minutes=10, seconds=1))
        assert "Embargo lifts at noon" in client.get("/").content.decode()
        page = client.get(site["category"].get_absolute_url()).content.decode()
        assert "Embargo lifts at noon" in page
        assert client.get(scheduled.get_absolute_url()).status_code == 200


def test_a_correction_shows_at_once(site, client):
    url = site["article"].get_absolute_url()
    cached(client, url)
    services.add_correction(site["article"], "An earlier version misstated the total.")
    assert "misstated the total" in client.get(url).content.decode()


def test_a_category_rename_shows_at_once(site, client):
    url = site["article"].get_absolute_url()
    assert "Politics" in cached(client, url)
    site["category"].name = "Government"
    site["category"].save()
    assert "Government" in client.get(url).content.decode()
    assert "Government" in client.get("/").content.decode()


def test_an_author_rename_shows_at_once(site, client):
    url = site["article"].get_absolute_url()
    assert "Ani Hakobyan" in cached(client, url)
    site["author"].name = "Ani Hakobyan-Sargsyan"
    site["author"].save()
    assert "Ani Hakobyan-Sargsyan" in client.get(url).content.decode()


def test_a_banner_switched_on_shows_at_once(site, client):
    cached(client, "/")
    cached(client, site["article"].get_absolute_url())
    BreakingNewsFactory(text="Polls have closed")
    assert "Polls have closed" in client.get("/").content.decode()
    assert "Polls have closed" in client.get(site["article"].get_absolute_url()).content.decode()


def test_a_banner_switched_off_goes_at_once(site, client):
    banner = BreakingNewsFactory(text="Polls have closed")
    assert "Polls have closed" in cached(client, "/")
    banner.is_active = False
    banner.save()
    assert "Polls have closed" not in client.get("/").content.decode()


def test_a_banner_shows_when_its_start_time_comes(site, client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        BreakingNewsFactory(
            text="Results expected", starts_at=timezone.now() + timedelta(minutes=5)
        )
        assert "Results expected" not in cached(client, "/")
        clock.shift(timedelta(minutes=5, seconds=1))
        assert "Results expected" in client.get("/").content.decode()


def test_a_banner_goes_when_it_expires(site, client):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        BreakingNewsFactory(
            text="Polls have closed", expires_at=timezone.now() + timedelta(minutes=5)
        )
        assert "Polls have closed" in cached(client, "/")
        clock.shift(timedelta(minutes=5, seconds=1))
        assert "Polls have closed" not in client.get("/").content.decode()


def test_a_cached_block_changes_at_once_on_a_change(site, client, django_assert_max_num_queries):
    # Staff pages are rendered each time, but their blocks come from the cache.
    client.force_login(StaffUserFactory(role="Editor"))
    url = site["article"].get_absolute_url()
    client.get(url)
    with mock.patch("widgets.selectors.recent_posts") as recent:
        client.get(url)
    recent.assert_not_called()
    ArticleFactory(title="Late result from the north")
    html = client.get(url).content.decode()
    assert "Late result from the north" in html.split('class="recent-posts"', 1)[1]


# -- Redis failing -----------------------------------------------------------------


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_dead_redis_costs_one_fast_failure_then_none(settings):
    settings.CACHE_RETRY_AFTER = 30
    backend = pagecache.RedisCache(f"redis://127.0.0.1:{_free_port()}/0", {})
    started = time.monotonic()
    with pytest.raises(pagecache.UNREACHABLE):
        backend.get("anything")
    assert not backend.available
    with pytest.raises(pagecache.CacheUnavailable):
        backend.get("anything")
    assert time.monotonic() - started < 1.0


class RedisServer:
    def __init__(self, directory):
        self.port = _free_port()
        self.directory = directory
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir",
             str(self.directory)],
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
    server = RedisServer(tmp_path)
    server.start()
    caches = {
        "default": {
            "BACKEND": "newsroom.pagecache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    try:
        with override_settings(CACHES=caches, CACHE_RETRY_AFTER=1):
            assert "Parliament" in cached(client, "/")
            server.stop()
            started = time.monotonic()
            for _ in range(5):
                response = client.get("/")
                assert response.status_code == 200
                assert response.get("X-Cache") != "hit"
            assert time.monotonic() - started < 5
            # Fresh even though Redis missed this write.
            site["article"].title = "Parliament rejects the budget"
            site["article"].save()
            assert "Parliament rejects" in client.get("/").content.decode()
            health = client.get("/healthz")
            assert health.status_code == 503
            assert "cache" in health.json()["failing"]

            server.start()
            time.sleep(1.1)
            deadline = time.monotonic() + 10
            while client.get("/healthz").status_code != 200 and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "cache" not in client.get("/healthz").json()["failing"]
            assert "Parliament rejects" in cached(client, "/")
    finally:
        server.stop()


@pytest.mark.redis
def test_writes_missed_while_redis_was_unreachable_retire_pages_when_it_returns(settings):
    backend = pagecache.RedisCache(os.environ.get("REDIS_URL", ""), {})
    generation = freshness.current_generation()
    backend._breaker.trip(ConnectionError("partition"))
    backend._breaker.open_until = 0
    with mock.patch.object(freshness, "bump_generation") as bump:
        backend.get("anything")
    bump.assert_called_once()
    assert generation is not None
