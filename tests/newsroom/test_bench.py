import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

PROJECT_DIR = Path(__file__).resolve().parents[2]
PAGES = ("home", "article", "category", "feed")

pytestmark = [
    # The run writes through its own connections: the test database must exist,
    # and is emptied after each test.
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="the benchmark runs on PostgreSQL: set DATABASE_URL (CI does)",
    ),
    pytest.mark.skipif(not shutil.which("wrk"), reason="needs wrk (make bench installs it)"),
]


def _database_url():
    db = settings.DATABASES["default"]
    password = db.get("PASSWORD") or ""
    return f"postgres://{db['USER']}:{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture(scope="module")
def run(django_db_setup, django_db_blocker, tmp_path_factory):
    """One small benchmark run (200 articles, 1 s per measurement) for every test here."""
    results = tmp_path_factory.mktemp("bench-results")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "BENCH_ARTICLES": "200",
        "BENCH_DURATION": "1",
        "BENCH_RESULTS_DIR": str(results),
        "WEB_CONCURRENCY": "2",
        # Measured when installed; on CI a missing Varnish fails the run.
        "BENCH_VARNISH": "1" if os.environ.get("CI") else "auto",
    }
    with django_db_blocker.unblock():
        try:
            done = subprocess.run(
                [sys.executable, "-m", "bench.pages"],
                cwd=PROJECT_DIR,
                env=env,
                capture_output=True,
                text=True,
                timeout=240,
            )
        finally:
            # What a transactional test leaves: the generated corpus goes.
            call_command("flush", interactive=False, verbosity=0)
    assert done.returncode == 0, done.stdout + done.stderr
    (result,) = results.glob("pages-200-*.json")
    return done.stdout, json.loads(result.read_text())


def _rows(report, mode):
    return {row["page"]: row for row in report["rows"] if row["cache"] == mode}


def test_a_small_run_measures_floor_bypass_and_hits_without_errors(run):
    stdout, report = run
    assert "of floor" in stdout
    assert "most-visited pages asked once" in stdout
    for mode in ("floor", "bypass", "django hit"):
        assert set(_rows(report, mode)) == set(PAGES), mode
    for row in report["rows"]:
        assert row["errors"] == 0, row
        assert row["requests"] > 0, row
    # Every miss and bypassed page carried the page it announced.
    assert report["content_length_mismatches"] == {}


def test_warm_pages_do_no_queries_and_renderings_few(run):
    _, report = run
    for page, row in _rows(report, "django hit").items():
        assert row["queries"] == 0, page
    bypass, cold = _rows(report, "bypass"), _rows(report, "cold")
    for page, row in bypass.items():
        assert row["queries"] <= 12, page
        # Renderings: with every cache empty, each reads the database.
        assert 0 < cold[page]["queries"] <= 12, page
    # A story that did not change is rendered from its cached row and fragments.
    assert bypass["article"]["queries"] == 0
    # After an edit elsewhere its related stories are read again (one statement: the
    # story's section and tags are kept with its row), the rest comes from its frame.
    assert set(_rows(report, "elsewhere")) == {"article"}
    assert _rows(report, "elsewhere")["article"]["queries"] == 1
    # After an edit of the story itself its own six statements run again (row, body
    # pictures, renditions, bylines, tags, related stories); the shared blocks are cached.
    assert set(_rows(report, "edited")) == {"article"}
    assert _rows(report, "edited")["article"]["queries"] == 6


def test_an_edit_renders_again_only_the_pages_that_show_the_story(run):
    _, report = run
    share = report["hit_share"]
    assert len(share["pages"]) == share["django"]["total"] == 50
    missed = " ".join(share["django"]["missed"])
    assert f"article: {share['edited']['slug']} " in missed
    assert "home " in missed
    # Not everything: the pages that do not show it are still hits.
    assert share["django"]["hits"] >= 40, share["django"]


def test_a_publication_renders_again_its_lists_and_the_story_it_follows(run):
    stdout, report = run
    assert "After a story was published" in stdout
    share = report["hit_share"]
    after = share["after_publish"]["django"]
    missed = " ".join(after["missed"])
    # Its lists, and the story it follows (the same tags: a related story now).
    assert "home " in missed and "feed: site RSS " in missed
    assert f"article: {share['published']['follows']} " in missed
    # Not the pages of the other stories of its section that share none of its tags.
    assert after["hits"] >= 30, after
    if "varnish" in share["after_publish"]:
        assert share["after_publish"]["varnish"]["hits"] >= 30, share["after_publish"]


def test_varnish_answers_the_pages_and_is_purged_by_the_edit(run):
    _, report = run
    if report["varnish"] is not True:
        assert not os.environ.get("CI"), report["varnish"]
        pytest.skip(f"Varnish was not measured: {report['varnish']}")
    rows = _rows(report, "varnish hit")
    assert set(rows) == set(PAGES)
    for row in rows.values():
        assert row["errors"] == 0, row
        assert row["requests"] > 0, row
    share = report["hit_share"]["varnish"]
    missed = " ".join(share["missed"])
    assert f"article: {report['hit_share']['edited']['slug']} " in missed
    assert "home " in missed
    assert share["hits"] >= 40, share


def test_the_benchmark_refuses_to_run_without_postgresql_and_redis(tmp_path):
    env = {**os.environ, "DATABASE_URL": "sqlite:///x.db", "REDIS_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "bench.pages"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "needs PostgreSQL" in done.stderr
