"""The site's editions: one per language in `settings.LANGUAGES`, the default one
`settings.LANGUAGE_CODE`. Read at call time, so tests can override them."""

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils.text import capfirst
from django.utils.translation import get_supported_language_variant


def codes():
    """The editions' language codes, the default first."""
    found = [code for code, _ in settings.LANGUAGES]
    first = default()
    return [first, *(code for code in found if code != first)]


def default():
    """The default edition's code: LANGUAGE_CODE, or its language when only that is
    an edition ("en-us" -> "en")."""
    try:
        return get_supported_language_variant(settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGES[0][0]


def is_multilingual():
    """More than one edition: stories link their translations."""
    return len(settings.LANGUAGES) > 1


def choices():
    """(code, name) of every edition, for Article.language (a callable: no migration
    when the editions change)."""
    names = dict(settings.LANGUAGES)
    return [(code, names[code]) for code in codes()]


def local_name(code):
    """The language's name in itself ("Հայերեն"), for the switcher."""
    info = LANG_INFO.get(code.lower(), {})
    return capfirst(info.get("name_local") or dict(settings.LANGUAGES).get(code, code))
