"""Dump and restore the database: pg_dump/pg_restore on PostgreSQL, the online backup API on SQLite.

Each dump comes with what was true *in it*: the applied migrations and every table's row
count are read from the same snapshot (PostgreSQL: an exported snapshot pg_dump shares;
SQLite: the copy itself), so a restore can check them exactly.
"""

import os
import re
import shutil
import sqlite3
import subprocess  # noqa: S404 - runs pg_dump/pg_restore with argument lists, no shell
from pathlib import Path

from django.conf import settings

from .destinations import BackupError

DUMP_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


# -- PostgreSQL client programs ---------------------------------------------------------


def server_major(connection):
    """The PostgreSQL server's major version (15 for 15.20)."""
    connection.ensure_connection()
    return connection.pg_version // 10000


def _client_major(path):
    out = subprocess.run(  # noqa: S603
        [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", out)
    return int(found.group(1)) if found else None


def find_client(program, major):
    """The `program` (pg_dump, pg_restore) of PostgreSQL `major`, or a clear BackupError.

    Looked for in BACKUP_PG_BIN_DIR, Debian's /usr/lib/postgresql/<major>/bin, then PATH.
    An older client cannot read a newer server, and a newer pg_dump writes archives an
    older pg_restore cannot read: the same major version is wanted; a newer one is taken
    only when no matching one exists.
    """
    candidates = []
    if settings.BACKUP_PG_BIN_DIR:
        candidates.append(Path(settings.BACKUP_PG_BIN_DIR) / program)
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin/{program}"))
    on_path = shutil.which(program)
    if on_path:
        candidates.append(Path(on_path))
    seen = {}
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            seen[path] = _client_major(path)
            if seen[path] == major:
                return path
    newer = [p for p, v in seen.items() if v is not None and v > major]
    if newer:
        return newer[0]
    if seen:
        found = ", ".join(f"{p} (PostgreSQL {v})" for p, v in seen.items())
        raise BackupError(
            f"{program} for PostgreSQL {major} not found; only {found}, older than the server. "
            f"Install the matching client (Debian: apt-get install postgresql-client-{major}) "
            "or point BACKUP_PG_BIN_DIR at its bin folder."
        )
    raise BackupError(
        f"{program} not found (looked in BACKUP_PG_BIN_DIR, /usr/lib/postgresql/{major}/bin "
        f"and PATH). Install the PostgreSQL {major} client programs (Debian: apt-get install "
        f"postgresql-client-{major}) or point BACKUP_PG_BIN_DIR at their folder."
    )


def _libpq_env(settings_dict):
    """Connection settings as libpq environment variables: no password on a command line."""
    env = dict(os.environ)
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": (settings_dict.get("OPTIONS") or {}).get("sslmode"),
    }
    env.update({k: str(v) for k, v in pairs.items() if v})
    return env


def _run(argv, env, what):
    try:
        result = subprocess.run(  # noqa: S603
            [str(a) for a in argv], env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"{what} could not start: {exc}") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()[-2000:]
        raise BackupError(f"{what} failed (exit {result.returncode}): {detail}")
    return result


# -- reading what a dump holds ------------------------------------------------------------


def _quote(name):
    return '"' + name.replace('"', '""') + '"'


def _state(cursor, tables):
    """(applied migrations {app: [names]}, row counts {table: n}) through a DB-API cursor."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    counts = {}
    # Table names come from the database's own catalogue, quoted.
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # nosec B608 # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return migrations, counts


def _sqlite_tables(conn):
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [r[0] for r in rows]


def _pg_tables(cursor):
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
    return [r[0] for r in cursor.fetchall()]


# -- dump -------------------------------------------------------------------------------


def dump(connection, path):
    """Write a consistent copy of the database to `path`; returns (migrations, row counts)."""
    if connection.vendor == "postgresql":
        return _dump_postgresql(connection, path)
    if connection.vendor == "sqlite":
        return _dump_sqlite(connection, path)
    raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")


def _dump_postgresql(connection, path):
    import psycopg

    pg_dump = find_client("pg_dump", server_major(connection))
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    # One snapshot for pg_dump, the migration state and the row counts: all three
    # describe the same moment even while editors keep writing.
    with (
        psycopg.connect(**params, autocommit=True) as conn,
        conn.transaction(),
        conn.cursor() as cursor,
    ):
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--file", path],
            _libpq_env(connection.settings_dict),
            "pg_dump",
        )
        return _state(cursor, _pg_tables(cursor))


def _dump_sqlite(connection, path):
    connection.ensure_connection()
    target = sqlite3.connect(path)
    try:
        # The online backup API copies a consistent state while others keep writing.
        connection.connection.backup(target)
        return _state(target.cursor(), _sqlite_tables(target))
    finally:
        target.close()


# -- restore ------------------------------------------------------------------------------


def table_names(connection):
    """Tables in the target database (empty: nothing to overwrite)."""
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def drop_everything(connection):
    """Drop every table of the target (restore --force), and on PostgreSQL its own text
    search configurations (the dump creates them again; extensions it creates only if
    missing)."""
    tables = table_names(connection)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DROP TABLE IF EXISTS {_quote(table)} CASCADE")
            cursor.execute(
                """
                SELECT c.cfgname FROM pg_ts_config c
                  JOIN pg_namespace n ON n.oid = c.cfgnamespace
                 WHERE n.nspname = current_schema()
                   AND NOT EXISTS (
                       SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_ts_config'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
                """
            )
            for (config,) in cursor.fetchall():
                cursor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {_quote(config)}")
    # SQLite: the backup API replaces the whole file, nothing to drop first.


def load(connection, path, vendor):
    """Load the dump at `path` into the (empty) database of `connection`."""
    if vendor != connection.vendor:
        raise BackupError(
            f"This backup is of a {vendor} database; the target is {connection.vendor}. "
            f"Restore it into a {vendor} database (set DATABASE_URL)."
        )
    if vendor == "postgresql":
        pg_restore = find_client("pg_restore", server_major(connection))
        # Before pg_restore connects: an open transaction of ours would hold locks it waits on.
        connection.close()
        _run(
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                connection.settings_dict["NAME"],
                path,
            ],
            _libpq_env(connection.settings_dict),
            "pg_restore",
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()


def state(connection):
    """(migrations, row counts) of the target database now."""
    tables = table_names(connection)
    with connection.cursor() as cursor:
        return _state(cursor, tables)
