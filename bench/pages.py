"""Page benchmark: the public site served by gunicorn, measured with wrk.

    DATABASE_URL=postgres://... REDIS_URL=redis://... make bench
    BENCH_ARTICLES=100000 make bench

Generates N articles on PostgreSQL (INSERT … SELECT over generate_series; slugs "pb-<n>",
sections "Pagebench …"; later runs add only what is missing), starts gunicorn
with newsroom/gunicorn.conf.py and production settings (DEBUG off, Redis cache)
on a free port, and runs wrk against the home page, an article, a category
page and the RSS feed, each with the page cache bypassed (header honoured only
because this server is started with PAGE_CACHE_BYPASS_HEADER) and warm, plus
/bench/floor, a bare view through the same server and middleware. SQL queries
per page are counted in-process through the same code. Prints a table and
writes JSON to bench/results/.

Environment: BENCH_ARTICLES (2000), BENCH_DURATION (seconds per run, 5),
BENCH_THREADS (2), BENCH_CONNECTIONS (16), WEB_CONCURRENCY (gunicorn workers),
BENCH_RESULTS_DIR (bench/results).
"""

import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BYPASS_HEADER = "X-Bench-Bypass"
BATCH = 5000
SECTIONS = 12
AUTHORS = 40
TAGS = 200

SERVER_ENV = {
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_HSTS_SECONDS": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "PAGE_CACHE_BYPASS_HEADER": BYPASS_HEADER,
    "BENCH_FLOOR_VIEW": "true",
    "GUNICORN_ACCESS_LOG": "",
    "GUNICORN_LOG_LEVEL": "warning",
    "LOG_LEVEL": "WARNING",
    # Only the generated corpus is measured; a real run would keep recycling.
    "GUNICORN_MAX_REQUESTS": "0",
    # One load generator on one address is a flood by design: the per-address
    # throttles would answer it with 429s.
    "THROTTLE_ENABLED": "false",
}


