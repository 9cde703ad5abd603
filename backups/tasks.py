"""The nightly backup task (beat runs it at BACKUP_HOUR, in the newsroom's time zone)."""

from celery import shared_task
from django.core.cache import cache

from . import services

LOCK = "backups:running"
# Long enough for a large site; beyond it a second run may start.
LOCK_SECONDS = 6 * 60 * 60


@shared_task(
    name="backups.tasks.run_backup", time_limit=LOCK_SECONDS, soft_time_limit=LOCK_SECONDS - 60
)
def run_backup():
    """Make a backup and apply retention; one at a time. Returns the backup's name."""
    if not cache.add(LOCK, "1", timeout=LOCK_SECONDS):
        return None  # another run is under way
    try:
        manifest = services.make_backup()
        services.prune()
        return manifest["name"]
    finally:
        cache.delete(LOCK)
