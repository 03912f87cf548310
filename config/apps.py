from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConfigConfig(AppConfig):
    """Project-wide pieces: errors, health checks, logging and metrics, the run command."""

    name = "config"
    verbose_name = _("Larder")

    def ready(self) -> None:
        from config.observability.logging import connect_request_timing

        connect_request_timing()

        from config.user_cache import connect_user_cache

        connect_user_cache()
