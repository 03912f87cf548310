"""Settings for pytest. Unit tests run Celery tasks eagerly; integration tests start a worker."""

import os

from .base import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# One test database per pytest process, so two runs on one server (two developers, or a
# developer and CI) never drop each other's database.
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"  # noqa: F405
}

# Each pytest process keys the "api" cache apart, so two runs sharing one Redis never see each
# other's throttle counts or idempotency markers. Without Redis the tests use a process-local
# cache (one process; integration tests that start servers set their own environment), so the
# statement counts the tests pin are the same with and without Redis.
if LARDER_CACHE_URL:  # noqa: F405
    CACHES["api"] = {**API_CACHE_REDIS, "KEY_PREFIX": f"larder-api-test-{os.getpid()}"}  # noqa: F405
else:
    CACHES["api"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}  # noqa: F405

# Sessions the same way with and without Redis (config/session_store.py in front of the table), so
# the statement counts the tests pin do not depend on it: keyed apart per process on Redis, else a
# process-local cache.
SESSION_ENGINE = "config.session_store"
SESSION_CACHE_ALIAS = "sessions"
if LARDER_CACHE_URL:  # noqa: F405
    CACHES["sessions"] = {  # noqa: F405
        **SESSION_CACHE_REDIS,  # noqa: F405
        "KEY_PREFIX": f"larder-sessions-test-{os.getpid()}",
    }
else:
    CACHES["sessions"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}  # noqa: F405
# The signed-in user's row from the same cache (config/user_cache.py), with and without Redis.
USER_CACHE = True
