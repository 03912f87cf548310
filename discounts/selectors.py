"""Reads of pricing data: the discounts of an order (the rules a pricing run considers are read
by discounts/services/pricing.py in the same query as their bands and exemptions)."""

from decimal import Decimal

from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from discounts.models import REDUCING_USAGES
from orders.models import Order, OrderItem

ZERO = Decimal("0.00")


def item_discount_sum() -> Coalesce:
    """An OrderItem annotation: the item's coupons and discounts, summed (a negative amount or
    0.00). For bulk reads of many orders: `OrderItem.objects.annotate(discount=...)`."""
    return Coalesce(
        Sum("adjustments__amount", filter=Q(adjustments__usage__in=list(REDUCING_USAGES))),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def order_discount_totals(order: Order) -> tuple[Decimal, dict[int, Decimal]]:
    """The order's coupons and discounts as positive amounts taken off: the order's total and
    each item's (every item of the order, 0.00 when none), in the order's currency. Order-level
    discounts are spread onto items, so the order figure is the sum of the items'. This is
    what the DFC codec sends as `discount` on Order and OrderLine. One query."""
    rows = (
        OrderItem.objects.filter(order_id=order.pk)
        .annotate(discount=item_discount_sum())
        .values_list("pk", "discount")
    )
    per_item = {item_id: -amount + ZERO for item_id, amount in rows}
    return sum(per_item.values(), ZERO), per_item
