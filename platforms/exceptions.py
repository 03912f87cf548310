"""Errors of the partner API, its credentials, the DFC codec and the outbox."""

from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError


class PayloadTooLarge(ApplicationError):
    code = "payload-too-large"
    title = _("Request body too large")
    status = 413


class PreconditionRequired(ApplicationError):
    code = "precondition-required"
    title = _("If-Match is required")
    status = 428


class PreconditionFailed(ApplicationError):
    code = "precondition-failed"
    title = _("The resource has changed since you read it")
    status = 412


class InvalidScopes(ApplicationError):
    code = "invalid-scopes"
    title = _("Unknown API scope")


class DfcParseError(ApplicationError):
    code = "invalid-dfc-document"
    title = _("The DFC document cannot be read")
    status = 400


class UnknownContext(DfcParseError):
    code = "unknown-dfc-context"
    title = _("The document's @context is not a DFC context Larder knows")


class NotOnePass(Exception):  # noqa: N818 - a signal, not an error anyone sees
    """A DFC document is not in the form the one-pass reader takes (platforms.dfc.jsonld):
    pyld reads it. Never leaves the reader."""


class IdempotencyKeyInvalid(ApplicationError):
    code = "idempotency-key-invalid"
    title = _("Invalid Idempotency-Key")


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency-key-reused"
    title = _("This Idempotency-Key was used for another request")
    status = 422


class RoleNotForThisEnterprise(ApplicationError):
    code = "role-not-for-this-enterprise"
    title = _("This role works for another kind of enterprise")
    status = 422


class UnsupportedOrderStatus(ApplicationError):
    code = "unsupported-order-status"
    title = _("This order status cannot be set through the API")
    status = 422


class EmptyOrder(ApplicationError):
    code = "empty-order"
    title = _("The order has no line with a quantity")
    status = 422


class UnknownSaleSession(ApplicationError):
    code = "unknown-sale-session"
    title = _("The order's sale session is not known here")
    status = 422


class LocalSaleSession(ApplicationError):
    code = "local-sale-session"
    title = _("A partner's order cannot join a local trader's sale session")
    status = 409


class OfferSessionClosed(ApplicationError):
    code = "offer-session-closed"
    title = _("The offer's sale session is closed or has ended")
    status = 409


class QuantityNotAllowed(ApplicationError):
    code = "quantity-not-allowed"
    title = _("This quantity cannot be ordered")
    status = 422


# --- The outbox: raised by delivery handlers, caught by the outbox (never a response) ------


class UndeliverableMessage(Exception):
    """The message can never be sent as it stands (e.g. the partner's address is unknown)."""


class PartnerUnsure(Exception):
    """A look-up at the partner before sending gave no clear answer: try again later."""


class CredentialsUnavailable(Exception):
    """The partner's token endpoint gave no access token (refused, unreachable or unreadable):
    the outbox records it as a failed attempt and retries."""
