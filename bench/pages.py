"""Page benchmark: the public site served by gunicorn, measured with wrk.

    DATABASE_URL=postgres://... REDIS_URL=redis://... make bench
    BENCH_ARTICLES=100000 make bench

Generates N articles on PostgreSQL (INSERT … SELECT over generate_series; slugs "pb-<n>",
sections "Pagebench …"; later runs add only what is missing), then starts, on free
ports of 127.0.0.1:

- the site: gunicorn with newsroom/gunicorn.conf.py and production settings (DEBUG
  off, Redis cache, throttling on) plus the page cache's bypass header
  (bench/settings.py);
- the floor: a bare Django (bench/floor_settings.py: no project apps, three stock
  middleware, one view answering 6.6 KB of fixed HTML) in a second gunicorn with
  the same configuration file and WEB_CONCURRENCY;
- Varnish (varnishd with vmod xkey) with deploy/varnish/default.vcl pointed at the
  site, when installed; the site and this process purge it (EDGE_PURGE=varnish).

For the home page, an article, a category page and the RSS feed, wrk measures in
turn the floor, the page rendered with the page cache bypassed (its fragments
warm), the page rendered with every cache empty ("cold"), the page answered by
the page cache, and the page answered by Varnish (for the article also "stack":
the site's whole middleware chain around the floor's fixed page, and "elsewhere":
the page rendered as after an edit elsewhere, its related stories built again and
the rest of it from its fragments, and "edited": as after an edit of the story
itself, all of its own fragments built again and the shared blocks from the cache,
bench/middleware.py);
each page's ratios are to the floor measured just before it. SQL queries per page
are counted in-process through the same code.

Then the hit share after an edit: the 50 most-visited pages (most_visited()) are
made warm in the page cache and in Varnish, the title of the 10th newest story is
edited as an editor saves it (articles.services.save_article, committed, so its
purges run), and each page is asked once of the site and once of Varnish: the
share still answered from the cache is reported. Then the same after a publication:
every page warm again, a follow-up of the newest story (its section, tags and
bylines) written and published as an editor does it (articles.services), each
page asked once; the story is trashed and deleted for good at the end of the run.

Prints a table and writes JSON to bench/results/. Targets (reported, not enforced):
page-cache hits at ≥ 70 % of the floor, Varnish at ≥ 5× the floor, ≥ 90 % of the
50 pages still hits after the edit.

Environment: BENCH_ARTICLES (2000), BENCH_DURATION (seconds per run, 5),
BENCH_THREADS (2), BENCH_CONNECTIONS (16), WEB_CONCURRENCY (gunicorn workers, both
servers), BENCH_RESULTS_DIR (bench/results), BENCH_VARNISH (auto: measured when
installed; 1: required; 0: left out).
"""

import http.client
import json
import logging
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = "bench.settings"
FLOOR_SETTINGS_MODULE = "bench.floor_settings"
BATCH = 5000
SECTIONS = 12
AUTHORS = 40
# Tags: one per ten stories (at least 200), each story given three, so that a tag
# is used by some thirty stories at any size, as on a news site.
TAGS = 200
STORIES_PER_TAG = 10
# Library pictures: a lead picture on three stories of four, one or two pictures
# in every body, drawn from this many images (each with its renditions).
PICTURES = 60
PARAGRAPHS = 14
# The most-visited pages (most_visited()): home, 4 feeds, then these.
VISITED_SECTIONS = 5
VISITED_TAGS = 5
VISITED_AUTHORS = 5
VISITED_ARTICLES = 30
# Sections, tags and authors are ranked by their stories among the newest ones.
RECENT_STORIES = 100
# The story edited: the 10th newest (on the home page and its section's first page).
EDITED_RANK = 10
# The story published after it (publish_story()), removed when the run ends.
PUBLISHED_SLUG = "pb-bench-follow-up"

# A request with this header sees every cache empty (bench/coldcache.py, bench.settings).
COLD_HEADER = "X-Bench-Cold"
# A request with this one (and the bypass header) is answered a fixed page after every
# middleware of the site: the request stack's own cost.
STACK_HEADER = "X-Bench-Stack"
# With this one as well, a story's page is rendered as after an edit elsewhere: its
# related stories are built again, its frame and row come from the cache.
ELSEWHERE_HEADER = "X-Bench-Elsewhere"
# With this one instead, as after an edit of the story itself: all of its own fragments
# (row, frame, metadata, story, related stories) are built again, the shared blocks
# (navigation, Recent Posts, banner, schedule) come from the cache.
EDITED_HEADER = "X-Bench-Edited"

SERVER_ENV = {
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    # The load generator is the only client (through Varnish or not): its address is
    # REMOTE_ADDR, no proxy header is read.
    "TRUSTED_PROXY_COUNT": "0",
    "GUNICORN_ACCESS_LOG": "",
    "GUNICORN_LOG_LEVEL": "warning",
    "LOG_LEVEL": "WARNING",
    # Only the generated corpus is measured; a real run would keep recycling.
    "GUNICORN_MAX_REQUESTS": "0",
    # Throttling stays on: page-cache hits are never counted (newsroom/security.py).
    # Renderings are, per address, and the bypass runs render every request from one
    # address, hundreds a second: THROTTLE_RENDER's 300/60 and THROTTLE_FEED's 120/60
    # would answer most of them with 429s, so both are raised for this server.
    "THROTTLE_RENDER": "1000000/60",
    "THROTTLE_FEED": "1000000/60",
}

