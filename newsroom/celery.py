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


@app.task(name="newsroom.ping")
def ping():
    """Answer "pong": proves a worker is consuming from the broker."""
    return "pong"
