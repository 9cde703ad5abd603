"""manage.py backup and restore: the manifest, failures, refusals, resuming, retention, status."""

import hashlib
import io
import json
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from articles.models import Article
from backups import database, services
from backups.destinations import BackupError, FolderDestination, StorageDestination
from backups.models import BackupRecord
from backups.progress import Progress
from backups.tasks import LOCK, run_backup
from newsroom.celery import app as celery_app
from newsroom.celery import backup_schedule
from tests.factories import ArticleFactory, ImageFactory, StaffUserFactory

from .site import build_site, masked, media_checksums

ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def backup_dir(settings, tmp_path):
    settings.BACKUP_STORAGE = "local"
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.BACKUP_DIR


@pytest.fixture
def small_site(transactional_db):
    """Two live stories, one with a library image, committed (pg_dump sees only that)."""
    image = ImageFactory()
    return [ArticleFactory(featured_image=image), ArticleFactory()]


def backup_now(**kwargs):
    out = io.StringIO()
    call_command("backup", stdout=out, **kwargs)
    return out.getvalue()


def only_backup(folder):
    (path,) = list(Path(folder).iterdir())
    return path


def test_backup_holds_the_database_and_every_media_file_with_their_checksums(
    small_site, backup_dir, settings
):
    output = backup_now()
    path = only_backup(backup_dir)
    assert path.name.startswith("backup-")
    assert f"Backup {path.name} written to {backup_dir}" in output
    manifest = json.loads((path / "manifest.json").read_text())
    assert manifest["database"]["vendor"] == connection.vendor
    assert "0001_backup_record" in manifest["migrations"]["backups"]
    assert manifest["row_counts"]["articles_article"] == 2
    assert manifest["project_version"].startswith("0.1.0")
    on_disk = {p.relative_to(path).as_posix(): p for p in path.rglob("*") if p.is_file()}
    assert set(on_disk) == {f["path"] for f in manifest["files"]} | {"manifest.json"}
    for entry in manifest["files"]:
        data = on_disk[entry["path"]].read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["size"], entry["sha256"])
    media = {p.removeprefix("media/") for p in on_disk if p.startswith("media/")}
    assert media == set(media_checksums(settings.MEDIA_ROOT)) != set()
    record = BackupRecord.objects.get()
    assert (record.name, record.status) == (path.name, BackupRecord.Status.OK)


def test_a_failing_part_exits_non_zero_and_leaves_nothing_that_looks_complete(
    small_site, backup_dir, monkeypatch
):
    def broken_open(self, name, mode="rb"):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(FileSystemStorage, "open", broken_open)
    with pytest.raises(CommandError, match="Backup failed, nothing was kept: .*Input/output"):
        backup_now()
    assert list(backup_dir.iterdir()) == []
    record = BackupRecord.objects.get()
    assert record.status == BackupRecord.Status.FAILED
    assert "Input/output error" in record.error


def test_a_backup_folder_that_cannot_be_written_is_a_clear_error(db, settings, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    settings.BACKUP_DIR = tmp_path / "a-file" / "backups"
    with pytest.raises(CommandError, match="Cannot write to the backup folder .*BACKUP_DIR"):
        backup_now()
    assert BackupRecord.objects.get().status == BackupRecord.Status.FAILED


def test_the_backup_folder_may_not_be_inside_the_published_media(db, settings):
    settings.BACKUP_DIR = Path(settings.MEDIA_ROOT) / "backups"
    with pytest.raises(CommandError, match="inside MEDIA_ROOT"):
        backup_now()


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump is used on PostgreSQL only")
def test_pg_dump_failing_fails_the_backup_with_its_message(
    small_site, backup_dir, settings, tmp_path
):
    major = database.server_major(connection)
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = --version ] && echo "pg_dump (PostgreSQL) {major}.0" && exit 0\n'
        'echo "pg_dump: error: query failed: disk full" >&2\nexit 1\n'
    )
    fake.chmod(0o755)
    settings.BACKUP_PG_BIN_DIR = str(fake.parent)
    with pytest.raises(CommandError, match=r"pg_dump failed \(exit 1\): pg_dump: error: .*full"):
        backup_now()
    assert list(backup_dir.iterdir()) == []


@pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump is used on PostgreSQL only")
def test_a_pg_dump_of_the_server_version_is_found(db):
    major = database.server_major(connection)
    found = database.find_client("pg_dump", major)
    assert database._client_major(found) >= major


