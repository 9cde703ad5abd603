"""The site's editions: one per language in `settings.LANGUAGES`, the default one
`settings.LANGUAGE_CODE`. Read at call time, so tests can override them."""

from contextlib import contextmanager
from contextvars import ContextVar
from importlib import import_module
from urllib.parse import urlsplit

from anyascii import anyascii
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.urls import LocalePrefixPattern, URLResolver, get_urlconf, set_urlconf
from django.utils import translation
from django.utils.text import capfirst, slugify
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


def current():
    """The edition of the page being rendered: the active language as an edition code
    (the default edition when it names none)."""
    language = translation.get_language()
    if not language:
        return default()
    found = codes()
    if language in found:
        return language
    try:
        variant = get_supported_language_variant(language)
    except LookupError:
        return default()
    return variant if variant in found else default()


# -- hosts ---------------------------------------------------------------------------

# The edition served without a prefix on this request's host (EDITION_HOSTS), or None
# on the main host; set by EditionMiddleware for the request.
_host_edition = ContextVar("editions_host_edition", default=None)


def hosts():
    """{edition code: host} of the editions with a host of their own (EDITION_HOSTS)."""
    found = set(codes())
    return {
        code: host.lower()
        for code, host in getattr(settings, "EDITION_HOSTS", {}).items()
        if code in found and code != default() and host
    }


def for_host(host):
    """The edition that owns `host` (without its port), or None."""
    host = (host or "").lower()
    for code, owned in hosts().items():
        if owned == host:
            return code
    return None


def host_edition():
    """The edition this request's host serves unprefixed, or None (the main host)."""
    return _host_edition.get()


@contextmanager
def on_host(code):
    """Within the block, addresses are made for the host of edition `code` (None: the
    main host)."""
    token = _host_edition.set(code)
    try:
        yield
    finally:
        _host_edition.reset(token)


def origin(code=None):
    """scheme://host of edition `code`'s pages (SITE_URL, or its EDITION_HOSTS host with
    SITE_URL's scheme); of this request's host when `code` is None."""
    code = host_edition() if code is None else code
    host = hosts().get(code)
    if host is None:
        return settings.SITE_URL
    return f"{urlsplit(settings.SITE_URL).scheme or 'https'}://{host}"


def unprefixed(code):
    """True when edition `code`'s addresses have no /<code>/ prefix here: the default
    edition's, and an edition's own on its host."""
    return code == default() or code == host_edition()


class EditionPrefixPattern:
    """i18n_patterns' prefix, by edition: none for the default edition (and for an
    edition on its own host), `<code>/` for the others. Compared as editions, so that
    LANGUAGE_CODE "en-us" still means an unprefixed "en". Django's LocalePrefixPattern
    in all but its class, which include() refuses (test URLconfs include the project's)."""

    regex = LocalePrefixPattern.regex
    match = LocalePrefixPattern.match
    check = LocalePrefixPattern.check
    describe = LocalePrefixPattern.describe
    __str__ = LocalePrefixPattern.__str__

    def __init__(self):
        self.prefix_default_language = False
        self.converters = {}

    @property
    def language_prefix(self):
        code = current()
        return "" if unprefixed(code) else f"{code}/"


def edition_patterns(*urls):
    """i18n_patterns(*urls, prefix_default_language=False) with EditionPrefixPattern."""
    return [URLResolver(EditionPrefixPattern(), list(urls))]


def path_edition(path):
    """The edition named by the prefix of `path` ("/hy/..." -> "hy"), or None."""
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in codes() and first != default() else None


class _HostURLconf:
    """The project's URLconf as seen on an edition's own host: the same patterns, with
    the edition unprefixed. A URLconf object of its own, so that Django's resolver
    (which keeps reversed prefixes per URLconf and language) keeps them apart."""

    def __init__(self, code):
        self.code = code

    def __getattr__(self, name):
        return getattr(import_module(settings.ROOT_URLCONF), name)


_host_urlconfs = {}


def host_urlconf(code):
    """The URLconf for requests on edition `code`'s host (ROOT_URLCONF for None)."""
    if code is None:
        return settings.ROOT_URLCONF
    return _host_urlconfs.setdefault((settings.ROOT_URLCONF, code), _HostURLconf(code))


@contextmanager
def addresses_for(code):
    """Within the block, reverse() gives edition `code`'s addresses as its own pages
    write them: its language, its prefix, its host's URLconf."""
    code_host = code if code in hosts() else None
    previous = get_urlconf()
    # Without hosts in play, the URLconf in force stays (a test's, the benchmark's).
    switch = code_host is not None or host_edition() is not None
    with translation.override(code), on_host(code_host):
        if switch:
            set_urlconf(host_urlconf(code_host))
        try:
            yield code_host
        finally:
            if switch:
                set_urlconf(previous)


def url_in(code, make_path):
    """make_path() reversed for edition `code`: a path when that edition is served on
    this request's host, else an absolute address on its host (EDITION_HOSTS)."""
    here = host_edition()
    with addresses_for(code) as code_host:
        path = make_path()
    if code_host == here:
        return path
    return (origin(code_host) if code_host else settings.SITE_URL) + path


# Armenian's "ու" is one sound, "u" in BGN/PCGN and ISO 9985; anyascii writes it
# letter by letter ("ow"): Շուշի would be "showshi".
_DIGRAPHS = (("\u0548\u0552", "U"), ("\u0548\u0582", "U"), ("\u0578\u0582", "u"))


def slug_for(title, language):
    """A slug made from `title`: Unicode as written, or in Latin letters for the editions
    in EDITION_ASCII_SLUGS ("Շուշի" -> "shushi"): anyascii, which romanises any script
    (Armenian close to BGN/PCGN), with Armenian "ու" as one letter, "u"."""
    if language in getattr(settings, "EDITION_ASCII_SLUGS", ()):
        for digraph, latin in _DIGRAPHS:
            title = title.replace(digraph, latin)
        return slugify(anyascii(title))
    return slugify(title, allow_unicode=True)
