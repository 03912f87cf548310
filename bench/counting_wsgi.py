"""Larder's WSGI application (config.wsgi) with each response saying how many statements it sent
to PostgreSQL (`X-Statements`: every statement Django logs, BEGIN, COMMIT and savepoints
included; `X-Statement-Lookups`: those the partner throttle and idempotency lookup sent), for the
bench's statement counts over HTTP under the production settings.

Only the bench's counting pass serves it (one client, gunicorn as bin/web runs it); the timed
runs serve the plain config.wsgi through bin/web, since logging every statement costs time.
"""

import re

from django.db import connections

from config.wsgi import application as larder

# Statements that only serve the partner throttle or the idempotency lookup: the database cache
# the throttle keeps its counters in, the advisory lock and the look-up of a key's record.
LOOKUPS = re.compile(
    r'platforms_api_cache|pg_advisory_xact_lock|^\s*SELECT .* FROM "platforms_idempotencyrecord"',
    re.IGNORECASE | re.DOTALL,
)


def application(environ, start_response):
    for connection in connections.all(initialized_only=True):
        connection.queries_log.clear()
    connection = connections["default"]
    connection.force_debug_cursor = True
    connection.queries_log.clear()

    def counted(status, headers, exc_info=None):
        # Django starts the response once the view and every middleware are done.
        statements = [query["sql"] for query in connection.queries_log]
        lookups = sum(1 for sql in statements if LOOKUPS.search(sql))
        headers = [
            *headers,
            ("X-Statements", str(len(statements))),
            ("X-Statement-Lookups", str(lookups)),
        ]
        return start_response(status, headers, exc_info)

    return larder(environ, counted)
