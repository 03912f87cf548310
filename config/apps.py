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

        statement_parse_cache_widen()


# The longest statement psycopg keeps the parse of (its query with the placeholders turned
# into $n, per text, in an LRU of 128): psycopg's own limit is 4,096 characters, past which it
# parses the text again on every run. Larder's hot writes are composed statements of 5,000 to
# 10,000 characters (the storefront add's insert-and-read, the re-pricing's write:
# config/sql.py) with a handful of parameters (arrays), run on every cart request; their
# re-parsing was 5 % of a checkout's Python (docs/performance.md, "Storefront checkout").
# The parameter limit (50) stays: statements with many parameters vary by their count.
STATEMENT_PARSE_CACHE_LENGTH = 16_384


def statement_parse_cache_widen() -> None:
    """Let psycopg cache the parse of statements up to STATEMENT_PARSE_CACHE_LENGTH long
    (at most 128 of them, about 2 MB)."""
    from psycopg import _queries

    if _queries.MAX_CACHED_STATEMENT_LENGTH < STATEMENT_PARSE_CACHE_LENGTH:
        _queries.MAX_CACHED_STATEMENT_LENGTH = STATEMENT_PARSE_CACHE_LENGTH
