"""The life of a payment after checkout: re-authorize, capture, void, refund, and payment
received by hand for pay-later orders. Every call to a provider is recorded as a
`PaymentTransaction` (amount, outcome, reference, reason) beside an order event.

The helpers taking an `order` run inside the caller's transaction with the order row locked
(`order_lock`); the services taking an `order_id` lock it themselves.
"""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from orders.events import EventText, event_text_fields, order_event
from orders.exceptions import PaymentNotCapturable, PaymentNotReceivable, RefundNotPossible
from orders.models import Order, OrderEvent, PaymentStatus, PaymentTransaction
from orders.services.payment_providers import (
    PaymentOutcome,
    PaymentResult,
    order_holds_card,
    order_provider,
)
from orders.services.status import order_lock, order_status_move
from orders.status_labels import order_status_quoted
from orders.statuses import OrderStatus as S

ZERO = Decimal("0.00")
# Where a card payment still holds the customer's money, to be captured or voided.
HOLDING = frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.REVIEW, PaymentStatus.DUE})
PAY_LATER_OPEN = frozenset({PaymentStatus.DEFERRED, PaymentStatus.DUE})


TRANSACTION_OUTCOME = {
    PaymentOutcome.AUTHORIZED: PaymentTransaction.Outcome.SUCCEEDED,
    PaymentOutcome.CAPTURED: PaymentTransaction.Outcome.SUCCEEDED,
    PaymentOutcome.VOIDED: PaymentTransaction.Outcome.SUCCEEDED,
    PaymentOutcome.REFUNDED: PaymentTransaction.Outcome.SUCCEEDED,
    PaymentOutcome.DEFERRED: PaymentTransaction.Outcome.SUCCEEDED,
    PaymentOutcome.REVIEW: PaymentTransaction.Outcome.REVIEW,
    PaymentOutcome.DECLINED: PaymentTransaction.Outcome.FAILED,
    PaymentOutcome.FAILED: PaymentTransaction.Outcome.FAILED,
}


def payment_record(
    *,
    order: Order,
    kind: str,
    amount: Decimal,
    actor: Actor,
    result: PaymentResult | None = None,
    reason: str = "",
    message: "str | EventText" = "",
) -> PaymentTransaction:
    """One row of the order's payment history and its event, in the caller's transaction.
    Both keep the message in English and, for an EventText, its id and parameters: shown in
    the reader's language (orders.events.row_text)."""
    outcome = (
        TRANSACTION_OUTCOME[result.outcome] if result else PaymentTransaction.Outcome.SUCCEEDED
    )
    message = message or (result.message if result else "")
    record = PaymentTransaction.objects.create(
        order=order,
        kind=kind,
        outcome=outcome,
        amount=amount,
        currency=order.currency,
        method=order.payment_method,
        reference=(result.reference if result else order.payment_reference)[:120],
        reason=reason[:500],
        **event_text_fields(message),
        actor_label=actor.label,
    )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.PAYMENT,
        message=message
        or EventText(
            gettext_noop("%(kind)s: %(amount)s %(currency)s"),
            {
                "kind": EventText.of(PaymentTransaction.Kind(kind).label),
                "amount": amount,
                "currency": order.currency,
            },
        ),
        data={
            "transaction": record.pk,
            "kind": kind,
            "outcome": result.outcome.value if result else outcome,
            "method": order.payment_method,
            "reference": record.reference,
            "amount": str(amount),
            **({"reason": reason} if reason else {}),
        },
    )
    return record


def _set(order: Order, **fields) -> None:
    Order.objects.filter(pk=order.pk).update(**fields)
    for name, value in fields.items():
        setattr(order, name, value)


def payment_cover_total(*, order: Order, actor: Actor) -> bool:
    """Make the payment cover the order's total after it grew (an edit's commit, a backorder
    allocation, a short item resolved), in the caller's transaction with the order locked.

    A card authorized for less than the total is re-authorized for the difference: on
    success the authorized amount grows and the payment is authorized; on a decline the
    payment is marked "payment due" with an event saying how much is missing. A pay-later
    order owes the new total on its invoice (nothing to authorize). Returns True when the
    total is covered (or owed by a pay-later method)."""
    if order.payment_status not in (PaymentStatus.AUTHORIZED, PaymentStatus.DUE):
        return order.payment_status in (PaymentStatus.DEFERRED, PaymentStatus.PAID)
    missing = order.grand_total - order.amount_authorized
    if missing <= ZERO:
        if order.payment_status == PaymentStatus.DUE:
            _set(order, payment_status=PaymentStatus.AUTHORIZED)
        return True
    provider = order_provider(order)
    result = provider.reauthorize(order=order, amount=missing, reference=order.payment_reference)
    payment_record(
        order=order, kind=PaymentTransaction.Kind.REAUTHORIZE, amount=missing, actor=actor,
        result=result,
    )  # fmt: skip
    if result.outcome == PaymentOutcome.AUTHORIZED:
        _set(
            order,
            amount_authorized=order.amount_authorized + missing,
            payment_status=PaymentStatus.AUTHORIZED,
        )
        return True
    _set(order, payment_status=PaymentStatus.DUE)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.PAYMENT,
        message=EventText(
            gettext_noop(
                "Payment due: %(missing)s %(currency)s more than the %(authorized)s "
                "%(currency)s authorized (%(answer)s)"
            ),
            {
                "missing": missing,
                "currency": order.currency,
                "authorized": order.amount_authorized,
                "answer": result.message,
            },
        ),
        data={"payment_due": str(missing)},
    )
    return False