# Straight to 127.0.0.1, never through an HTTP proxy from the environment.
_local = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fail(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def varnish_wanted():
    """(measure Varnish?, why not) from BENCH_VARNISH and what is installed."""
    from bench import varnish

    choice = os.environ.get("BENCH_VARNISH", "auto").strip().lower()
    if choice in ("0", "false", "no", "off"):
        return False, "BENCH_VARNISH=0"
    reason = varnish.missing()
    if reason is None:
        return True, None
    if choice in ("1", "true", "yes", "on"):
        fail(f"BENCH_VARNISH=1 but {reason}")
    return False, reason


def configure():
    """Check what the benchmark needs, choose its ports and set Django up in this process."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        fail("needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/dbname")
    if not redis_url.startswith(("redis://", "rediss://")):
        fail("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/<db>")
    if not shutil.which("wrk"):
        fail("needs wrk: `make bench` installs it (apt-get install wrk)")
    sys.path.insert(0, str(PROJECT_DIR))
    corpus = os.environ.get("BENCH_CORPUS", "generated").strip().lower() or "generated"
    if corpus not in ("generated", "wxr"):
        fail(f"BENCH_CORPUS is {corpus!r}: use generated (the default) or wxr")
    if corpus == "wxr":
        # Imported stories in a database of their own, created when missing.
        os.environ["DATABASE_URL"] = _database_of_its_own(database_url, "_wxr")
    use_varnish, no_varnish = varnish_wanted()
    ports = {"site": free_port(), "floor": free_port(), "varnish": free_port()}
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    # Purges go to the benchmark's Varnish (or nowhere), never to an edge of the
    # environment's: from the site and from this process, which edits a story.
    edge = (
        {"EDGE_PURGE": "varnish", "VARNISH_PURGE_URLS": f"http://127.0.0.1:{ports['varnish']}"}
        if use_varnish
        else {"EDGE_PURGE": ""}
    )
    SERVER_ENV.update(edge)
    os.environ.update({k: v for k, v in SERVER_ENV.items() if k not in ("LOG_LEVEL",)})
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    import django

    django.setup()
    from django.conf import settings

    # Each purge sent to Varnish is logged at INFO: not part of the report.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from bench import middleware

    if "bench.middleware.BypassPageCacheMiddleware" not in settings.MIDDLEWARE:
        fail(f"{SETTINGS_MODULE} does not put BypassPageCacheMiddleware in the page cache's place")
    return {
        "ports": ports,
        "varnish": use_varnish,
        "no_varnish": no_varnish,
        "bypass_header": middleware.BYPASS_HEADER,
        "corpus": corpus,
    }


def _database_of_its_own(url, suffix):
    """`url` with `suffix` added to the database's name; the database is created if missing."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + suffix
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name))


# -- corpus --------------------------------------------------------------------------


