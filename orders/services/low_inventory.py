"""Low inventory (L): an allocated or backordered item became unavailable.

Three causes move orders to L, each through `order_items_unavailable`:
- a partner platform refuses a producer order (409/422, out of stock): the outbox's
  delivery handler calls `producer_order_refused`;
- a stock count drops below what orders hold: `stock_count_record` takes the stock back
  from the most recently placed orders first;
- a product is withdrawn: `product_withdraw`.

Customer service resolves an order in L by an edit (change the quantity, substitute another
offer, remove the item: the commit re-reserves and leaves L), by removing the short items
(`orders.services.edit_changes.order_unavailable_items_remove`), by retrying once stock is back
(`order_low_inventory_retry`), or by cancelling the order.
"""

import json
import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from inventory.models import Product, Reservation
from inventory.services.reservations import (
    Allocation,
    item_stock_request,
    reservations_release,
    stock_reserve,
)
from inventory.services.stock import stock_set
from orders.events import EventText, order_event
from orders.exceptions import OrderNotLowInventory
from orders.models import Order, OrderEvent, OrderItem, PaymentStatus, ProducerOrder
from orders.producer_orders.services import producer_orders_request_refresh
from orders.services.notices import customer_notice
from orders.services.payment_operations import payment_cover_total
from orders.services.payment_providers import order_holds_card
from orders.services.status import order_lock, order_status_move
from orders.status_labels import order_status_quoted
from orders.statuses import InventoryStatus
from orders.statuses import OrderStatus as S

logger = logging.getLogger(__name__)

# Placed, not yet released: an item may still become unavailable and the order go to L.
SHORTABLE_STATUSES = frozenset(
    {S.SUBMITTED, S.PAYMENT_INITIATED, S.BACKORDERED, S.COMPLETE, S.LOW_INVENTORY}
)


@transaction.atomic
def order_items_unavailable(*, order_id: int, item_ids, reason: str, actor: Actor) -> Order | None:
    """Mark some of an order's items unavailable and move the order to L.

    The order row is locked. Only orders placed and not yet released (I, M, B, C, or L
    already) are affected; otherwise None is returned and nothing is written. The items'
    reservations are released, they are no longer allocated and carry `unavailable_reason`;
    the order moves to L through the one door, a `stock` event names the short items, the
    customer is told, and the producer orders drop the lines after commit."""
    order = order_lock(order_id=order_id)
    if order.status not in SHORTABLE_STATUSES:
        return None
    items = list(
        OrderItem.objects.filter(order_id=order.pk, pk__in=list(item_ids))
        .exclude(inventory_status=InventoryStatus.FULFILLED)
        .order_by("pk")
    )
    if not items:
        return None
    reservations_release(order_id=order.pk, item_ids=[i.pk for i in items])
    OrderItem.objects.filter(pk__in=[i.pk for i in items]).update(
        inventory_status=InventoryStatus.NOT_ALLOCATED, unavailable_reason=reason[:300]
    )
    names = ", ".join(f"{i.quantity.normalize():f} × {i.product_name}" for i in items)
    if order.status != S.LOW_INVENTORY:
        order = order_status_move(
            order=order,
            to_status=S.LOW_INVENTORY,
            actor=actor,
            reason=EventText(
                gettext_noop("Unavailable: %(items)s (%(reason)s)"),
                {"items": names, "reason": reason},
            ),
        )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.STOCK,
        message=EventText(
            gettext_noop("Items unavailable: %(items)s (%(reason)s)"),
            {"items": names, "reason": reason},
        ),
        data={"unavailable": [i.pk for i in items], "reason": reason},
    )
    customer_notice(
        order=order, actor=actor, notice="items_unavailable", message=f"{names}: {reason}"
    )
    producer_orders_request_refresh(order=order)
    return order


def order_low_inventory_leave(*, order: Order, actor: Actor) -> Order:
    """An order in L none of whose items is short any more goes on (in the caller's
    transaction, order locked): a card payment is re-authorized for what the total grew by
    and the order moves L → C, or L → M marked "payment due" when declined; a pay-later
    order moves L → C."""
    if order.status != S.LOW_INVENTORY:
        return order
    if order_short_items(order).exists():
        return order
    covered = True
    if order_holds_card(order) and order.payment_status in (
        PaymentStatus.AUTHORIZED,
        PaymentStatus.DUE,
    ):
        covered = payment_cover_total(order=order, actor=actor)
    return order_status_move(
        order=order,
        to_status=S.COMPLETE if covered else S.PAYMENT_INITIATED,
        actor=actor,
        reason=EventText(gettext_noop("Low inventory resolved")),
    )


def order_in_low_inventory(order_id: int) -> Order:
    """The order, locked; OrderNotLowInventory unless it is in L."""
    order = order_lock(order_id=order_id)
    if order.status != S.LOW_INVENTORY:
        raise OrderNotLowInventory(
            gettext("Order %(number)s is %(status)s, not %(short)s.")
            % {
                "number": order.number,
                "status": order_status_quoted(order.status),
                "short": order_status_quoted(S.LOW_INVENTORY),
            }
        )
    return order


def order_short_items(order: Order):
    """The order's items that became unavailable, in order."""
    return OrderItem.objects.filter(order_id=order.pk).exclude(unavailable_reason="").order_by("pk")


