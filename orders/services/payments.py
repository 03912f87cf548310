"""Paying the trader, and nobody else: the service that places a submitted cart with the
outcome of its payment, and staff's answer to a payment under review. The providers are in
orders/services/payment_providers.py; what follows a placement (re-authorize, capture, void,
refund, payment received) in orders/services/payment_operations.py.
"""

from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from config import sql
from config.actors import Actor
from inventory.services.reservations import (
    reservations_make_firm,
    reservations_make_firm_statement,
)
from orders.events import (
    EventText,
    event_text_render,
    order_event,
    order_events_statement,
    order_events_write,
)
from orders.exceptions import (
    CartNotSubmitted,
    CheckoutExpired,
    OrderNotEditable,
    PaymentDeclined,
    PaymentNotInReview,
)
from orders.models import Order, OrderEvent, OrderItem, PaymentStatus, PaymentTransaction
from orders.producer_orders.services import (
    producer_orders_refresh_write,
    producer_orders_request_refresh,
)
from orders.selectors import cart_item_rows_beside
from orders.services.approval_rules import (
    approval_reasons_from,
    approval_rule_statement,
    order_approval_wait,
)
from orders.services.checkout import Authorize, check_session_open, order_and_session_lock
from orders.services.notifications import customer_notification_request
from orders.services.payment_operations import payment_record
from orders.services.payment_providers import (  # noqa: F401 - the payment API, in one place
    PaymentOutcome,
    PaymentProvider,
    PaymentResult,
    payment_provider_get,
    payment_providers,
)
from orders.services.status import (
    StatusMove,
    order_lock,
    order_status_move,
    order_status_move_writes,
)
from orders.status_labels import order_status_quoted
from orders.statuses import InventoryStatus
from orders.statuses import OrderStatus as S

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


def _items_state(order_id: int) -> dict:
    """How many of the order's items hold an expired reservation, and how many wait on
    backorder. One query."""
    rows = sql.run(_items_state_statement(order_id, timezone.now()))
    expired, backordered = rows[0] if rows else (0, 0)
    return {"expired": expired, "backordered": backordered}


@sql.once
def _items_state_statement(order_id: int, now) -> sql.Statement | None:
    # Compiled once (config.sql.once): run by every payment; built on each call the ORM's
    # aggregate took 5.2 ms against 1.6 ms for the hand-written one it replaces, 2.0 ms
    # compiled once (docs/performance.md, "One SQL mechanism").
    return sql.select(
        OrderItem.objects.filter(order_id=order_id)
        .order_by()
        .values("order_id")
        .annotate(
            expired=Count("pk", filter=Q(reservation__expires_at__lte=now)),
            backordered=Count("pk", filter=Q(inventory_status=InventoryStatus.BACKORDERED)),
        )
        .values_list("expired", "backordered")
    )


class PaidOrder(NamedTuple):
    """What order_pay_written did: the order, and its items as the storefront shows them
    (orders.selectors.cart_item_rows) after the payment's writes, without reading them again."""

    order: Order
    items: list[dict]


def order_pay(
    *,
    order_id: int,
    method: str,
    actor: Actor,
    details: dict | None = None,
    authorize: Authorize | None = None,
) -> Order:
    """order_pay_written's order."""
    return order_pay_written(
        order_id=order_id, method=method, actor=actor, details=details, authorize=authorize
    ).order


