"""Start real Celery workers and beats in subprocesses against the test database, for
integration tests."""

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
        _delete_queues(app, queue_names(prefix))


def _delete_queues(app, names: list[str]) -> None:
    """Leave no test queue behind on a shared broker (what was left in it is dropped)."""
    try:
        with app.connection_for_write() as connection:
            channel = connection.default_channel
            for name in names:
                channel.queue_delete(name)
    except Exception:  # noqa: BLE001, S110 - tidying up only; a broker that is gone holds nothing
        pass


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

    with celery_process(
        [
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
        ready=" ready.",
        ready_timeout=ready_timeout,
        env=larder_env(prefix=prefix, **env),
    ) as (_, lines):
        yield lines


@contextmanager
def celery_beat(*, prefix: str, ready_timeout: float = 60.0, **env):
    """A beat (the settings' scheduler) on the test database, sending to the queues of
    `prefix`; yields (process, log lines). Stopped (TERM, then KILL) on exit."""
    with celery_process(
        ["beat", "--loglevel=INFO"],
        ready="beat: Starting",
        ready_timeout=ready_timeout,
        env=larder_env(prefix=prefix, **env),
    ) as started:
        yield started


@contextmanager
def celery_process(arguments: list[str], *, ready: str, ready_timeout: float, env: dict):
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    is_ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line)
            if ready in line:
                is_ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        if not is_ready.wait(ready_timeout):
            raise RuntimeError(f"celery {arguments[0]} did not start:\n" + "".join(lines[-40:]))
        yield process, lines
    finally:
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
