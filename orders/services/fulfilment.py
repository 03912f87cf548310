"""Fulfilment: release (C → R) with the pick list, ship (per sub-order, R → S once all is
shipped) and capture at shipment (S → D), through the one door."""

from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from config.exceptions import NotFound
from inventory.services.reservations import reservations_fulfil
from orders.events import EventText, order_event
from orders.exceptions import NothingToShip, PaymentDue
from orders.models import Order, OrderEvent, OrderItem, PaymentStatus
from orders.services.payment_operations import payment_capture
from orders.services.payment_providers import order_holds_card
from orders.services.status import order_lock, order_status_move
from orders.statuses import FulfilmentStatus, InventoryStatus
from orders.statuses import OrderStatus as S


def order_pick_list(order_id: int) -> list[dict]:
    """What to pick for an order, by producer: product, quantity, actual quantity and unit,
    shipping address (sub-order). One query."""
    items = (
        OrderItem.objects.filter(order_id=order_id)
        .select_related("producer", "shipping_address")
        .order_by("producer__name", "product_name", "pk")
    )
    return [
        {
            "item": item.pk,
            "producer": item.producer.name,
            "product": item.product_name,
            "quantity": str(item.quantity.normalize()),
            "actual_quantity": f"{item.actual_quantity.normalize():f} {item.unit_of_measure}",
            "ship_to": str(item.shipping_address) if item.shipping_address else "pickup",
            "sub_order": item.sub_order_id,
        }
        for item in items
    ]


@transaction.atomic
def order_release(*, order_id: int, actor: Actor) -> Order:
    """Release a complete order to fulfilment (C → R) and write its pick list.

    The order row is locked; a card payment marked "payment due" (the total grew beyond what
    was authorized) raises PaymentDue, writing nothing: re-authorize or record the payment
    first. The pick list (by producer: product, quantities with units, where to) is written
    in a `fulfilment` event; `released_at` is stamped with the move."""
    order = order_lock(order_id=order_id)
    if order.status == S.COMPLETE and order.payment_status == PaymentStatus.DUE:
        raise PaymentDue(
            gettext(
                "Order %(number)s totals %(total)s %(currency)s but only %(authorized)s is "
                "authorized: re-authorize the payment first."
            )
            % {
                "number": order.number,
                "total": order.grand_total,
                "currency": order.currency,
                "authorized": order.amount_authorized,
            }
        )
    now = timezone.now()
    order = order_status_move(
        order=order,
        to_status=S.RELEASED,
        actor=actor,
        reason=EventText(gettext_noop("Released to fulfilment")),
        also={"released_at": now},
    )
    pick_list = order_pick_list(order.pk)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.FULFILMENT,
        message=EventText(
            gettext_noop("Released: pick list of %(count)s line(s)"), {"count": len(pick_list)}
        ),
        data={"action": "release", "pick_list": pick_list},
    )
    return order


def session_orders_release(*, session_id: int, actor: Actor) -> dict[str, list[int]]:
    """Release every complete order of a session (its pickup day), each in its own
    transaction; orders whose payment is due stay in C and are listed as skipped."""
    released, skipped = [], []
    order_ids = (
        Order.objects.filter(sales_session_id=session_id, status=S.COMPLETE)
        .order_by("placed_at", "pk")
        .values_list("pk", flat=True)
    )
    for order_id in order_ids:
        try:
            order_release(order_id=order_id, actor=actor)
        except PaymentDue:
            skipped.append(order_id)
        else:
            released.append(order_id)
    return {"released": released, "skipped": skipped}


@transaction.atomic
def order_ship(*, order_id: int, actor: Actor, sub_order_ids=None) -> Order:
    """Mark a released order's items shipped: all of them, or those of `sub_order_ids` (a
    partial shipment, one address at a time).

    The order row is locked (InvalidTransition unless R). The shipped items are fulfilled
    (fulfilment and inventory status, `shipped_at`) and their stock leaves on hand and
    reserved together (inventory.services.reservations.reservations_fulfil); a `fulfilment`
    event names them. Once every item is shipped the order moves R → S, and a card payment is
    captured at once (S → D; a failed capture keeps S, marked "capture failed"). Nothing left
    to ship in the sub-orders given raises NothingToShip, writing nothing."""
    order = order_lock(order_id=order_id)
    if order.status != S.RELEASED:
        from orders.exceptions import InvalidTransition

        raise InvalidTransition(
            order_number=order.number,
            from_status=order.status,
            to_status=S.SHIPPED,
            reason=gettext("only a released order ships"),
        )
    pending = OrderItem.objects.filter(order_id=order.pk).exclude(
        fulfilment_status=FulfilmentStatus.FULFILLED
    )
    if sub_order_ids is not None:
        known = set(order.sub_orders.values_list("pk", flat=True))
        unknown = set(sub_order_ids) - known
        if unknown:
            raise NotFound(
                gettext("Order %(number)s has no sub-order %(sub_orders)s.")
                % {"number": order.number, "sub_orders": sorted(unknown)}
            )
        pending = pending.filter(sub_order_id__in=list(sub_order_ids))
    items = list(pending.order_by("pk"))
    if not items:
        raise NothingToShip(
            gettext("Order %(number)s has nothing left to ship there.") % {"number": order.number}
        )
    now = timezone.now()
    OrderItem.objects.filter(pk__in=[i.pk for i in items]).update(
        fulfilment_status=FulfilmentStatus.FULFILLED,
        inventory_status=InventoryStatus.FULFILLED,
        shipped_at=now,
        updated_at=now,
    )
    reservations_fulfil(order_id=order.pk, item_ids=[i.pk for i in items])
    by_sub_order = defaultdict(list)
    for item in items:
        by_sub_order[item.sub_order_id].append(item.product_name)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.FULFILMENT,
        message=EventText(
            gettext_noop("Shipped: %(items)s"), {"items": ", ".join(i.product_name for i in items)}
        ),
        data={
            "action": "ship",
            "items": [i.pk for i in items],
            "sub_orders": sorted(k for k in by_sub_order if k is not None),
        },
    )
    left = (
        OrderItem.objects.filter(order_id=order.pk)
        .exclude(fulfilment_status=FulfilmentStatus.FULFILLED)
        .exists()
    )
    if left:
        return order
    order = order_status_move(
        order=order,
        to_status=S.SHIPPED,
        actor=actor,
        reason=EventText(gettext_noop("Every item shipped")),
        also={"shipped_at": now},
    )
    if order_holds_card(order) and order.payment_status == PaymentStatus.AUTHORIZED:
        payment_capture(order=order, actor=actor)
    return order