def payment_void(*, order: Order, actor: Actor, reason: str) -> None:
    """Release what a card payment still holds (the order is cancelled), in the caller's
    transaction: the provider voids, a `void` transaction is recorded, the payment is
    voided. Nothing to do for pay-later methods or an unpaid order."""
    if order.payment_status not in HOLDING:
        return
    if not order_holds_card(order):
        _set(order, payment_status=PaymentStatus.VOIDED)
        return
    provider = order_provider(order)
    result = provider.void(order=order, reference=order.payment_reference)
    payment_record(
        order=order,
        kind=PaymentTransaction.Kind.VOID,
        amount=order.amount_authorized,
        actor=actor,
        result=result,
        reason=reason,
    )
    _set(order, payment_status=PaymentStatus.VOIDED, amount_authorized=ZERO)


def payment_capture(*, order: Order, actor: Actor) -> bool:
    """Capture the order's total on the card (the order is shipped), in the caller's
    transaction with the order locked: S → D on success, through the one door. A total
    below what was authorized (a reduced order) captures only the total and releases the
    rest. A failed capture keeps the order in S, marks the payment "capture failed" and
    records the attempt; returns False."""
    if order.status != S.SHIPPED:
        raise PaymentNotCapturable(
            gettext("Order %(number)s is %(status)s: ship it first.")
            % {"number": order.number, "status": order_status_quoted(order.status)}
        )
    if not order_holds_card(order):
        raise PaymentNotCapturable(
            gettext("Order %(number)s is paid by %(method)s: record the payment received instead.")
            % {"number": order.number, "method": order.payment_method}
        )
    if order.payment_status not in (PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURE_FAILED):
        raise PaymentNotCapturable(
            gettext("The payment of order %(number)s is %(payment)s.")
            % {"number": order.number, "payment": order.get_payment_status_display()}
        )
    amount = order.grand_total
    if amount > order.amount_authorized:
        raise PaymentNotCapturable(
            gettext(
                "Order %(number)s totals %(total)s %(currency)s, more than the %(authorized)s "
                "authorized: re-authorize first."
            )
            % {
                "number": order.number,
                "total": amount,
                "currency": order.currency,
                "authorized": order.amount_authorized,
            }
        )
    result = order_provider(order).capture(
        order=order, amount=amount, reference=order.payment_reference
    )
    released = order.amount_authorized - amount
    message: str | EventText = result.message
    if released and result.outcome == PaymentOutcome.CAPTURED:
        message = EventText(
            gettext_noop("%(answer)s (partial: %(released)s %(currency)s released)"),
            {"answer": result.message, "released": released, "currency": order.currency},
        )
    payment_record(
        order=order,
        kind=PaymentTransaction.Kind.CAPTURE,
        amount=amount,
        actor=actor,
        result=result,
        message=message,
    )
    if result.outcome != PaymentOutcome.CAPTURED:
        _set(order, payment_status=PaymentStatus.CAPTURE_FAILED)
        return False
    order_status_move(
        order=order,
        to_status=S.DEPOSITED,
        actor=actor,
        reason=message,
        also={"payment_status": PaymentStatus.CAPTURED, "amount_captured": amount},
    )
    return True


@transaction.atomic
def order_payment_capture(*, order_id: int, actor: Actor) -> Order:
    """Capture a shipped order's card payment on demand (S → D); see `payment_capture`."""
    order = order_lock(order_id=order_id)
    payment_capture(order=order, actor=actor)
    return order


@transaction.atomic
def order_payment_reauthorize(*, order_id: int, actor: Actor) -> Order:
    """Try again to cover an order marked "payment due" (see `payment_cover_total`); an
    order in M (payment initiated, e.g. after a backorder allocation) moves to C once
    covered."""
    order = order_lock(order_id=order_id)
    if payment_cover_total(order=order, actor=actor) and order.status == S.PAYMENT_INITIATED:
        order_status_move(
            order=order,
            to_status=S.COMPLETE,
            actor=actor,
            reason=EventText(gettext_noop("Payment re-authorized")),
        )
    return order


