"""The Celery application: configured from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

app = Celery("newsroom")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic work lives here, in code, so every deployment runs the same
# schedule. Entries are added by the features that need them.
app.conf.beat_schedule = {}

# Catches go-live side effects that were missed (worker down, Redis flushed,
# ETA lost) and deliveries cut off by a dead worker; the same as `manage.py publish_due`.
# Every PUBLISH_SWEEP_SECONDS (60; read here because beat reads its schedule once).
_sweep_seconds = float(os.environ.get("PUBLISH_SWEEP_SECONDS") or 60)
app.conf.beat_schedule["publish-due"] = {
    "task": "articles.tasks.publish_due",
    "schedule": _sweep_seconds,
    # A sweep that could not start before the next one is superseded by it.
    "options": {"expires": max(1.0, _sweep_seconds - 5)},
}

# Empties the trash of stories deleted more than ARTICLE_TRASH_DAYS ago.
app.conf.beat_schedule["purge-trash"] = {
    "task": "articles.tasks.purge_trash",
    "schedule": 60.0 * 60,
    "options": {"expires": 60 * 55},
}


def backup_schedule():
    """Beat's nightly backup at BACKUP_HOUR:BACKUP_MINUTE in TIME_ZONE (beat's time zone);
    None while BACKUP_HOUR is unset (off by default)."""
    from celery.schedules import crontab
    from django.conf import settings

    if getattr(settings, "BACKUP_HOUR", None) is None:
        return None
    return {
        "task": "backups.tasks.run_backup",
        "schedule": crontab(hour=settings.BACKUP_HOUR, minute=settings.BACKUP_MINUTE),
        # A run that could not start within the hour waits for the next night.
        "options": {"expires": 60 * 60},
    }


if (_backup := backup_schedule()) is not None:
    app.conf.beat_schedule["backup"] = _backup


def route_side_effects(name, args, kwargs, options, task=None, **kw):
    """Send publishing and sharing tasks to SIDE_EFFECTS_QUEUE when it is set (read per call)."""
    from django.conf import settings

    queue = getattr(settings, "SIDE_EFFECTS_QUEUE", "")
    if queue and name.startswith(("articles.", "sharing.", "newsletters.", "readership.")):
        return {"queue": queue}
    return None


app.conf.task_routes = (route_side_effects,)


@app.task(name="newsroom.ping")
def ping():
    """Answer "pong": proves a worker is consuming from the broker."""
    return "pong"


def readers_schedule(schedule):
    """Readership's fold and the newsletter's digests, at hours of the newsroom's time zone."""
    from celery.schedules import crontab
    from django.conf import settings

    schedule["readership-fold"] = {
        "task": "readership.tasks.fold_daily_views",
        "schedule": float(settings.READERSHIP_FOLD_SECONDS),
    }
    schedule["newsletter-daily"] = {
        "task": "newsletters.tasks.send_digest",
        "schedule": crontab(minute=0, hour=settings.NEWSLETTER_DAILY_HOUR),
        "args": ("daily",),
    }
    schedule["newsletter-weekly"] = {
        "task": "newsletters.tasks.send_digest",
        "schedule": crontab(
            minute=0,
            hour=settings.NEWSLETTER_WEEKLY_HOUR,
            day_of_week=settings.NEWSLETTER_WEEKLY_DAY,
        ),
        "args": ("weekly",),
    }
    # Editions cut off by a dead worker are taken up again.
    schedule["newsletter-resume"] = {
        "task": "newsletters.tasks.resume_editions",
        "schedule": 120.0,
        "options": {"expires": 110},
    }


@app.on_after_finalize.connect
def _add_readers_schedule(sender, **kwargs):
    # Beat (and a worker with -B) finalizes the app before it reads its schedule; by then
    # Django's settings are whole, also under a settings module that star-imports
    # newsroom.settings (bench.settings), which is half-imported while this module loads.
    readers_schedule(sender.conf.beat_schedule)
