"""The stored search vector of articles (PostgreSQL): its SQL, refreshing and rebuilding it.

See README.md, "Search", for what is indexed and why.
"""

from django.db import connections, transaction
from django.db.models import Max, Min

from caching.purges import purge

from .. import cache_keys
from ..models import Article, ArticleAuthor
from .languages import ARMENIAN, ARMENIAN_CONFIG

# What is indexed of a body: a news story is far shorter; a pasted book would
# otherwise overflow tsvector's 1 MB.
MAX_INDEXED_CHARS = 100_000


def uses_index(using="default"):
    """Whether this database has the stored index (PostgreSQL) or is searched by substring."""
    return connections[using].vendor == "postgresql"


def vector_sql(where):
    """UPDATE filling search_vector of the articles whose row `x` matches `where`.

    Each story by its language (languages.py): Armenian ones with ARMENIAN_CONFIG,
    the others with `english` and `simple`.
    """
    article = Article._meta.db_table
    byline = ArticleAuthor._meta.db_table
    author = ArticleAuthor._meta.get_field("author").related_model._meta.db_table
    category = Article._meta.get_field("category").related_model._meta.db_table
    tag_field = Article._meta.get_field("tags")
    tagged = tag_field.remote_field.through._meta.db_table
    tag = tag_field.remote_field.model._meta.db_table
    columns = (("title", "A"), ("dek", "B"), ("meta", "B"), ("body", "C"))
    parts = []
    for column, weight in columns:
        for config in ("english",) if column == "body" else ("english", "simple"):
            parts.append(f"setweight(to_tsvector('{config}'::regconfig, s.{column}), '{weight}')")
    # Armenian stories: one configuration (no stemmer to pair it with), body included.
    armenian = " || ".join(
        f"setweight(to_tsvector('{ARMENIAN_CONFIG}'::regconfig, s.{column}), '{weight}')"
        for column, weight in columns
    )
    vector = f"CASE WHEN s.language = '{ARMENIAN}' THEN {armenian} ELSE {' || '.join(parts)} END"
    # OFFSET 0 keeps the subquery from being merged into the UPDATE, which
    # would compute `meta` once per reference. The scalar subqueries go from
    # the article's own rows to the names by primary key, whatever the statistics.
    return f"""
        UPDATE {article} AS a SET search_vector = {vector}
        FROM (
            SELECT x.id,
                   x.language,
                   coalesce(x.title, '') AS title,
                   coalesce(x.dek, '') AS dek,
                   concat_ws(' ',
                       (SELECT c.name FROM {category} c WHERE c.id = x.category_id),
                       (SELECT string_agg(
                                 (SELECT au.name FROM {author} au WHERE au.id = b.author_id),
                                 ' ')
                          FROM {byline} b WHERE b.article_id = x.id),
                       (SELECT string_agg(
                                 (SELECT t.name FROM {tag} t WHERE t.id = ti.tag_id), ' ')
                          FROM {tagged} ti
                         WHERE ti.object_id = x.id
                           AND ti.content_type_id = (
                               SELECT ct.id FROM django_content_type ct
                                WHERE ct.app_label = 'articles' AND ct.model = 'article'))
                   ) AS meta,
                   left(regexp_replace(regexp_replace(coalesce(x.body, ''),
                        '<[^>]*>', ' ', 'g'), '&[#a-zA-Z0-9]+;', ' ', 'g'), {MAX_INDEXED_CHARS})
                     AS body
              FROM {article} x
             WHERE {where}
            OFFSET 0
        ) AS s
        WHERE a.id = s.id
    """  # noqa: S608 -- names come from the models, values are parameters


def refresh_vectors(article_ids, *, using="default"):
    """Recompute the search vector of these articles from their rows and relations."""
    ids = [int(pk) for pk in article_ids if pk is not None]
    if not ids or not uses_index(using):
        return 0
    return refresh_vectors_where("x.id = ANY(%s)", [ids], using=using)


def refresh_vectors_where(where, params, *, using="default"):
    """Recompute the search vector of the articles whose row `x` matches `where`."""
    if not uses_index(using):
        return 0
    with connections[using].cursor() as cursor:
        cursor.execute(vector_sql(where), params)
        return cursor.rowcount


def rebuild_index(*, batch_size=2000, only_missing=False, using="default", progress=None):
    """Recompute search vectors of all articles (or those without one), in id-ranged batches.

    Each batch commits on its own, so a long rebuild holds no lock for long and
    can be interrupted and resumed with `only_missing`. Returns the number updated.
    """
    if not uses_index(using):
        return 0
    bounds = Article.objects.using(using).aggregate(low=Min("id"), high=Max("id"))
    low, high = bounds["low"], bounds["high"]
    done = 0
    if low is None:
        return done
    missing = " AND x.search_vector IS NULL" if only_missing else ""
    for start in range(low, high + 1, batch_size):
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute(
                vector_sql(f"x.id >= %s AND x.id < %s{missing}"), [start, start + batch_size]
            )
            done += cursor.rowcount
        if progress:
            progress(done)
    purge([cache_keys.SEARCH])
    return done
