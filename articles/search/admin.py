"""The article admin's search: the site's index, over articles of any status."""

from django.db.models import Q

from .index import uses_index
from .languages import any_edition_tsquery
from .query import clean_query, query_words, substring_match
from .typos import similar_article_ids


def filter_for_admin(queryset, term):
    """The article admin's search: the same index as the site, over any status.

    Returns (queryset, may_have_duplicates) as ModelAdmin.get_search_results does.
    An editor may also paste a slug. A misspelt title still finds its article.
    Every edition's stories are searched, each as its edition reads the query.
    """
    query, _ = clean_query(term)
    if not query:
        return queryset, False
    if not uses_index(queryset.db):
        words = query_words(query)
        if not words:
            return queryset.filter(slug=query), False
        return substring_match(queryset, words) | queryset.filter(slug=query), False
    matched = queryset.filter(Q(search_vector=any_edition_tsquery(query)) | Q(slug=query))
    if matched.exists():
        return matched, False
    return queryset.filter(pk__in=similar_article_ids(query, using=queryset.db)), False
