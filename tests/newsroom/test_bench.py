import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]

pytestmark = [
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


def test_a_small_benchmark_run_measures_every_page_without_errors(transactional_db, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "BENCH_ARTICLES": "200",
        "BENCH_DURATION": "1",
        "BENCH_RESULTS_DIR": str(tmp_path),
        "WEB_CONCURRENCY": "2",
    }
    run = subprocess.run(
        [sys.executable, "-m", "bench.pages"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "of floor" in run.stdout
    (result,) = tmp_path.glob("pages-200-*.json")
    report = json.loads(result.read_text())
    measured = {(row["page"], row["cache"]) for row in report["rows"]}
    assert measured == {("floor", "-")} | {
        (page, mode)
        for page in ("home", "article", "category", "feed")
        for mode in ("bypass", "warm")
    }
    for row in report["rows"]:
        assert row["errors"] == 0, row
        assert row["requests"] > 0, row
        if row["cache"] == "warm":
            assert row["queries"] == 0, row
        if row["cache"] == "bypass":
            assert 0 < row["queries"] <= 12, row


def test_the_benchmark_refuses_to_run_without_postgresql_and_redis(tmp_path):
    env = {**os.environ, "DATABASE_URL": "sqlite:///x.db", "REDIS_URL": ""}
    run = subprocess.run(
        [sys.executable, "-m", "bench.pages"],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 2
    assert "needs PostgreSQL" in run.stderr
