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
def celery_worker(*, ready_timeout: float = 60.0):
    """A worker on the broker of the settings (Redis in CI, the folder broker elsewhere),
    reading and writing the test database; stopped (TERM, then KILL) on exit. Yields the
    list of its log lines, which grows while it runs.

    Worker and caller use a queue of their own for the duration, so tasks left on a shared
    broker by other runs (a developer's `make run`, a bench) never stand in front of ours.
    """
    from config.celery import app

    queue = f"larder-test-{os.getpid()}-{time.monotonic_ns()}"
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": app.conf.broker_url,
    }
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
            queue,
        ],
        env=env,
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
        app.conf.task_default_queue = previous_queue
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
