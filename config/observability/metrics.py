"""Prometheus metrics.

- Web: django-prometheus's request counts and latency histograms (by view and method), its
  database and migration metrics, plus the outbox gauges below, read at scrape time.
- Workers: `larder_celery_tasks_total` by task and outcome (succeeded, failed, retried), served
  by each worker on WORKER_METRICS_PORT (config/celery.py).

With several processes per server (gunicorn workers, Celery's prefork children) every process
writes its samples to PROMETHEUS_MULTIPROC_DIR (bin/web and bin/worker make one) and one scrape
adds them up. /metrics answers only a bearer METRICS_TOKEN (or anyone under DEBUG).
"""

import hmac
import os

from django.conf import settings
from django.db.models import Count, Min
from django.http import Http404, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

TASKS = Counter(
    "larder_celery_tasks",
    "Celery tasks finished, by task and outcome (succeeded, failed, retried).",
    ["task", "outcome"],
)


def outbox_backlog() -> dict[str, tuple[int, float | None]]:
    """Messages not delivered, by state: (count, age in seconds of the oldest). One query."""
    from platforms.models import OutboxMessage

    now = timezone.now()
    rows = (
        OutboxMessage.objects.exclude(state=OutboxMessage.State.DELIVERED)
        .values_list("state")
        .annotate(count=Count("pk"), oldest=Min("created_at"))
        .order_by()
    )
    return {
        state: (count, (now - oldest).total_seconds() if oldest else None)
        for state, count, oldest in rows
    }


class OutboxCollector:
    """Read at each scrape, so every web server reports the same figures from the database."""

    def collect(self):
        from platforms.models import OutboxMessage

        backlog = outbox_backlog()
        messages = GaugeMetricFamily(
            "larder_outbox_messages",
            "Outbox messages not yet delivered to partner platforms, by state.",
            labels=["state"],
        )
        age = GaugeMetricFamily(
            "larder_outbox_oldest_message_age_seconds",
            "Age of the oldest undelivered outbox message, by state (0 when there is none).",
            labels=["state"],
        )
        for state in (OutboxMessage.State.PENDING, OutboxMessage.State.DEAD):
            count, oldest = backlog.get(state, (0, None))
            messages.add_metric([state], count)
            age.add_metric([state], round(oldest or 0.0, 3))
        yield messages
        yield age


def process_registry() -> CollectorRegistry:
    """This process's samples, or every process's when they share a multiprocess folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def _authorized(request) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return settings.DEBUG
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    return hmac.compare_digest(offered.encode(), token.encode())


def metrics(request):
    if not _authorized(request):
        raise Http404
    outbox = CollectorRegistry()
    outbox.register(OutboxCollector())
    body = generate_latest(process_registry()) + generate_latest(outbox)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
