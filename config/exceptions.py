"""The base of every error a service raises on purpose, and the project's own other errors.

Each ApplicationError subclass has a stable `code` and an HTTP status; the API turns them into
RFC 9457 problem documents (config/problems.py), the admin into messages, commands into their
error output. The plain exceptions at the end are never a response.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError


class ApplicationError(Exception):
    code = "application-error"
    status = 400
    title = _("The request could not be carried out")

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFound(ApplicationError):
    code = "not-found"
    status = 404
    title = _("Not found")


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    title = _("Conflict with the current state")


class CurrencyMismatch(ApplicationError):
    code = "currency-mismatch"
    title = _("One currency per order")
    status = 422


class JsonTooDeep(ParseError):
    """A request body nested deeper than LARDER_JSON_MAX_DEPTH (config/parsers.py): 400."""

    default_code = "json_too_deep"
    default_detail = _("The JSON body is nested too deeply.")


class OutboundUnreachable(Exception):
    """An outbound HTTP call (config/http.py) got no answer: refused, timed out, reset, or a URL
    it cannot call. Its text names the cause; callers record it, it is never a response."""


class PendingMigrations(Exception):
    """/readyz: migrations are not all applied (the argument: how many are left)."""
