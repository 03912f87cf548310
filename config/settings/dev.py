"""Settings for `make run` on a developer's machine."""

from config.env import env_bool, env_str
from config.observability.logging import logging_config

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)

# Readable lines on a developer's terminal; LOG_FORMAT=json shows what production writes.
LOG_FORMAT = env_str("LOG_FORMAT", "console")
LOGGING = logging_config(
    level=LOG_LEVEL,  # noqa: F405
    log_format=LOG_FORMAT,
    beat_ticks=LOG_BEAT_TICKS,  # noqa: F405
)
