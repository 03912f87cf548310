"""Start a real Celery worker in a subprocess against the test database, for integration tests."""

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

from tests.support.database import database_url


def test_database_url() -> str:
    return database_url()


@contextmanager
def own_queues():
    """Route this process's tasks to queues of its own for the duration (the settings' queue
    names with a unique prefix); yields the prefix, for the workers and beats to share.

    Tasks left on a shared broker by other runs (a developer's `make run`, a bench) then never
    stand in front of ours, and ours never reach their workers.
    """
    from config.celery import app
    from config.queues import queue_names, task_routes

    prefix = f"larder-test-{os.getpid()}-{time.monotonic_ns()}-"
    previous = app.conf.task_default_queue, app.conf.task_routes
    app.conf.task_default_queue = queue_names(prefix)[0]
    app.conf.task_routes = task_routes(prefix)
    _forget_routes(app)
    try:
        yield prefix
    finally:
        app.conf.task_default_queue, app.conf.task_routes = previous
        _forget_routes(app)


def _forget_routes(app) -> None:
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)


def larder_env(*, prefix: str, broker_url: str | None = None, **extra) -> dict:
    """The environment of a Larder subprocess on the test database and the given queues."""
    from config.celery import app

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": broker_url or app.conf.broker_url,
        "LARDER_QUEUE_PREFIX": prefix,
        **extra,
    }


@contextmanager
def celery_worker(*, ready_timeout: float = 60.0, prefix: str | None = None, **env):
    """A worker on the broker of the settings (Redis in CI, the folder broker elsewhere), or
    on `CELERY_BROKER_URL` given in `env`, consuming every queue, reading and writing the test
    database; stopped (TERM, then KILL) on exit. Yields the list of its log lines, which grows
    while it runs. Without `prefix`, worker and caller use queues of their own (`own_queues`).
    """
    if prefix is None:
        with (
            own_queues() as prefix,
            celery_worker(ready_timeout=ready_timeout, prefix=prefix, **env) as lines,
        ):
            yield lines
        return

    from config.queues import queue_names

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            "--concurrency=1",
            "--pool=solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--queues",
            ",".join(queue_names(prefix)),
        ],
        env=larder_env(prefix=prefix, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(ready_timeout):
            raise RuntimeError("worker did not start:\n" + "".join(lines[-40:]))
        yield lines
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