def fail(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


def configure():
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        fail("needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/dbname")
    if not redis_url.startswith(("redis://", "rediss://")):
        fail("needs Redis: set REDIS_URL=redis://127.0.0.1:6379/<db>")
    if not shutil.which("wrk"):
        fail("needs wrk: `make bench` installs it (apt-get install wrk)")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.update({k: v for k, v in SERVER_ENV.items() if k not in ("LOG_LEVEL",)})
    os.environ["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


# -- corpus --------------------------------------------------------------------------


def generate(count, seed=7):
    """Make sure `count` generated articles exist (adding only the missing ones)."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from taggit.models import Tag, TaggedItem

    from articles import freshness
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
    tags = [
        Tag.objects.get_or_create(
            slug=f"pagebench-tag-{n}", defaults={"name": f"pagebench topic {n}"}
        )[0]
        for n in range(TAGS)
    ]
    existing = Article.objects.filter(slug__startswith="pb-").count()
    if existing >= count:
        return existing, 0.0
    started = time.perf_counter()
    article_type = TaggedItem.content_type.field.related_model.objects.get_for_model(Article)
    words = [
        "the", "election", "budget", "parliament", "talks", "border", "minister", "court",
        "council", "school", "water", "energy", "market", "culture", "festival", "report",
        "villagers", "road", "hospital",
    ]
    body = "".join(
        f"<p>{' '.join(rng.choice(words) for _ in range(60)).capitalize()}.</p>" for _ in range(6)
    )
    # Maintaining the text indexes (GIN) row by row costs most of a large load;
    # building them again afterwards, as after a restore, costs seconds.
    text_indexes = _drop_text_indexes(Article._meta.db_table)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            # Rows are made by the database itself (INSERT … SELECT over
            # generate_series): seconds for 100,000 stories, not minutes.
            cursor.execute(*_articles_sql(existing, count, sections, words, body))
            cursor.execute(*_bylines_sql(existing, count, authors))
            cursor.execute(*_tags_sql(existing, count, tags, article_type))
    finally:
        with connection.cursor() as cursor:
            for definition in text_indexes:
                cursor.execute(definition)
    with connection.cursor() as cursor:
        # As autovacuum would leave a loaded table: visibility map set (index-only
        # scans) and planner statistics current.
        cursor.execute("VACUUM ANALYZE")
    # The rows were written without signals: retire whatever was cached before.
    freshness.bump_generation()
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


def _articles_sql(first, count, sections, words, body):
    """An INSERT … SELECT of the articles "pb-<first>" to "pb-<count - 1>"."""
    from django.db import connection
    from django.utils import timezone

    from articles.models import Article

    now = timezone.now()
    section_ids = ", ".join(str(section.pk) for section in sections)
    given = {
        "title": (_sentence(words, "n", 7, 1), []),
        "slug": ("'pb-' || n", []),
        "dek": (_sentence(words, "n", 18, 2) + " || '.'", []),
        "body": ("%s", [body]),
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


# The generated articles "pb-<first>" to "pb-<last>" (two parameters).
GENERATED_BETWEEN = "WHERE a.slug LIKE 'pb-%%' AND substr(a.slug, 4)::int BETWEEN %s AND %s"


def _bylines_sql(first, count, authors):
    """One byline per generated article, from a fixed pool of writers."""
    from articles.models import Article, ArticleAuthor

    author_ids = ", ".join(str(author.pk) for author in authors)
    sql = (
        f"INSERT INTO {ArticleAuthor._meta.db_table} (article_id, author_id, \"order\") "  # nosec B608 # noqa: S608
        f"SELECT a.id, (ARRAY[{author_ids}])[1 + (a.id * 7) %% {len(authors)}], 0 "
        f"FROM {Article._meta.db_table} a "
        f"{GENERATED_BETWEEN}"
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
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = %s AND indexdef LIKE %s",
            [table, "% USING gin %"],
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    return [definition for _name, definition in found]


def pages():
    """The addresses measured: name -> path."""
    from articles.models import Article
    from categories.models import Category

    article = Article.objects.live().filter(slug__startswith="pb-").latest_first()[5]
    category = Category.objects.get(slug="pagebench-1")
    return {
        "home": "/",
        "article": article.get_absolute_url(),
        "category": category.get_absolute_url(),
        "feed": "/feed/",
    }


def count_queries(paths):
    """SQL queries of one uncached rendering and of one warm hit of each page, in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    counts = {}
    for name, path in paths.items():
        # Counted at once: each request clears the connection's query log.
        with CaptureQueriesContext(connection) as uncached:
            response = client.get(path, headers={BYPASS_HEADER: "1"})
        bypass = len(uncached)
        if response.status_code != 200:
            fail(f"{path} answered {response.status_code} in-process")
        client.get(path)
        with CaptureQueriesContext(connection) as warm:
            client.get(path)
        counts[name] = {"bypass": bypass, "warm": len(warm)}
    return counts


# -- server and load ---------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port):
    env = {**os.environ, **SERVER_ENV, "PORT": str(port), "HOST": "127.0.0.1"}
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(  # noqa: S603 - fixed command
        [gunicorn, "newsroom.wsgi", "-c", "newsroom/gunicorn.conf.py"],
        cwd=PROJECT_DIR, env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail("gunicorn exited at start (see its output above)")
        try:
            floor = f"http://127.0.0.1:{port}/bench/floor"
            with urllib.request.urlopen(floor, timeout=2):  # noqa: S310
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    fail("gunicorn did not answer within 60 s")


def stop_server(server):
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


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * UNITS[unit]


def wrk(url, *, duration, threads, connections, headers=()):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency"]
    for header in headers:
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


# -- report ----------------------------------------------------------------------------


def table(rows, floor_rps):
    lines = [
        f"{'page':<10} {'cache':<7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'queries':>8} {'of floor':>9}",
    ]
    for row in rows:
        lines.append(
            f"{row['page']:<10} {row['cache']:<7} {row['rps']:>9.0f} {row['p50_ms']:>8.2f} "
            f"{row['p99_ms']:>8.2f} {row['errors']:>7} {row['queries']!s:>8} "
            f"{row['rps'] / floor_rps:>8.1%}"
        )
    return "\n".join(lines)


def main():
    configure()
    count = int(os.environ.get("BENCH_ARTICLES", 2000))
    duration = max(1, int(os.environ.get("BENCH_DURATION", 5)))
    threads = int(os.environ.get("BENCH_THREADS", 2))
    connections = int(os.environ.get("BENCH_CONNECTIONS", 16))
    results_dir = Path(os.environ.get("BENCH_RESULTS_DIR", PROJECT_DIR / "bench" / "results"))

    print(f"Corpus: {count} articles")
    total, took = generate(count)
    if took:
        print(f"  generated in {took:.1f} s")
    from django.core.management import call_command

    # Hashed static names (manifest storage), as `make serve` does.
    call_command("collectstatic", interactive=False, verbosity=0)
    paths = pages()
    queries = count_queries(paths)

    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    load = {"duration": duration, "threads": threads, "connections": connections}
    rows = []
    try:
        wrk(f"{base}/bench/floor", **{**load, "duration": 1})  # warm the workers up
        floor = wrk(f"{base}/bench/floor", **load)
        rows.append({"page": "floor", "cache": "-", "queries": 0, **floor})
        for name, path in paths.items():
            for mode in ("bypass", "warm"):
                headers = [f"{BYPASS_HEADER}: 1"] if mode == "bypass" else []
                # Fill the cache (and prove the page answers) before measuring.
                urllib.request.urlopen(f"{base}{path}", timeout=10).read()  # noqa: S310
                result = wrk(f"{base}{path}", headers=headers, **load)
                rows.append({"page": name, "cache": mode, "path": path,
                             "queries": queries[name][mode], **result})
        rss = worker_rss_mb(server.pid)
        served = sum(row["requests"] for row in rows)
    finally:
        stop_server(server)

    print()
    print(table(rows, floor["rps"]))
    print(f"\ngunicorn workers: RSS {rss} MB after {served} requests in all")
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    path = results_dir / f"pages-{count}-{stamp}.json"
    path.write_text(json.dumps({
        "articles": total,
        "load": load,
        "workers": os.environ.get("WEB_CONCURRENCY") or f"{os.cpu_count()}+1",
        "cpus": os.cpu_count(),
        "floor_rps": floor["rps"],
        "rows": [{**row, "of_floor": row["rps"] / floor["rps"]} for row in rows],
        "worker_rss_mb": rss,
        "requests_served": served,
    }, indent=2))
    print(f"Results written to {path}")


if __name__ == "__main__":
    main()
