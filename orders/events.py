"""One function per kind of order event; each writes a row inside the caller's transaction."""

from typing import Any

from django.utils import timezone

from config import sql
from config.actors import Actor
from orders.models import Order, OrderEvent


def _unsaved(order: Order, actor: Actor, kind: str, **fields: Any) -> OrderEvent:
    # A user name may be longer (150) than the label column (120).
    label = actor.label[: OrderEvent._meta.get_field("actor_label").max_length]
    event = OrderEvent(order=order, kind=kind, actor=actor.user, actor_label=label, **fields)
    event.created_at = timezone.now()
    return event


def _event(order: Order, actor: Actor, kind: str, **fields: Any) -> OrderEvent:
    event = _unsaved(order, actor, kind, **fields)
    event.save(force_insert=True)
    return event


def order_created_event(*, order: Order, actor: Actor, save: bool = True) -> OrderEvent:
    """`save=False`: the event unsaved, for order_events_write to insert with others."""
    return (_event if save else _unsaved)(
        order,
        actor,
        OrderEvent.Kind.CREATED,
        to_status=order.status,
        message=f"Order created in {order.status}",
    )


def order_status_changed_event(
    *,
    order: Order,
    actor: Actor,
    from_status: str,
    to_status: str,
    reason: str = "",
    save: bool = True,
) -> OrderEvent:
    return (_event if save else _unsaved)(
        order,
        actor,
        OrderEvent.Kind.STATUS_CHANGED,
        from_status=from_status,
        to_status=to_status,
        message=reason or f"{from_status} → {to_status}",
    )


def order_event(
    *,
    order: Order,
    actor: Actor,
    kind: str,
    message: str,
    data: dict | None = None,
    save: bool = True,
) -> OrderEvent:
    """Any other event: item and address edits, pricing, payment, stock, notes. `save=False`:
    the event unsaved, for order_events_write to insert with others."""
    return (_event if save else _unsaved)(
        order, actor, kind, message=message[:500], data=data or {}
    )


def order_events_statement(events: list[OrderEvent]) -> sql.Statement | None:
    """The insert of unsaved events (built with save=False) as a statement, for a service to
    run in one round trip with its other writes (config.sql.run); None without events. The
    events are not given their primary keys."""
    if not events:
        return None
    names = [field.attname for field in _EVENT_FIELDS]
    return sql.insert_rows(
        OrderEvent, [{name: getattr(event, name) for name in names} for event in events], names
    )


_EVENT_FIELDS = [field for field in OrderEvent._meta.concrete_fields if not field.primary_key]


def order_events_write(events: list[OrderEvent]) -> None:
    """Insert unsaved events (built with save=False) in one statement, whatever their number:
    a change of many items writes its events at once."""
    if events:
        OrderEvent.objects.bulk_create(events)