# durable: the storefront's own transaction, never nested (no savepoint); what it returns is
# committed.
@transaction.atomic(durable=True)
def order_pay_written(
    *,
    order_id: int,
    method: str,
    actor: Actor,
    details: dict | None = None,
    authorize: Authorize | None = None,
) -> PaidOrder:
    """Pay a submitted cart with the trader, and so place it.

    Locks the order (and its session FOR SHARE); the session must still be open and the
    cart submitted with unexpired reservations. An order the trader's approval rule catches
    (orders/services/approval.py) goes P → W with its payment method and card on file kept,
    nothing authorized yet. Otherwise the provider's outcome moves the order through the one
    door (`order_status_move`, under this lock): pay later → I; authorized → M → C; review →
    M → A; an order with backordered items → B. The payment fields are written with the
    first move and the authorization recorded (`PaymentTransaction`, with its event). The
    reservations become firm and the producer orders are asked to follow after commit. A
    declined payment raises PaymentDeclined (402) and writes nothing: the cart stays as it
    was. `authorize` (the caller's check of who may act) runs on the locked order first.
    """
    provider = payment_provider_get(method)
    order = order_and_session_lock(order_id=order_id)
    if authorize is not None:
        authorize(order)
    if order.status != S.PENDING:
        raise OrderNotEditable(
            gettext("Order %(number)s is %(status)s: it was placed already.")
            % {"number": order.number, "status": order_status_quoted(order.status)}
        )
    check_session_open(order)
    if order.checked_out_at is None:
        raise CartNotSubmitted(
            gettext("Order %(number)s must be submitted before it is paid.")
            % {"number": order.number}
        )
    # Read after the lock (not as sub-selects of the locking query, whose snapshot may predate
    # a submit that held the lock meanwhile): the items, which the answer shows too, and the
    # approval rule's row, in one query.
    now = timezone.now()
    items, rule = cart_item_rows_beside(order_id=order.pk, other=approval_rule_statement(order))
    expiries = [row["reservation_expires_at"] for row in items]
    if any(expires_at is not None and expires_at <= now for expires_at in expiries):
        raise CheckoutExpired(
            gettext("The reservations of order %(number)s expired.") % {"number": order.number}
        )
    backordered = any(row["inventory_status"] == InventoryStatus.BACKORDERED for row in items)

    reasons = approval_reasons_from(order, rule)
    if reasons:
        reference = provider.tokenize(order=order, details=details or {})
        order_approval_wait(
            order=order, method=method, reference=reference, reasons=reasons, actor=actor
        )
        reservations_make_firm(order_id=order.pk)
        producer_orders_request_refresh(order=order)
    else:
        events: list[OrderEvent] = []
        moves: list[StatusMove] = []
        order_payment_place(
            order=order,
            provider=provider,
            details=details or {},
            backordered=backordered,
            actor=actor,
            events=events,
            moves=moves,
        )
        # The move a pay-later payment leaves to us (its order and items), the moves' and
        # the payment's events, the firm reservations and the producer orders' work request
        # (the outbox row; its task queued after commit): one round trip. The order is in a
        # session (the lock's query requires one), so a refresh is owed.
        refresh = producer_orders_refresh_write(order=order)
        if refresh is None:
            raise AssertionError("an order in a session owes a producer orders refresh")
        *versions, request_id = sql.run_joined(
            *(move.items for move in moves),
            order_events_statement(events),
            reservations_make_firm_statement(order.pk),
            returning=[*(move.order for move in moves), refresh.statement],
        )
        if versions:
            (order.version,) = versions
        refresh.queue(request_id)
    customer_notification_request(order_id=order.pk, kind="confirmation")
    # The items as the writes left them: they follow the order's status, and their
    # reservations are firm (no expiry).
    for row in items:
        row["status"] = order.status
        row["reservation_expires_at"] = None
    return PaidOrder(order, items)


