"""Errors of the partner API, its credentials and the DFC codec."""

from config.exceptions import ApplicationError


class PayloadTooLarge(ApplicationError):
    code = "payload-too-large"
    title = "Request body too large"
    status = 413


class PreconditionRequired(ApplicationError):
    code = "precondition-required"
    title = "If-Match is required"
    status = 428


class PreconditionFailed(ApplicationError):
    code = "precondition-failed"
    title = "The resource has changed since you read it"
    status = 412


class InvalidScopes(ApplicationError):
    code = "invalid-scopes"
    title = "Unknown API scope"


class DfcParseError(ApplicationError):
    code = "invalid-dfc-document"
    title = "The DFC document cannot be read"
    status = 400


class UnknownContext(DfcParseError):
    code = "unknown-dfc-context"
    title = "The document's @context is not a DFC context Larder knows"


class IdempotencyKeyInvalid(ApplicationError):
    code = "idempotency-key-invalid"
    title = "Invalid Idempotency-Key"


class IdempotencyKeyReused(ApplicationError):
    code = "idempotency-key-reused"
    title = "This Idempotency-Key was used for another request"
    status = 422


class RoleNotForThisEnterprise(ApplicationError):
    code = "role-not-for-this-enterprise"
    title = "This role works for another kind of enterprise"
    status = 422


class UnsupportedOrderStatus(ApplicationError):
    code = "unsupported-order-status"
    title = "This order status cannot be set through the API"
    status = 422


class EmptyOrder(ApplicationError):
    code = "empty-order"
    title = "The order has no line with a quantity"
    status = 422


class UnknownSaleSession(ApplicationError):
    code = "unknown-sale-session"
    title = "The order's sale session is not known here"
    status = 422


class LocalSaleSession(ApplicationError):
    code = "local-sale-session"
    title = "A partner's order cannot join a local trader's sale session"
    status = 409


class OfferSessionClosed(ApplicationError):
    code = "offer-session-closed"
    title = "The offer's sale session is closed or has ended"
    status = 409


class QuantityNotAllowed(ApplicationError):
    code = "quantity-not-allowed"
    title = "This quantity cannot be ordered"
    status = 422
