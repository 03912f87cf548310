"""`make run`: the web server, a Celery worker and beat, started through the same entrypoints
production uses (bin/web, bin/worker, bin/beat); Ctrl-C stops all three.

It says in a few lines what it started and where: the database (and, for the embedded
PostgreSQL, where its data lives), the broker, the URLs. For debugging with Django's
development server instead (autoreload, the debug page): `manage.py runserver`.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def describe_database() -> str:
    db = settings.DATABASES["default"]
    host = unquote(db["HOST"] or "")
    if host.startswith("/"):
        from config.embedded_db import PGDATA

        if Path(host).resolve() == PGDATA.resolve():
            return (
                f"embedded PostgreSQL, database {db['NAME']}, data in {PGDATA} "
                "(kept running; `make stop-db` stops it)"
            )
        return f"PostgreSQL on socket {host}, database {db['NAME']}"
    return f"PostgreSQL at {host}:{db['PORT'] or 5432}, database {db['NAME']}"


def describe_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]
        return f"folder broker in {folder} (set CELERY_BROKER_URL for Redis)"
    from kombu.utils.url import maybe_sanitize_url

    return maybe_sanitize_url(url)


class Command(BaseCommand):
    help = "Serve Larder (gunicorn) with a Celery worker and beat beside it."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport, **options):
        connection.close()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
            "PYTHON": sys.executable,
            "WEB_BIND": addrport,
            "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
            "LOG_FORMAT": os.environ.get("LOG_FORMAT", "console"),
        }
        commands = {
            "web": [str(ROOT / "bin" / "web")],
            "worker": [str(ROOT / "bin" / "worker")],
            "beat": [str(ROOT / "bin" / "beat")],
        }
        processes = {
            name: subprocess.Popen(command, env=env, cwd=ROOT) for name, command in commands.items()
        }
        base = f"http://{addrport}"
        self.stdout.write(
            self.style.SUCCESS("Larder is up (gunicorn, a Celery worker, Celery beat):")
            + f"\n  database  {describe_database()}"
            + f"\n  broker    {describe_broker()}"
            + f"\n  admin     {base}/admin/"
            + f"\n  API docs  {base}/api/docs/"
            + f"\n  health    {base}/healthz  ·  ready: {base}/readyz"
            + "\nCtrl-C stops them. Debugging with Django's runserver: see README.md."
        )

        def stop(*_):
            for process in processes.values():
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes.values()):
                time.sleep(0.5)
            failed = [name for name, process in processes.items() if process.poll() is not None]
            self.stderr.write(f"{', '.join(failed)} stopped; stopping the rest.")
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in processes.values():
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
