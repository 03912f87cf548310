"""Approval (W / N): a trader's rule holds some orders for approval at submission; users with
the `orders.approve_order` permission approve them (processing goes on: M, B, L or I as
payment and stock decide) or deny them (N: stock released, customer told).

The rule (orders.ApprovalRule, one per trader, and two fields on the customer):
- the order's total is above the trader's `order_total_over`;
- the customer is flagged `needs_approval`;
- the customer's live orders in the session plus this one go above their
  `session_spending_limit`.
"""

from decimal import Decimal

from django.db import connection, transaction
from psycopg.types.json import Jsonb

from config.actors import Actor
from inventory.services.reservations import reservations_release
from orders.events import order_event
from orders.exceptions import OrderNotWaitingApproval
from orders.models import Order, OrderEvent, OrderItem, PaymentStatus
from orders.producer_orders.services import LIVE_ORDER_STATUSES, producer_orders_request_refresh
from orders.services.notices import customer_notice
from orders.services.status import order_lock, order_status_move
from orders.statuses import InventoryStatus
from orders.statuses import OrderStatus as S

# One query: the trader's rule, the customer's flags, and (only when the customer has a
# limit) what their other live orders of the session already total.
_RULE_SQL = """
    SELECT r.order_total_over, c.needs_approval, c.session_spending_limit,
           CASE WHEN c.session_spending_limit IS NULL THEN NULL ELSE (
               SELECT coalesce(sum(o.grand_total), 0) FROM orders_order o
               WHERE o.customer_id = c.id AND o.sales_session_id = %s AND o.id <> %s
                 AND o.status = ANY(%s)
           ) END
    FROM orders_customer c
    LEFT JOIN orders_approvalrule r ON r.trader_id = %s AND r.is_active
    WHERE c.id = %s
"""


def approval_reasons_for(order: Order) -> list[str]:
    """Why the trader's rule holds this order for approval (empty: it does not)."""
    if order.customer_id is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            _RULE_SQL,
            [
                order.sales_session_id,
                order.pk,
                sorted(LIVE_ORDER_STATUSES),
                order.trader_id,
                order.customer_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return []
    threshold, flagged, limit, spent = row
    reasons = []
    if threshold is not None and order.grand_total > threshold:
        reasons.append(
            f"total {order.grand_total} {order.currency} is over {threshold} {order.currency}"
        )
    if flagged:
        reasons.append("the customer's orders need approval")
    if limit is not None and Decimal(spent) + order.grand_total > limit:
        reasons.append(
            f"the customer's orders in this session would total "
            f"{Decimal(spent) + order.grand_total} {order.currency}, over their limit of "
            f"{limit} {order.currency}"
        )
    return reasons


def order_approval_wait(
    *, order: Order, method: str, reference: str, reasons: list[str], actor: Actor
) -> Order:
    """P → W, in the caller's transaction with the order locked: the payment method and the
    card on file are kept (nothing authorized yet), the reasons recorded on the order and in
    an `approval` event."""
    order = order_status_move(
        order=order,
        to_status=S.WAITING_APPROVAL,
        actor=actor,
        reason="Waiting for approval: " + "; ".join(reasons),
        also={
            "payment_method": method,
            "payment_reference": reference,
            "payment_status": PaymentStatus.UNPAID,
            "approval_reasons": Jsonb(reasons),  # the raw UPDATE of order_status_move
        },
    )
    order.approval_reasons = reasons
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.APPROVAL,
        message="Waiting for approval: " + "; ".join(reasons),
        data={"action": "wait", "reasons": reasons},
    )
    return order


def _waiting(order_id: int) -> Order:
    order = order_lock(order_id=order_id)
    if order.status != S.WAITING_APPROVAL:
        raise OrderNotWaitingApproval(
            f"Order {order.number} is {order.status}, not waiting for approval."
        )
    return order


@transaction.atomic
def order_approve(*, order_id: int, actor: Actor, note: str = "") -> Order:
    """Approve an order waiting for approval: processing goes on as at payment.

    The order row is locked (OrderNotWaitingApproval unless in W). The payment is authorized
    with the card on file (orders.services.payments.order_payment_place): W → M → C, W → M →
    A (review), W → B (items backordered) or W → I (pay later). A declined card raises
    PaymentDeclined and writes nothing: the order stays in W. An `approval` event records who
    approved; the producer orders follow after commit."""
    from orders.services.payment_providers import payment_provider_get
    from orders.services.payments import order_has_backorders, order_payment_place

    order = _waiting(order_id)
    provider = payment_provider_get(order.payment_method)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.APPROVAL,
        message=f"Approved by {actor.label}" + (f": {note}" if note else ""),
        data={"action": "approve", "note": note},
    )
    order = order_payment_place(
        order=order,
        provider=provider,
        details={"reference": order.payment_reference},
        backordered=order_has_backorders(order.pk),
        actor=actor,
    )
    producer_orders_request_refresh(order=order)
    return order


@transaction.atomic
def order_deny(*, order_id: int, actor: Actor, reason: str) -> Order:
    """Deny an order waiting for approval (W → N), with a reason.

    The order row is locked (OrderNotWaitingApproval unless in W); every reservation is
    released and the items are no longer allocated; nothing was authorized, so nothing is
    voided. An `approval` event records who denied and why, the customer is told
    (orders.services.notices.customer_notice), and the producer orders drop the lines after
    commit."""
    order = _waiting(order_id)
    reason = (reason or "").strip() or "Approval denied"
    order = order_status_move(order=order, to_status=S.APPROVAL_DENIED, actor=actor, reason=reason)
    released = reservations_release(order_id=order.pk)
    OrderItem.objects.filter(order_id=order.pk).update(
        inventory_status=InventoryStatus.NOT_ALLOCATED
    )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.APPROVAL,
        message=f"Denied by {actor.label}: {reason}; {len(released)} reservation(s) released",
        data={"action": "deny", "reason": reason, "released": len(released)},
    )
    customer_notice(order=order, actor=actor, notice="approval_denied", message=reason)
    producer_orders_request_refresh(order=order)
    return order
