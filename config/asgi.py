"""The ASGI entry point. Without DJANGO_SETTINGS_MODULE it loads the production settings,
which refuse to start without their environment; manage.py (and so `make run`) uses
config.settings.dev."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_asgi_application()
