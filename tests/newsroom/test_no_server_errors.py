"""No address answers 5xx, whatever its path values and query string.

A property-based sweep of the whole URLconf: every pattern reached through
get_resolver() (public pages, feeds, sitemaps, fragments, WordPress's old
links through `/`, search, previews, health, and the admin signed in as a
superuser) is asked for with generated values in its converters and regex
groups — values that match the pattern, values from the test database, and
hostile text (dots, spaces, quotes, zero-width and NUL characters, broken
percent-encoding, huge numbers) — and a generated query string carrying the
parameters the views read, with hostile values. Any answer of 500 or more
fails, with the request and the exception.

Fast enough for every run: a bounded number of examples per pattern, on a
database holding a few stories. SWEEP_EXAMPLES=<n> asks for more.
"""

import os
import re
import traceback
from urllib.parse import quote, urlencode

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.regex_helper import normalize
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from taggit.models import Tag

from caching import registry
from tests.factories import (
    ArticleFactory,
    AuthorFactory,
    CategoryFactory,
    CorrectionFactory,
    ImageFactory,
)

# Random examples per pattern, after the explicit ones (explicit_examples).
PUBLIC_EXAMPLES = int(os.environ.get("SWEEP_EXAMPLES", 30))
ADMIN_EXAMPLES = int(os.environ.get("SWEEP_EXAMPLES", 4))
# Answers of 5xx a view gives by design: /healthz says 503 when a component is down
# (here: the fixture's live stories whose go-live side effects never ran).
DESIGNED_5XX = {"healthz": {503}}

# Values that broke, or could break, a view reading a path value or a parameter.
HOSTILE = [
    "",
    ".",
    "..",
    "a.b",
    "a b",
    " ",
    "'",
    '"',
    "a'b",
    "\u200b",
    "a\u200bb",
    "\x00",
    "a\x00b",
    "%",
    "%00",
    "%ff",
    "%c0%af",
    "%zz",
    "../",
    "/",
    "//",
    "\\",
    "-",
    "_",
    "-1",
    "0",
    "00",
    "1.5",
    "1e9",
    "9" * 25,
    "-" + "9" * 25,
    "18446744073709551616",
    "9223372036854775808",
    "NaN",
    "inf",
    "9999",
    "10000",
    "0000",
    "13",
    "99",
    "<script>",
    "&",
    "=",
    "+",
    ",",
    "a,b",
    "a+b",
    ";",
    "\n",
    "\r\n",
    "\t",
    "ա",
    "Ελλάδα",
    "\U0001f600",
    "\ufeff",
    "\u0301",
    "null",
    "true",
    "[]",
    "{}",
    "a" * 300,
]
SHORT_HOSTILE = ["a.b", "a b", "'", "\u200b", "\x00", "%ff", "9" * 25, "-1", "", "ա"]
# Query parameters the views, middleware and admin read.
QUERY_KEYS = [
    "page",
    "p",
    "q",
    "tag",
    "cat",
    "page_id",
    "author",
    "feed",
    "category",
    "from",
    "to",
    "preview",
    "exclude",
    "next",
    "o",
    "e",
    "all",
    "_popup",
    "_to_field",
    "_changelist_filters",
    "date",
    "year",
    "month",
    "s",
    "paged",
    "m",
]
# How a value is written into the address: percent-encoded, or as raw as a URL allows
# ('%' left alone, so broken encodings such as %ff and %00 arrive as they are).
SAFE_RAW = "/:@!$&'()*+,;=-._~%"
ENCODERS = [
    lambda value: quote(value, safe=""),
    lambda value: quote(value, safe="/"),
    lambda value: quote(value, safe=SAFE_RAW),
]


class Route:
    """One URL pattern, its whole regex from the root and the format to fill it."""

    def __init__(self, parts, pattern, prefixes):
        self.regex = "".join(parts)
        self.name = ":".join([*prefixes, pattern.name]) if pattern.name else None
        self.callback = pattern.callback
        # Django cannot reverse an alternation; its first branch stands for it.
        first_branch = re.sub(r"\(\?:([^()|]*)(?:\|[^()]*)?\)", r"\1", self.regex)
        (self.format, self.params), *_ = normalize(first_branch)
        self.groups = group_regexes(self.regex)
        self.id = self.regex or "<root>"

    @property
    def is_admin(self):
        return self.regex.startswith("admin/")

    def path(self, values):
        return "/" + self.format % values