def generate(count, seed=7):
    """Make sure `count` generated articles exist (adding only the missing ones)."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from taggit.models import Tag, TaggedItem

    from articles.models import Article
    from authors.models import Author
    from categories.models import Category

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(seed)  # noqa: S311 - repeatable text, not secrets
    sections = [
        Category.objects.get_or_create(
            slug=f"pagebench-{n}", defaults={"name": f"Pagebench {n}", "show_on_home": n < 4}
        )[0]
        for n in range(SECTIONS)
    ]
    authors = [
        Author.objects.get_or_create(
            slug=f"pagebench-author-{n}", defaults={"name": f"Writer {n}"}
        )[0]
        for n in range(AUTHORS)
    ]
    wanted_tags = max(TAGS, count // STORIES_PER_TAG)
    Tag.objects.bulk_create(
        [Tag(slug=f"pagebench-tag-{n}", name=f"pagebench topic {n}") for n in range(wanted_tags)],
        ignore_conflicts=True,
    )
    tags = list(Tag.objects.filter(slug__startswith="pagebench-tag-").order_by("pk"))[:wanted_tags]
    pictures = _pictures()
    if Article.objects.filter(slug="pb-0").exclude(body__contains="<img").exists():
        # A corpus of an earlier version (no pictures, short bodies): made again.
        print("  replacing a corpus of an earlier version")
        Article.objects.filter(slug__startswith="pb-").delete()
    existing = Article.objects.filter(slug__startswith="pb-").count()
    if existing >= count:
        return existing, 0.0
    started = time.perf_counter()
    article_type = TaggedItem.content_type.field.related_model.objects.get_for_model(Article)
    words = [
        "the",
        "election",
        "budget",
        "parliament",
        "talks",
        "border",
        "minister",
        "court",
        "council",
        "school",
        "water",
        "energy",
        "market",
        "culture",
        "festival",
        "report",
        "villagers",
        "road",
        "hospital",
    ]
    paragraphs = [
        f"<p>{' '.join(rng.choice(words) for _ in range(rng.randint(40, 110))).capitalize()}.</p>"
        for _ in range(40)
    ]
    # Maintaining the text indexes (GIN) row by row costs most of a large load;
    # building them again afterwards, as after a restore, costs seconds.
    text_indexes = _drop_text_indexes(Article._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Rows are made by the database itself (INSERT … SELECT over
            # generate_series): seconds for 100,000 stories, not minutes.
            cursor.execute(*_articles_sql(existing, count, sections, words, paragraphs, pictures))
            cursor.execute(*_bylines_sql(existing, count, authors))
            cursor.execute(*_tags_sql(existing, count, tags, article_type))
            cursor.execute(*_body_pictures_sql(existing, count, pictures))
    finally:
        with connection.cursor() as cursor:
            for definition in text_indexes:
                cursor.execute(definition)
    with connection.cursor() as cursor:
        # As autovacuum would leave a loaded table: visibility map set (index-only
        # scans) and planner statistics current.
        cursor.execute("VACUUM ANALYZE")
    # The rows were written without signals: retire whatever was cached before
    # (here only: Varnish starts empty).
    from caching import store

    store.purge_all()
    return count, time.perf_counter() - started


def _sentence(words, n, length, salt):
    """SQL for a pseudo-random sentence of `length` words, from the row number `n`."""
    array = "ARRAY[" + ", ".join(f"'{w}'" for w in words) + "]"
    picks = [
        f"({array})[1 + ((({n}) * {7 + 2 * k} + {salt * 31 + k * 13}) %% {len(words)})]"
        for k in range(length)
    ]
    text = " || ' ' || ".join(picks)
    return f"upper(left({text}, 1)) || substr({text}, 2)"


def _pictures():
    """The corpus's library images, each with the renditions a page shows (rows only:
    the pages draw addresses, never files)."""
    from images.models import Image, Rendition
    from images.renditions import EXTENSIONS, focal_for, height_for, wanted

    names = [f"library/pagebench-{n}.jpg" for n in range(PICTURES)]
    Image.objects.bulk_create(
        [
            Image(
                file=name,
                width=2400,
                height=1600,
                file_size=400_000,
                title=f"Pagebench picture {n}",
                alt_text=f"A scene of the news, number {n}",
                caption=f"What the picture shows, number {n}",
                credit="Newsroom staff",
            )
            for n, name in enumerate(names)
        ],
        ignore_conflicts=True,
    )
    images = list(Image.objects.filter(file__in=names).order_by("pk"))
    if not Rendition.objects.filter(image__in=images).exists():
        Rendition.objects.bulk_create(
            [
                Rendition(
                    image=image,
                    ratio=ratio,
                    width=width,
                    format=fmt,
                    focal=focal,
                    height=height_for(image, ratio, width),
                    file=f"renditions/pagebench-{image.pk}-{ratio.replace(':', 'x')}-{width}"
                    f".{EXTENSIONS[fmt]}",
                )
                for image in images
                for ratio, width, fmt, focal in sorted(wanted(image))
                if focal == focal_for(image, ratio)
            ]
        )
    return images


def _articles_sql(first, count, sections, words, paragraphs, pictures):
    """An INSERT … SELECT of the articles "pb-<first>" to "pb-<count - 1>": long bodies
    (PARAGRAPHS paragraphs picked by the row number) with one or two library pictures,
    a lead picture on three stories of four."""
    from django.db import connection
    from django.utils import timezone

    from articles.models import Article
    from images.models import Image

    now = timezone.now()
    section_ids = ", ".join(str(section.pk) for section in sections)
    storage = Image._meta.get_field("file").storage
    sources = [storage.url(image.file.name) for image in pictures]
    picture_ids = ", ".join(str(image.pk) for image in pictures)
    # Paragraph k of story n, and the body's pictures after the 3rd and (every
    # other story) the 9th paragraph: the same pictures _body_pictures_sql records.
    parts = []
    for k in range(PARAGRAPHS):
        parts.append(f"(%s::text[])[1 + ((n * {7 + 2 * k} + {k * 13}) %% {len(paragraphs)})]")
        if k == 2:
            parts.append(_body_img(0, len(pictures)))
        if k == 8:
            parts.append(f"CASE WHEN n %% 2 = 0 THEN {_body_img(1, len(pictures))} ELSE '' END")
    body_params = []
    for part in parts:
        if part.startswith("(%s"):
            body_params.append(paragraphs)
        elif "%s" in part:
            body_params += [sources] * part.count("%s")
    given = {
        "title": (_sentence(words, "n", 7, 1), []),
        "slug": ("'pb-' || n", []),
        "dek": (_sentence(words, "n", 18, 2) + " || '.'", []),
        "body": (" || ".join(parts), body_params),
        "featured_image_id": (
            f"CASE WHEN n %% 4 = 3 THEN NULL ELSE "
            f"(ARRAY[{picture_ids}])[1 + (n * 11) %% {len(pictures)}] END",
            [],
        ),
        "category_id": (f"(ARRAY[{section_ids}])[1 + n %% {len(sections)}]", []),
        "status": ("%s", [Article.Status.PUBLISHED]),
        # Spread over five years, the newest a few minutes ago.
        "publish_at": (
            "%s::timestamptz - (5 + n::bigint * 2628000 / %s) * interval '1 minute'",
            [now, max(count, 1)],
        ),
        "went_live_at": (
            "%s::timestamptz - (5 + n::bigint * 2628000 / %s) * interval '1 minute'",
            [now, max(count, 1)],
        ),
        "is_featured": ("n %% 500 = 0", []),
    }
    columns, values, params = [], [], []
    for field in Article._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.attname in given:
            sql, field_params = given[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            sql, field_params = "%s", [now]
        elif field.null and not field.has_default():
            sql, field_params = "NULL", []
        else:
            sql = "%s"
            field_params = [field.get_db_prep_save(field.get_default(), connection)]
        values.append(sql)
        params += field_params
    sql = (
        f"INSERT INTO {Article._meta.db_table} ({', '.join(columns)}) "  # nosec B608 # noqa: S608
        f"SELECT {', '.join(values)} FROM generate_series(%s, %s) AS n"
    )
    return sql, [*params, first, count - 1]


def _body_img(which, pictures):
    """SQL for the <img> of body picture `which` (0, 1) of story n, as an editor's body has
    it (the library file's address), from an array of addresses given as a parameter."""
    pick = f"1 + (n * {3 + which * 4} + {which * 17}) %% {pictures}"
    return (
        f"'<figure><img src=\"' || (%s::text[])[{pick}] || '\" alt=\"A picture of the "
        f"story\"></figure>'"
    )


def _body_pictures_sql(first, count, pictures):
    """The ArticleBodyImage rows of the pictures _articles_sql put in the bodies."""
    from articles.models import Article, ArticleBodyImage

    ids = ", ".join(str(image.pk) for image in pictures)
    pick = f"(ARRAY[{ids}])[1 + (a.n * (3 + k.w * 4) + k.w * 17) %% {len(pictures)}]"
    sql = (
        f"INSERT INTO {ArticleBodyImage._meta.db_table} (article_id, image_id) "  # nosec B608 # noqa: S608
        f"SELECT DISTINCT a.id, {pick} FROM "
        f"(SELECT id, substr(slug, 4)::int AS n FROM {Article._meta.db_table} a "
        f"{GENERATED_BETWEEN}) AS a CROSS JOIN (VALUES (0), (1)) AS k(w) "
        f"WHERE k.w = 0 OR a.n %% 2 = 0 ON CONFLICT DO NOTHING"
    )
    return sql, [first, count - 1]


# The generated articles "pb-<first>" to "pb-<last>" (two parameters).
GENERATED_BETWEEN = "WHERE a.slug LIKE 'pb-%%' AND substr(a.slug, 4)::int BETWEEN %s AND %s"


def _bylines_sql(first, count, authors):
    """One to three bylines per generated article (as a newsroom's shared stories have),
    from a fixed pool of writers."""
    from articles.models import Article, ArticleAuthor

    author_ids = ", ".join(str(author.pk) for author in authors)
    sql = (
        f'INSERT INTO {ArticleAuthor._meta.db_table} (article_id, author_id, "order") '  # nosec B608 # noqa: S608
        f"SELECT a.id, (ARRAY[{author_ids}])[1 + (a.id * 7 + k.n * 13) %% {len(authors)}], k.n "
        f"FROM {Article._meta.db_table} a CROSS JOIN (VALUES (0), (1), (2)) AS k(n) "
        f"{GENERATED_BETWEEN} AND k.n <= a.id %% 3"
    )
    return sql, [first, count - 1]


def _tags_sql(first, count, tags, article_type):
    """Three tags per generated article, from a fixed pool."""
    from taggit.models import TaggedItem

    from articles.models import Article

    tag_ids = ", ".join(str(tag.pk) for tag in tags)
    sql = (
        f"INSERT INTO {TaggedItem._meta.db_table} (content_type_id, object_id, tag_id) "  # nosec B608 # noqa: S608
        f"SELECT %s, a.id, (ARRAY[{tag_ids}])[1 + (a.id * 7 + k) %% {len(tags)}] "
        f"FROM {Article._meta.db_table} a CROSS JOIN (VALUES (0), (67), (133)) AS t(k) "
        f"{GENERATED_BETWEEN}"
    )
    return sql, [article_type.pk, first, count - 1]


def _drop_text_indexes(table):
    """Drop the GIN indexes of `table`; returns the statements that create them again."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [table, "% USING gin %"],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [definition for _name, definition in found]


# -- what is measured ------------------------------------------------------------------


def import_wxr(count):
    """Make sure `count` posts imported by import_wordpress exist: a WXR file written by
    wordpress.bench, imported without fetching media (ANALYZE included, as the command
    does), then vacuumed as autovacuum would."""
    import tempfile

    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article
    from wordpress import bench as wxr
    from wordpress.services import import_wxr as run_import

    call_command("migrate", verbosity=0, interactive=False)
    existing = Article.objects.count()
    if existing >= count:
        return existing, 0.0
    if existing:
        fail(
            f"the WXR corpus database holds {existing} stories, not {count}: drop it "
            "(it is DATABASE_URL's name with _wxr added)"
        )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"bench-{count}.xml"
        wxr.write(str(path), count)
        report = run_import(str(path), fetch_media=False)
    if report.error:
        fail(f"import_wordpress failed: {report.error}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return Article.objects.count(), time.perf_counter() - started


def pages(corpus="generated"):
    """The addresses measured with wrk: name -> path."""
    from django.db.models import Count

    from articles.models import Article
    from categories.models import Category

    stories = Article.objects.live()
    if corpus == "generated":
        stories = stories.filter(slug__startswith="pb-")
        category = Category.objects.get(slug="pagebench-1")
    else:
        # The section with the most stories, as the generated corpus's are.
        category = Category.objects.annotate(n=Count("articles")).order_by("-n", "pk")[0]
    # The 6th newest story with tags (imports have drafts and pages without).
    article = stories.filter(tags__isnull=False).distinct().latest_first()[5]
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "category": category.get_absolute_url(),
        "feed": "/feed/",
    }


def _ranked(pairs, limit):
    """The `limit` ids seen most often in (rank, id) pairs; ties go to the one seen first."""
    counts, first = {}, {}
    for rank, pk in pairs:
        counts[pk] = counts.get(pk, 0) + 1
        first.setdefault(pk, rank)
    return sorted(counts, key=lambda pk: (-counts[pk], first[pk]))[:limit]


def most_visited():
    """The 50 pages readers of a news site ask for most: [(label, path)].

    The home page; the site's RSS and Atom feeds and those of the busiest
    section (feed readers poll them all day); the first pages of the 5 busiest
    sections, tags and authors; the 30 newest article pages (most reading is of
    the day's stories). Busiest: with the most stories among the 100 newest,
    ties going to the one with the newer story.
    """
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse
    from taggit.models import Tag, TaggedItem

    from articles.models import Article, ArticleAuthor
    from authors.models import Author
    from categories.models import Category

    recent = list(
        Article.objects.live().latest_first().values_list("pk", "category_id")[:RECENT_STORIES]
    )
    rank = {pk: n for n, (pk, _) in enumerate(recent)}
    section_ids = _ranked([(rank[pk], c) for pk, c in recent], VISITED_SECTIONS)
    tag_rows = TaggedItem.objects.filter(
        content_type=ContentType.objects.get_for_model(Article), object_id__in=rank
    ).values_list("object_id", "tag_id")
    tag_ids = _ranked(sorted((rank[a], t) for a, t in tag_rows), VISITED_TAGS)
    author_rows = ArticleAuthor.objects.filter(article_id__in=rank).values_list(
        "article_id", "author_id"
    )
    author_ids = _ranked(sorted((rank[a], t) for a, t in author_rows), VISITED_AUTHORS)
    sections = Category.objects.in_bulk(section_ids)
    tags = Tag.objects.in_bulk(tag_ids)
    authors = Author.objects.in_bulk(author_ids)
    busiest = sections[section_ids[0]]
    visited = [
        ("home", reverse("articles:home")),
        ("feed: site RSS", reverse("articles:feed")),
        ("feed: site Atom", reverse("articles:feed-atom")),
        (
            f"feed: {busiest.slug} RSS",
            reverse("articles:category-feed", kwargs={"slug": busiest.slug}),
        ),
        (
            f"feed: {busiest.slug} Atom",
            reverse("articles:category-feed-atom", kwargs={"slug": busiest.slug}),
        ),
    ]
    visited += [
        (f"section: {sections[pk].slug}", sections[pk].get_absolute_url()) for pk in section_ids
    ]
    visited += [
        (f"tag: {tags[pk].slug}", reverse("articles:tag", kwargs={"slug": tags[pk].slug}))
        for pk in tag_ids
    ]
    visited += [
        (f"author: {authors[pk].slug}", authors[pk].get_absolute_url()) for pk in author_ids
    ]
    visited += [
        (f"article: {story.slug}", story.get_absolute_url())
        for story in Article.objects.live().latest_first()[:VISITED_ARTICLES]
    ]
    return visited


def count_queries(paths, bypass_header):
    """SQL queries of one rendering (page cache bypassed, fragments warm) and of one
    page-cache hit of each page, in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    bypass = {bypass_header: "1"}
    counts = {}
    for name, path in paths.items():
        # The first rendering fills the fragments (cards, feed entries) it uses.
        response = client.get(path, headers=bypass)
        if response.status_code != 200:
            fail(f"{path} answered {response.status_code} in-process")
        # Counted at once: each request clears the connection's query log.
        with CaptureQueriesContext(connection) as rendered:
            client.get(path, headers=bypass)
        counts[name] = {"bypass": len(rendered)}
        with CaptureQueriesContext(connection) as cold:
            client.get(path, headers={**bypass, COLD_HEADER: "1"})
        counts[name]["cold"] = len(cold)
        if name == "article":
            with CaptureQueriesContext(connection) as elsewhere:
                client.get(path, headers={**bypass, ELSEWHERE_HEADER: "1"})
            counts[name]["elsewhere"] = len(elsewhere)
            with CaptureQueriesContext(connection) as edited:
                client.get(path, headers={**bypass, EDITED_HEADER: "1"})
            counts[name]["edited"] = len(edited)
        client.get(path)
        with CaptureQueriesContext(connection) as warm:
            response = client.get(path)
        counts[name]["django hit"] = len(warm)
        if response.get("X-Cache") != "hit":
            fail(f"{path} is not a page-cache hit in-process (X-Cache: {response.get('X-Cache')})")
    return counts


# Seconds: the default PAGE_CACHE_LOCAL_TRUST_SECONDS with Redis, and some margin.
PURGE_REACHES_WORKERS = 1.5


def edit_story(rank=EDITED_RANK):
    """Edit the title of the `rank`-th newest story as an editor saves it; the story."""
    from articles.models import Article
    from articles.services import save_article

    story = Article.objects.live().latest_first()[rank - 1]
    title = re.sub(r" \(update \d+\)$", "", story.title)
    story.title = f"{title} (update {int(time.time())})"
    # Committed here (autocommit): the purges wait for the commit, as in the admin.
    return save_article(story, base_version=story.version, comment="Edited by the benchmark")


def publish_story():
    """Publish a follow-up of the newest story (its section, tags and bylines, a new
    title and body) as an editor writes and publishes one (articles.services.save_article
    and publish, committed); (the story, the one it follows). One left by an earlier run
    is removed first."""
    from articles.models import Article, ArticleAuthor
    from articles.services import publish, save_article

    remove_published_story()
    newest = Article.objects.live().latest_first().select_related("category")[0]
    story = Article(
        title=f"Follow-up: {re.sub(r' [(]update [0-9]+[)]$', '', newest.title)}",
        slug=PUBLISHED_SLUG,
        body="".join(f"<p>Paragraph {n} of the follow-up.</p>" for n in range(PARAGRAPHS)),
        category=newest.category,
        language=newest.language,
    )

    def relations():
        story.tags.set(list(newest.tags.all()))
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=story, author_id=line.author_id, order=line.order)
            for line in newest.bylines.all()
        )

    save_article(story, save_relations=relations, comment="Written by the benchmark")
    # Committed here (autocommit): the purges wait for the commit, as in the admin.
    return publish(Article.objects.get(pk=story.pk)), newest


