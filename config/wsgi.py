"""The WSGI entry point. Without DJANGO_SETTINGS_MODULE it loads the production settings,
which refuse to start without their environment; manage.py (and so `make run`) uses
config.settings.dev."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

# The URLconf, and with it every view, DRF, the API schema and the partner API's JSON-LD,
# imported now rather than by the first request: in gunicorn's master (preload_app,
# config/gunicorn.py), so that every worker forked from it — also each one recycled after
# max_requests — starts with them loaded and frozen out of the collector, instead of spending
# its first request on the import (a quarter of a second of CPU: docs/performance.md, "A recycled
# worker's first request").
get_resolver().url_patterns  # noqa: B018 - evaluated for its import

# Celery's task modules too: a web worker queues tasks by name (config.work.registered_task),
# and the first time it does, Celery imports them and its Django fix-up runs Django's system
# checks — 90 ms of CPU in the request that happened to pay first, in every worker, again
# after each recycling (docs/performance.md, "A recycled worker's first request").
from config import celery_app  # noqa: E402 - after the application, which sets Django up

celery_app.loader.import_default_modules()
