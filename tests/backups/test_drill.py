"""The restore drill: back a site up, restore it into a fresh PostgreSQL database and media
root with `manage.py restore`, serve both copies with gunicorn and compare them: every public
page, feed and sitemap byte for byte (time-dependent parts masked), every table's row count,
every media file's checksum."""

import html
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from backups import services
from backups.destinations import FolderDestination
from tests.conftest import PROJECT_DIR

from .site import build_site, masked, media_checksums

pytestmark = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="the drill restores into a fresh PostgreSQL database: set DATABASE_URL (CI does)",
)

SITE_URL = "http://news.drill.test"
START_PATHS = ["/", "/feed/", "/feed/atom/", "/sitemap.xml", "/news-sitemap.xml", "/robots.txt"]
MAX_PAGES = 400
LINK = re.compile(r'(?:href|src)="([^"]+)"|<loc>([^<]+)</loc>|<link>([^<]+)</link>')


def pg_url(name):
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def admin_sql(statement):
    """CREATE/DROP DATABASE, outside any transaction, on the server's maintenance database."""
    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(statement)


def row_counts(name):
    with psycopg.connect(pg_url(name)) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        count = 'SELECT COUNT(*) FROM "{}"'  # introspected names
        return {t: conn.execute(count.format(t)).fetchone()[0] for t in tables}


def site_env(database, media_root, cache_dir):
    """The environment of one copy of the site; the two copies differ only in these three."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "REDIS_URL", "MEDIA_", "CACHE_", "PYTEST", "BACKUP_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=pg_url(database),
        MEDIA_ROOT=str(media_root),
        CACHE_DIR=str(cache_dir),
        # Production rendering (the 404 page too), static files without collectstatic.
        DEBUG="false",
        SECRET_KEY="drill-" + "x" * 50,
        TRUSTED_PROXY_COUNT="0",
        SECURE_SSL_REDIRECT="false",
        STATIC_MANIFEST="false",
        WHITENOISE_USE_FINDERS="true",
        SITE_URL=SITE_URL,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PAGE_CACHE="false",
        THROTTLE_RENDER="100000/60",
        TWO_FACTOR_REQUIRED="false",
        LOG_LEVEL="WARNING",
    )
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args):
    """`manage.py <args>` run for the copy of the site that `env` describes."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def serve(env):
    """gunicorn on 127.0.0.1 with `env`; returns (process, base URL) once it answers."""
    port = free_port()
    proc = subprocess.Popen(
        [
            os.path.join(os.path.dirname(sys.executable), "gunicorn"),
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
            "--timeout",
            "300",
        ],
        cwd=PROJECT_DIR,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    # A wait, not a timing assertion: a busy machine starts gunicorn slowly.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited with {proc.returncode}")
        try:
            urllib.request.urlopen(base + "/robots.txt", timeout=60).close()
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise AssertionError("gunicorn did not answer")


def fetch(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=300) as response:
            return response.status, response.headers.get("Content-Type"), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type"), exc.read()


def local_paths(body):
    """Addresses on the site that a page links to (pages, feeds, sitemaps; not files)."""
    found = set()
    for match in LINK.finditer(body.decode("utf-8", "replace")):
        url = html.unescape(next(g for g in match.groups() if g)).split("#")[0]
        if url.startswith(SITE_URL):
            url = url[len(SITE_URL) :] or "/"
        if not url.startswith("/") or url.startswith("//"):
            continue
        if url.startswith(("/admin", "/static/", "/media/", "/healthz")):
            continue
        found.add(url)
    return found


def crawl_and_compare(original, restored, start):
    """Fetch every page reachable from `start` on both; returns (pages, differences)."""
    queue, seen, differences = list(start), set(start), []
    while queue and len(seen) <= MAX_PAGES:
        path = queue.pop(0)
        a, b = fetch(original, path), fetch(restored, path)
        if a[:2] != b[:2] or masked(a[2]) != masked(b[2]):
            differences.append((path, a[0], b[0]))
        if a[0] == 200:
            for link in sorted(local_paths(a[2]) - seen):
                seen.add(link)
                queue.append(link)
    return seen, differences


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_serves_the_same_site(settings, tmp_path):
    live = build_site()
    backup = services.make_backup(destination=FolderDestination(tmp_path / "backups"))
    original_db = connection.settings_dict["NAME"]
    restored_db = f"backups_drill_{uuid.uuid4().hex[:8]}"
    original_media = settings.MEDIA_ROOT
    restored_media = tmp_path / "restored-media"
    admin_sql(f'CREATE DATABASE "{restored_db}"')
    servers = []
    try:
        env = site_env(restored_db, restored_media, tmp_path / "restored-cache")
        result = manage(env, "restore", str(tmp_path / "backups" / backup["name"]))
        assert result.returncode == 0, result.stderr
        assert f"Restored {backup['name']}" in result.stdout

        # Every table, every row; the backup log is the one table that moves on: it gains
        # this backup's own line after the dump.
        original_counts, restored_counts = row_counts(original_db), row_counts(restored_db)
        assert original_counts.pop("backups_backuprecord") == 1
        assert restored_counts.pop("backups_backuprecord") == 0
        assert restored_counts == original_counts
        assert original_counts["images_rendition"] > 0
        assert original_counts["reversion_version"] > 0
        assert original_counts["sharing_sharedelivery"] == 3

        checksums = media_checksums(original_media)
        assert len(checksums) == 2 + original_counts["images_rendition"]
        assert media_checksums(restored_media) == checksums

        servers.append(serve(site_env(original_db, original_media, tmp_path / "original-cache")))
        servers.append(serve(env))
        # Archives and search are reached by address, not by links.
        start = START_PATHS + ["/search/?q=council", "/2099/01/no-such-story/"]
        for article in live:
            start += [f"{article.publish_at:/%Y/}", f"{article.publish_at:/%Y/%m/}"]
        pages, differences = crawl_and_compare(servers[0][1], servers[1][1], dict.fromkeys(start))
        assert differences == []
        # The crawl reached every live story, the listings and the sitemaps' entries.
        assert {a.get_absolute_url() for a in live} <= pages
        assert {"/category/world/", "/tag/elections/", "/feed/"} <= pages
        assert len(pages) > 40
        # The comparison sees a difference when there is one.
        with psycopg.connect(pg_url(restored_db), autocommit=True) as conn:
            conn.execute(
                "UPDATE articles_article SET title = 'Changed' WHERE id = %s", [live[0].pk]
            )
        # A change behind the site's back is shown once its key is purged, as an operator
        # who edits the database by hand does (the story's page is cached in fragments).
        purged = manage(env, "purge_cache", f"article:{live[0].pk}")
        assert purged.returncode == 0, purged.stderr
        path = live[0].get_absolute_url()
        assert masked(fetch(servers[0][1], path)[2]) != masked(fetch(servers[1][1], path)[2])
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=30)
        admin_sql(f'DROP DATABASE IF EXISTS "{restored_db}" WITH (FORCE)')
