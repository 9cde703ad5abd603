"""Helpers shared by the page-cache tests: fetching until a hit, reading what a page shows."""

from contextlib import ExitStack, contextmanager
from unittest import mock

from django.core.cache import caches
from django.utils import timezone

from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

ESI = {"Surrogate-Capability": 'varnish="ESI/1.0"'}


def html(response):
    return response.content.decode()


def recent_posts(page):
    """The Recent Posts block of a page's HTML."""
    return page.split('class="recent-posts"', 1)[1].split("</section>", 1)[0]


def surrogate_keys(response):
    return set(response.get("Surrogate-Key", "").split())


def cache_control(response):
    """{directive: value or True} of the response's Cache-Control."""
    found = {}
    for part in response.get("Cache-Control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.lower()] = int(value) if value.isdigit() else (value or True)
    return found


def cached(client, url, *, tries=3, **headers):
    """Fetch `url` until the page cache answers it; return that hit.

    A first rendering may not be stored when a purge happens while it renders
    (a picture's renditions made on the spot, say), hence a few tries.
    """
    seen = []
    for _ in range(tries):
        response = client.get(url, headers=headers)
        seen.append(response.get("X-Cache"))
        if response.get("X-Cache") == "hit":
            return response
    raise AssertionError(f"{url} never came from the page cache: {seen}")


def warm(client, *urls, **headers):
    """Make sure every one of `urls` is in the page cache."""
    for url in urls:
        cached(client, url, **headers)


CACHE_CALLS = ("get", "get_many", "get_many_fast", "set", "set_many", "add", "incr")


@contextmanager
def failing_cache(*names):
    """The default cache raises on every call named (all of them by default), as a
    server that went away would; get_many_fast is the Redis backend's own read."""
    backend = caches["default"]
    with ExitStack() as stack:
        for name in names or CACHE_CALLS:
            if hasattr(backend, name):
                stack.enter_context(
                    mock.patch.object(backend, name, side_effect=ConnectionError("down"))
                )
        yield


def ago(**kwargs):
    return timezone.now() - timezone.timedelta(**kwargs)


def newsroom():
    """Two unrelated stories and the lists they are in.

    A ("Parliament passes the budget"): Politics, tag "budget", by Ani Hakobyan.
    B ("Cup final goes to extra time"): Sport, tag "football", by Davit Petrosyan;
    nothing in common with A (its related stories are Sport's). C, in Culture,
    is the only story of a section page that never lists A.
    """
    politics = CategoryFactory(name="Politics", slug="politics", show_on_home=True)
    sport = CategoryFactory(name="Sport", slug="sport", show_on_home=True)
    culture = CategoryFactory(name="Culture", slug="culture", show_on_home=False)
    ani = AuthorFactory(name="Ani Hakobyan", slug="ani-hakobyan")
    davit = AuthorFactory(name="Davit Petrosyan", slug="davit-petrosyan")
    lilit = AuthorFactory(name="Lilit Sargsyan", slug="lilit-sargsyan")
    a = ArticleFactory(
        title="Parliament passes the budget",
        slug="parliament-passes-the-budget",
        category=politics,
        authors=[ani],
        tags=["budget"],
        publish_at=ago(hours=1),
    )
    b = ArticleFactory(
        title="Cup final goes to extra time",
        slug="cup-final-goes-to-extra-time",
        category=sport,
        authors=[davit],
        tags=["football"],
        publish_at=ago(hours=2),
    )
    c = ArticleFactory(
        title="Film festival opens in Yerevan",
        slug="film-festival-opens",
        category=culture,
        authors=[lilit],
        tags=["cinema"],
        publish_at=ago(hours=3),
    )
    return {
        "politics": politics,
        "sport": sport,
        "culture": culture,
        "ani": ani,
        "davit": davit,
        "lilit": lilit,
        "a": a,
        "b": b,
        "c": c,
    }
