"""Addresses worked out once per process: fixed addresses (`reverse()` of a name
without arguments, or of a section's slug) and what paths resolve to.

Django's reverse() and resolve() walk the URLconf on every call; middleware that
compares each request's path with a few fixed addresses (the search page, the
API's prefix) asks for the same answers thousands of times a second, and every
rendered page resolves its path through a dozen nested patterns. An answer
depends on the URLconf in force, the script prefix and the language (an
edition's prefix): those are the key. A change of settings empties the memory.
"""

import weakref

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import URLResolver, get_script_prefix, get_urlconf, reverse
from django.urls.resolvers import RoutePattern
from django.utils import translation

_reversed = {}
# Names (and sections' slugs) × URLconfs × prefixes × languages a process serves: a few
# hundred at most; a bound all the same.
_LIMIT = 512


def reverse_once(name, **kwargs):
    """reverse(name, kwargs=kwargs), remembered for the URLconf, script prefix and
    language in force. For fixed addresses and those of a few things (the sections):
    at most _LIMIT answers are kept."""
    key = (
        name,
        tuple(kwargs.items()),
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        translation.get_language(),
    )
    path = _reversed.get(key)
    if path is None:
        if len(_reversed) >= _LIMIT:
            _reversed.clear()
        path = _reversed[key] = reverse(name, kwargs=kwargs or None)
    return path


class RememberingResolver(URLResolver):
    """A resolver of patterns that remembers what each path resolved to (per URLconf in
    force and language): `remembering(patterns)` around a URLconf's patterns.

    Only paths that resolve are remembered (a 404's path is not), at most LIMIT of
    them, all forgotten when that is reached. The match is only read afterwards:
    the resolver above it makes each request a ResolverMatch of its own, with its
    own arguments.
    """

    LIMIT = 4096

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._resolved = {}
        _resolvers.add(self)

    def resolve(self, path):
        key = (path, translation.get_language(), get_urlconf())
        match = self._resolved.get(key)
        if match is None:
            match = super().resolve(path)
            if len(self._resolved) >= self.LIMIT:
                self._resolved.clear()
            self._resolved[key] = match
        return match


_resolvers = weakref.WeakSet()


def remembering(patterns):
    """[the patterns under one RememberingResolver], for a URLconf's `urlpatterns`."""
    return [RememberingResolver(RoutePattern(""), list(patterns))]


@receiver(setting_changed)
def _settings_changed(**kwargs):
    _reversed.clear()
    for resolver in _resolvers:
        resolver._resolved.clear()
