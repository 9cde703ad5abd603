"""How each edition's stories are indexed and searched: text search configurations,
the edition being searched, and Armenian query words.

English (and any edition without a rule here) is indexed with `english` (stemming)
and `simple`, as it always was. Armenian has no PostgreSQL stemmer: its stories are
indexed with `hy_simple` (the `simple` dictionary behind `unaccent`, migration
articles 0014), word forms as written, and a query word finds its other forms by
prefix: the query's Armenian words lose a known case or plural ending and match as
prefixes (`արցախ:*`). README.md, "Search", says what that finds and what it does not.
"""

import re

from django.contrib.postgres.search import SearchQuery

from .. import editions

ARMENIAN = "hy"
# The configuration of Armenian stories' vectors, queries and headlines (migration 0014).
ARMENIAN_CONFIG = "hy_simple"

# Armenian letters, capital and small, and the ligatures (U+0587, U+FB13-FB17).
_ARMENIAN_LETTERS = "\u0531-\u0556\u0561-\u0587\ufb13-\ufb17"
ARMENIAN_WORD = re.compile(f"[{_ARMENIAN_LETTERS}]+")

# Endings of Eastern Armenian nouns a query word loses (longest first): plural
# -ներ/-եր and the cases' endings with and without it — genitive/dative -ի,
# ablative -ից/-ուց, instrumental -ով, locative -ում, the article -ը and dative
# -ին. Not -ն (after a vowel the article, but also the end of many stems:
# Հայաստան, Երևան), and no stem changes (տարի/տարվա, քույր/քրոջ).
_CASES = ("ի", "ից", "ով", "ում", "ը", "ին")
ARMENIAN_ENDINGS = tuple(
    sorted(
        {
            "ներ",
            "եր",
            "ուց",
            *_CASES,
            *(plural + case for plural in ("ներ", "եր") for case in _CASES),
        },
        key=len,
        reverse=True,
    )
)
# Words that say nothing in a query ("and", "or", "is", "that", "this", "a"): `simple`
# keeps every word, so "Արցախ և Հայաստան" would need "և" where the story says "ու".
# They are left out of queries (not out of quoted phrases).
ARMENIAN_STOP_WORDS = frozenset(
    ("և", "եւ", "ու", "ի", "է", "եմ", "ես", "ենք", "եք", "են", "էր", "էին")
    + ("որ", "թե", "կամ", "էլ", "այս", "այդ", "այն", "մի", "իր", "նաև", "բայց")
)
# A query word keeps at least this many letters, and matches as a prefix only from
# this length: shorter prefixes (հայ:*) would find too many unrelated words.
MIN_PREFIX = 4

# A lexeme of the tsquery's text (quoted, '' inside) made of Armenian letters only,
# long enough to match as a prefix.
_PREFIXED_LEXEME = f"'([{_ARMENIAN_LETTERS}]{{{MIN_PREFIX},}})'"


def current():
    """The edition of the page being rendered (articles.editions.current())."""
    return editions.current()


def language_filter(edition):
    """The `Article.language` searched for `edition`, or None (every story) on a
    one-language site, which searches as it did before editions."""
    return edition if editions.is_multilingual() else None


def stem(word):
    """An Armenian word without its case or plural ending, lower-cased (Արցախում -> արցախ);
    any other word lower-cased as it is."""
    word = word.lower()
    if not ARMENIAN_WORD.fullmatch(word):
        return word
    for ending in ARMENIAN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_PREFIX:
            return word[: -len(ending)]
    return word


def _without_stop_words(text):
    kept = [w for w in text.split(" ") if w.lower() not in ARMENIAN_STOP_WORDS]
    return " ".join(kept)


def stem_query(query):
    """`query` with each Armenian word replaced by its stem (operators and quotes kept),
    and Armenian stop words outside quotes left out, unless nothing else is left."""
    # Outside quotes are the even pieces between double quotes.
    pieces = query.split('"')
    pieces[::2] = [_without_stop_words(piece) for piece in pieces[::2]]
    lighter = '"'.join(pieces)
    if re.search(r"\w", lighter):
        query = lighter
    return ARMENIAN_WORD.sub(lambda match: stem(match.group()), query)


def is_prefix(word):
    """Whether a stemmed query word matches as a prefix (an Armenian one of MIN_PREFIX+)."""
    return len(word) >= MIN_PREFIX and bool(ARMENIAN_WORD.fullmatch(word))


def search_words(words, edition):
    """The query words as matched in `edition`: Armenian stems in the Armenian edition."""
    if edition != ARMENIAN:
        return words
    meaningful = [w for w in words if w.lower() not in ARMENIAN_STOP_WORDS] or words
    found = []
    for word in meaningful:
        stemmed = stem(word)
        if stemmed not in found:
            found.append(stemmed)
    return found


class PrefixSearchQuery(SearchQuery):
    """websearch_to_tsquery() whose Armenian lexemes of MIN_PREFIX letters or more match
    as prefixes ('արցախ':*); quotes, `or` and `-word` keep their meaning."""

    def as_sql(self, compiler, connection, **extra):
        sql, params = super().as_sql(compiler, connection, **extra)
        return (
            f"regexp_replace(({sql})::text, %s, %s, 'g')::tsquery",
            [*params, _PREFIXED_LEXEME, r"'\1':*"],
        )


def tsquery(query, edition=None):
    """`query` as the index of `edition`'s stories reads it (None: the default scheme)."""
    if edition == ARMENIAN:
        return PrefixSearchQuery(stem_query(query), config=ARMENIAN_CONFIG, search_type="websearch")
    return SearchQuery(query, config="english", search_type="websearch") | SearchQuery(
        query, config="simple", search_type="websearch"
    )


def any_edition_tsquery(query):
    """`query` as every edition's index reads it, OR-ed (the admin searches them all)."""
    combined = tsquery(query)
    if editions.is_multilingual() and ARMENIAN in editions.codes():
        combined = combined | tsquery(query, ARMENIAN)
    return combined


def headline_config(edition):
    """The configuration ts_headline parses `edition`'s stories with."""
    return ARMENIAN_CONFIG if edition == ARMENIAN else "english"
