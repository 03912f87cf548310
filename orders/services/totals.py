"""Keeping item prices, sub-orders and order totals consistent with the items."""

from collections import defaultdict
from decimal import Decimal

from discounts.services.pricing import order_items_price
from orders.models import Order, OrderItem, SubOrder
from orders.statuses import OrderStatus

TOTAL_FIELDS = (
    "total_product",
    "total_adjustment",
    "total_shipping",
    "total_tax",
    "total_shipping_tax",
)
ZERO = Decimal("0.00")
# Prices change only while the customer may change the order or a CSR edits it; afterwards
# they are frozen and only re-summed.
PRICING_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.CSR_EDIT})


def order_totals_recompute(*, order: Order) -> Order:
    """Re-price the order's items (in P or E), then rebuild its sub-orders (one per shipping
    address) and its totals from the items. Call it after every item change.

    Runs in the caller's transaction, with the order row already locked. In P or E the pricing
    engine (discounts.services.pricing.order_items_price) rebuilds every item adjustment:
    coupons, discounts, shipping, sales tax, shipping tax, surcharges; in any other status the
    stored item figures are only re-summed. Idempotent. Queries do not grow with the items:
    pricing's (at most nine), the sub-orders, their bulk update and the order's update (12 in
    all); plus, only when an address is new or an item moved, an insert and an update of its
    items per address, and a delete of emptied sub-orders.
    """
    if order.status in PRICING_STATUSES:
        items = order_items_price(order=order)
    else:
        items = list(OrderItem.objects.filter(order_id=order.pk).order_by("pk"))

    by_address: dict[int | None, list[OrderItem]] = defaultdict(list)
    for item in items:
        by_address[item.shipping_address_id].append(item)
    existing = {s.shipping_address_id: s for s in SubOrder.objects.filter(order_id=order.pk)}
    sub_orders = []
    for address_id, group in by_address.items():
        sub_order = existing.pop(address_id, None)
        if sub_order is None:
            sub_order = SubOrder.objects.create(order_id=order.pk, shipping_address_id=address_id)
        for name in TOTAL_FIELDS:
            setattr(sub_order, name, sum((getattr(item, name) for item in group), ZERO))
        sub_order.total_quantity = sum((item.quantity for item in group), ZERO)
        sub_order.item_count = len(group)
        sub_orders.append(sub_order)
        if any(item.sub_order_id != sub_order.pk for item in group):  # a new or moved address
            OrderItem.objects.filter(pk__in=[item.pk for item in group]).update(
                sub_order_id=sub_order.pk
            )
    if sub_orders:
        SubOrder.objects.bulk_update(sub_orders, [*TOTAL_FIELDS, "total_quantity", "item_count"])
    if existing:
        SubOrder.objects.filter(pk__in=[s.pk for s in existing.values()]).delete()

    for name in TOTAL_FIELDS:
        setattr(order, name, sum((getattr(item, name) for item in items), ZERO))
    order.save(update_fields=[*TOTAL_FIELDS, "updated_at"])
    # grand_total is a generated column with this very expression; set it without a re-read.
    order.grand_total = sum((getattr(order, name) for name in TOTAL_FIELDS), ZERO)
    return order
