from celery import shared_task
from django.utils import timezone

from .models import Article
from .signals import article_went_live


@shared_task(ignore_result=True)
def go_live(article_id):
    """Run the side effects of an article going live, once it is live; safe to run twice."""
    article = Article.objects.live().filter(pk=article_id).first()
    if article is None:
        return  # unpublished, rescheduled or deleted since it was queued
    # Receivers (sharing, caches, pings) each record what they did and skip
    # what is already done, so a retry or the sweep never repeats an effect.
    article_went_live.send(sender=Article, article=article)
    Article.objects.filter(pk=article.pk, went_live_at__isnull=True).update(
        went_live_at=timezone.now()
    )
