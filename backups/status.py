"""The age of the last good backup, for /healthz and the admin (the desk calls `backup_status`)."""

from django.conf import settings
from django.utils import timezone

from .models import BackupRecord


def backup_status(now=None):
    """The last good backup and its age: a dict with "status" ("ok" or "error"), "detail",
    "last_good", "last_good_at", "age_hours", "max_age_hours" and "last_failure".

    "error" when BACKUP_MAX_AGE_HOURS is set and the last good backup is older than that,
    or there is none. With BACKUP_MAX_AGE_HOURS at 0 the age is shown but never fails.
    """
    now = now or timezone.now()
    max_age = settings.BACKUP_MAX_AGE_HOURS
    good = (
        BackupRecord.objects.filter(status=BackupRecord.Status.OK).order_by("-finished_at").first()
    )
    failure = (
        BackupRecord.objects.filter(status=BackupRecord.Status.FAILED)
        .order_by("-started_at")
        .first()
    )
    if failure and good and failure.started_at < good.started_at:
        failure = None  # a good backup came after it
    age = round((now - good.finished_at).total_seconds() / 3600, 1) if good else None
    status = {
        "status": "ok",
        "last_good": good.name if good else None,
        "last_good_at": good.finished_at.isoformat() if good else None,
        "age_hours": age,
        "max_age_hours": max_age,
        "last_failure": failure.error[:300] if failure else None,
    }
    if good is None:
        status["detail"] = "no good backup recorded"
    else:
        status["detail"] = f"last good backup {good.name}, {age} hours ago"
    if max_age:
        if good is None or age > max_age:
            status["status"] = "error"
            status["detail"] += f" (older than BACKUP_MAX_AGE_HOURS={max_age})"
    else:
        status["detail"] += " (not checked: BACKUP_MAX_AGE_HOURS is 0)"
    if failure:
        status["detail"] += f"; the last run failed: {failure.error[:200]}"
    return status


def health_component():
    """/healthz's "backup" component."""
    try:
        found = backup_status()
    except Exception as exc:
        return {"status": "error", "detail": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "status": found["status"],
        "detail": found["detail"],
        "age_hours": found["age_hours"],
    }


def desk_context(request):
    """What the admin's desk needs to show the backup line: `backup_status`, and for those
    who may read the backup log, `backups_url` (render backups/includes/status.html)."""
    from django.urls import reverse

    context = {"backup_status": backup_status()}
    if request.user.has_perm("backups.view_backuprecord"):
        context["backups_url"] = reverse("admin:backups_backuprecord_changelist")
    return context