def remove_published_story():
    """Take the follow-up off the site and delete it, as an editor would (trash, then
    delete for good): its pages and lists are purged."""
    from articles.models import Article
    from articles.services import delete_for_good, trash

    for story in Article.objects.filter(slug=PUBLISHED_SLUG):
        delete_for_good(trash(story))


# -- servers and load -----------------------------------------------------------------


def get(url, headers=None):
    """(status, headers, body size, framing problem or None) of a GET to 127.0.0.1."""
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - 127.0.0.1
    try:
        with _local.open(request, timeout=30) as response:
            length = response.headers.get("Content-Length")
            try:
                body = response.read()
            except http.client.IncompleteRead as error:
                size = len(error.partial)
                return (
                    response.status,
                    response.headers,
                    size,
                    (f"{size} bytes came, Content-Length said {length}"),
                )
            return response.status, response.headers, len(body), None
    except urllib.error.HTTPError as error:
        return error.code, error.headers, 0, None


def start_gunicorn(app, port, settings_module, ready_path, *, python=None, env=None):
    """gunicorn serving `app` on 127.0.0.1:`port` with the project's gunicorn settings,
    once `ready_path` answers 200; from the virtualenv of `python` (default: this one)."""
    env = {
        **os.environ,
        **SERVER_ENV,
        **(env or {}),
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PORT": str(port),
        "HOST": "127.0.0.1",
    }
    python = Path(python or sys.executable)
    gunicorn = shutil.which("gunicorn", path=str(python.parent)) or "gunicorn"
    server = subprocess.Popen(  # noqa: S603 - fixed command
        [gunicorn, app, "-c", "newsroom/gunicorn.conf.py"],
        cwd=PROJECT_DIR,
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"gunicorn {app} exited at start (see its output above)")
        try:
            if get(f"http://127.0.0.1:{port}{ready_path}")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(server)
    fail(f"gunicorn {app} did not answer {ready_path} within 60 s")


