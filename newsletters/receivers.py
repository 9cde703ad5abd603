"""What the newsletter does when a story goes live."""

from functools import partial

from celery import current_app
from django.db import transaction

from .models import BreakingAlert


def on_article_went_live(sender, article, **kwargs):
    if BreakingAlert.objects.filter(article=article, send_alert=True).exists():
        transaction.on_commit(
            partial(current_app.tasks["newsletters.tasks.send_alert"].apply_async, (article.pk,))
        )
