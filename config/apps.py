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
# into $n, per text, in an LRU of 128), and the most parameters it may have: psycopg's own
# limits are 4,096 characters and 50 parameters, past which it parses the text again on every
# run. Larder's hot writes are composed statements of 2,000 to 10,000 characters (the
# storefront add's insert-and-read, the re-pricing's write, submit's stock reservation:
# config/sql.py) with 48 to 70 parameters, run on every cart request; their re-parsing was
# 5 % of a checkout's Python, then a third of the time psycopg spent on its parameters
# (docs/performance.md, "Storefront checkout"). A statement whose text varies with the number
# of its parameters (`IN (%s, %s, …)`) only takes an LRU slot while it is recent.
STATEMENT_PARSE_CACHE_LENGTH = 16_384
STATEMENT_PARSE_CACHE_PARAMS = 128


def statement_parse_cache_widen() -> None:
    """Let psycopg cache the parse of statements up to STATEMENT_PARSE_CACHE_LENGTH long
    (at most 128 of them, about 2 MB)."""
    from psycopg import _queries

    if _queries.MAX_CACHED_STATEMENT_LENGTH < STATEMENT_PARSE_CACHE_LENGTH:
        _queries.MAX_CACHED_STATEMENT_LENGTH = STATEMENT_PARSE_CACHE_LENGTH
    if _queries.MAX_CACHED_STATEMENT_PARAMS < STATEMENT_PARSE_CACHE_PARAMS:
        _queries.MAX_CACHED_STATEMENT_PARAMS = STATEMENT_PARSE_CACHE_PARAMS
