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
app.autodiscover_tasks()

_observability.connect(app)
