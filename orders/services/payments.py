"""Paying the trader, and nobody else: payment providers behind one interface, and the
service that places a submitted cart with the outcome of its payment.

Built-in providers (LARDER_PAYMENT_PROVIDERS chooses which are offered):
- `pickup` and `invoice`: the customer pays later; the order is submitted, not paid (I);
- `test_card`: a card provider for tests and demos; 4242 4242 4242 4242 authorizes (M → C),
  4000 0000 0000 0127 asks for review (M → A), any other valid number is declined.
"""

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import TextChoices
from django.utils import timezone

from config.actors import Actor
from inventory.services.reservations import reservations_make_firm
from orders.events import order_event
from orders.exceptions import (
    CartNotSubmitted,
    CheckoutExpired,
    InvalidPaymentDetails,
    OrderNotEditable,
    PaymentDeclined,
    PaymentNotInReview,
    UnknownPaymentMethod,
)
from orders.models import Order, OrderEvent, OrderItem, PaymentStatus
from orders.services.checkout import check_session_open, order_and_session_lock
from orders.services.producer_orders import producer_orders_request_refresh
from orders.services.status import order_lock, order_status_change, order_status_move
from orders.statuses import InventoryStatus
from orders.statuses import OrderStatus as S


class PaymentOutcome(TextChoices):
    AUTHORIZED = "authorized", "authorized"
    REVIEW = "review", "needs review"
    DECLINED = "declined", "declined"
    DEFERRED = "deferred", "paid later (pickup, invoice)"


@dataclass(frozen=True)
class PaymentResult:
    outcome: PaymentOutcome
    reference: str
    message: str


class PaymentProvider(Protocol):
    code: str
    label: str

    def authorize(self, *, order: Order, details: dict) -> PaymentResult: ...


class PayLaterProvider:
    """Pay at pickup or on invoice: nothing to authorize now."""

    def __init__(self, code: str, label: str) -> None:
        self.code = code
        self.label = label

    def authorize(self, *, order: Order, details: dict) -> PaymentResult:
        return PaymentResult(
            outcome=PaymentOutcome.DEFERRED,
            reference=f"{self.code}-{order.number}",
            message=f"{self.label}: {order.grand_total} {order.currency} due",
        )


