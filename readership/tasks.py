"""Celery tasks of readership."""

from celery import shared_task

from . import services


@shared_task(name="readership.tasks.fold_daily_views", ignore_result=True)
def fold_daily_views():
    """Fold the hourly counts of today and yesterday into the daily totals (idempotent)."""
    return services.fold(days=2)
