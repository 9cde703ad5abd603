"""Fixed addresses (`reverse()` of a name without arguments), reversed once per process.

Django's reverse() walks the URLconf on every call; middleware that compares
each request's path with a few fixed addresses (the search page, the API's
prefix) asks for the same answers thousands of times a second. An address
depends on the URLconf in force, the script prefix and the language (an
edition's prefix): those are the key. A change of settings empties the memory.
"""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation

_reversed = {}
# Names × URLconfs × prefixes × languages a process serves: a handful; a bound all the same.
_LIMIT = 512


def reverse_once(name):
    """reverse(name), remembered for the URLconf, script prefix and language in force."""
    key = (
        name,
        settings.ROOT_URLCONF,
        get_urlconf(),
        get_script_prefix(),
        translation.get_language(),
    )
    path = _reversed.get(key)
    if path is None:
        if len(_reversed) >= _LIMIT:
            _reversed.clear()
        path = _reversed[key] = reverse(name)
    return path


@receiver(setting_changed)
def _settings_changed(**kwargs):
    _reversed.clear()
