"""The WSGI entry point. Without DJANGO_SETTINGS_MODULE it loads the production settings,
which refuse to start without their environment; manage.py (and so `make run`) uses
config.settings.dev."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
