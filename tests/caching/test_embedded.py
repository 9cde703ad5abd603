"""The embedded default (no Redis): processes of one machine share the page cache.

A real `manage.py runserver` serves the site from a temporary SQLite file with
the file cache; writes are made by other processes (`manage.py shell -c`), as
an editor's admin, seed_demo or a worker would, and the server's cached pages
change at once. Runs everywhere: REDIS_URL is removed from the processes'
environment.
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
# Settings of the test run that must not reach the processes started here.
DROPPED = {
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "CELERY_TASK_ALWAYS_EAGER",
    "DATABASE_URL",
    "CACHE_DIR",
    "PAGE_CACHE",
    "EDGE_PURGE",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "DJANGO_SETTINGS_MODULE",
}

CREATE = """
from articles import services
from articles.models import Article
from categories.models import Category

section = Category.objects.create(name="Politics", slug="politics", show_on_home=True)
story = services.save_article(Article(
    title="Parliament passes the budget", slug="parliament-passes-the-budget",
    body="<p>The vote.</p>", category=section,
))
services.publish(story)
services.save_article(Article(
    title="Ceasefire announced", slug="ceasefire-announced", body="<p>Talks.</p>",
    category=section,
))
"""

PUBLISH = """
from articles import services
from articles.models import Article

services.publish(Article.objects.get(slug="ceasefire-announced"))
"""

SCHEDULE = """
import json
from datetime import timedelta

from django.utils import timezone

from articles import services
from articles.models import Article
from categories.models import Category

story = services.save_article(Article(
    title="Embargo lifts soon", slug="embargo-lifts-soon", body="<p>Soon.</p>",
    category=Category.objects.get(slug="politics"),
))
story = services.schedule(story, timezone.now() + timedelta(seconds={seconds}))
print(json.dumps({{"url": story.get_absolute_url(), "at": story.publish_at.timestamp()}}))
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Machine:
    """One machine's processes sharing a SQLite file and a cache folder."""

    def __init__(self, directory):
        self.env = {k: v for k, v in os.environ.items() if k not in DROPPED}
        self.env.update(
            DATABASE_URL=f"sqlite:///{directory}/db.sqlite3",
            CACHE_DIR=str(directory / "cache"),
            DEBUG="true",
            SECRET_KEY="embedded-default-test-secret-key-0123456789abcdefghijklmnop",
            THROTTLE_ENABLED="false",
            SECURE_SSL_REDIRECT="false",
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.server = None
        self.log = directory / "runserver.log"
        self.port = None

    def manage(self, *args, timeout=60):
        run = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        return run.stdout

    def shell(self, code):
        return self.manage("shell", "--no-imports", "-c", code)

    def start(self):
        self.port = _free_port()
        with open(self.log, "w") as log:
            self.server = subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "runserver",
                    f"127.0.0.1:{self.port}",
                    "--noreload",
                    "--skip-checks",
                ],
                cwd=PROJECT_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.server.poll() is None, self.log.read_text()
            try:
                httpx.get(f"{self.url}/robots.txt", timeout=1, trust_env=False)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"runserver did not answer:\n{self.log.read_text()}")

    def stop(self):
        if self.server is not None and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def get(self, path):
        return httpx.get(self.url + path, timeout=10, trust_env=False)


@pytest.fixture
def machine(tmp_path):
    machine = Machine(tmp_path)
    machine.manage("migrate", "--skip-checks", "--verbosity", "0", timeout=120)
    try:
        machine.start()
        yield machine
    finally:
        machine.stop()


def test_the_file_cache_shares_pages_and_purges_between_processes(machine):
    machine.shell(CREATE)
    first = machine.get("/")
    assert first.status_code == 200
    second = machine.get("/")
    assert second.headers["X-Cache"] == "hit"
    assert "Parliament passes the budget" in second.text
    assert "Ceasefire announced" not in second.text

    # Published by another process: the server's cached home page goes at once.
    machine.shell(PUBLISH)
    after = machine.get("/")
    assert after.headers["X-Cache"] == "miss"
    assert "Ceasefire announced" in after.text
    assert machine.get("/").headers["X-Cache"] == "hit"

    # A story scheduled by another process: its address answers 404 (cached)
    # until its time, then the story, with no worker and no write.
    scheduled = json.loads(machine.shell(SCHEDULE.format(seconds=4)).strip().splitlines()[-1])
    assert machine.get(scheduled["url"]).status_code == 404
    cached_404 = machine.get(scheduled["url"])
    assert (cached_404.status_code, cached_404.headers["X-Cache"]) == (404, "hit")
    home = machine.get("/")
    assert "Embargo lifts soon" not in home.text
    assert machine.get("/").headers["X-Cache"] == "hit"
    wait = scheduled["at"] - time.time()
    assert wait > 0, "the schedule came before the 404 could be checked"
    time.sleep(wait + 0.3)
    story = machine.get(scheduled["url"])
    assert story.status_code == 200
    assert "Embargo lifts soon" in story.text
    assert "Embargo lifts soon" in machine.get("/").text
