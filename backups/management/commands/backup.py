"""manage.py backup: the database and the media, to BACKUP_DIR or the backup bucket."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from backups import services
from backups.destinations import BackupError, FolderDestination, configured
from backups.progress import Progress


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump --format=custom, or SQLite's online backup) and every "
        "media file into a folder named by the time, with a manifest of sizes, SHA-256 "
        "checksums, migrations and the project version; then delete the backups retention "
        "(BACKUP_KEEP_DAILY/WEEKLY/MONTHLY) no longer keeps."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir", help="Write to this folder instead of BACKUP_DIR / the backup bucket."
        )
        parser.add_argument("--no-prune", action="store_true", help="Keep every older backup.")
        parser.add_argument("--database", default="default", help="Database alias (default).")

    def handle(self, *args, dir=None, no_prune=False, database="default", **options):
        try:
            destination = FolderDestination(dir) if dir else configured()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        progress = Progress(self.stdout)
        try:
            manifest = services.make_backup(
                destination=destination, using=database, progress=progress
            )
        except BackupError as exc:
            progress.close()
            raise CommandError(f"Backup failed, nothing was kept: {exc}") from exc
        progress.close()
        self.stdout.write(
            f"Backup {manifest['name']} written to {destination}: "
            f"{manifest['media_count']} media file(s), {manifest['total_size']:,} bytes."
        )
        if no_prune:
            return
        try:
            deleted = services.prune(destination)
        except Exception as exc:
            raise CommandError(
                f"Backup {manifest['name']} is complete, but deleting old backups failed: {exc}"
            ) from exc
        if deleted:
            self.stdout.write(f"Deleted by retention: {', '.join(deleted)}.")
