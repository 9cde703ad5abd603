"""Reads counted in the process first, written to the counter in one go.

A beacon request then does no network or database work at all: its read joins
a per-process tally that a timer writes every READERSHIP_BUFFER_SECONDS (one
Redis pipeline for all the reads of that interval), and the per-address limit
is a per-process fixed window. A worker killed between two writes loses at
most that interval's reads — acceptable for a "Most read" list, never for money.
"""

import hashlib
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import connections

from .counter import get_counter, hour_start, now

_lock = threading.Lock()
_pending = Counter()
_timer = None
_window = [0, Counter()]  # [window start, {hashed address: reads}]


def allowed(address):
    """Count one read from `address`; False once it is past READERSHIP_RATE_PER_MINUTE."""
    limit = settings.READERSHIP_RATE_PER_MINUTE
    if limit <= 0:
        return True
    start = int(time.time() // 60)
    who = hashlib.blake2b(address.encode(), digest_size=8).digest()
    with _lock:
        if _window[0] != start:
            _window[0], _window[1] = start, Counter()
        _window[1][who] += 1
        return _window[1][who] <= limit


def add(article_id, when=None):
    """Tally one read; written within READERSHIP_BUFFER_SECONDS (at once when it is 0)."""
    global _timer
    seconds = settings.READERSHIP_BUFFER_SECONDS
    key = (hour_start(when or now()), article_id)
    if seconds <= 0:
        get_counter().add_many({key: 1})
        return
    with _lock:
        _pending[key] += 1
        if _timer is None:
            _timer = threading.Timer(seconds, flush)
            _timer.daemon = True
            _timer.start()


def flush():
    """Write the tallied reads now."""
    global _timer
    with _lock:
        items = dict(_pending)
        _pending.clear()
        if _timer is not None:
            _timer.cancel()
        _timer = None
    if items:
        try:
            get_counter().add_many(items)
        finally:
            if threading.current_thread() is not threading.main_thread():
                # The timer's thread: its database connection (no Redis) ends with it.
                connections.close_all()
    return sum(items.values())


def reset():
    """Forget the tally and the rate windows (tests)."""
    global _timer
    with _lock:
        _pending.clear()
        _window[0], _window[1] = 0, Counter()
        if _timer is not None:
            _timer.cancel()
        _timer = None
