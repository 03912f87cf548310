"""GET /healthz: is the database up, is the broker up."""

import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


def _check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        return {"status": "down", "error": error.__class__.__name__}
    return {"status": "up", "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def _check_broker() -> dict:
    from config.celery import app

    started = time.monotonic()
    try:
        with app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
            transport = broker.transport_cls
    except Exception as error:  # noqa: BLE001 - any failure means "down"
        return {"status": "down", "error": error.__class__.__name__}
    return {
        "status": "up",
        "transport": str(transport),
        "latency_ms": round((time.monotonic() - started) * 1000, 1),
    }


@require_GET
def healthz(request):
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(check["status"] == "up" for check in checks.values())
    return JsonResponse(
        {"status": "up" if healthy else "down", **checks}, status=200 if healthy else 503
    )
