from config.exceptions import ApplicationError, Conflict


class InvalidTransition(Conflict):
    code = "invalid-transition"
    title = "This status change is not allowed"

    def __init__(self, *, order_number: int, from_status: str, to_status: str, reason: str = ""):
        message = f"Order {order_number} cannot go from {from_status} to {to_status}"
        message += f": {reason}" if reason else "."
        super().__init__(
            message,
            extra={"order": order_number, "from_status": from_status, "to_status": to_status},
        )


class OrderLocked(Conflict):
    code = "order-locked"
    title = "The order is being edited by someone else"


class OrderNotEditable(ApplicationError):
    code = "order-not-editable"
    title = "The order cannot be changed in its current status"
    status = 409


class NotACustomer(ApplicationError):
    code = "not-a-customer"
    title = "You are not a customer of this trader"
    status = 403


class EmptyCart(ApplicationError):
    code = "empty-cart"
    title = "The cart has no items"
    status = 422


class CartNotSubmitted(Conflict):
    code = "cart-not-submitted"
    title = "Submit the cart before paying"


class NotYourCustomer(ApplicationError):
    code = "customer-of-another-trader"
    title = "The customer does not buy from this trader"
    status = 422


class InvalidManualDiscount(ApplicationError):
    code = "invalid-manual-discount"
    title = "Invalid manual discount"


class AddressNotTheCustomers(ApplicationError):
    code = "address-not-the-customers"
    title = "The address belongs to another customer"
    status = 422


class EditNeedsUser(ApplicationError):
    code = "edit-needs-user"
    title = "A customer-service edit is made by a signed-in agent"


class InvalidQuantity(ApplicationError):
    code = "invalid-quantity"
    title = "Invalid quantity"


class AmountTooLarge(ApplicationError):
    code = "amount-too-large"
    title = "The order's amounts are too large"
    status = 422


class NothingToResend(ApplicationError):
    code = "nothing-to-resend"
    title = "The order has nothing to send to a partner platform"
    status = 409


class UnknownPaymentMethod(ApplicationError):
    code = "unknown-payment-method"
    title = "This payment method is not offered"
    status = 422


class InvalidPaymentDetails(ApplicationError):
    code = "invalid-payment-details"
    title = "The payment details are not valid"
    status = 422


class PaymentDeclined(ApplicationError):
    code = "payment-declined"
    title = "The payment was declined"
    status = 402


class CheckoutExpired(Conflict):
    code = "checkout-expired"
    title = "The cart's reservations expired: submit it again"


class PaymentNotInReview(Conflict):
    code = "payment-not-in-review"
    title = "The order's payment is not waiting for review"


class StorefrontForbidden(ApplicationError):
    code = "forbidden"
    title = "You may not do this"
    status = 403


class ConsolidationSwitchRefused(Conflict):
    code = "consolidation-switch-refused"
    title = "The session's producer orders are final: their consolidation cannot change"