def order_payment_place(
    *,
    order: Order,
    provider: PaymentProvider,
    details: dict,
    backordered: bool,
    actor: Actor,
    events: list[OrderEvent] | None = None,
    moves: list[StatusMove] | None = None,
) -> Order:
    """Authorize the order's total and move it along the outcome's path (P or W → …), in the
    caller's transaction with the order locked. A decline raises PaymentDeclined before
    anything is written. `events`: a list the moves' and a pay-later payment's events are
    appended to unsaved, for the caller to write with its other writes. `moves` (with
    `events`): a list a pay-later payment's one move (→ I, or → B) is appended to unrun
    (orders.services.status.order_status_move_writes), for the caller to run with its other
    writes and set the order's version from; the other outcomes' moves run here."""
    result = provider.authorize(order=order, amount=order.grand_total, details=details)
    if result.outcome == PaymentOutcome.DECLINED:
        raise PaymentDeclined(
            event_text_render(result.message), extra={"payment_method": provider.code}
        )
    payment: dict[str, object] = {
        "payment_method": provider.code,
        "payment_reference": result.reference,
        "payment_status": PAYMENT_STATUS[result.outcome],
    }
    if result.outcome == PaymentOutcome.AUTHORIZED:
        payment["amount_authorized"] = order.grand_total
    path = _status_path(result.outcome, backordered)
    if result.outcome == PaymentOutcome.DEFERRED and moves is not None and events is not None:
        (to_status,) = path  # pay later: one move, nothing authorized to record after it
        moves.append(
            order_status_move_writes(
                order=order,
                to_status=to_status,
                actor=actor,
                reason=result.message,
                also=payment,
                events=events,
            )
        )
        path = []
    also: dict[str, object] | None = payment  # written with the first move only
    for to_status in path:
        order = order_status_move(
            order=order,
            to_status=to_status,
            actor=actor,
            reason=result.message,
            also=also,
            events=events,
        )
        also = None
    if result.outcome == PaymentOutcome.DEFERRED:
        # Nothing is held for a pay-later order: an event, no payment transaction.
        event = order_event(
            order=order,
            actor=actor,
            kind=OrderEvent.Kind.PAYMENT,
            message=result.message,
            data={"method": provider.code, "outcome": result.outcome.value,
                  "reference": result.reference},
            save=events is None,
        )  # fmt: skip
        if events is not None:
            events.append(event)
    else:
        order_events_write(events or [])  # before the payment's own, in order
        if events:
            events.clear()
        payment_record(
            order=order,
            kind=PaymentTransaction.Kind.AUTHORIZE,
            amount=order.grand_total,
            actor=actor,
            result=result,
        )
    return order


def order_has_backorders(order_id: int) -> bool:
    return OrderItem.objects.filter(
        order_id=order_id, inventory_status=InventoryStatus.BACKORDERED
    ).exists()


@transaction.atomic
def order_payment_review_accept(*, order_id: int, actor: Actor) -> Order:
    """Staff accept a payment that needed review: A → C, or A → B when items wait on
    backorder. The payment counts as authorized for the order's total."""
    order = order_lock(order_id=order_id)
    if order.status != S.PAYMENT_REVIEW:
        raise PaymentNotInReview(
            gettext("Order %(number)s is %(status)s, not waiting for payment review.")
            % {"number": order.number, "status": order_status_quoted(order.status)}
        )
    order = order_status_move(
        order=order,
        to_status=S.BACKORDERED if order_has_backorders(order.pk) else S.COMPLETE,
        actor=actor,
        reason=EventText(gettext_noop("Payment review accepted")),
        also={
            "payment_status": PaymentStatus.AUTHORIZED,
            "amount_authorized": order.grand_total,
        },
    )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.PAYMENT,
        message=EventText(gettext_noop("Payment review accepted")),
        data={"outcome": PaymentOutcome.AUTHORIZED.value},
    )
    producer_orders_request_refresh(order=order)
    return order


@transaction.atomic
def order_payment_review_decline(*, order_id: int, actor: Actor, reason: str) -> Order:
    """Staff decline a payment under review: the order is cancelled (A → X) with the reason,
    through the cancellation service (authorization voided, stock released, producer orders
    updated)."""
    from orders.services.cancellation import order_cancel

    order = order_lock(order_id=order_id)
    if order.status != S.PAYMENT_REVIEW:
        raise PaymentNotInReview(
            gettext("Order %(number)s is %(status)s, not waiting for payment review.")
            % {"number": order.number, "status": order_status_quoted(order.status)}
        )
    return order_cancel(
        order_id=order.pk,
        actor=actor,
        reason=EventText(gettext_noop("Payment review declined: %(reason)s"), {"reason": reason}),
    )
