"""Reads of orders, with the joins each screen needs."""

from collections import defaultdict

from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderEvent, OrderItem, SubOrder


def order_list_qs() -> QuerySet[Order]:
    return Order.objects.select_related("trader", "customer", "sales_session")


def order_detail(*, order_id: int) -> Order:
    """The order with its sub-orders, items (grouped) with their pricing adjustments, its
    order-level adjustments and events, in six queries."""
    items = (
        OrderItem.objects.select_related(
            "producer", "producer_platform", "shipping_mode", "shipping_address"
        )
        .prefetch_related("adjustments")
        .order_by("pk")
    )
    return (
        Order.objects.select_related("trader", "customer", "sales_session", "locked_by")
        .prefetch_related(
            Prefetch("sub_orders", queryset=SubOrder.objects.select_related("shipping_address")),
            Prefetch("items", queryset=items),
            "adjustments",
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
        )
        .get(pk=order_id)
    )


def order_items_by_sub_order(order: Order) -> list[tuple[SubOrder | None, list[OrderItem]]]:
    """Items grouped by their sub-order, from an order loaded by `order_detail`."""
    groups: dict[int | None, list[OrderItem]] = defaultdict(list)
    for item in order.items.all():
        groups[item.sub_order_id].append(item)
    sub_orders = {s.pk: s for s in order.sub_orders.all()}
    return [(sub_orders.get(key), items) for key, items in groups.items()]
