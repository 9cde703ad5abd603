"""Where backups are kept: a folder on this machine, or a storage (a private S3 bucket).

A backup is a folder `backup-<UTC time>/` holding the database dump, `media/…` and,
written last, `manifest.json`. Only a folder with a manifest is a backup: a folder is
written under a temporary name and renamed, and a storage gets the manifest after every
other file, so a run cut off half-way never looks complete.
"""

import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.base import ContentFile

MANIFEST = "manifest.json"
PREFIX = "backup-"
PARTIAL = ".partial-"


class BackupError(Exception):
    """A backup or restore cannot go on; the message says why and what to do."""


def _walk_storage(storage, path=""):
    """Every file name under `path` in a Django storage, recursively."""
    dirs, files = storage.listdir(path)
    for name in files:
        yield f"{path}/{name}" if path else name
    for name in dirs:
        yield from _walk_storage(storage, f"{path}/{name}" if path else name)


class FolderDestination:
    """Backups in a folder of this machine (BACKUP_DIR)."""

    def __init__(self, root):
        self.root = Path(root)

    def __str__(self):
        return str(self.root)

    def begin(self, name):
        """A fresh working folder for backup `name`, under a name no listing takes for done."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            work = self.root / f"{PARTIAL}{name}"
            work.mkdir()
        except OSError as exc:
            raise BackupError(
                f"Cannot write to the backup folder {self.root}: {exc.strerror or exc}. "
                "Create it and make it writable for this user, or set BACKUP_DIR."
            ) from exc
        return work

    def commit(self, name, work, manifest_bytes, progress=None):
        """Write the manifest last, then give the folder its final name."""
        if (self.root / name).exists():
            raise BackupError(f"A backup named {name} already exists in {self.root}.")
        tmp = work / f".{MANIFEST}.tmp"
        with open(tmp, "wb") as handle:
            handle.write(manifest_bytes)
            handle.flush()
            os.fsync(handle.fileno())
        tmp.rename(work / MANIFEST)
        work.rename(self.root / name)

    def abort(self, work):
        shutil.rmtree(work, ignore_errors=True)

    def names(self):
        """Complete backups, oldest first."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.name.startswith(PREFIX) and (p / MANIFEST).is_file()
        )

    def leftovers(self):
        """Working folders of runs that never finished."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.name.startswith(PARTIAL))

    def delete(self, name):
        shutil.rmtree(self.root / name)

    def read_manifest(self, name):
        path = self.root / name / MANIFEST
        if not path.is_file():
            raise BackupError(
                f"No complete backup {name} in {self.root} (no {MANIFEST}): "
                f"complete backups there: {', '.join(self.names()) or 'none'}."
            )
        return path.read_bytes()

    def local_copy(self, name, manifest, progress=None):
        """A folder on this machine holding the backup's files (the backup itself)."""
        return self.root / name, None


class StorageDestination:
    """Backups in a Django storage (BACKUP_STORAGE=s3: a private bucket of its own)."""

    def __init__(self, storage, label):
        self.storage = storage
        self.label = label

    def __str__(self):
        return self.label

    def begin(self, name):
        if self.storage.exists(f"{name}/{MANIFEST}"):
            raise BackupError(f"A backup named {name} already exists in {self.label}.")
        return Path(tempfile.mkdtemp(prefix=f"{name}-"))

    def commit(self, name, work, manifest_bytes, progress=None):
        """Upload every file, then the manifest: a backup without it is not one."""
        files = sorted(p for p in work.rglob("*") if p.is_file())
        for done, path in enumerate(files, 1):
            key = f"{name}/{path.relative_to(work).as_posix()}"
            with open(path, "rb") as handle:
                saved = self.storage.save(key, File(handle))
            if saved != key:
                raise BackupError(f"{self.label} stored {key} as {saved}; expected the same name.")
            if progress:
                progress("upload", done, len(files))
        self.storage.save(f"{name}/{MANIFEST}", ContentFile(manifest_bytes))
        shutil.rmtree(work, ignore_errors=True)

    def abort(self, work):
        shutil.rmtree(work, ignore_errors=True)

    def names(self):
        dirs, _ = self.storage.listdir("")
        return sorted(
            d for d in dirs if d.startswith(PREFIX) and self.storage.exists(f"{d}/{MANIFEST}")
        )

    def leftovers(self):
        dirs, _ = self.storage.listdir("")
        return sorted(
            d for d in dirs if d.startswith(PREFIX) and not self.storage.exists(f"{d}/{MANIFEST}")
        )

    def delete(self, name):
        # The manifest first: a backup being deleted stops counting as one at once.
        if self.storage.exists(f"{name}/{MANIFEST}"):
            self.storage.delete(f"{name}/{MANIFEST}")
        for key in list(_walk_storage(self.storage, name)):
            self.storage.delete(key)

    def read_manifest(self, name):
        key = f"{name}/{MANIFEST}"
        if not self.storage.exists(key):
            raise BackupError(
                f"No complete backup {name} in {self.label} (no {MANIFEST}): "
                f"complete backups there: {', '.join(self.names()) or 'none'}."
            )
        with self.storage.open(key, "rb") as handle:
            return handle.read()

    def local_copy(self, name, manifest, progress=None):
        """Download the backup's files into a temporary folder (removed by the caller)."""
        work = Path(tempfile.mkdtemp(prefix=f"restore-{name}-"))
        entries = manifest["files"]
        for done, entry in enumerate(entries, 1):
            target = work / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            with (
                self.storage.open(f"{name}/{entry['path']}", "rb") as src,
                open(target, "wb") as dst,
            ):
                shutil.copyfileobj(src, dst, 1024 * 1024)
            if progress:
                progress("download", done, len(entries))
        return work, work


def configured():
    """The destination the settings name (BACKUP_STORAGE, BACKUP_DIR, BACKUP_S3_*)."""
    if settings.BACKUP_STORAGE == "s3":
        options = dict(settings.BACKUP_S3_OPTIONS)
        if not options.get("bucket_name"):
            raise ImproperlyConfigured(
                "BACKUP_STORAGE=s3 needs BACKUP_S3_BUCKET: a private bucket for backups."
            )
        media = settings.STORAGES["default"].get("OPTIONS", {})
        if media.get("bucket_name") == options["bucket_name"]:
            raise ImproperlyConfigured(
                "BACKUP_S3_BUCKET must not be the media bucket: media are public and a backup "
                "holds the whole database. Create a private bucket for backups."
            )
        from storages.backends.s3 import S3Storage

        label = f"s3://{options['bucket_name']}/{options.get('location') or ''}".rstrip("/")
        return StorageDestination(S3Storage(**options), label)
    root = Path(settings.BACKUP_DIR).resolve()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if settings.MEDIA_STORAGE == "local" and (root == media_root or media_root in root.parents):
        raise ImproperlyConfigured(
            f"BACKUP_DIR ({root}) is inside MEDIA_ROOT ({media_root}), which the web server "
            "publishes: choose a folder outside it."
        )
    return FolderDestination(root)
