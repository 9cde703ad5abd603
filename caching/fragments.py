"""Pieces of pages (story cards, feed entries) cached under the keys they show.

A piece is stored with its keys (`article:12`, `section:3`, ...), so an edit
of one story drops that story's pieces and leaves every other story's warm.
Reading a piece records its keys for the page being rendered, so the page is
purged with it. A cache that fails means the piece is built again, not an error.
"""

from django.conf import settings

from . import keys, schedule, store

PREFIX = "caching:frag:"


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
    found = store.get_many([PREFIX + name for name in names])
    pieces.since, pieces.failed = found.seq, found.failed
    for cache_key, (value, shown) in found.items():
        pieces[cache_key[len(PREFIX) :]] = value
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
    stored = {}
    for name, (value, shown) in items.items():
        keys.record_all(shown)
        stored[PREFIX + name] = (value, frozenset(shown), schedule.deadline(shown, maximum))
    store.set_many(stored, since=since)