def test_a_missing_client_program_is_named_with_the_package_to_install(settings):
    settings.BACKUP_PG_BIN_DIR = ""
    with pytest.raises(BackupError, match="pg_nowhere not found.*postgresql-client-15"):
        database.find_client("pg_nowhere", 15)


# -- restore ---------------------------------------------------------------------------------


@pytest.fixture
def made(small_site, backup_dir):
    backup_now()
    return only_backup(backup_dir)


def restore_now(*args, **kwargs):
    out = io.StringIO()
    call_command("restore", *[str(a) for a in args], stdout=out, **kwargs)
    return out.getvalue()


def test_restore_refuses_a_database_that_is_not_empty(made):
    with pytest.raises(CommandError, match=r"not empty \(\d+ tables\).*--force.*--media-only"):
        restore_now(made)


def test_restore_refuses_a_backup_made_by_newer_code(made, settings, tmp_path):
    manifest = json.loads((made / "manifest.json").read_text())
    manifest["migrations"]["articles"].append("9999_from_the_future")
    (made / "manifest.json").write_text(json.dumps(manifest))
    settings.MEDIA_ROOT = tmp_path / "fresh-media"
    with pytest.raises(CommandError, match="made by newer code.*articles.9999_from_the_future"):
        restore_now(made, force=True)
    assert Article.objects.count() == 2
    assert not Path(settings.MEDIA_ROOT).exists()


def test_restore_refuses_a_damaged_backup_before_touching_anything(made, settings, tmp_path):
    damaged = next(p for p in (made / "media").rglob("*") if p.is_file())
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"x")
    settings.MEDIA_ROOT = tmp_path / "fresh-media"
    with pytest.raises(CommandError, match="is damaged: 1 file.*checksum differs"):
        restore_now(made, force=True)
    assert Article.objects.count() == 2
    assert not Path(settings.MEDIA_ROOT).exists()


