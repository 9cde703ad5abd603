"""Reads of the public site on PostgreSQL read replicas, everything else on the primary.

Replica reads are opt-in, per request: `ReplicaReadMiddleware` allows them for a
reader's GET or HEAD outside the admin, without a session cookie and without the
pinning cookie that a write sets for `REPLICA_PIN_SECONDS`. Everything else reads
the primary: writes, the admin, signed-in staff (so an editor sees their own save at
once), anything inside a transaction, Celery tasks, management commands and the
shell (a task must see the row committed just before it was queued).

A replica is used only while it is measured fresh: at most once per
`REPLICA_CHECK_SECONDS` each process compares the replica's replayed WAL position
with the primary's current one, and when it is behind, takes the age of the last
transaction it replayed as its lag. A replica lagging past `REPLICA_MAX_LAG`
(minus the check interval, so that a page is never older than `REPLICA_MAX_LAG`)
or not answering is left out until a later check finds it fine; with none left,
reads go to the primary. A read that fails on a replica mid-request (it stopped
between two checks) is retried once on the primary.

django-multidb-router's pinning router was considered: it sends every read
(workers' and commands' included) to a replica unless pinned, picks them round
robin, and knows nothing of a replica being down or behind, which is what this
module is mostly about.
"""

import logging
import random
import threading
import time

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control
from psycopg import Error as ProbeError

logger = logging.getLogger(__name__)

PIN_COOKIE = "primary_pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_state = threading.local()
_health = {}  # alias -> (checked at, usable, lag seconds or None); per process
_health_lock = threading.Lock()

# On the primary: where its WAL stands, and one past the newest finished transaction.
PRIMARY_LSN_SQL = "SELECT pg_current_wal_lsn()::text, pg_snapshot_xmax(pg_current_snapshot())::text"
# On a replica: is it one; has it replayed up to the primary's position (or, with the
# primary out of reach, everything it received); has it replayed every transaction the
# primary finished (WAL without transactions, a checkpoint after a restart, changes no
# row); and how old its last replayed transaction is.
REPLICA_LAG_SQL = """
SELECT pg_is_in_recovery(),
       COALESCE(pg_last_wal_replay_lsn() >= COALESCE(%s::pg_lsn, pg_last_wal_receive_lsn()),
                false),
       COALESCE(pg_snapshot_xmax(pg_current_snapshot())::text = %s, false),
       EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())
"""


def replica_aliases():
    return list(getattr(settings, "REPLICA_DATABASES", []))


def replica_reads_allowed():
    """Whether this thread serves a request whose reads may go to a replica."""
    return getattr(_state, "allowed", False)


def note_write():
    """Remember that this request wrote: its later reads, and the next few seconds of
    this client's requests, go to the primary."""
    _state.wrote = True
    _state.allowed = False


# The measurements use connections of their own (short timeouts, outside any pool and
# any transaction of the request), one per server and process, reopened when broken.
_probes = {}
_probe_lock = threading.Lock()
PROBE_TIMEOUT = 1  # seconds to connect; a server slower than that is treated as down


def _probe_query(alias, sql, params=()):
    with _probe_lock:
        conn = _probes.get(alias)
        if conn is None or conn.closed:
            options = connections[alias].get_connection_params()
            for key in ("cursor_factory", "context", "prepare_threshold"):
                options.pop(key, None)
            options["connect_timeout"] = PROBE_TIMEOUT
            options["options"] = f"-c statement_timeout={PROBE_TIMEOUT * 1000}"
            conn = _probes[alias] = psycopg.connect(autocommit=True, **options)
        try:
            return conn.execute(sql, params).fetchone()
        except ProbeError:
            conn.close()
            raise


def measure_lag(alias):
    """Seconds the replica `alias` is behind the primary (0 when caught up); raises
    psycopg.Error when the replica cannot be asked."""
    try:
        primary_lsn, primary_xmax = _probe_query(DEFAULT_DB_ALIAS, PRIMARY_LSN_SQL)
    except ProbeError:
        # The primary is down or restarting: the replica is all there is; compare it
        # with what it received.
        primary_lsn = primary_xmax = None
    in_recovery, caught_up, same_transactions, replay_age = _probe_query(
        alias, REPLICA_LAG_SQL, [primary_lsn, primary_xmax]
    )
    if not in_recovery or caught_up or same_transactions:
        return 0.0
    # Behind: what it shows is as old as the last transaction it replayed.
    return float(replay_age) if replay_age is not None else float("inf")


def check(alias, now=None):
    """(usable, lag) of replica `alias`, measured at most every REPLICA_CHECK_SECONDS."""
    now = time.monotonic() if now is None else now
    cached = _health.get(alias)
    if cached and now - cached[0] < settings.REPLICA_CHECK_SECONDS:
        return cached[1], cached[2]
    try:
        lag = measure_lag(alias)
    except (DatabaseError, ProbeError) as exc:
        logger.warning("replica %s left out: %s", alias, exc)
        usable, lag = False, None
    else:
        # A page read now may be served until the next check: keep the sum in bounds.
        usable = lag + settings.REPLICA_CHECK_SECONDS <= settings.REPLICA_MAX_LAG
        if not usable:
            logger.warning("replica %s left out: %.1f s behind the primary", alias, lag)
    with _health_lock:
        _health[alias] = (now, usable, lag)
    return usable, lag


