"""Reads of pricing data: the rules a pricing run considers, and the discounts of an order."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from discounts.models import REDUCING_USAGES, CalculationRule, Usage
from orders.models import Order, OrderItem

ZERO = Decimal("0.00")


def calculation_rules_for_order(
    *, order: Order, coupon_rule_ids: Iterable[int], now: datetime
) -> list[CalculationRule]:
    """The rules that may apply to `order` now: its trader's, active, inside their validity
    window, in the order's currency (or currency-free percentages); coupon rules only when a
    coupon of theirs is applied to the order; manual adjustments only for their own order.
    Each carries `exempt_ids` (its exempt tax categories) and its shipping scale with bands:
    two queries, one if no rule has a scale."""
    in_window = (Q(valid_from__isnull=True) | Q(valid_from__lte=now)) & (
        Q(valid_until__isnull=True) | Q(valid_until__gt=now)
    )
    wanted = ~Q(usage=Usage.COUPON) | Q(pk__in=list(coupon_rule_ids))
    # A manual adjustment (a rule with `order`) counts only for its own order.
    own = Q(order__isnull=True) | Q(order_id=order.pk)
    return list(
        CalculationRule.objects.filter(own, trader_id=order.trader_id, is_active=True)
        .filter(Q(currency="") | Q(currency=order.currency))
        .filter(in_window, wanted)
        .select_related("shipping_scale")
        .prefetch_related("shipping_scale__bands")
        .annotate(exempt_ids=ArrayAgg("exempt_tax_categories__id", default=Value([])))
        .order_by("priority", "pk")
    )


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
