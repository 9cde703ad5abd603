"""BackupRecord: the log of backups made by this site, for /healthz and the admin."""

from django.db import models


class BackupRecord(models.Model):
    """One run of `manage.py backup` (or its beat task), good or failed."""

    class Status(models.TextChoices):
        RUNNING = "running", "running"
        OK = "ok", "good"
        FAILED = "failed", "failed"

    name = models.CharField(max_length=100, help_text="Folder name, e.g. backup-20261205T031500Z")
    destination = models.CharField(max_length=500, help_text="Where the backup was written.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    database_vendor = models.CharField(max_length=20, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    file_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["status", "-finished_at"], name="backup_last_good")]

    def __str__(self):
        return self.name