def _close(alias):
    # Drop a connection that failed, so that the next use opens a new one.
    if alias in connections.settings:
        connections[alias].close()


def mark_down(alias):
    with _health_lock:
        _health[alias] = (time.monotonic(), False, None)


def forget_health():
    """Measure every replica again at its next use, on new connections (tests)."""
    with _health_lock:
        _health.clear()
    with _probe_lock:
        for conn in _probes.values():
            conn.close()
        _probes.clear()


class ReplicaRouter:
    """DATABASE_ROUTERS entry: see the module's docstring."""

    def db_for_read(self, model, **hints):
        if not replica_reads_allowed() or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        chosen = getattr(_state, "replica", None)
        if chosen is None:
            # One replica per request, chosen at random among the fresh ones, so a
            # page reads one consistent snapshot.
            usable = [alias for alias in replica_aliases() if check(alias)[0]]
            chosen = random.choice(usable) if usable else DEFAULT_DB_ALIAS  # noqa: S311
            _state.replica = chosen
        return chosen

    def db_for_write(self, model, **hints):
        note_write()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _admin_prefix():
    return "/" + getattr(settings, "REPLICA_PRIMARY_PATH_PREFIX", "admin/").lstrip("/")


def _wants_primary(request):
    return (
        request.method not in SAFE_METHODS
        or request.path.startswith(_admin_prefix())
        or PIN_COOKIE in request.COOKIES
        or settings.SESSION_COOKIE_NAME in request.COOKIES
    )


DATABASE_ERRORS = (OperationalError, InterfaceError)


class ReplicaReadMiddleware:
    """Allows replica reads for readers' requests, pins writers to the primary for a
    few seconds, retries a read cut off by a replica on the primary, and answers 503
    with a clear page when the primary itself cannot be reached."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        _state.allowed = bool(replica_aliases()) and not _wants_primary(request)
        _state.replica = None
        _state.wrote = False
        try:
            response = self.get_response(request)
            if (
                replica_aliases()
                and (_state.wrote or request.method not in SAFE_METHODS)
                # A write that needs no read-your-own-write (the read counter's
                # beacon, which promises no cookie) says so on the request.
                and getattr(request, "pin_primary", True)
            ):
                response.set_cookie(
                    PIN_COOKIE,
                    "1",
                    max_age=settings.REPLICA_PIN_SECONDS,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=True,
                    samesite="Lax",
                )
            return response
        finally:
            _state.allowed = False
            _state.replica = None
            _state.wrote = False

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        replica = getattr(_state, "replica", None)
        if replica and replica != DEFAULT_DB_ALIAS and request.resolver_match:
            # The replica went away between two checks: read this page from the primary.
            logger.warning("replica %s failed mid-request, retrying on the primary", replica)
            mark_down(replica)
            _close(replica)
            _state.allowed = False
            _state.replica = None
            try:
                return _render_again(request)
            except DATABASE_ERRORS as retry_error:
                exception = retry_error
        elif _public_read(request) and request.resolver_match:
            # The primary is down (or restarting) while every replica was left out for
            # lag: a reader gets an older page rather than an error.
            fallback = next((a for a in replica_aliases() if check(a)[1] is not None), None)
            if fallback:
                logger.warning("primary unavailable, reading %s from %s", request.path, fallback)
                _close(DEFAULT_DB_ALIAS)
                _state.allowed = True
                _state.replica = fallback
                try:
                    response = _render_again(request)
                except DATABASE_ERRORS as retry_error:
                    exception = retry_error
                else:
                    # Possibly older than REPLICA_MAX_LAG: shown once, kept by no cache.
                    patch_cache_control(response, no_store=True)
                    return response
        return database_unavailable(request, exception)


def _public_read(request):
    return bool(replica_aliases()) and not _wants_primary(request)


def _render_again(request):
    match = request.resolver_match
    response = match.func(request, *match.args, **match.kwargs)
    if hasattr(response, "render") and callable(response.render):
        response = response.render()
    return response


def server_error(request):
    """handler500: an unreachable database (raised anywhere: a middleware reading the
    session, a view) answers 503 with its own page; any other error the usual 500."""
    import sys

    from django.views import defaults

    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_ERRORS):
        return database_unavailable(request, exception)
    return defaults.server_error(request)


def database_unavailable(request, exception):
    """503 with a page saying what happened: nothing was saved, try again shortly."""
    logger.error("database unavailable for %s %s: %s", request.method, request.path, exception)
    body = loader.render_to_string("503.html", {"request_path": request.path}, request=None)
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response
