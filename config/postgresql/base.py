"""Django's PostgreSQL backend, with the health check of a kept connection
(`CONN_HEALTH_CHECKS`) made only when that connection has been idle.

Django checks a kept connection before the first query of every request with a `SELECT 1`
round trip: one statement more per request, six per storefront checkout, that no query log
shows (docs/performance.md, "Statements PostgreSQL sees"). A connection that ran a query less
than `HEALTH_CHECK_IDLE_SECONDS` ago (the database setting, `CONN_HEALTH_CHECK_IDLE` in the
environment, 1 s by default) is reused unchecked: a restarted database or a pooler that closed
the link has not had the time to break it unseen — a server restart takes longer, and a query
in flight when it happens fails whatever the check. One idle longer, or one psycopg already
knows is closed or broken, is checked as Django checks it: unusable, it is closed and the
request opens a new one, so the request sees a reconnect, never an error. 0 checks every
time (Django's own behaviour).
"""

import time

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.last_used = None  # time.monotonic() of the last cursor made on this connection

    def close_if_health_check_failed(self):
        idle = self.settings_dict.get("HEALTH_CHECK_IDLE_SECONDS", 1.0)
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.last_used is not None
            and time.monotonic() - self.last_used < idle
            and not (self.connection.closed or self.connection.broken)
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _cursor(self, name=None):
        cursor = super()._cursor(name)
        self.last_used = time.monotonic()
        return cursor

    def close(self):
        super().close()
        self.last_used = None
