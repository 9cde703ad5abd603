"""Django's PostgreSQL backend with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django checks a persistent connection before the first
statement of every request with a `SELECT 1`: one round trip to the server per
page, as long as the page's own query on a page that runs one. A connection the
server (or PgBouncer) has closed, after a restart, pg_terminate_backend() or an
idle timeout, has told the client so: the server's last message and the end of
the stream are waiting on the socket. A connection that was left idle after its
last answer has nothing to read. So the socket is polled first, without waiting:
nothing to read means the connection is usable as far as any check can tell; only
when something is waiting is the `SELECT 1` asked (and the connection replaced
when it fails), as Django does. A server that vanished without closing (a dead
host) answers neither the check nor the query, so the `SELECT 1` would not help.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed:
            return False
        try:
            poll = select.poll()
            poll.register(connection.fileno(), select.POLLIN | select.POLLPRI)
            waiting = poll.poll(0)
        except (OSError, ValueError):
            return False
        if not waiting:
            return True
        return super().is_usable()
