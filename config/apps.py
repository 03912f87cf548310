from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """Project-wide pieces: errors, health check, the run command."""

    name = "config"
    verbose_name = "Larder"
