"""One function per kind of order event; each writes a row inside the caller's transaction."""

from typing import Any

from config.actors import Actor
from orders.models import Order, OrderEvent


def _event(order: Order, actor: Actor, kind: str, **fields: Any) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order, kind=kind, actor=actor.user, actor_label=actor.label, **fields
    )


def order_created_event(*, order: Order, actor: Actor) -> OrderEvent:
    return _event(
        order,
        actor,
        OrderEvent.Kind.CREATED,
        to_status=order.status,
        message=f"Order created in {order.status}",
    )


def order_status_changed_event(
    *, order: Order, actor: Actor, from_status: str, to_status: str, reason: str = ""
) -> OrderEvent:
    return _event(
        order,
        actor,
        OrderEvent.Kind.STATUS_CHANGED,
        from_status=from_status,
        to_status=to_status,
        message=reason or f"{from_status} → {to_status}",
    )


def order_event(
    *, order: Order, actor: Actor, kind: str, message: str, data: dict | None = None
) -> OrderEvent:
    """Any other event: item and address edits, pricing, payment, stock, notes."""
    return _event(order, actor, kind, message=message[:500], data=data or {})