@transaction.atomic
def order_low_inventory_retry(*, order_id: int, actor: Actor) -> Order:
    """Try to allocate an L order's short items again, all or nothing (InsufficientStock
    lists what is still short, nothing written); on success they are allocated and the order
    leaves L (`order_low_inventory_leave`)."""
    order = order_in_low_inventory(order_id)
    items = list(order_short_items(order).select_related("offer"))
    allocations = stock_reserve(
        requests=[item_stock_request(item, allow_backorder=False) for item in items],
        expires_at=None,
    )
    for item in items:
        item.inventory_status = InventoryStatus.ALLOCATED
        item.inventory_unknown = allocations[item.pk] == Allocation.UNKNOWN
        item.unavailable_reason = ""
    OrderItem.objects.bulk_update(
        items, ["inventory_status", "inventory_unknown", "unavailable_reason"]
    )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.STOCK,
        message=EventText(
            gettext_noop("Short items allocated again: %(items)s"),
            {"items": ", ".join(i.product_name for i in items)},
        ),
        data={"allocated": [i.pk for i in items]},
    )
    order = order_low_inventory_leave(order=order, actor=actor)
    producer_orders_request_refresh(order=order)
    return order


# --- Causes --------------------------------------------------------------------------------


def _refused_product_ids(producer_order: ProducerOrder, body) -> set[int]:
    """The products a partner's refusal names (by our SuppliedProduct or offer @id, or its
    line @id), else every product of the producer order."""
    from platforms.dfc import uris

    lines = list(producer_order.lines.select_related("product__producer__platform"))
    text = json.dumps(body) if body else ""
    named = {
        line.product_id
        for line in lines
        if text
        and (
            uris.supplied_product_uri(line.product) in text
            or (line.remote_id and line.remote_id in text)
        )
    }
    return named or {line.product_id for line in lines}


def producer_order_refused(
    *, producer_order_id: int, status_code: int, body, actor: Actor | None = None
) -> list[int]:
    """A partner platform refused a producer order (409/422: it cannot supply). The live
    customer orders whose items it could not supply (the products its answer names, or every
    product of the producer order) move to L, each in its own transaction. Returns their
    ids."""
    producer_order = (
        ProducerOrder.objects.select_related("producer__platform")
        .filter(pk=producer_order_id)
        .first()
    )
    if producer_order is None:
        return []
    actor = actor or Actor.for_platform(producer_order.producer.platform)
    products = _refused_product_ids(producer_order, body)
    items = OrderItem.objects.filter(
        order__sales_session_id=producer_order.sales_session_id,
        order__status__in=SHORTABLE_STATUSES,
        producer_id=producer_order.producer_id,
        product_id__in=products,
        unavailable_reason="",
    )
    if producer_order.customer_order_id:
        items = items.filter(order_id=producer_order.customer_order_id)
    by_order: dict[int, list[int]] = {}
    for order_id, item_id in items.order_by("order_id", "pk").values_list("order_id", "pk"):
        by_order.setdefault(order_id, []).append(item_id)
    reason = f"{producer_order.producer.name} refused the order (HTTP {status_code})"
    moved = [
        order_id
        for order_id, item_ids in by_order.items()
        if order_items_unavailable(order_id=order_id, item_ids=item_ids, reason=reason, actor=actor)
    ]
    logger.info("producer order %s refused: %s order(s) to L", producer_order_id, len(moved))
    return moved


@transaction.atomic
def stock_count_record(*, product_id: int, on_hand: Decimal, actor: Actor) -> list[int]:
    """Record a stock count. When it is below what orders hold, the most recently placed
    orders give their units back first (their items move to L, named) until what is held
    fits; then the count is set (inventory.services.stock.stock_set). Returns the orders
    moved to L. Runs in one transaction: any failure writes nothing."""
    on_hand = Decimal(on_hand)
    held = Reservation.objects.filter(stock_id=product_id).aggregate(total=Sum("quantity"))[
        "total"
    ] or Decimal(0)
    excess = held - on_hand
    moved = []
    if excess > 0:
        product = Product.objects.get(pk=product_id)
        reason = f"stock of {product.name} counted at {on_hand.normalize():f}"
        reservations = (
            Reservation.objects.filter(stock_id=product_id, expires_at__isnull=True)
            .select_related("order")
            .order_by("-order__placed_at", "-order_id", "-pk")
        )
        for reservation in reservations:
            if excess <= 0:
                break
            if order_items_unavailable(
                order_id=reservation.order_id,
                item_ids=[reservation.order_item_id],
                reason=reason,
                actor=actor,
            ):
                moved.append(reservation.order_id)
                excess -= reservation.quantity
    stock_set(product_id=product_id, on_hand=on_hand)
    return sorted(set(moved))


def product_withdraw_preview(*, product_ids) -> dict[int, int]:
    """Product id → how many placed, unreleased orders a withdrawal would move to L."""
    rows = (
        OrderItem.objects.filter(
            product_id__in=list(product_ids),
            order__status__in=SHORTABLE_STATUSES,
            unavailable_reason="",
        )
        .values("product_id")
        .annotate(orders=Count("order_id", distinct=True))
    )
    return {row["product_id"]: row["orders"] for row in rows}


@transaction.atomic
def product_withdraw(*, product_id: int, actor: Actor, reason: str = "") -> list[int]:
    """Withdraw a product (no longer sold): it is made inactive, and every placed,
    unreleased order holding it moves to L with those items named. Returns those orders."""
    product = Product.objects.select_for_update().get(pk=product_id)
    Product.objects.filter(pk=product.pk).update(is_active=False)
    reason = reason or f"{product.name} was withdrawn"
    by_order: dict[int, list[int]] = {}
    items = OrderItem.objects.filter(
        product_id=product.pk, order__status__in=SHORTABLE_STATUSES, unavailable_reason=""
    ).order_by("order_id", "pk")
    for order_id, item_id in items.values_list("order_id", "pk"):
        by_order.setdefault(order_id, []).append(item_id)
    return [
        order_id
        for order_id, item_ids in by_order.items()
        if order_items_unavailable(order_id=order_id, item_ids=item_ids, reason=reason, actor=actor)
    ]