def _luhn_valid(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


class TestCardProvider:
    """A card provider that needs no network: the card number decides the outcome."""

    code = "test_card"
    label = "Test card"
    OUTCOMES = {
        "4242424242424242": PaymentOutcome.AUTHORIZED,
        "4000000000000127": PaymentOutcome.REVIEW,
    }

    def authorize(self, *, order: Order, details: dict) -> PaymentResult:
        number = str(details.get("card_number", "")).replace(" ", "").replace("-", "")
        if not (number.isdigit() and 12 <= len(number) <= 19 and _luhn_valid(number)):
            raise InvalidPaymentDetails("A card number of 12 to 19 digits (Luhn) is required.")
        outcome = self.OUTCOMES.get(number, PaymentOutcome.DECLINED)
        return PaymentResult(
            outcome=outcome,
            reference=f"tc-{order.number}-{number[-4:]}",
            message=f"Card ending {number[-4:]}: {outcome.label}",
        )


BUILT_IN_PROVIDERS: dict[str, PaymentProvider] = {
    provider.code: provider
    for provider in (
        PayLaterProvider("pickup", "Pay at pickup"),
        PayLaterProvider("invoice", "Pay by invoice"),
        TestCardProvider(),
    )
}


def payment_providers() -> dict[str, PaymentProvider]:
    """The providers this instance offers, by code (setting LARDER_PAYMENT_PROVIDERS)."""
    return {code: BUILT_IN_PROVIDERS[code] for code in settings.LARDER_PAYMENT_PROVIDERS}


def payment_provider_get(code: str) -> PaymentProvider:
    provider = payment_providers().get(code)
    if provider is None:
        raise UnknownPaymentMethod(
            f"Payment method {code!r} is not offered; choose one of "
            f"{', '.join(payment_providers())}."
        )
    return provider


PAYMENT_STATUS = {
    PaymentOutcome.AUTHORIZED: PaymentStatus.AUTHORIZED,
    PaymentOutcome.REVIEW: PaymentStatus.REVIEW,
    PaymentOutcome.DEFERRED: PaymentStatus.DEFERRED,
}


def _status_path(outcome: PaymentOutcome, backordered: bool) -> list[str]:
    """The moves of the status table (orders/statuses.py) a payment outcome takes."""
    if outcome == PaymentOutcome.REVIEW:
        return [S.PAYMENT_INITIATED, S.PAYMENT_REVIEW]
    if backordered:
        return [S.BACKORDERED]
    if outcome == PaymentOutcome.DEFERRED:
        return [S.SUBMITTED]
    return [S.PAYMENT_INITIATED, S.COMPLETE]


# Plain SQL: the ORM takes longer to build this aggregate over a join than PostgreSQL takes
# to run it, on every payment.
_ITEMS_STATE_SQL = """
    SELECT count(*) FILTER (WHERE r.expires_at <= %s),
           count(*) FILTER (WHERE i.inventory_status = %s)
    FROM orders_orderitem i LEFT JOIN inventory_reservation r ON r.order_item_id = i.id
    WHERE i.order_id = %s
"""


def _items_state(order_id: int) -> dict:
    """How many of the order's items hold an expired reservation, and how many wait on
    backorder."""
    with connection.cursor() as cursor:
        cursor.execute(
            _ITEMS_STATE_SQL, [timezone.now(), InventoryStatus.BACKORDERED.value, order_id]
        )
        expired, backordered = cursor.fetchone()
    return {"expired": expired, "backordered": backordered}


# durable: the storefront's own transaction, never nested (no savepoint); what it returns is
# committed.
@transaction.atomic(durable=True)
def order_pay(*, order_id: int, method: str, actor: Actor, details: dict | None = None) -> Order:
    """Pay a submitted cart with the trader, and so place it.

    Locks the order (and its session FOR SHARE); the session must still be open and the
    cart submitted with unexpired reservations. The provider's outcome moves the order through
    the one door (`order_status_move`, under this lock): pay later → I; authorized → M → C;
    review → M → A; an order with backordered items → B. The payment fields are written with
    the first move. The reservations become firm, a payment event is written, and the
    producer orders are asked to follow after commit. A declined payment raises
    PaymentDeclined (402) and writes nothing: the cart stays as it was.
    """
    provider = payment_provider_get(method)
    order = order_and_session_lock(order_id=order_id)
    if order.status != S.PENDING:
        raise OrderNotEditable(f"Order {order.number} is {order.status}: it was placed already.")
    check_session_open(order)
    if order.checked_out_at is None:
        raise CartNotSubmitted(f"Order {order.number} must be submitted before it is paid.")
    # Read after the lock (not as sub-selects of the locking query, whose snapshot may predate
    # a submit that held the lock meanwhile).
    state = _items_state(order.pk)
    if state["expired"]:
        raise CheckoutExpired(f"The reservations of order {order.number} expired.")

    result = provider.authorize(order=order, details=details or {})
    if result.outcome == PaymentOutcome.DECLINED:
        raise PaymentDeclined(result.message, extra={"payment_method": method})

    payment = {
        "payment_method": method,
        "payment_reference": result.reference,
        "payment_status": PAYMENT_STATUS[result.outcome],
    }
    for to_status in _status_path(result.outcome, bool(state["backordered"])):
        order = order_status_move(
            order=order, to_status=to_status, actor=actor, reason=result.message, also=payment
        )
        payment = None
    reservations_make_firm(order_id=order.pk)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.PAYMENT,
        message=result.message,
        data={"method": method, "outcome": result.outcome.value, "reference": result.reference},
    )
    producer_orders_request_refresh(order=order)
    return order


@transaction.atomic
def order_payment_review_accept(*, order_id: int, actor: Actor) -> Order:
    """Staff accept a payment that needed review: A → C, or A → B when items wait on
    backorder. The payment counts as authorized."""
    order = order_lock(order_id=order_id)
    if order.status != S.PAYMENT_REVIEW:
        raise PaymentNotInReview(f"Order {order.number} is {order.status}, not in payment review.")
    backordered = OrderItem.objects.filter(
        order_id=order.pk, inventory_status=InventoryStatus.BACKORDERED
    ).exists()
    order = order_status_change(
        order_id=order.pk,
        to_status=S.BACKORDERED if backordered else S.COMPLETE,
        actor=actor,
        reason="Payment review accepted",
    )
    Order.objects.filter(pk=order.pk).update(payment_status=PaymentStatus.AUTHORIZED)
    order.payment_status = PaymentStatus.AUTHORIZED
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.PAYMENT,
        message="Payment review accepted",
        data={"outcome": PaymentOutcome.AUTHORIZED.value},
    )
    producer_orders_request_refresh(order=order)
    return order
