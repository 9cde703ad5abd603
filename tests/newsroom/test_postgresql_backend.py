"""newsroom.postgresql: the health check polls the socket before it asks `SELECT 1`."""

import time
from unittest import mock

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper as DjangoWrapper

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a PostgreSQL backend (set DATABASE_URL)"
)


def _server_check_calls():
    return mock.patch.object(DjangoWrapper, "is_usable", autospec=True, return_value=True)


def test_the_database_uses_the_polling_backend():
    assert connection.settings_dict["ENGINE"] == "newsroom.postgresql"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_quiet_connection_is_usable_without_a_round_trip(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    with _server_check_calls() as server_check:
        assert connection.is_usable()
    server_check.assert_not_called()


@pytest.fixture
def terminated(transactional_db):
    """The pid of the test's connection, which the server then closes; the broken
    connection is dropped afterwards, so the database can be flushed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    _terminate(pid)
    _wait_for_the_server_to_say_so()
    yield pid
    connection.close()


def _terminate(pid):
    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    with psycopg.connect(autocommit=True, **params) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def _wait_for_the_server_to_say_so(deadline=5.0):
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        with _server_check_calls() as server_check:
            connection.is_usable()
        if server_check.called:
            return
        time.sleep(0.05)
    raise AssertionError("the closed connection never became readable")


def test_a_connection_the_server_closed_fails_the_check(terminated):
    assert not connection.is_usable()


def test_a_request_after_the_server_closed_the_connection_gets_a_new_one(terminated):
    # What Django does when a request starts (close_old_connections), then a statement.
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (new_pid,) = cursor.fetchone()
    assert new_pid != terminated
