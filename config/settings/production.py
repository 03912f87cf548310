"""Production settings: `manage.py check --deploy` passes with these and a real SECRET_KEY.

The WSGI, ASGI and Celery entry points default to these. They refuse to start unless the
database, the broker, the secret key and the host names are given: no embedded PostgreSQL,
no folder broker, no development key (nor development encryption key) in production.
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int
from config.settings import production_environment  # noqa: F401 - checked before base is read

from .base import *  # noqa: F403
from .base import DEVELOPMENT_FIELD_ENCRYPTION_KEY, LARDER_FIELD_ENCRYPTION_KEYS, SECRET_KEY

DEBUG = False
if SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("SECRET_KEY must be a secret of your own in production.")
if DEVELOPMENT_FIELD_ENCRYPTION_KEY in LARDER_FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "LARDER_FIELD_ENCRYPTION_KEYS must not hold the development key in production."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Static files: `collectstatic` (at image build, or before `bin/web` elsewhere) writes
# compressed (gzip, Brotli) copies with content-hashed names; WhiteNoise serves them with a
# year-long immutable cache header.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
