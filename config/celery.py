"""The Celery entry point. Without DJANGO_SETTINGS_MODULE it loads the production settings,
which refuse to start without their environment; manage.py (and so `make run`) uses
config.settings.dev."""

import os

from celery import Celery

# JSON task logs with the request id, task metrics (config/observability/celery.py).
from config.observability import celery as _observability

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

app = Celery("larder")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every package holding a `tasks` module: the apps, and the subpackages with tasks of their own.
# Services queue tasks by registered name through config.work, which loads these on first use.
TASK_PACKAGES = ["config", "orders", "inventory", "platforms.outbox", "platforms.partner_api"]
app.autodiscover_tasks(TASK_PACKAGES)

_observability.connect(app)
