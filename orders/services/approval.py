"""Approval (W / N): a trader's rule holds some orders for approval at submission; users with
the `orders.approve_order` permission approve them (processing goes on: M, B, L or I as
payment and stock decide) or deny them (N: stock released, customer told). The rule and the
wait (P → W) are orders/services/approval_rules.py.
"""

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from inventory.services.reservations import reservations_release
from orders.events import EventText, order_event
from orders.exceptions import OrderNotWaitingApproval
from orders.models import Order, OrderEvent, OrderItem
from orders.producer_orders.services import producer_orders_request_refresh
from orders.services.notices import customer_notice
from orders.services.payment_providers import payment_provider_get
from orders.services.payments import order_has_backorders, order_payment_place
from orders.services.status import order_lock, order_status_move
from orders.status_labels import order_status_quoted
from orders.statuses import InventoryStatus
from orders.statuses import OrderStatus as S


def _waiting(order_id: int) -> Order:
    order = order_lock(order_id=order_id)
    if order.status != S.WAITING_APPROVAL:
        raise OrderNotWaitingApproval(
            gettext("Order %(number)s is %(status)s, not waiting for approval.")
            % {"number": order.number, "status": order_status_quoted(order.status)}
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
    order = _waiting(order_id)
    provider = payment_provider_get(order.payment_method)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.APPROVAL,
        message=EventText(
            gettext_noop("Approved by %(agent)s: %(note)s")
            if note
            else gettext_noop("Approved by %(agent)s"),
            {"agent": actor.label, "note": note},
        ),
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
        message=EventText(
            gettext_noop("Denied by %(agent)s: %(reason)s; %(count)s reservation(s) released"),
            {"agent": actor.label, "reason": reason, "count": len(released)},
        ),
        data={"action": "deny", "reason": reason, "released": len(released)},
    )
    customer_notice(order=order, actor=actor, notice="approval_denied", message=reason)
    producer_orders_request_refresh(order=order)
    return order
