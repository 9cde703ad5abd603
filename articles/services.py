"""Writes to articles: every change of state goes through here (admin, commands, tasks)."""

from functools import partial

from django.db import transaction
from django.utils import timezone

from . import tasks
from .models import Article, Correction
from .signals import article_changed


def _locked(article):
    return Article.objects.select_for_update().get(pk=article.pk)


def _changed(article, reason):
    transaction.on_commit(
        lambda: article_changed.send(sender=Article, article=article, reason=reason)
    )


@transaction.atomic
def publish(article, *, when=None, user=None):
    """Publish `article` now, or schedule it for `when`; a repeat with the same time is a no-op."""
    article = _locked(article)
    if article.status == Article.Status.PUBLISHED and when in (None, article.publish_at):
        return article  # a double click or a retry must be a no-op
    now = timezone.now()
    if when is None:
        # Re-publishing keeps the original date (and so the address) readers knew.
        republish = article.status == Article.Status.UNPUBLISHED and article.publish_at
        when = article.publish_at if republish and article.publish_at <= now else now
    article.status = Article.Status.PUBLISHED
    article.publish_at = when
    # A new publication time means its side effects are due again.
    article.went_live_at = None
    article.version += 1
    article.last_edited_by = user or article.last_edited_by
    article.save(
        update_fields=["status", "publish_at", "went_live_at", "version", "last_edited_by",
                       "updated_at"]
    )
    # A worker must never load a row that is not committed yet.
    transaction.on_commit(
        partial(tasks.go_live.apply_async, (article.pk,), eta=article.publish_at)
    )
    _changed(article, "published")
    return article


def schedule(article, when, *, user=None):
    """Publish `article` at `when` (in the future: scheduled)."""
    return publish(article, when=when, user=user)


@transaction.atomic
def unpublish(article, *, user=None):
    """Take `article` off the site (its address answers 404 until it is published again)."""
    article = _locked(article)
    if article.status == Article.Status.UNPUBLISHED:
        return article
    article.status = Article.Status.UNPUBLISHED
    article.version += 1
    article.last_edited_by = user or article.last_edited_by
    article.save(update_fields=["status", "version", "last_edited_by", "updated_at"])
    _changed(article, "unpublished")
    return article


@transaction.atomic
def submit_for_review(article, *, user=None):
    """Move a draft to review."""
    article = _locked(article)
    if article.status != Article.Status.DRAFT:
        return article
    article.status = Article.Status.REVIEW
    article.version += 1
    article.last_edited_by = user or article.last_edited_by
    article.save(update_fields=["status", "version", "last_edited_by", "updated_at"])
    return article


@transaction.atomic
def add_correction(article, text, *, kind=Correction.Kind.CORRECTION, user=None, when=None):
    """Append a dated correction or update note; readers and feeds see the article as updated."""
    when = when or timezone.now()
    correction = Correction.objects.create(article=article, text=text, kind=kind, noted_at=when)
    Article.objects.filter(pk=article.pk).update(content_updated_at=when, updated_at=when)
    _changed(article, "corrected")
    return correction
