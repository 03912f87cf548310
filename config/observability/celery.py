"""Celery's share of the observability: Django's LOGGING for every Celery process (so task lines
are JSON with their task id and the request id of the request that queued them), a task
outcome counter, and each worker's metrics on WORKER_METRICS_PORT."""

import logging.config
import os

from celery import signals


def connect(app) -> None:
    from django_structlog.celery.steps import DjangoStructLogInitStep

    app.steps["worker"].add(DjangoStructLogInitStep)


@signals.setup_logging.connect
def _use_django_logging(**_) -> None:
    """Connected, so Celery leaves the root logger to Django's LOGGING."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def _bind_task_name(sender=None, task=None, **_) -> None:
    import structlog

    structlog.contextvars.bind_contextvars(task=task.name)


@signals.task_success.connect
def _count_success(sender=None, **_) -> None:
    from config.observability.metrics import TASKS

    TASKS.labels(task=sender.name, outcome="succeeded").inc()


@signals.task_failure.connect
def _count_failure(sender=None, **_) -> None:
    from config.observability.metrics import TASKS

    TASKS.labels(task=sender.name, outcome="failed").inc()


@signals.task_retry.connect
def _count_retry(sender=None, **_) -> None:
    from config.observability.metrics import TASKS

    TASKS.labels(task=sender.name, outcome="retried").inc()


@signals.worker_init.connect
def _serve_worker_metrics(**_) -> None:
    port = os.environ.get("WORKER_METRICS_PORT")
    if not port:
        return
    from prometheus_client import start_http_server

    from config.observability.metrics import process_registry

    start_http_server(int(port), registry=process_registry())


@signals.worker_process_shutdown.connect
def _forget_dead_child(pid=None, **_) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid or os.getpid())


def _connect_task_name() -> None:
    from django_structlog.celery import signals as structlog_signals

    structlog_signals.bind_extra_task_metadata.connect(_bind_task_name, weak=False)


_connect_task_name()