@transaction.atomic
def order_payment_receive(
    *, order_id: int, actor: Actor, reference: str = "", note: str = ""
) -> Order:
    """Staff record that a pay-later (pickup, invoice) order's total was received.

    The order row is locked; the payment becomes paid for the order's total (a `received`
    transaction with the reference given) and the order moves on through the one door:
    I → C (submitted, now paid) or S → D (shipped, now paid: deposited). Card payments and
    orders already paid raise PaymentNotReceivable, writing nothing."""
    order = order_lock(order_id=order_id)
    if order_holds_card(order) or order.payment_status not in PAY_LATER_OPEN:
        raise PaymentNotReceivable(
            gettext("Order %(number)s (%(method)s, %(payment)s) takes no payment by hand.")
            % {
                "number": order.number,
                "method": order.payment_method or gettext("no payment method"),
                "payment": order.get_payment_status_display(),
            }
        )
    payment_record(
        order=order,
        kind=PaymentTransaction.Kind.RECEIVED,
        amount=order.grand_total,
        actor=actor,
        reason=note,
        message=EventText(
            gettext_noop("Payment received: %(total)s %(currency)s (ref. %(reference)s)")
            if reference
            else gettext_noop("Payment received: %(total)s %(currency)s"),
            {"total": order.grand_total, "currency": order.currency, "reference": reference},
        ),
    )
    paid = {"payment_status": PaymentStatus.PAID, "amount_captured": order.grand_total}
    after_payment: dict[str, str] = {S.SUBMITTED: S.COMPLETE, S.SHIPPED: S.DEPOSITED}
    to_status = after_payment.get(order.status)
    if to_status:
        order_status_move(
            order=order,
            to_status=to_status,
            actor=actor,
            reason=EventText(gettext_noop("Payment received")),
            also=paid,
        )
    else:
        _set(order, **paid)
    return order


@transaction.atomic
def order_refund(*, order_id: int, actor: Actor, amount: Decimal, reason: str) -> Order:
    """Give back captured (or received) money: a refund record with its amount and reason.

    The order row is locked; `amount` must be > 0 and at most what was captured and not yet
    refunded, and a reason is required (RefundNotPossible otherwise, nothing written). The
    provider refunds, a `refund` transaction is recorded, the refunded amount grows, and a
    payment refunded in full is marked refunded. The order's status does not change."""
    order = order_lock(order_id=order_id)
    reason = (reason or "").strip()
    if not reason:
        raise RefundNotPossible(gettext("A refund needs a reason."))
    amount = Decimal(amount)
    refundable = order.amount_captured - order.amount_refunded
    if not ZERO < amount <= refundable:
        raise RefundNotPossible(
            gettext(
                "Order %(number)s can be refunded between 0.01 and %(refundable)s %(currency)s; "
                "%(amount)s was asked."
            )
            % {
                "number": order.number,
                "refundable": refundable,
                "currency": order.currency,
                "amount": amount,
            }
        )
    provider = order_provider(order)
    result = provider.refund(order=order, amount=amount, reference=order.payment_reference)
    payment_record(
        order=order,
        kind=PaymentTransaction.Kind.REFUND,
        amount=amount,
        actor=actor,
        result=result,
        reason=reason,
    )
    refunded = order.amount_refunded + amount
    fields = {"amount_refunded": refunded}
    if refunded == order.amount_captured:
        fields["payment_status"] = PaymentStatus.REFUNDED
    _set(order, **fields)
    return order


@transaction.atomic
def order_pay_later_confirm(*, order_id: int, actor: Actor) -> Order:
    """Confirm a pay-later order for fulfilment before its payment arrives (I → C): the
    customer pays at pickup or on the invoice, and staff record it when received. Card
    payments and orders already paid raise PaymentNotReceivable, writing nothing."""
    order = order_lock(order_id=order_id)
    if order_holds_card(order) or order.payment_status not in PAY_LATER_OPEN:
        raise PaymentNotReceivable(
            gettext(
                "Order %(number)s (%(payment)s) is not a pay-later order waiting for its payment."
            )
            % {"number": order.number, "payment": order.get_payment_status_display()}
        )
    order_status_move(
        order=order,
        to_status=S.COMPLETE,
        actor=actor,
        reason=EventText(
            gettext_noop("Confirmed; %(total)s %(currency)s to collect (%(method)s)"),
            {
                "total": order.grand_total,
                "currency": order.currency,
                "method": order.payment_method,
            },
        ),
    )
    return order
