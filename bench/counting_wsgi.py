"""Larder's WSGI application (config.wsgi) with each response saying how many statements it sent
to PostgreSQL (`X-Statements`: every statement Django logs, BEGIN, COMMIT and savepoints
included), for the bench's statement counts over HTTP under the production settings.

Only the bench's counting pass serves it (one client, gunicorn as bin/web runs it); the timed
runs serve the plain config.wsgi through bin/web, since logging every statement costs time.
"""

from django.db import connections

from config.wsgi import application as larder


def application(environ, start_response):
    for connection in connections.all(initialized_only=True):
        connection.queries_log.clear()
    connection = connections["default"]
    connection.force_debug_cursor = True
    connection.queries_log.clear()

    def counted(status, headers, exc_info=None):
        # Django starts the response once the view and every middleware are done.
        count = len(connection.queries_log)
        return start_response(status, [*headers, ("X-Statements", str(count))], exc_info)

    return larder(environ, counted)
