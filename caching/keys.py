"""The keys a response or fragment shows: `article:12`, `section:3`, `home`, ...

While a page or fragment renders, everything it draws records its keys here
(`record()`); the page cache then stores the rendering under those keys, sends
them to the edge (Surrogate-Key, Cache-Tag) and drops it when one is purged.
Collections nest: a fragment's keys count for the page that includes it too.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_collectors = ContextVar("caching_collectors", default=())


def listing(key):
    """The key of the list of stories filed under `key` (`section:3` -> `section:3:list`):
    a story entering it purges the list, not everything that names the section."""
    return f"{key}:list"


def record(*keys):
    """Say that what is being rendered shows the content behind `keys`."""
    collectors = _collectors.get()
    if not collectors:
        return
    for collector in collectors:
        collector.update(keys)


def record_all(keys):
    """record(*keys) for an iterable."""
    record(*keys)


@contextmanager
def collecting(*, isolated=False):
    """Collect the keys recorded inside the block into the yielded set.

    Nested collections also pass their keys to the outer ones, unless
    `isolated` (a hole: its keys are its own, not the page's).
    """
    collected = set()
    outer = () if isolated else _collectors.get()
    token = _collectors.set((*outer, collected))
    try:
        yield collected
    finally:
        _collectors.reset(token)