def group_regexes(regex):
    """{name: its sub-regex} of the named groups in `regex`."""
    groups = {}
    for start in re.finditer(r"\(\?P<(\w+)>", regex):
        depth, i, in_class = 1, start.end(), False
        while depth:
            char = regex[i]
            if char == "\\":
                i += 1
            elif char == "[":
                in_class = True
            elif char == "]":
                in_class = False
            elif not in_class:
                depth += {"(": 1, ")": -1}.get(char, 0)
            i += 1
        groups[start.group(1)] = regex[start.end() : i - 1]
    return groups


def _regex_part(pattern):
    regex = pattern.pattern.regex.pattern
    regex = regex.removeprefix("^")
    return regex.removesuffix(r"\Z").removesuffix("$")


def walk(resolver=None, parts=(), namespaces=()):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        here = (*parts, _regex_part(pattern))
        if isinstance(pattern, URLResolver):
            names = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from walk(pattern, here, names)
        elif isinstance(pattern, URLPattern):
            yield Route(here, pattern, namespaces)


ROUTES = list(walk())
PUBLIC = [route for route in ROUTES if not route.is_admin]
ADMIN = [route for route in ROUTES if route.is_admin]


def hostile_text():
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.text(max_size=20),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.from_regex(r"[-\w.\s'\"\u200b%\x00]{1,12}", fullmatch=True),
    )


def encoded(strategy):
    return st.tuples(strategy, st.sampled_from(ENCODERS)).map(lambda pair: pair[1](pair[0]))


def query_strings(route_keys):
    keys = st.one_of(
        *([st.sampled_from(route_keys)] if route_keys else []),
        st.sampled_from(QUERY_KEYS),
        st.text(max_size=8),
    )
    pairs = st.lists(st.tuples(keys, hostile_text()), min_size=1, max_size=4)
    proper = pairs.map(urlencode)
    raw = st.lists(
        st.tuples(encoded(keys), encoded(hostile_text())).map("=".join), min_size=1, max_size=4
    ).map("&".join)
    return st.one_of(st.just(""), proper, raw, encoded(hostile_text()))


def path_value(route, name, known):
    """A value for one group: a known one, one its regex accepts, or hostile text."""
    choices = [encoded(hostile_text())]
    if name in route.groups:
        matching = st.from_regex(route.groups[name], fullmatch=True)
        choices.append(matching.map(lambda value: quote(value, safe="/")))
    if known.get(name):
        choices.append(st.sampled_from(known[name]))
    return st.one_of(*reversed(choices))


def paths(route, known):
    """Addresses for `route`: with each group's value chosen apart, or all matching."""
    values = st.fixed_dictionaries({name: path_value(route, name, known) for name in route.params})
    matching = st.from_regex(route.regex, fullmatch=True).map(
        lambda path: "/" + quote(path, safe="/")
    )
    return st.one_of(values.map(route.path), matching)


def explicit_examples(route, known, route_keys):
    """Requests always made: every group at the known extremes (first, latest
    possible, zero, past the end) or all at one hostile value; every parameter at
    once with one hostile value; each of the route's own parameters alone."""
    base = route.path({name: (known.get(name) or ["x"])[0] for name in route.params})
    found = []
    for index in range(4):
        values = {
            name: (known.get(name) or ["x"])[min(index, len(known.get(name) or ["x"]) - 1)]
            for name in route.params
        }
        found.append((route.path(values), ""))
    for value in SHORT_HOSTILE:
        if route.params:
            found.append((route.path(dict.fromkeys(route.params, quote(value, safe=""))), ""))
        every = [*route_keys[:40], *QUERY_KEYS]
        found.append((base, urlencode([(key, value) for key in every])))
    for key in route_keys[:40]:
        for value in ("a.b", "\x00", "9" * 25):
            found.append((base, urlencode({key: value})))
    return list(dict.fromkeys(found))


def admin_query_keys(route):
    """A changelist's filter parameters: its model's fields with common lookups."""
    model_admin = getattr(route.callback, "model_admin", None)
    if model_admin is None:
        return []
    names = [field.name for field in model_admin.model._meta.get_fields()]
    lookups = ["", "__exact", "__gte", "__lt", "__isnull", "__in", "__id__exact", "__day"]
    return [name + lookup for name in names for lookup in lookups]