def stop_server(server):
    if server.poll() is not None:
        return
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def worker_rss_mb(master_pid):
    """Resident memory (MB) of each gunicorn worker."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", text, re.M)
        rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
        if ppid and rss and int(ppid.group(1)) == master_pid:
            sizes.append(round(int(rss.group(1)) / 1024, 1))
    return sorted(sizes)


def load_average():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * UNITS[unit]


def wrk(url, *, duration, threads, connections, headers=()):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    # As browsers ask: Varnish keeps pages compressed and would otherwise unzip
    # each one for wrk (the Django sites send the same bytes either way).
    for header in ("Accept-Encoding: gzip", *headers):
        command += ["-H", header]
    output = subprocess.run(  # noqa: S603 - fixed command
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non2xx.group(1)) if non2xx else 0
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "requests": requests,
        "errors": errors,
    }


# Responses whose Content-Length was not the size of the page: {url: what came}.
framing = {}
FRAMING_SHOWN = 6


def warm(url, expected, headers=None, tries=3):
    """Ask for `url` until X-Cache says `expected` (then its size); fails the run when it
    never does.

    A miss must carry the same page as the hit that follows it: a miss cut short
    (gunicorn sends no more than Content-Length) or missing bytes is noted in `framing`.
    """
    misses = []
    for _ in range(tries):
        status, answer, size, problem = get(url, headers)
        if status != 200:
            fail(f"{url} answered {status}")
        cache = answer.get("X-Cache")
        if problem:
            framing.setdefault(url, f"X-Cache {cache}: {problem}")
        if cache == expected and not problem:
            for miss_cache, miss_size, length in misses:
                if miss_size != size:
                    framing.setdefault(
                        url,
                        (
                            f"X-Cache {miss_cache}: {miss_size} bytes (Content-Length {length}); "
                            f"the page has {size} bytes"
                        ),
                    )
            return size
        if not problem:
            misses.append((cache, size, answer.get("Content-Length")))
    fail(f"{url} is not cached: X-Cache {answer.get('X-Cache')!r}, not {expected!r}")


def hit_share(base, visited, expected):
    """{"hits", "total", "share", "missed": [label, ...]} of one request to each page."""
    missed = []
    for label, path in visited:
        status, answer, _size, problem = get(base + path)
        if problem:
            framing.setdefault(base + path, f"X-Cache {answer.get('X-Cache')}: {problem}")
        if status != 200 or answer.get("X-Cache") != expected:
            missed.append(f"{label} ({status}, X-Cache {answer.get('X-Cache')})")
    hits = len(visited) - len(missed)
    return {"hits": hits, "total": len(visited), "share": hits / len(visited), "missed": missed}


# -- report ----------------------------------------------------------------------------

MODES = ("floor", "stack", "bypass", "elsewhere", "edited", "cold", "django hit", "varnish hit")


def table(rows):
    lines = [
        f"{'page':<10} {'measured':<12} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'errors':>7} {'queries':>8} {'of floor':>9}",
    ]
    for row in rows:
        queries = "-" if row["queries"] is None else row["queries"]
        lines.append(
            f"{row['page']:<10} {row['cache']:<12} {row['rps']:>9.0f} {row['p50_ms']:>8.2f} "
            f"{row['p99_ms']:>8.2f} {row['errors']:>7} {queries!s:>8} "
            f"{row['of_floor']:>8.1%}"
        )
    return "\n".join(lines)


def summary(rows, mode, target, unit):
    ratios = [row["of_floor"] for row in rows if row["cache"] == mode]
    if not ratios:
        return None
    met = sum(ratio >= target for ratio in ratios)
    if unit == "%":
        span, goal = f"{min(ratios):.0%}–{max(ratios):.0%} of", f"≥ {target:.0%}"
    else:
        span, goal = f"{min(ratios):.1f}–{max(ratios):.1f}×", f"≥ {target:g}×"
    return f"{mode}: {span} the floor (target {goal}: met by {met} of {len(ratios)} pages)"


def share_line(name, share, word, target=True):
    goal = "; target ≥ 90 %" if target else ""
    line = (
        f"  {name:<18} {share['hits']:>2} of {share['total']} {word:<4} "
        f"({share['share']:.0%}{goal})"
    )
    if share["missed"]:
        line += "\n" + "\n".join(f"{'':<21}not a hit: {label}" for label in share["missed"])
    return line


# -- the run -----------------------------------------------------------------------------


def main():
    config = configure()
    with ExitStack() as running:
        run(config, running)


def run(config, running):
    count = int(os.environ.get("BENCH_ARTICLES", 2000))
    duration = max(1, int(os.environ.get("BENCH_DURATION", 5)))
    threads = int(os.environ.get("BENCH_THREADS", 2))
    connections = int(os.environ.get("BENCH_CONNECTIONS", 16))
    results_dir = Path(os.environ.get("BENCH_RESULTS_DIR", PROJECT_DIR / "bench" / "results"))
    bypass = [f"{config['bypass_header']}: 1"]
    # Every cache empty for the request (bench/coldcache.py): nothing but the database.
    cold = [*bypass, f"{COLD_HEADER}: 1"]
    ports = config["ports"]
    site = f"http://127.0.0.1:{ports['site']}"
    floor_url = f"http://127.0.0.1:{ports['floor']}/"
    edge = f"http://127.0.0.1:{ports['varnish']}"

    if config["varnish"]:
        # Started first: every purge of this process and of the site goes to it
        # (EDGE_PURGE=varnish), from the corpus's first rows on.
        from bench.varnish import Varnish

        try:
            varnish = Varnish(ports["varnish"], ports["site"])
        except RuntimeError as error:
            fail(str(error))
        running.callback(varnish.stop)
    else:
        print(f"Varnish left out: {config['no_varnish']}")

    print(f"Corpus: {count} articles ({config['corpus']})")
    total, took = generate(count) if config["corpus"] == "generated" else import_wxr(count)
    if took:
        print(f"  generated in {took:.1f} s")
    from django.core.management import call_command

    # Hashed static names (manifest storage), as `make serve` does.
    call_command("collectstatic", interactive=False, verbosity=0)
    paths = pages(config["corpus"])
    queries = count_queries(paths, config["bypass_header"])
    visited = most_visited()

    server = start_gunicorn("newsroom.wsgi", ports["site"], SETTINGS_MODULE, "/robots.txt")
    running.callback(stop_server, server)
    floor_server = start_gunicorn("bench.floor_wsgi", ports["floor"], FLOOR_SETTINGS_MODULE, "/")
    running.callback(stop_server, floor_server)

    load = {"duration": duration, "threads": threads, "connections": connections}
    rows = []
    loadavg = {"start": load_average()}
    # Warm the workers of both servers up.
    wrk(floor_url, **{**load, "duration": 1})
    wrk(f"{site}/", **{**load, "duration": 1})
    for name, path in paths.items():
        # The floor just before each page: on a shared machine, a ratio of two
        # runs seconds apart moves less than one of runs minutes apart.
        floor = wrk(floor_url, **load)
        measured = [("floor", floor, 0)]
        if name == "article":
            # The site's whole request stack (the page cache rendering, throttling,
            # sessions, CSRF, authentication, ...) around a fixed page instead of
            # URL resolution and a view: what any rendering costs before its view.
            stack = [*bypass, f"{STACK_HEADER}: 1"]
            measured.append(("stack", wrk(site + path, headers=stack, **load), 0))
        measured.append(
            ("bypass", wrk(site + path, headers=bypass, **load), queries[name]["bypass"])
        )
        if name == "article":
            elsewhere = [*bypass, f"{ELSEWHERE_HEADER}: 1"]
            measured.append(
                (
                    "elsewhere",
                    wrk(site + path, headers=elsewhere, **load),
                    queries[name]["elsewhere"],
                )
            )
            edited = [*bypass, f"{EDITED_HEADER}: 1"]
            measured.append(
                ("edited", wrk(site + path, headers=edited, **load), queries[name]["edited"])
            )
        measured.append(("cold", wrk(site + path, headers=cold, **load), queries[name]["cold"]))
        _, answer, bypassed_size, problem = get(site + path, {config["bypass_header"]: "1"})
        size = warm(site + path, "hit")
        if problem or bypassed_size != size:
            framing.setdefault(
                f"{site}{path} bypassed",
                problem
                or (
                    f"{bypassed_size} bytes (Content-Length {answer.get('Content-Length')}); "
                    f"the page has {size} bytes"
                ),
            )
        measured.append(("django hit", wrk(site + path, **load), queries[name]["django hit"]))
        if config["varnish"]:
            warm(edge + path, "HIT")
            measured.append(("varnish hit", wrk(edge + path, **load), None))
        for mode, result, query_count in measured:
            rows.append(
                {
                    "page": name,
                    "cache": mode,
                    "path": path,
                    "queries": query_count,
                    **result,
                    "of_floor": result["rps"] / floor["rps"],
                }
            )
    rss = worker_rss_mb(server.pid)
    loadavg["after_wrk"] = load_average()

    # Hit share after an edit: every page warm, one story edited, every page once.
    for _label, path in visited:
        warm(site + path, "hit")
        if config["varnish"]:
            warm(edge + path, "HIT")
    story = edit_story()
    # The site's workers may serve a copy they found current for up to
    # PAGE_CACHE_LOCAL_TRUST_SECONDS before they see a purge made elsewhere.
    time.sleep(PURGE_REACHES_WORKERS)
    shares = {"django": hit_share(site, visited, "hit")}
    if config["varnish"]:
        shares["varnish"] = hit_share(edge, visited, "HIT")
    # The same after a publication: every page warm again, a story published.
    for _label, path in visited:
        warm(site + path, "hit")
        if config["varnish"]:
            warm(edge + path, "HIT")
    published, followed = publish_story()
    time.sleep(PURGE_REACHES_WORKERS)
    try:
        shares["after_publish"] = {"django": hit_share(site, visited, "hit")}
        if config["varnish"]:
            shares["after_publish"]["varnish"] = hit_share(edge, visited, "HIT")
    finally:
        remove_published_story()
    served = sum(row["requests"] for row in rows)
    loadavg["end"] = load_average()

    floors = [row["rps"] for row in rows if row["cache"] == "floor"]
    print()
    print(table(rows))
    print(
        f"floor: {min(floors):.0f}–{max(floors):.0f} req/s "
        f"(median {statistics.median(floors):.0f}); each page's ratios are to the floor "
        "measured just before it"
    )
    for line in (summary(rows, "django hit", 0.70, "%"), summary(rows, "varnish hit", 5.0, "×")):
        if line:
            print(line)
    print(
        f"\nAfter an edit of the title of {story.slug!r} (the {EDITED_RANK}th newest story) "
        f"through articles.services.save_article, each of the {len(visited)} most-visited "
        "pages asked once:"
    )
    print(share_line("Django page cache", shares["django"], "hits"))
    if "varnish" in shares:
        print(share_line("Varnish", shares["varnish"], "HIT"))
    print(
        f"\nAfter a story was published in {published.category.slug!r} (a follow-up of the "
        "newest story: its section, tags and bylines) through articles.services.publish, "
        "each page asked once:"
    )
    after = shares["after_publish"]
    print(share_line("Django page cache", after["django"], "hits", target=False))
    if "varnish" in after:
        print(share_line("Varnish", after["varnish"], "HIT", target=False))
    if framing:
        print(
            f"\nMisses whose Content-Length was not the page's size: {len(framing)} "
            "addresses (all in the JSON), such as"
        )
        for url, problem in sorted(framing.items())[:FRAMING_SHOWN]:
            print(f"  {url}: {problem}")
    print(f"\ngunicorn workers: RSS {rss} MB after {served} requests in all")
    print(
        f"load average (1, 5, 15 min): {loadavg['start']} at the start, "
        f"{loadavg['after_wrk']} after the wrk runs, {loadavg['end']} at the end"
    )
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    path = results_dir / f"pages-{count}-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "articles": total,
                "corpus": config["corpus"],
                "load": load,
                "workers": os.environ.get("WEB_CONCURRENCY") or f"{os.cpu_count()}+1",
                "cpus": os.cpu_count(),
                "load_average": loadavg,
                "varnish": config["varnish"] or config["no_varnish"],
                "floor_rps": statistics.median(floors),
                "rows": rows,
                "hit_share": {
                    "pages": [{"label": label, "path": path} for label, path in visited],
                    "edited": {
                        "id": story.pk,
                        "slug": story.slug,
                        "rank": EDITED_RANK,
                        "path": story.get_absolute_url(),
                    },
                    "published": {
                        "slug": published.slug,
                        "section": published.category.slug,
                        "follows": followed.slug,
                    },
                    **shares,
                },
                "content_length_mismatches": framing,
                "worker_rss_mb": rss,
                "requests_served": served,
            },
            indent=2,
        )
    )
    print(f"Results written to {path}")


if __name__ == "__main__":
    main()
