"""Celery tasks of the newsletter: thin, each safe to run twice."""

from celery import shared_task
from django.conf import settings

from articles.models import Article

from . import services
from .models import Edition


@shared_task(name=services.SEND_TASK, ignore_result=True)
def send_edition_batch(edition_id):
    """Send one batch of an edition, then queue the next while deliveries are pending."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # In-process: a loop, not a chain of nested calls.
        while services.send_batch(edition_id):
            pass
        return
    if services.send_batch(edition_id):
        send_edition_batch.apply_async((edition_id,))


@shared_task(name="newsletters.tasks.send_digest", ignore_result=True)
def send_digest(kind):
    """Plan (once) and start sending today's or this week's digest."""
    if kind not in (Edition.Kind.DAILY, Edition.Kind.WEEKLY):
        raise ValueError(f"No digest is called {kind!r}: use 'daily' or 'weekly'.")
    edition = services.plan_digest(kind)
    return edition.pk if edition else None


@shared_task(name="newsletters.tasks.send_alert", ignore_result=True)
def send_alert(article_id):
    """Plan (once) and start sending the breaking-news alert of a story that went live."""
    article = Article.objects.live().filter(pk=article_id).first()
    if article is not None:
        services.plan_alert(article)


@shared_task(name="newsletters.tasks.resume_editions", ignore_result=True)
def resume_editions(stale_seconds=None):
    """Take up editions cut off by a dead worker."""
    return services.resume(stale_seconds)