def route_query_keys(route):
    params = set(getattr(route.callback, "cache_params", ()) or ())
    view_class = getattr(route.callback, "view_class", None)
    params.update(getattr(view_class, "cache_params", ()) or ())
    if route.name:
        params.update(registry.extra_params.get(route.name, ()))
    if route.name == "caching:fragment":
        for _, block_params in registry.blocks.values():
            params.update(block_params)
    return sorted(params) + admin_query_keys(route)


@pytest.fixture
def newsroom(db, settings):
    """A few stories of every kind, and the values their addresses use."""
    # Every request reaches its view: no 429 for the many requests of one client.
    settings.THROTTLE_ENABLED = False
    # East of UTC, the first day there is begins in a year UTC cannot write.
    settings.TIME_ZONE = "Asia/Yerevan"
    section = CategoryFactory(slug="politics", name="Politics")
    author = AuthorFactory(slug="jane-doe")
    tag = Tag.objects.create(name="Elections", slug="elections")
    image = ImageFactory(file__width=64, file__height=36)
    live = ArticleFactory(
        category=section, authors=[author], tags=[tag], slug="live-story", featured_image=image
    )
    CorrectionFactory(article=live)
    ArticleFactory(title="Հայերեն վերնագիր", slug="հայերեն-վերնագիր", category=section)
    draft = ArticleFactory(draft=True, slug="a-draft", category=section)
    ArticleFactory(scheduled=True, slug="due-later", category=section)
    when = live.local_publish_at
    ids = [str(pk) for pk in (live.pk, draft.pk, image.pk)] + ["0", "999999"]
    return {
        "slug": [
            live.slug,
            "հայերեն-վերնագիր",
            "a-draft",
            "due-later",
            section.slug,
            author.slug,
            tag.slug,
        ],
        # The real value, then the latest possible, zero, and past the end.
        "year": [f"{when.year:04d}", "9999", "0000", "0001"],
        "month": [f"{when.month:02d}", "12", "00", "13"],
        "day": [f"{when.day:02d}", "31", "00", "32"],
        "name": sorted(registry.blocks) or ["none"],
        "object_id": ids,
    }


def check(route, client, path, query):
    url = f"{path}?{query}" if query else path
    response = client.get(url)
    exc_info = getattr(response, "exc_info", None)
    detail = "".join(traceback.format_exception(*exc_info)) if exc_info else ""
    designed = response.status_code in DESIGNED_5XX.get(route.name, ()) and not exc_info
    assert response.status_code < 500 or designed, (
        f"GET {url!r} answered {response.status_code}\n{detail}"
    )


def sweep(routes, client, known, examples, explicit=True):
    """Sweep each route with its own examples; fail once, naming every route that failed."""
    failures = []
    for route in routes:
        try:
            sweep_route(route, client, known, examples, explicit)
        except AssertionError as failure:
            failures.append(f"{route.id}: {failure}")
    assert not failures, "\n\n".join(failures)


def sweep_route(route, client, known, examples, explicit):
    route_keys = route_query_keys(route)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(path=paths(route, known), query=query_strings(route_keys))
    def run(path, query):
        check(route, client, path, query)

    if explicit:
        for path, query in explicit_examples(route, known, route_keys):
            run = example(path=path, query=query)(run)
    run()


def test_public_addresses_never_answer_5xx(newsroom):
    sweep(PUBLIC, Client(raise_request_exception=False), newsroom, PUBLIC_EXAMPLES)


def test_admin_addresses_never_answer_5xx_to_a_superuser(newsroom, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    superuser = User.objects.create_superuser("chief", "chief@example.com", "pass")
    client = Client(raise_request_exception=False)
    client.force_login(superuser)
    sweep(ADMIN, client, newsroom, ADMIN_EXAMPLES, explicit=False)


def test_every_public_kind_of_address_is_swept():
    names = {route.name for route in PUBLIC}
    for name in (
        "articles:home",
        "articles:detail",
        "articles:detail-day",
        "articles:tag",
        "articles:search",
        "articles:feed",
        "articles:sitemap-month",
        "articles:archive-month",
        "categories:detail",
        "authors:detail",
        "caching:fragment",
        "healthz",
    ):
        assert name in names
    assert "feed/rss2/" in {route.format for route in PUBLIC}
