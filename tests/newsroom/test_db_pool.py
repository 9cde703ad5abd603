"""DATABASE_POOL=true: Django 5.2's psycopg pool serves the connections of a process."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from tests.workers import PROJECT_DIR

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the pool is PostgreSQL's (set DATABASE_URL)"
)

SCRIPT = """
import django, threading
django.setup()
from django.db import connection, connections
pool = connection.pool
assert pool is not None, "no pool"
def query():
    try:
        with connections["default"].cursor() as c:
            c.execute("SELECT pg_backend_pid()")
            pids.add(c.fetchone()[0])
    except Exception as exc:
        errors.append(repr(exc))
    connections["default"].close()  # back to the pool
pids, errors = set(), []
for _ in range(3):
    threads = [threading.Thread(target=query) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
assert not errors, errors
print(pool.max_size, len(pids))
"""


def test_a_pooled_process_reuses_at_most_max_size_server_connections(transactional_db, settings):
    db = settings.DATABASES["default"]
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        DATABASE_POOL="true",
        DATABASE_POOL_MAX_SIZE="2",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
    )
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    max_size, backends = int(out[0]), int(out[1])
    # Twelve connections opened and closed by four threads: two server processes did it all.
    assert max_size == 2
    assert 1 <= backends <= 2


def test_behind_pgbouncer_server_side_cursors_are_off(transactional_db, settings):
    db = settings.DATABASES["default"]
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        DATABASE_PGBOUNCER="true",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
    )
    script = (
        "import django; django.setup(); from django.db import connection; "
        "print(connection.settings_dict['DISABLE_SERVER_SIDE_CURSORS'], "
        "connection.features.can_use_chunked_reads and not "
        "connection.settings_dict['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert out == ["True", "False"]
