"""One function per kind of order event; each writes a row inside the caller's transaction."""

import functools
import json
from typing import Any

from django.db import connection
from django.utils import timezone

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
    values = [getattr(event, field.attname) for field in _insert_fields()]
    values[-1] = json.dumps(values[-1])  # data: the JSON field's own encoding (no encoder)
    with connection.cursor() as cursor:
        # Plain SQL: every checkout writes several events, and Model.save() costs several
        # times this insert in Python (the instance is only returned).
        cursor.execute(_insert_sql(), values)
        (event.pk,) = cursor.fetchone()
    event._state.adding = False
    return event


@functools.cache
def _insert_fields() -> list:
    """OrderEvent's concrete fields but the id, `data` last."""
    fields = [f for f in OrderEvent._meta.concrete_fields if not f.primary_key]
    return sorted(fields, key=lambda field: field.name == "data")


@functools.cache
def _insert_sql() -> str:
    quote = connection.ops.quote_name
    fields = _insert_fields()
    return (
        f"INSERT INTO {quote(OrderEvent._meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * (len(fields) - 1))}, %s::jsonb) RETURNING id"
    )


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


def order_events_write(events: list[OrderEvent]) -> None:
    """Insert unsaved events (built with save=False) in one statement, whatever their number:
    a change of many items writes its events at once."""
    if events:
        OrderEvent.objects.bulk_create(events)
