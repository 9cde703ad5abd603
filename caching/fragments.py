"""Pieces of pages (story cards, feed entries) cached under the keys they show.

A piece is stored with its keys (`article:12`, `section:3`, ...), so an edit
of one story drops that story's pieces and leaves every other story's warm.
Reading a piece records its keys for the page being rendered, so the page is
purged with it. A cache that fails means the piece is built again, not an error.
"""

from django.conf import settings
from django.utils import translation

from . import keys, schedule, store

PREFIX = "caching:frag:"


def _prefix():
    # A site of several languages keeps each language's pieces apart: a card
    # links its section and bylines at the edition's addresses, in its words.
    if len(settings.LANGUAGES) > 1:
        return f"{PREFIX}{translation.get_language()}:"
    return PREFIX


class Pieces(dict):
    """{name: value} of the pieces found; `since` is what set_many() needs."""

    since = None
    failed = False


def get_many(names):
    """The cached pieces among `names`; their keys count for the page being rendered."""
    pieces = Pieces()
    if not names:
        pieces.since = store.sequence()
        return pieces
    prefix = _prefix()
    found = store.get_many([prefix + name for name in names])
    pieces.since, pieces.failed = found.seq, found.failed
    for cache_key, (value, shown) in found.items():
        pieces[cache_key[len(prefix) :]] = value
        keys.record_all(shown)
    return pieces


def set_many(items, *, since, seconds=None):
    """Store {name: (value, keys)} built after the get_many() that returned `since`.

    The keys count for the page being rendered. Kept until a key is purged, the
    next clock-driven change of a key, or `seconds` (default PAGE_CACHE_SECONDS).
    """
    if not items:
        return
    maximum = seconds or settings.PAGE_CACHE_SECONDS
    prefix = _prefix()
    stored = {}
    for name, (value, shown) in items.items():
        keys.record_all(shown)
        stored[prefix + name] = (value, frozenset(shown), schedule.deadline(shown, maximum))
    store.set_many(stored, since=since)
