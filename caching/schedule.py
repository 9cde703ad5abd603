"""Changes that come by the clock alone, and how long a rendering may be kept.

A scheduled story goes live at its time with no write and perhaps no worker
running; a banner starts or expires. Domain apps register sources of such
moments with the keys each one changes (registry.clock). A rendering showing
any of those keys is kept no later than the first such moment: only what the
story enters (the home page, its section, tags, authors, feeds, Recent Posts)
ends then, not the whole site. The edge is told the same through s-maxage.

The upcoming moments are read from the database once per change of schedule
(one entry in the store, purged with the key `schedule`, which every write that
can move a moment purges) and once per request at most.
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DatabaseError

from . import registry, store

SCHEDULE_KEY = "caching:schedule"
# A rendering is never kept past the last moment known, when the list was cut.
HORIZON = 200
# The list itself is read again at least this often.
SCHEDULE_SECONDS = 3600

_request_schedule = ContextVar("caching_request_schedule", default=None)


@contextmanager
def request_scope():
    """Within the block, the schedule is read at most once (a block inside another,
    such as a hole filled while its page renders, shares the outer one's reading)."""
    if _request_schedule.get() is not None:
        yield
        return
    token = _request_schedule.set({})
    try:
        yield
    finally:
        _request_schedule.reset(token)


def upcoming():
    """(list of (POSIX time, frozenset of keys), cut-off POSIX time or None), soonest first."""
    memo = _request_schedule.get()
    if memo is not None and "value" in memo:
        return memo["value"]
    found = store.get_many([SCHEDULE_KEY])
    hit = found.get(SCHEDULE_KEY)
    if hit is not None:
        value = hit[0]
    else:
        value = _read()
        events, cutoff = value
        now = time.time()
        expires = min(
            [now + SCHEDULE_SECONDS]
            + ([events[0][0]] if events else [])
            + ([cutoff] if cutoff else [])
        )
        if not found.failed:
            store.set_many({SCHEDULE_KEY: (value, {"schedule"}, expires)}, since=found.seq)
    if memo is not None:
        memo["value"] = value
    return value


def _read():
    now = time.time()
    events = []
    for source in registry.clock_sources:
        for when, keys in source():
            moment = when.timestamp()
            if moment > now:
                events.append((moment, frozenset(keys)))
    events.sort(key=lambda event: event[0])
    cutoff = None
    if len(events) > HORIZON:
        cutoff = events[HORIZON][0]
        events = events[:HORIZON]
    return events, cutoff


def deadline(keys, maximum):
    """POSIX time until which a rendering showing `keys`, made now, stays true."""
    now = time.time()
    limit = now + maximum
    try:
        events, cutoff = upcoming()
    except DatabaseError:
        # Without the schedule nothing can be promised: keep it briefly.
        return now + min(maximum, 5)
    if cutoff is not None:
        limit = min(limit, cutoff)
    keys = set(keys)
    for moment, changed in events:
        if moment >= limit:
            break
        if moment > now and not changed.isdisjoint(keys):
            return moment
    return limit
