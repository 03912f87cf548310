"""Allocating backordered items when stock arrives: B → M → C for a card (re-authorized
for any amount the total grew by), B → C for a pay-later order."""

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from inventory.exceptions import InsufficientStock
from inventory.services.reservations import Allocation, item_stock_request, stock_reserve
from orders.events import EventText, order_event
from orders.exceptions import BackordersStillShort
from orders.models import Order, OrderEvent, OrderItem, PaymentStatus
from orders.producer_orders.services import producer_orders_request_refresh
from orders.services.payment_operations import payment_cover_total
from orders.services.status import order_lock, order_status_move
from orders.statuses import InventoryStatus
from orders.statuses import OrderStatus as S


@transaction.atomic
def order_backorders_allocate(*, order_id: int, actor: Actor) -> bool:
    """Try to reserve every backordered item of an order in B, all or nothing.

    On success the items are allocated; a card order moves B → M, its payment is
    re-authorized for what the total grew by (orders.services.payment_operations.
    payment_cover_total) and it moves M → C, or stays in M marked "payment due" when the
    provider declines; a pay-later order moves B → C. The producer orders are asked to
    follow. Returns False, writing nothing, when the order is not in B or stock is still short.
    """
    order = order_lock(order_id=order_id)
    if order.status != S.BACKORDERED:
        return False
    items = list(
        OrderItem.objects.filter(order_id=order.pk, inventory_status=InventoryStatus.BACKORDERED)
        .select_related("offer")
        .order_by("pk")
    )
    try:
        allocations = stock_reserve(
            requests=[item_stock_request(item, allow_backorder=False) for item in items],
            expires_at=None,
        )
    except InsufficientStock:
        return False  # stock_reserve decides before it writes: nothing to undo
    for item in items:
        item.inventory_status = InventoryStatus.ALLOCATED
        item.inventory_unknown = allocations[item.pk] == Allocation.UNKNOWN
    OrderItem.objects.bulk_update(items, ["inventory_status", "inventory_unknown"])
    if order.payment_status in (PaymentStatus.AUTHORIZED, PaymentStatus.DUE):
        # A card: payment initiated again (B → M), the total re-authorized where it grew,
        # complete once covered (M → C); a declined re-authorization leaves it in M, due.
        order = order_status_move(
            order=order,
            to_status=S.PAYMENT_INITIATED,
            actor=actor,
            reason=EventText(gettext_noop("Backorder allocated: payment re-authorization")),
        )
        if payment_cover_total(order=order, actor=actor):
            order = order_status_move(
                order=order,
                to_status=S.COMPLETE,
                actor=actor,
                reason=EventText(gettext_noop("Payment re-authorized")),
            )
    else:
        # Pay later: the whole order is allocated; the payment is collected as agreed.
        order = order_status_move(
            order=order,
            to_status=S.COMPLETE,
            actor=actor,
            reason=EventText(gettext_noop("Backorder allocated")),
        )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.STOCK,
        message=EventText(
            gettext_noop("Backorder allocated: %(count)s item(s)"), {"count": len(items)}
        ),
        data={"items": [item.pk for item in items]},
    )
    producer_orders_request_refresh(order=order)
    return True


def backorders_allocate(*, actor: Actor, product_ids=None) -> list[int]:
    """Offer new stock to backordered orders, oldest placed first, each in its own
    transaction. Returns the ids of the orders allocated."""
    waiting = OrderItem.objects.filter(
        order__status=S.BACKORDERED, inventory_status=InventoryStatus.BACKORDERED
    )
    if product_ids is not None:
        waiting = waiting.filter(product_id__in=list(product_ids))
    order_ids = list(
        Order.objects.filter(pk__in=waiting.values("order_id"))
        .order_by("placed_at", "pk")
        .values_list("pk", flat=True)
    )
    return [
        order_id
        for order_id in order_ids
        if order_backorders_allocate(order_id=order_id, actor=actor)
    ]


@transaction.atomic
def order_backorders_allocate_now(*, order_id: int, actor: Actor) -> Order:
    """Staff ask to allocate an order's backorders now; BackordersStillShort when stock is
    still short (nothing written). See `order_backorders_allocate`."""
    if not order_backorders_allocate(order_id=order_id, actor=actor):
        order = Order.objects.get(pk=order_id)
        raise BackordersStillShort(
            gettext("Order %(number)s's backordered items are still short.")
            % {"number": order.number}
        )
    return Order.objects.get(pk=order_id)
