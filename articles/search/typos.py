"""The typo fallback (PostgreSQL): articles whose title or a byline is spelt like the query.

Used when full text finds nothing, so that a misspelt name still finds the
story. Candidates come from pg_trgm word similarity through trigram indexes.
"""

from django.db import connections, transaction
from django.db.models import F, FloatField, Func, OuterRef, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest

from ..models import Article, ArticleAuthor

# pg_trgm word similarity needed for the typo fallback ("Pashinian" ~ "Pashinyan" is 0.6).
TYPO_THRESHOLD = 0.5
TYPO_LIMIT = 50
# The setting `<%` honours, for a transaction (see ranking._time_limited).
THRESHOLD_SETTING = ("pg_trgm.word_similarity_threshold", str(TYPO_THRESHOLD))

# Ids of articles whose title, or an author's name, is like the query (pg_trgm),
# each half by a trigram index scan: `<%` honours pg_trgm.word_similarity_threshold.
_SIMILAR_SQL = f"""
    (SELECT id FROM {Article._meta.db_table} WHERE %s <%% title LIMIT %s)
    UNION
    (SELECT b.article_id
       FROM {ArticleAuthor._meta.db_table} b
       JOIN {ArticleAuthor._meta.get_field("author").related_model._meta.db_table} au
         ON au.id = b.author_id
      WHERE %s <%% au.name LIMIT %s)
"""  # noqa: S608 -- table names come from the models
# The same, of one edition's stories: its limits count only that edition's.
_SIMILAR_IN_LANGUAGE_SQL = f"""
    (SELECT id FROM {Article._meta.db_table} WHERE %s <%% title AND language = %s LIMIT %s)
    UNION
    (SELECT b.article_id
       FROM {ArticleAuthor._meta.db_table} b
       JOIN {ArticleAuthor._meta.get_field("author").related_model._meta.db_table} au
         ON au.id = b.author_id
       JOIN {Article._meta.db_table} a ON a.id = b.article_id
      WHERE %s <%% au.name AND a.language = %s LIMIT %s)
"""  # noqa: S608 -- table names come from the models


def similar_article_ids(query, *, using="default", limit=1000):
    """Ids of articles whose title, or an author's name, is like `query` (pg_trgm).

    Both halves use a trigram index scan (`<%` honours
    pg_trgm.word_similarity_threshold, set for this transaction only).
    """
    # No savepoint of its own: the setting lasts until the enclosing transaction ends.
    with transaction.atomic(using=using, savepoint=False), connections[using].cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", THRESHOLD_SETTING)
        cursor.execute(_SIMILAR_SQL, [query, limit, query, limit])
        return [row[0] for row in cursor.fetchall()]


def _word_similarity(expression, query):
    return Func(Value(query), expression, function="word_similarity", output_field=FloatField())


def _typo_queryset(queryset, query):
    """The queryset ordered by how like the query its title or best byline is."""
    # The best byline by ORDER BY ... LIMIT 1, not MAX() ... GROUP BY: the planner
    # then starts from the article's own bylines rather than from every author.
    best_author = (
        ArticleAuthor.objects.filter(article=OuterRef("pk"))
        .annotate(similarity=_word_similarity(F("author__name"), query))
        .order_by("-similarity")
        .values("similarity")[:1]
    )
    return queryset.annotate(
        similarity=Greatest(
            _word_similarity(F("title"), query),
            Coalesce(Subquery(best_author, output_field=FloatField()), Value(0.0)),
        )
    ).order_by("-similarity", "-publish_at", "-id")


def typo_ids(candidates, query, *, language=None):
    """Ids of the `candidates` whose title or a byline is like the query, most alike first.

    `language`: the candidates are all of that language (one edition's). Run
    where THRESHOLD_SETTING is set for the transaction.
    """
    if language is None:
        sql, params = _SIMILAR_SQL, [query, TYPO_LIMIT * 20] * 2
    else:
        sql, params = _SIMILAR_IN_LANGUAGE_SQL, [query, language, TYPO_LIMIT * 20] * 2
    # Fixed SQL (table names from the models), the query a parameter.
    similar = RawSQL(sql, params)  # nosec B611 # noqa: S611
    return list(
        _typo_queryset(candidates, query)
        .filter(pk__in=similar)
        .values_list("pk", flat=True)[:TYPO_LIMIT]
    )
