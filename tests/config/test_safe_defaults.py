"""Safe by default: the WSGI, ASGI and Celery entry points load the production settings, which
refuse to start without their environment; manage.py keeps the development settings; error
reports hide connection URLs. The entry points run in subprocesses, as a server would load
them."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings
from django.views.debug import technical_500_response

from tests.support.database import database_url

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = (
    "SECRET_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "ALLOWED_HOSTS",
    "LARDER_FIELD_ENCRYPTION_KEYS",
)
PRODUCTION_ENV = {
    "SECRET_KEY": "a-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH",
    "DATABASE_URL": "postgres://larder:db-password@db.internal:5432/larder",
    "CELERY_BROKER_URL": "redis://:broker-password@redis.internal:6379/0",
    "ALLOWED_HOSTS": "larder.example",
    "LARDER_FIELD_ENCRYPTION_KEYS": "NVjXPn1Qd1N4Kx5rHjoVjJYXOvyXtUWzYpN6bqm9Eyc=",
}
# Module constants, not locals or literals near the raise: the page quotes both.
META_SECRET = uuid.uuid4().hex
PASSWORDS = ("db-password", "broker-password", META_SECRET)


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in (*REQUIRED, "DJANGO_SETTINGS_MODULE", "DEBUG")
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


ENTRY_POINTS = {
    "wsgi": "import config.wsgi",
    "asgi": "import config.asgi",
    "celery": "from config.celery import app; app.conf.broker_url",
}
REPORT = (
    "from django.conf import settings; "
    "print(settings.SETTINGS_MODULE, settings.DEBUG, settings.CELERY_BROKER_URL)"
)


@pytest.mark.parametrize("entry_point", list(ENTRY_POINTS))
def test_entry_points_refuse_to_start_without_the_production_environment(entry_point):
    result = _python(ENTRY_POINTS[entry_point])

    assert result.returncode == 1
    assert (
        "django.core.exceptions.ImproperlyConfigured: config.settings.production needs these "
        "environment variables set: SECRET_KEY, DATABASE_URL, CELERY_BROKER_URL, ALLOWED_HOSTS, "
        "LARDER_FIELD_ENCRYPTION_KEYS"
    ) in result.stderr


@pytest.mark.parametrize("missing", REQUIRED)
def test_each_missing_variable_is_named(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _python(ENTRY_POINTS["wsgi"], **env)

    assert result.returncode == 1
    assert f"needs these environment variables set: {missing} (see README.md" in result.stderr


@pytest.mark.parametrize("entry_point", list(ENTRY_POINTS))
def test_entry_points_default_to_production_settings(entry_point):
    result = _python(f"{ENTRY_POINTS[entry_point]}; {REPORT}", **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "config.settings.production",
        "False",
        PRODUCTION_ENV["CELERY_BROKER_URL"],
    ]


def test_production_refuses_the_development_key():
    env = {**PRODUCTION_ENV, "SECRET_KEY": "dev-only-insecure-key-change-me-in-production"}
    result = _python(ENTRY_POINTS["wsgi"], **env)

    assert result.returncode == 1
    assert "SECRET_KEY must be a secret of your own in production." in result.stderr


def test_production_refuses_the_development_encryption_key():
    env = {
        **PRODUCTION_ENV,
        "LARDER_FIELD_ENCRYPTION_KEYS": f"{PRODUCTION_ENV['LARDER_FIELD_ENCRYPTION_KEYS']},"
        "2phOeuTlmM0usVLZRR__9IsdG4-Q8-8zq6RGNwXCifQ=",
    }
    result = _python(ENTRY_POINTS["wsgi"], **env)

    assert result.returncode == 1
    assert "must not hold the development key in production" in result.stderr


def test_manage_py_keeps_the_development_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", REPORT],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DEBUG")},
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": "redis://127.0.0.1:6379/1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    # (the shell first says how many objects it imported)
    assert result.stdout.splitlines()[-1].split() == [
        "config.settings.dev",
        "True",
        "redis://127.0.0.1:6379/1",
    ]


@override_settings(
    DEBUG=True,
    CELERY_BROKER_URL=PRODUCTION_ENV["CELERY_BROKER_URL"],
    LARDER_CACHE_URL=PRODUCTION_ENV["CELERY_BROKER_URL"],
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "api": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": PRODUCTION_ENV["CELERY_BROKER_URL"],
        },
    },
)
def test_the_debug_error_page_hides_connection_urls():
    request = RequestFactory().get(
        "/boom", DATABASE_URL=PRODUCTION_ENV["DATABASE_URL"], SECRET_KEY=META_SECRET
    )
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        page = technical_500_response(request, *sys.exc_info()).content.decode()

    assert "RuntimeError" in page
    assert "CELERY_BROKER_URL" in page
    assert "DATABASE_URL" in page
    assert "LARDER_CACHE_URL" in page
    assert [secret for secret in PASSWORDS if secret in page] == []


def test_the_wsgi_module_loads_the_task_modules_before_any_request():
    """gunicorn's preloaded master imports config.wsgi: the tasks a web request queues are
    registered there, so no forked worker imports them (and runs Celery's Django checks) in
    the request that queues first."""
    code = (
        "import config.wsgi; from config import celery_app; "
        "from config.work import WORK_TASKS; "
        "print(all(name in celery_app.tasks for name in WORK_TASKS.values()))"
    )
    result = _python(code, **PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "True"