def test_media_are_restored_by_content_so_a_restore_can_be_resumed(made, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    first = restore_now(made, media_only=True)
    expected = media_checksums(made / "media")
    assert media_checksums(settings.MEDIA_ROOT) == expected
    assert f"{len(expected)} media file(s) written, 0 already there" in first
    # An interrupted restore: one file is missing, another was cut short.
    names = sorted(expected)
    (Path(settings.MEDIA_ROOT) / names[0]).unlink()
    again = restore_now(made, media_only=True)
    assert f"1 media file(s) written, {len(names) - 1} already there" in again
    assert media_checksums(settings.MEDIA_ROOT) == expected
    (Path(settings.MEDIA_ROOT) / names[0]).write_bytes(b"cut short")
    with pytest.raises(CommandError, match="1 media file.*other content.*--force"):
        restore_now(made, media_only=True)
    restore_now(made, media_only=True, force=True)
    assert media_checksums(settings.MEDIA_ROOT) == expected


def test_round_trip_with_force_brings_back_every_row_page_and_file(
    transactional_db, client, backup_dir, settings, tmp_path
):
    """On SQLite the smaller drill (in-process); on PostgreSQL it proves --force, which drops
    every table of the database before pg_restore (the drill restores into a new one)."""
    live = build_site()
    paths = ["/", "/feed/", "/sitemap.xml", "/category/world/"]
    paths += [a.get_absolute_url() for a in live]
    before = {p: client.get(p).content for p in paths}
    _, counts = database.state(connection)
    media = media_checksums(settings.MEDIA_ROOT)
    backup_now()
    # Losses after the backup: stories, a picture, the whole media root moved.
    Article.objects.filter(pk__in=[a.pk for a in live[:3]]).delete()
    settings.MEDIA_ROOT = tmp_path / "new-media"
    output = restore_now(only_backup(backup_dir), force=True)
    assert "Restored backup-" in output
    _, restored = database.state(connection)
    assert restored.pop("backups_backuprecord") == 0
    assert counts.pop("backups_backuprecord") == 0
    assert restored == counts
    assert media_checksums(settings.MEDIA_ROOT) == media
    for path in paths:
        assert masked(client.get(path).content) == masked(before[path]), path


# -- the storage destination (a private bucket in production) ----------------------------------


class RecordingStorage(FileSystemStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved = []

    def _save(self, name, content):
        self.saved.append(name)
        return super()._save(name, content)


def test_a_storage_gets_the_manifest_after_every_other_file(small_site, tmp_path, settings):
    storage = RecordingStorage(location=tmp_path / "bucket")
    destination = StorageDestination(storage, "test bucket")
    manifest = services.make_backup(destination=destination)
    name = manifest["name"]
    assert storage.saved[-1] == f"{name}/manifest.json"
    assert set(storage.saved[:-1]) == {f"{name}/{f['path']}" for f in manifest["files"]}
    assert destination.names() == [name]
    # Restored from the storage (downloaded, checked) into an empty media root.
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    report = services.restore(name, destination=destination, media_only=True)
    assert report["media_written"] == manifest["media_count"] > 0
    assert media_checksums(settings.MEDIA_ROOT) == media_checksums(
        tmp_path / "bucket" / name / "media"
    )


def test_a_storage_folder_without_manifest_is_not_a_backup(tmp_path):
    storage = FileSystemStorage(location=tmp_path / "bucket")
    (tmp_path / "bucket" / "backup-20261201T030000Z").mkdir(parents=True)
    (tmp_path / "bucket" / "backup-20261201T030000Z" / "database.pgdump").write_bytes(b"x")
    destination = StorageDestination(storage, "test bucket")
    assert destination.names() == []
    assert destination.leftovers() == ["backup-20261201T030000Z"]
    with pytest.raises(BackupError, match="No complete backup backup-20261201T030000Z"):
        services.restore("backup-20261201T030000Z", destination=destination)


# -- retention -------------------------------------------------------------------------------


def names_every_day(days, start="2026-12-05"):
    end = timezone.datetime.fromisoformat(f"{start}T03:00:00+00:00")
    return [services.backup_name(end - timedelta(days=n)) for n in range(days)]


def test_retention_keeps_the_last_days_weeks_and_months():
    names = names_every_day(120)
    keep = services.to_keep(names, daily=7, weekly=4, monthly=3)
    daily = set(names[:7])
    assert daily <= keep
    # Newest of each ISO week and month: 4 weeks (3 already among the days) and 3 months.
    weeks = {services.time_of(n).isocalendar()[:2] for n in keep}
    months = {(services.time_of(n).year, services.time_of(n).month) for n in keep}
    assert len(weeks) >= 4
    assert months == {(2026, 12), (2026, 11), (2026, 10)}
    assert len(keep) < 7 + 4 + 3


def test_retention_of_several_backups_a_day_keeps_the_newest_of_each_day():
    now = timezone.datetime.fromisoformat("2026-12-05T20:00:00+00:00")
    names = [services.backup_name(now - timedelta(hours=6 * n)) for n in range(8)]
    keep = services.to_keep(names, daily=2, weekly=0, monthly=0)
    assert keep == {names[0], services.backup_name(now - timedelta(hours=24))}


def test_prune_deletes_what_retention_drops_and_runs_dead_for_a_day(backup_dir, settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 2, 0, 0
    names = names_every_day(4)
    for name in names:
        (backup_dir / name).mkdir(parents=True)
        (backup_dir / name / "manifest.json").write_text("{}")
    (backup_dir / ".partial-backup-20261201T030000Z").mkdir()
    (backup_dir / ".partial-backup-20261205T030000Z").mkdir()  # perhaps still running
    now = timezone.datetime.fromisoformat("2026-12-05T04:00:00+00:00")
    deleted = services.prune(FolderDestination(backup_dir), now=now)
    assert sorted(deleted) == sorted([*names[2:], ".partial-backup-20261201T030000Z"])
    assert sorted(p.name for p in backup_dir.iterdir()) == sorted(
        [*names[:2], ".partial-backup-20261205T030000Z"]
    )


# -- status: /healthz, the admin, beat, the task, progress -----------------------------------------


def record(hours_ago, status=BackupRecord.Status.OK, error=""):
    when = timezone.now() - timedelta(hours=hours_ago)
    return BackupRecord.objects.create(
        name=services.backup_name(when),
        destination="/srv/backups",
        status=status,
        started_at=when,
        finished_at=when,
        error=error,
    )


@pytest.fixture
def monitor(client, settings):
    settings.HEALTH_TOKEN = "backup-monitor"
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer backup-monitor"
    return client


def test_healthz_fails_when_the_last_good_backup_is_too_old(db, monitor, settings):
    settings.BACKUP_MAX_AGE_HOURS = 26
    record(30)
    response = monitor.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["backup"]
    assert body["components"]["backup"]["age_hours"] == 30.0
    assert "older than BACKUP_MAX_AGE_HOURS=26" in body["components"]["backup"]["detail"]


def test_healthz_is_ok_with_a_recent_backup_and_names_a_later_failure(db, monitor, settings):
    settings.BACKUP_MAX_AGE_HOURS = 26
    record(20)
    record(2, BackupRecord.Status.FAILED, error="pg_dump failed (exit 1): disk full")
    response = monitor.get("/healthz")
    assert response.status_code == 200
    backup = response.json()["components"]["backup"]
    assert backup["status"] == "ok"
    assert "20.0 hours ago" in backup["detail"]
    assert "the last run failed: pg_dump failed (exit 1): disk full" in backup["detail"]


def test_healthz_fails_when_no_backup_was_ever_made_and_one_is_required(db, monitor, settings):
    settings.BACKUP_MAX_AGE_HOURS = 26
    assert monitor.get("/healthz").json()["components"]["backup"]["status"] == "error"
    settings.BACKUP_MAX_AGE_HOURS = 0
    backup = monitor.get("/healthz").json()["components"]["backup"]
    assert backup["status"] == "ok"
    assert "not checked" in backup["detail"]


def test_admin_lists_backups_with_the_age_of_the_last_good_one(db, client, settings):
    settings.BACKUP_MAX_AGE_HOURS = 26
    record(5)
    client.force_login(StaffUserFactory(is_superuser=True))
    response = client.get("/admin/backups/backuprecord/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Last good backup" in text
    assert "5.0 hours ago" in text
    assert "allowed: 26 hours" in text


def test_admin_backups_are_for_superusers_only(db, client):
    client.force_login(StaffUserFactory(role="Editor"))
    assert client.get("/admin/backups/backuprecord/").status_code == 403


def test_the_nightly_backup_is_off_by_default_and_at_the_newsroom_hour(settings):
    settings.BACKUP_HOUR = None
    assert backup_schedule() is None
    settings.BACKUP_HOUR, settings.BACKUP_MINUTE = 3, 30
    entry = backup_schedule()
    assert entry["task"] == "backups.tasks.run_backup"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {30})
    # Beat reads crontabs in its time zone, which is the newsroom's.
    assert celery_app.conf.timezone == settings.TIME_ZONE
    assert "backups.tasks.run_backup" in celery_app.tasks


def test_the_task_backs_up_once_at_a_time(small_site, backup_dir):
    from django.core.cache import cache

    name = run_backup.delay().get()
    assert [p.name for p in backup_dir.iterdir()] == [name]
    cache.add(LOCK, "1")
    assert run_backup.delay().get() is None
    cache.delete(LOCK)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_shown_on_a_terminal_only():
    from django.core.management.base import OutputWrapper

    shown, hidden = Terminal(), io.StringIO()
    for stream in (shown, hidden):
        progress = Progress(OutputWrapper(stream))
        for n in range(1, 4):
            progress("media", n, 3)
        progress.close()
    assert "\rmedia files: 3/3\n" in shown.getvalue()
    assert hidden.getvalue() == ""


def test_backup_folder_given_on_the_command_line(small_site, tmp_path):
    output = backup_now(dir=str(tmp_path / "elsewhere"), no_prune=True)
    assert str(tmp_path / "elsewhere") in output
    assert only_backup(tmp_path / "elsewhere").name.startswith("backup-")
    shutil.rmtree(tmp_path / "elsewhere")
    assert not os.path.exists(tmp_path / "elsewhere")


def test_prune_in_a_storage_deletes_whole_backups(tmp_path, settings):
    settings.BACKUP_KEEP_DAILY, settings.BACKUP_KEEP_WEEKLY, settings.BACKUP_KEEP_MONTHLY = 1, 0, 0
    storage = FileSystemStorage(location=tmp_path / "bucket")
    old, new = names_every_day(2)[::-1]
    for name in (old, new):
        for path in ("manifest.json", "database.pgdump", "media/images/a.jpg"):
            (tmp_path / "bucket" / name / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "bucket" / name / path).write_bytes(b"x")
    destination = StorageDestination(storage, "test bucket")
    assert services.prune(destination) == [old]
    assert destination.names() == [new]
    assert not list((tmp_path / "bucket" / old).rglob("*.*"))


def test_the_desk_gets_the_backup_line_and_the_log_link_for_superusers(rf, db, settings):
    from django.template.loader import render_to_string

    from backups.status import desk_context

    settings.BACKUP_MAX_AGE_HOURS = 26
    record(40)
    request = rf.get("/admin/")
    request.user = StaffUserFactory(role="Editor")
    context = desk_context(request)
    assert context["backup_status"]["status"] == "error"
    assert "backups_url" not in context
    request.user = StaffUserFactory(is_superuser=True)
    html = render_to_string("backups/includes/status.html", desk_context(request))
    assert "backup-status-error" in html
    assert 'href="/admin/backups/backuprecord/"' in html
