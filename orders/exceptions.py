from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError, Conflict, NotFound
from orders.status_labels import order_status_quoted


class InvalidTransition(Conflict):
    code = "invalid-transition"
    title = _("This status change is not allowed")

    def __init__(self, *, order_number: int, from_status: str, to_status: str, reason: str = ""):
        words = {
            "number": order_number,
            "from": order_status_quoted(from_status),
            "to": order_status_quoted(to_status),
        }
        if reason:
            message = gettext("Order %(number)s cannot go from %(from)s to %(to)s: %(reason)s") % {
                **words,
                "reason": reason,
            }
        else:
            message = gettext("Order %(number)s cannot go from %(from)s to %(to)s.") % words
        super().__init__(
            message,
            extra={"order": order_number, "from_status": from_status, "to_status": to_status},
        )


class OrderLocked(Conflict):
    code = "order-locked"
    title = _("The order is being edited by someone else")


class OrderNotEditable(ApplicationError):
    code = "order-not-editable"
    title = _("The order cannot be changed in its current status")
    status = 409


class NotACustomer(ApplicationError):
    code = "not-a-customer"
    title = _("You are not a customer of this trader")
    status = 403


class EmptyCart(ApplicationError):
    code = "empty-cart"
    title = _("The cart has no items")
    status = 422


class CartNotSubmitted(Conflict):
    code = "cart-not-submitted"
    title = _("Submit the cart before paying")


class NotYourCustomer(ApplicationError):
    code = "customer-of-another-trader"
    title = _("The customer does not buy from this trader")
    status = 422


class InvalidManualDiscount(ApplicationError):
    code = "invalid-manual-discount"
    title = _("Invalid manual discount")


class AddressNotTheCustomers(ApplicationError):
    code = "address-not-the-customers"
    title = _("The address belongs to another customer")
    status = 422


class EditNeedsUser(ApplicationError):
    code = "edit-needs-user"
    title = _("A customer-service edit is made by a signed-in agent")


class InvalidQuantity(ApplicationError):
    code = "invalid-quantity"
    title = _("Invalid quantity")


class AmountTooLarge(ApplicationError):
    code = "amount-too-large"
    title = _("The order's amounts are too large")
    status = 422


class NothingToResend(ApplicationError):
    code = "nothing-to-resend"
    title = _("The order has nothing to send to a partner platform")
    status = 409


class UnknownPaymentMethod(ApplicationError):
    code = "unknown-payment-method"
    title = _("This payment method is not offered")
    status = 422


class InvalidPaymentDetails(ApplicationError):
    code = "invalid-payment-details"
    title = _("The payment details are not valid")
    status = 422


class PaymentDeclined(ApplicationError):
    code = "payment-declined"
    title = _("The payment was declined")
    status = 402


class CheckoutExpired(Conflict):
    code = "checkout-expired"
    title = _("The cart's reservations expired: submit it again")


class PaymentNotInReview(Conflict):
    code = "payment-not-in-review"
    title = _("The order's payment is not waiting for review")


class StorefrontForbidden(ApplicationError):
    code = "forbidden"
    title = _("You may not do this")
    status = 403


class ConsolidationSwitchRefused(Conflict):
    code = "consolidation-switch-refused"
    title = _("The session's producer orders are final: their consolidation cannot change")


class PaymentNotCapturable(Conflict):
    code = "payment-not-capturable"
    title = _("The payment cannot be captured now")


class PaymentNotReceivable(Conflict):
    code = "payment-not-receivable"
    title = _("This order takes no payment by hand")


class RefundNotPossible(ApplicationError):
    code = "refund-not-possible"
    title = _("This refund cannot be made")
    status = 422


class OrderNotWaitingApproval(Conflict):
    code = "order-not-waiting-approval"
    title = _("The order is not waiting for approval")


class OrderNotLowInventory(Conflict):
    code = "order-not-low-inventory"
    title = _("The order is not waiting on unavailable items")


class PaymentDue(Conflict):
    code = "payment-due"
    title = _("The order's payment does not cover its total")


class NothingToShip(Conflict):
    code = "nothing-to-ship"
    title = _("Nothing left to ship there")


class UnknownOrderAction(NotFound):
    code = "unknown-order-action"
    title = _("There is no such action on orders")


class OrderActionNotAvailable(Conflict):
    code = "order-action-not-available"
    title = _("This action is not available for the order now")


class OrderActionForbidden(ApplicationError):
    code = "order-action-forbidden"
    title = _("You may not take this action")
    status = 403


class ReasonRequired(ApplicationError):
    code = "reason-required"
    title = _("This action needs a reason")
    status = 422


class InvalidActionInput(ApplicationError):
    code = "invalid-action-input"
    title = _("The action's input is not valid")
    status = 422


class BackordersStillShort(Conflict):
    code = "backorders-still-short"
    title = _("The backordered items are still short")


class NotARequisitionList(ApplicationError):
    code = "not-a-requisition-list"
    title = _("This is not a requisition list")


class CustomerErased(ApplicationError):
    code = "customer-erased"
    title = _("This customer's personal data were erased")
    status = 403


class AlreadyACustomer(Conflict):
    code = "already-a-customer"
    title = _("You are already a customer of this trader")


class CategoryOfAnotherTrader(ApplicationError):
    code = "category-of-another-trader"
    title = _("The category belongs to another trader")
    status = 422


class FulfilmentNotOffered(ApplicationError):
    code = "fulfilment-not-offered"
    title = _("This pickup point or delivery zone does not serve this order")
    status = 422


class DeliveryAddressNeeded(ApplicationError):
    code = "delivery-address-needed"
    title = _("A delivery needs a shipping address the zone serves")
    status = 422


class NotARemoteFulfilmentPartner(ApplicationError):
    code = "not-a-remote-fulfilment-partner"
    title = _("This enterprise cannot fulfil orders remotely")
    status = 422


class NoteEmpty(ApplicationError):
    code = "note-empty"
    title = _("The note is empty")
    status = 400


class CustomerHasNoEmail(ApplicationError):
    code = "customer-has-no-email"
    title = _("The customer has no e-mail address")
    status = 409


class NotificationKindUnknown(ValueError):
    """A programming error: no e-mail of this kind exists (NOTIFICATION_SUBJECTS)."""
