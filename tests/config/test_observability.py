"""/readyz, /metrics, task counters and Sentry's scrubbing (config/observability/)."""

import json
import logging
import subprocess
import sys
import threading
import zlib
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import brotli
import pytest
from django.db import connection
from django.utils import timezone

from config.observability.metrics import TASKS
from config.observability.sentry import scrub_event
from platforms.models import OutboxMessage
from tests.factories import PlatformFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_readyz_reports_database_broker_and_migrations_up(client):
    response = client.get("/readyz", HTTP_HOST="10.0.0.7")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "up"
    assert {name: check["status"] for name, check in body.items() if name != "status"} == {
        "database": "up",
        "broker": "up",
        "migrations": "up",
    }


@pytest.mark.django_db
def test_readyz_is_503_while_a_migration_is_not_applied(client, monkeypatch):
    from config.observability import health

    monkeypatch.setattr(health, "_migrations_applied", False)
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute(
            "DELETE FROM django_migrations WHERE id = (SELECT max(id) FROM django_migrations)"
        )

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["migrations"] == {"status": "down", "error": "PendingMigrations"}
    assert body["database"]["status"] == "up"


@pytest.mark.django_db
def test_readyz_is_503_when_the_broker_is_down(client, monkeypatch):
    from config.observability import health

    # Nothing listens on port 9. Only the probe's URL changes: the Celery app that publishes
    # tasks for the rest of the suite keeps its configuration and pools.
    monkeypatch.setattr(health, "_broker_url", lambda: "redis://127.0.0.1:9/0")

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["broker"]["status"] == "down"


@pytest.mark.django_db
def test_metrics_need_the_token_and_report_the_outbox_backlog(client, settings):
    settings.METRICS_TOKEN = "scrape-me"
    settings.DEBUG = False
    platform = PlatformFactory()
    now = timezone.now()
    for state, age in (("pending", 120), ("pending", 30), ("dead", 7200), ("delivered", 9000)):
        message = OutboxMessage.objects.create(
            platform=platform,
            kind="producer_order",
            subject_key="producer-order:1",
            subject_id=1,
            state=state,
            next_attempt_at=now,
        )
        OutboxMessage.objects.filter(pk=message.pk).update(created_at=now - timedelta(seconds=age))

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me")

    assert response.status_code == 200
    text = response.content.decode()
    assert 'larder_outbox_messages{state="pending"} 2.0' in text
    assert 'larder_outbox_messages{state="dead"} 1.0' in text
    pending_age = _sample(text, 'larder_outbox_oldest_message_age_seconds{state="pending"}')
    assert 120 <= pending_age < 130
    assert 7200 <= _sample(text, 'larder_outbox_oldest_message_age_seconds{state="dead"}') < 7210
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in text


def _sample(text: str, name: str) -> float:
    (line,) = [line for line in text.splitlines() if line.startswith(name + " ")]
    return float(line.split()[-1])


def test_a_failing_task_is_counted_by_name_and_outcome(settings):
    from celery import shared_task

    @shared_task(name="tests.failing_task")
    def failing_task():
        raise ValueError("no")

    @shared_task(name="tests.fine_task")
    def fine_task():
        return 1

    failed = TASKS.labels(task="tests.failing_task", outcome="failed")
    succeeded = TASKS.labels(task="tests.fine_task", outcome="succeeded")
    before_failed, before_succeeded = failed._value.get(), succeeded._value.get()
    settings.CELERY_TASK_EAGER_PROPAGATES = False
    from config.celery import app

    app.conf.task_eager_propagates = False
    try:
        failing_task.delay()
        fine_task.delay()
        fine_task.delay()
    finally:
        app.conf.task_eager_propagates = True

    assert failed._value.get() - before_failed == 1
    assert succeeded._value.get() - before_succeeded == 2


def test_sentry_events_lose_personal_data():
    event = {
        "message": "Order for ada@example.org failed",
        "request": {
            "url": "https://larder.example/api/storefront/carts/3/",
            "method": "POST",
            "data": {"name": "Ada Lovelace", "address": "12 St James's Square"},
            "cookies": {"sessionid": "secret"},
            "query_string": "email=ada@example.org",
            "headers": {"Authorization": "Bearer tok", "Cookie": "x", "User-Agent": "shop/1"},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "user": {"id": 7, "email": "ada@example.org", "ip_address": "203.0.113.9"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "no customer ada@example.org",
                    "stacktrace": {"frames": [{"function": "pay", "vars": {"name": "Ada"}}]},
                }
            ]
        },
    }

    scrubbed = scrub_event(event, None)

    assert scrubbed["request"] == {
        "url": "https://larder.example/api/storefront/carts/3/",
        "method": "POST",
        "headers": {"User-Agent": "shop/1"},
    }
    assert scrubbed["user"] == {"id": 7}
    assert scrubbed["message"] == "Order for [email] failed"
    (exception,) = scrubbed["exception"]["values"]
    assert exception["value"] == "no customer [email]"
    assert exception["stacktrace"]["frames"] == [{"function": "pay"}]


class _FakeSentry(BaseHTTPRequestHandler):
    envelopes: list[bytes] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding")
        if encoding == "gzip":
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        elif encoding == "br":
            body = brotli.decompress(body)
        _FakeSentry.envelopes.append(body)
        self.send_response(200)
        self.end_headers()


def test_with_sentry_dsn_set_an_error_reaches_sentry_without_personal_data(tmp_path):
    """A real sentry-sdk, configured by the settings from SENTRY_DSN, sends to a fake Sentry
    on loopback: the error arrives, the customer's e-mail and body do not."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeSentry)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _FakeSentry.envelopes = []
    script = (
        "import django, sentry_sdk\n"
        "django.setup()\n"
        "try:\n"
        "    raise ValueError('payment failed for grace@example.org')\n"
        "except ValueError as error:\n"
        "    sentry_sdk.capture_exception(error)\n"
        "sentry_sdk.flush(5)\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={
                **_subprocess_env(),
                "SENTRY_DSN": f"http://publickey@127.0.0.1:{server.server_port}/1",
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.shutdown()
        server.server_close()

    assert done.returncode == 0, done.stderr
    sent = b"".join(_FakeSentry.envelopes)
    assert b"payment failed for [email]" in sent
    assert b"grace@example.org" not in sent


def _subprocess_env() -> dict:
    import os

    from tests.support.database import database_url

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
    }


def test_a_logged_traceback_is_json_without_local_variables():
    from config.observability.logging import logging_config

    options = dict(logging_config(level="INFO", log_format="json")["formatters"]["structured"])
    formatter = options.pop("()")(**options)
    customer_email = "ada@example.org"  # a local variable of the failing frame
    try:
        raise ValueError("payment provider down")
    except ValueError:
        record = logging.LogRecord(
            "orders", logging.ERROR, __file__, 1, "checkout failed", None, sys.exc_info()
        )

    line = json.loads(formatter.format(record))

    assert line["event"] == "checkout failed"
    assert line["exception"][0]["exc_value"] == "payment provider down"
    assert customer_email not in json.dumps(line)
    assert all("locals" not in frame for frame in line["exception"][0]["frames"])
