"""What production needs from the environment, checked before `base` is read: base falls back
to the embedded database and the folder broker when these are unset, which production must
never do. config/settings/production.py imports this module first (absolute imports come
before the relative `.base` in every sorted import block)."""

from config.env import env_required

REQUIRED = [
    "SECRET_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "ALLOWED_HOSTS",
    "LARDER_FIELD_ENCRYPTION_KEYS",
]

env_required(REQUIRED, settings_module="config.settings.production")
