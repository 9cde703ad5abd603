"""Model signals that keep the stored search vector current, whoever saves.

The vector is a derived value of the article row and its bylines, tags and
category (like the sanitised body), not an external side effect, which is why
model signals keep it: services, the admin and its inlines, taggit, imports.
Bylines and tags are written after the article row, so the refresh runs once
the transaction commits and reads them all.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from taggit.models import Tag

from authors.models import Author
from caching.purges import purge
from categories.models import Category

from .. import cache_keys
from ..models import Article, ArticleAuthor
from . import sqlite
from .index import refresh_vectors, refresh_vectors_where, uses_index

# The article fields the vector is made of (the language picks its configuration);
# saving only others refreshes nothing.
INDEXED_FIELDS = {"title", "dek", "body", "category", "category_id", "language"}


def _refresh_and_bump(article_ids, using):
    refresh_vectors(article_ids, using=using)
    # Search pages are cached under the `search` key; the save's own purge may
    # have come first, and a search between the two would have cached the old
    # results as current.
    purge([cache_keys.SEARCH])


def _refresh_where(where, params, using):
    refresh_vectors_where(where, params, using=using)
    purge([cache_keys.SEARCH])


def _refresh_on_commit(article_id, using):
    if article_id is not None and uses_index(using):
        transaction.on_commit(
            partial(_refresh_and_bump, [article_id], using), using=using, robust=True
        )


def article_saved(sender, instance, raw=False, update_fields=None, using="default", **kwargs):
    if raw:
        return  # fixtures: rebuild_search_index afterwards
    if update_fields is not None and not INDEXED_FIELDS & set(update_fields):
        return  # a status, version or timestamp change does not change the text
    _refresh_on_commit(instance.pk, using)


def byline_changed(sender, instance, raw=False, using="default", **kwargs):
    if not raw:
        _refresh_on_commit(instance.article_id, using)


def tags_changed(sender, instance, action, reverse, model, pk_set, using="default", **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if isinstance(instance, Article):
        _refresh_on_commit(instance.pk, using)
    elif model is Article:
        for pk in pk_set or ():
            _refresh_on_commit(pk, using)


def _related_renamed(where, sender, instance, created=False, raw=False, using="default", **kw):
    # A renamed author, category or tag changes the text of every article that
    # carries it; one UPDATE after commit, nothing when it has no articles yet.
    if created or raw or not uses_index(using):
        return
    transaction.on_commit(
        partial(_refresh_where, where, [instance.pk], using), using=using, robust=True
    )


def connect_signals():
    """Keep search vectors current; called from ArticlesConfig.ready()."""
    sqlite.connect()  # SQLite's search matches in any case (sqlite.py)
    byline = ArticleAuthor._meta.db_table
    tagged = Article._meta.get_field("tags").remote_field.through
    post_save.connect(article_saved, sender=Article, dispatch_uid="search-article-saved")
    post_save.connect(byline_changed, sender=ArticleAuthor, dispatch_uid="search-byline-saved")
    post_delete.connect(byline_changed, sender=ArticleAuthor, dispatch_uid="search-byline-gone")
    m2m_changed.connect(tags_changed, sender=tagged, dispatch_uid="search-tags-changed")
    renamed = {
        Author: f"x.id IN (SELECT article_id FROM {byline} WHERE author_id = %s)",  # noqa: S608
        Category: "x.category_id = %s",
        Tag: (
            f"x.id IN (SELECT object_id FROM {tagged._meta.db_table} WHERE tag_id = %s)"  # noqa: S608
        ),
    }
    for model, where in renamed.items():
        post_save.connect(
            partial(_related_renamed, where),
            sender=model,
            weak=False,
            dispatch_uid=f"search-{model._meta.label_lower}-renamed",
        )
