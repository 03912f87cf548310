"""Run Larder's production entrypoints (bin/web, bin/worker, bin/beat, bin/migrate) from tests and
benchmarks, the way the container, compose and the Procfile run them: production settings,
DEBUG off, every required variable given, static files collected."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing, contextmanager
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "test-production-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"
FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(*, database_url: str, broker_url: str, static_root: Path, **extra) -> dict:
    """What a deployment sets (docs/deployment.md), for loopback without TLS in front."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "LARDER_", "CELERY_", "WEB_", "WORKER_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "PYTHON": sys.executable,
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": broker_url,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LARDER_FIELD_ENCRYPTION_KEYS": FIELD_ENCRYPTION_KEY,
            "STATIC_ROOT": str(static_root),
            # No TLS terminator in front of a loopback test: no redirect to https.
            "SECURE_SSL_REDIRECT": "false",
            "LOG_FORMAT": "json",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update(extra)
    env.pop("DEBUG", None)
    return env


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def collectstatic(env: dict) -> None:
    _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)


def migrate(env: dict) -> None:
    _run([str(ROOT / "bin" / "migrate"), "-v0"], env)


class Process:
    """An entrypoint running in its own process group, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict, log: Path) -> None:
        self.name = name
        self.log = log
        self._file = log.open("w")
        self.popen = subprocess.Popen(
            [str(ROOT / "bin" / name), *args],
            cwd=ROOT,
            env=env,
            stdout=self._file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines()

    def kill(self) -> None:
        """SIGKILL the whole group at once (the main process and its children), as a crash."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._file.close()


@contextmanager
def entrypoint(name: str, *args: str, env: dict, log: Path):
    process = Process(name, list(args), env, log)
    try:
        yield process
    finally:
        process.stop()


def wait_ready(url: str, process: Process, timeout: float = 60) -> None:
    """Until GET {url}/readyz answers 200 (database, broker and migrations up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{process.name} at {url} is not ready:\n" + "\n".join(process.lines()))


def wait_for_line(process: Process, text: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(text in line for line in process.lines()):
            return
        if process.popen.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"{process.name}: no {text!r}:\n" + "\n".join(process.lines()[-40:]))
