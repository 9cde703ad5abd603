"""Make, prune and restore backups: the database dump plus every media file, with a manifest.

A backup is checked before anything is restored: every file against its size and SHA-256,
the migrations it was made at against the code's, the vendor against the target's. The
database is restored only into an empty one (or with `force`); media are restored by
content, so a file that is already there with the same checksum is skipped and an
interrupted restore can be resumed.
"""

import hashlib
import json
import shutil
import subprocess  # noqa: S404 - git describe, argument list
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from . import database
from .destinations import PARTIAL, PREFIX, BackupError, FolderDestination, configured
from .models import BackupRecord

FORMAT = 1
PROJECT_DIR = Path(__file__).resolve().parent.parent
CHUNK = 1024 * 1024
NAME_FORMAT = "%Y%m%dT%H%M%SZ"


def backup_name(when):
    """backup-20261205T031500Z: names sort by time."""
    return PREFIX + when.astimezone(UTC).strftime(NAME_FORMAT)


def time_of(name):
    """The UTC time a backup (or a leftover working folder) is named by, or None."""
    stem = name.removeprefix(PARTIAL).removeprefix(PREFIX)
    try:
        return datetime.strptime(stem, NAME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def project_version():
    """The project's version (pyproject.toml) and, in a git clone, the commit it runs."""
    import tomllib

    try:
        with open(PROJECT_DIR / "pyproject.toml", "rb") as handle:
            version = tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, ValueError):
        version = "unknown"
    if (PROJECT_DIR / ".git").exists() and shutil.which("git"):
        described = subprocess.run(  # noqa: S603
            ["git", "-C", str(PROJECT_DIR), "describe", "--always", "--dirty"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout.strip()
        if described:
            return f"{version}+git.{described}"
    return version


def _copy_hashed(source, target_path):
    """Copy the open file `source` to `target_path`; returns (size, sha256 hex)."""
    digest = hashlib.sha256()
    size = 0
    with open(target_path, "wb") as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return size, digest.hexdigest()


def _hash(source):
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def walk_storage(storage, path=""):
    """Every file name in a Django storage, recursively, sorted."""
    dirs, files = storage.listdir(path)
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for name in sorted(dirs):
        yield from walk_storage(storage, f"{path}/{name}" if path else name)


def _media_names(storage):
    try:
        return list(walk_storage(storage))
    except FileNotFoundError:
        return []  # a MEDIA_ROOT never written to yet


# -- backup --------------------------------------------------------------------------------


def make_backup(*, destination=None, using="default", media=None, progress=None, now=None):
    """Write one complete backup; returns its manifest. A failure is recorded, then raised."""
    destination = destination or configured()
    media = media or storages["default"]
    connection = connections[using]
    started = now or timezone.now()
    name = backup_name(started)
    work = None
    try:
        work = destination.begin(name)
        files = []
        dump_file = database.DUMP_FILES.get(connection.vendor)
        if dump_file is None:
            raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
        if progress:
            progress("database", 0, 1)
        migrations, counts = database.dump(connection, work / dump_file)
        with open(work / dump_file, "rb") as handle:
            size, sha = _hash(handle)
        files.append({"path": dump_file, "size": size, "sha256": sha})
        if progress:
            progress("database", 1, 1)
        names = _media_names(media)
        for done, media_name in enumerate(names, 1):
            target = work / "media" / media_name
            target.parent.mkdir(parents=True, exist_ok=True)
            with media.open(media_name, "rb") as source:
                size, sha = _copy_hashed(source, target)
            files.append({"path": f"media/{media_name}", "size": size, "sha256": sha})
            if progress:
                progress("media", done, len(names))
        manifest = {
            "format": FORMAT,
            "name": name,
            "created_at": started.isoformat(),
            "finished_at": timezone.now().isoformat(),
            "project_version": project_version(),
            "database": {
                "vendor": connection.vendor,
                "path": dump_file,
                "server_version": _server_version(connection),
            },
            "migrations": migrations,
            "row_counts": counts,
            "media_count": len(names),
            "total_size": sum(f["size"] for f in files),
            "files": files,
        }
        body = json.dumps(manifest, indent=1, sort_keys=True).encode()
        destination.commit(name, work, body, progress=progress)
        work = None
    except Exception as exc:
        if work is not None:
            destination.abort(work)
        error = exc if isinstance(exc, BackupError) else BackupError(f"{type(exc).__name__}: {exc}")
        _record(name, destination, started, BackupRecord.Status.FAILED, error=str(error))
        raise error from exc
    _record(
        name,
        destination,
        started,
        BackupRecord.Status.OK,
        vendor=connection.vendor,
        size=manifest["total_size"],
        count=len(files) + 1,
    )
    return manifest


def _server_version(connection):
    if connection.vendor == "postgresql":
        return connection.pg_version
    import sqlite3

    return sqlite3.sqlite_version


def _record(name, destination, started, status, *, error="", vendor="", size=0, count=0):
    try:
        BackupRecord.objects.create(
            name=name,
            destination=str(destination)[:500],
            status=status,
            started_at=started,
            finished_at=timezone.now(),
            database_vendor=vendor,
            size_bytes=size,
            file_count=count,
            error=error,
        )
    except Exception:  # noqa: S110 - the database may be what failed; the error is raised anyway
        if status == BackupRecord.Status.OK:
            raise


# -- retention -----------------------------------------------------------------------------


def to_keep(names, *, daily, weekly, monthly):
    """The backups retention keeps: the newest of each of the last `daily` days that have one,
    of the last `weekly` ISO weeks and `monthly` months, and always the newest of all."""
    dated = sorted(((time_of(n), n) for n in names if time_of(n)), reverse=True)
    keep = {dated[0][1]} if dated else set()
    for count, period in (
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    ):
        seen = []
        for when, name in dated:
            key = period(when)
            if key in seen:
                continue
            if len(seen) >= count:
                break
            seen.append(key)
            keep.add(name)
    return keep


def prune(destination=None, *, now=None):
    """Delete backups retention does not keep, and working folders of runs dead for a day."""
    destination = destination or configured()
    now = now or timezone.now()
    names = destination.names()
    keep = to_keep(
        names,
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )
    deleted = [n for n in names if n not in keep and time_of(n)]
    for name in deleted:
        destination.delete(name)
    for name in destination.leftovers():
        when = time_of(name)
        if name in deleted:
            continue  # an emptied folder left behind by a storage
        if when and now - when > timedelta(days=1):
            if isinstance(destination, FolderDestination):
                shutil.rmtree(destination.root / name, ignore_errors=True)
            else:
                destination.delete(name)
            deleted.append(name)
    return deleted


# -- restore -------------------------------------------------------------------------------


def open_backup(backup, destination=None):
    """(destination, name) for BACKUP: a folder path, or a backup's name in the destination."""
    path = Path(backup)
    if path.is_dir() and (path / "manifest.json").exists():
        return FolderDestination(path.resolve().parent), path.resolve().name
    if "/" in str(backup) or path.is_dir():
        raise BackupError(f"{backup} is not a complete backup folder (it has no manifest.json).")
    return destination or configured(), str(backup)


def read_manifest(destination, name):
    try:
        manifest = json.loads(destination.read_manifest(name))
    except ValueError as exc:
        raise BackupError(f"The manifest of {name} is not valid JSON: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"{name} is in backup format {manifest.get('format')!r}; this code reads {FORMAT}."
        )
    return manifest


def migration_gap(manifest):
    """(migrations in the backup the code lacks, migrations of the code the backup lacks)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    code = set(loader.disk_migrations)
    backed = {(app, n) for app, names in manifest["migrations"].items() for n in names}
    apps = {app for app, _ in code}
    # Records of apps this code has no migrations for at all (a removed app) cannot be
    # "newer"; only an app's own unknown migrations are.
    newer = sorted(m for m in backed - code if m[0] in apps)
    older = sorted(code - backed)
    return newer, older


def verify_files(folder, manifest, progress=None):
    """Names of files missing or not matching their size and checksum."""
    bad = []
    entries = manifest["files"]
    for done, entry in enumerate(entries, 1):
        path = Path(folder) / entry["path"]
        if not path.is_file():
            bad.append(f"{entry['path']} (missing)")
        elif path.stat().st_size != entry["size"]:
            bad.append(f"{entry['path']} (size {path.stat().st_size}, expected {entry['size']})")
        else:
            with open(path, "rb") as handle:
                if _hash(handle)[1] != entry["sha256"]:
                    bad.append(f"{entry['path']} (checksum differs)")
        if progress:
            progress("verify", done, len(entries))
    return bad


def _media_plan(media, entries):
    """(to write, already there with the same content, there with other content)."""
    write, same, conflicts = [], [], []
    for entry in entries:
        name = entry["path"].removeprefix("media/")
        if not media.exists(name):
            write.append(entry)
            continue
        if media.size(name) == entry["size"]:
            with media.open(name, "rb") as handle:
                if _hash(handle)[1] == entry["sha256"]:
                    same.append(entry)
                    continue
        conflicts.append(entry)
    return write, same, conflicts


def restore(
    backup,
    *,
    destination=None,
    using="default",
    media=None,
    force=False,
    media_only=False,
    progress=None,
):
    """Restore BACKUP into the database `using` and the media storage; returns a report."""
    destination, name = open_backup(backup, destination)
    manifest = read_manifest(destination, name)
    connection = connections[using]
    media = media or storages["default"]
    vendor = manifest["database"]["vendor"]
    if not media_only and vendor != connection.vendor:
        raise BackupError(
            f"{name} holds a {vendor} database; the target is {connection.vendor}. "
            f"Restore it into a {vendor} database (DATABASE_URL)."
        )
    newer, older = migration_gap(manifest)
    if newer:
        listed = ", ".join(f"{app}.{n}" for app, n in newer[:10])
        raise BackupError(
            f"{name} was made by newer code (version {manifest.get('project_version')}): its "
            f"database has {len(newer)} migration(s) this code does not know: {listed}. "
            "Restore it with that version of the code (or newer), never with older code."
        )
    tables = [] if media_only else database.table_names(connection)
    if tables and not force:
        raise BackupError(
            f"The target database is not empty ({len(tables)} tables). Restore into an empty "
            "database, use --force to drop every table first, or --media-only to finish the "
            "media of an interrupted restore."
        )
    folder, scratch = destination.local_copy(name, manifest, progress=progress)
    try:
        bad = verify_files(folder, manifest, progress=progress)
        if bad:
            raise BackupError(
                f"{name} is damaged: {len(bad)} file(s) do not match the manifest: "
                + "; ".join(bad[:10])
                + ". Nothing was restored; use another backup."
            )
        entries = [e for e in manifest["files"] if e["path"].startswith("media/")]
        write, same, conflicts = _media_plan(media, entries)
        if conflicts and not force:
            listed = ", ".join(e["path"].removeprefix("media/") for e in conflicts[:10])
            raise BackupError(
                f"{len(conflicts)} media file(s) already exist with other content: {listed}. "
                "Restore into an empty media root, or use --force to overwrite them."
            )
        if not media_only:
            if tables:
                database.drop_everything(connection)
            if progress:
                progress("database", 0, 1)
            database.load(connection, folder / manifest["database"]["path"], vendor)
            _, counts = database.state(connection)
            wrong = {
                t: (counts.get(t), n)
                for t, n in manifest["row_counts"].items()
                if counts.get(t) != n
            }
            if wrong:
                raise BackupError(f"Row counts after the restore differ from the backup's: {wrong}")
            if progress:
                progress("database", 1, 1)
        todo = write + conflicts
        for done, entry in enumerate(todo, 1):
            media_name = entry["path"].removeprefix("media/")
            if media.exists(media_name):
                media.delete(media_name)
            with open(folder / entry["path"], "rb") as handle:
                saved = media.save(media_name, File(handle))
            if saved != media_name:
                raise BackupError(f"The media storage saved {media_name} as {saved}.")
            if progress:
                progress("media", done, len(todo))
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return {
        "name": name,
        "database": not media_only,
        "media_written": len(todo),
        "media_skipped": len(same),
        "code_migrations_ahead": [f"{app}.{n}" for app, n in older],
        "project_version": manifest.get("project_version"),
    }
