"""Reading a name in the active language."""

from django.utils import translation


def in_language(translations, field, default):
    """`translations[<active language>][field]`, else `default` (the default edition's).

    Names per language live on the row as JSON (`{"hy": {"name": "Արցախ"}}`): the
    editions come from the environment, so the schema must not depend on them (no
    column per language), and a page that shows a hundred names reads no extra row
    for them (no side table to join or prefetch).
    """
    language = translation.get_language()
    if not (translations and language):
        return default
    entry = translations.get(language) or translations.get(language.split("-")[0]) or {}
    return entry.get(field) or default
