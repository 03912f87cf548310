"""Keeping sub-orders and order totals consistent with the items."""

from decimal import Decimal

from django.db.models import Count, Sum

from orders.models import Order, OrderItem, SubOrder

TOTAL_FIELDS = (
    "total_product",
    "total_adjustment",
    "total_shipping",
    "total_tax",
    "total_shipping_tax",
)
ZERO = Decimal("0.00")


def order_totals_recompute(*, order: Order) -> Order:
    """Rebuild the order's sub-orders (one per shipping address) and its totals from its items.

    Runs in the caller's transaction, with the order row already locked. Queries: one aggregate,
    one fetch of existing sub-orders, one bulk update of items per new sub-order (rare), one
    bulk update of sub-orders, one delete of emptied sub-orders, one update of the order.
    """
    sums = {name: Sum(name) for name in TOTAL_FIELDS}
    rows = list(
        OrderItem.objects.filter(order_id=order.pk)
        .values("shipping_address_id")
        .annotate(total_quantity=Sum("quantity"), item_count=Count("pk"), **sums)
        .order_by("shipping_address_id")
    )
    existing = {s.shipping_address_id: s for s in SubOrder.objects.filter(order_id=order.pk)}
    keep_ids = []
    to_update = []
    for row in rows:
        address_id = row["shipping_address_id"]
        sub_order = existing.get(address_id)
        if sub_order is None:
            sub_order = SubOrder.objects.create(order_id=order.pk, shipping_address_id=address_id)
        for name in TOTAL_FIELDS:
            setattr(sub_order, name, row[name] or ZERO)
        sub_order.total_quantity = row["total_quantity"] or ZERO
        sub_order.item_count = row["item_count"]
        to_update.append(sub_order)
        keep_ids.append(sub_order.pk)
        OrderItem.objects.filter(order_id=order.pk, shipping_address_id=address_id).exclude(
            sub_order_id=sub_order.pk
        ).update(sub_order_id=sub_order.pk)
    if to_update:
        SubOrder.objects.bulk_update(to_update, [*TOTAL_FIELDS, "total_quantity", "item_count"])
    SubOrder.objects.filter(order_id=order.pk).exclude(pk__in=keep_ids).delete()

    for name in TOTAL_FIELDS:
        setattr(order, name, sum((row[name] or ZERO for row in rows), ZERO))
    order.save(update_fields=[*TOTAL_FIELDS, "updated_at"])
    order.refresh_from_db(fields=["grand_total"])
    return order
