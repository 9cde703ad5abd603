"""manage.py restore BACKUP: into an empty database and media root, after checking it."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from backups import services
from backups.destinations import BackupError
from backups.progress import Progress


class Command(BaseCommand):
    help = (
        "Restore a backup (a backup folder's path, or a backup's name in BACKUP_DIR / the "
        "backup bucket) into an empty database and media root. Checks every checksum and the "
        "migrations first; refuses a non-empty database or different media files unless "
        "--force. Media files already there with the same content are skipped, so an "
        "interrupted restore can be finished with --media-only."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="Backup folder or name, e.g. backup-20261205T031500Z")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Drop every table of a non-empty database and overwrite differing media files.",
        )
        parser.add_argument(
            "--media-only", action="store_true", help="Restore (or finish) the media files only."
        )
        parser.add_argument("--database", default="default", help="Database alias (default).")

    def handle(self, *args, backup, force, media_only, database, **options):
        progress = Progress(self.stdout)
        try:
            report = services.restore(
                backup, using=database, force=force, media_only=media_only, progress=progress
            )
        except (BackupError, ImproperlyConfigured) as exc:
            progress.close()
            raise CommandError(f"Restore refused or failed: {exc}") from exc
        progress.close()
        self.stdout.write(
            f"Restored {report['name']} (made by {report['project_version']}): "
            + ("database, " if report["database"] else "")
            + f"{report['media_written']} media file(s) written, "
            f"{report['media_skipped']} already there."
        )
        ahead = report["code_migrations_ahead"]
        if ahead:
            self.stdout.write(
                f"This code has {len(ahead)} migration(s) the backup predates "
                f"({', '.join(ahead[:5])}{', …' if len(ahead) > 5 else ''}): "
                "run `manage.py migrate` before serving."
            )
        # Pages cached from what was there before must not outlive it.
        if "purge_cache" in get_commands():
            call_command("purge_cache", "--all", stdout=self.stdout)
