"""/healthz (liveness) and /readyz (readiness), answered by a middleware before anything else.

- /healthz: the process answers. No database, no broker: a liveness probe that failed with
  the database would have the orchestrator restart every healthy web server at once.
- /readyz: the database answers, the broker answers, and every migration on disk is applied
  (a web server started before `bin/migrate` finished is not sent traffic). 503 otherwise.

Both are answered before the host check, the HTTPS redirect, sessions and the request log: a
load balancer probes by IP, over plain HTTP, every few seconds.
"""

import time

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse

from config.exceptions import PendingMigrations

_migrations_applied = False


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        extra = check() or {}
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        return {"status": "down", "error": error.__class__.__name__}
    return {
        "status": "up",
        **extra,
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
    }


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker_url() -> str:
    from config.celery import app

    return app.conf.broker_write_url


def _broker() -> dict:
    """A connection of its own to the broker the app writes to, closed after the probe: the
    probe never touches the app's connection and producer pools, which publish tasks."""
    from config.celery import app

    with app.connection_for_write(url=_broker_url()) as broker:
        broker.ensure_connection(max_retries=1, timeout=2)
        return {"transport": broker.transport_cls}


def _migrations() -> dict:
    """Unapplied migrations are an error; once all are applied, later probes skip the query
    (a process's code does not change under it)."""
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise PendingMigrations(len(plan))
        _migrations_applied = True
    return {}


def healthz() -> JsonResponse:
    return JsonResponse({"status": "up"})


def readyz() -> JsonResponse:
    checks = {"database": _timed(_database), "broker": _timed(_broker)}
    checks["migrations"] = (
        _timed(_migrations)
        if checks["database"]["status"] == "up"
        else {"status": "down", "error": "DatabaseDown"}
    )
    ready = all(check["status"] == "up" for check in checks.values())
    return JsonResponse(
        {"status": "up" if ready else "down", **checks}, status=200 if ready else 503
    )


PROBES = {"/healthz": healthz, "/readyz": readyz}


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe()
        return self.get_response(request)
