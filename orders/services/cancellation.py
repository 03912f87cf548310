"""Cancelling a placed customer order (X)."""

from django.db import transaction
from django.utils.translation import gettext_noop

from config.actors import Actor
from inventory.services.reservations import reservations_release
from orders.events import EventText, event_text_fields, order_event
from orders.models import Order, OrderEvent, OrderItem
from orders.producer_orders.services import producer_orders_request_refresh
from orders.services.coupons import order_coupons_release
from orders.services.payment_operations import payment_void
from orders.services.status import order_status_change
from orders.statuses import FulfilmentStatus, InventoryStatus
from orders.statuses import OrderStatus as S


@transaction.atomic
def order_cancel(*, order_id: int, actor: Actor, reason: "str | EventText" = "") -> Order:
    """Cancel an order, by its customer or by staff.

    The move goes through `order_status_change` (locks the order, checks the table: R, S, D,
    X and carts in P cannot be cancelled, InvalidTransition and nothing written). Then every
    reservation of the order is released at once (stock and offer limitations, in lock
    order), its coupon uses are given back, the items are no longer allocated, a card payment
    still holding money is voided with the provider (a `void` transaction), a stock event is
    written, and the producer orders are asked to drop the lines after commit.
    """
    reason = reason or EventText(gettext_noop("Cancelled"))
    order = order_status_change(
        order_id=order_id, to_status=S.CANCELLED, actor=actor, reason=reason
    )
    # An order cancelled under a customer-service edit needs its backup copy no more.
    Order.objects.filter(backup_of_id=order.pk, status=S.TEMPORARY).delete()
    released = reservations_release(order_id=order.pk)
    OrderItem.objects.filter(order_id=order.pk).update(
        inventory_status=InventoryStatus.NOT_ALLOCATED,
        fulfilment_status=FulfilmentStatus.CANCELLED,
    )
    # The payment's record keeps the reason in English, as written.
    payment_void(order=order, actor=actor, reason=event_text_fields(reason)["message"])
    coupons = order_coupons_release(order=order)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.STOCK,
        message=EventText(
            gettext_noop(
                "Cancelled: %(count)s reservation(s) released, coupon use given back (%(coupons)s)"
            )
            if coupons
            else gettext_noop("Cancelled: %(count)s reservation(s) released"),
            {"count": len(released), **({"coupons": ", ".join(coupons)} if coupons else {})},
        ),
        data={
            "released": {str(r.order_item_id): str(r.quantity) for r in released},
            "coupons": coupons,
        },
    )
    producer_orders_request_refresh(order=order)
    return order
