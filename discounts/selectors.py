"""Reads of pricing data: the discounts of an order (the rules a pricing run considers are read
by discounts/services/pricing.py in the same query as their bands and exemptions)."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce

from discounts.models import (
    REDUCING_USAGES,
    CalculationRule,
    FulfilmentCentre,
    FulfilmentWindow,
    Method,
    Scope,
    Usage,
)
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


def session_fulfilment_options(*, session: Any) -> list[dict[str, Any]]:
    """The session's pickup points and delivery zones with their opening times and the
    shipping rules (with scale bands) that price their fee. Four queries."""
    windows = FulfilmentWindow.objects.filter(sales_session=session).order_by("opens_at")
    centres_qs = (
        FulfilmentCentre.objects.filter(
            trader_id=session.trader_id, is_active=True, windows__sales_session=session
        )
        .distinct()
        .select_related("shipping_mode")
        .prefetch_related(Prefetch("windows", queryset=windows))
        .order_by("kind", "name")
    )
    centres = list(centres_qs)
    rules = (
        CalculationRule.objects.filter(
            trader_id=session.trader_id,
            usage=Usage.SHIPPING,
            is_active=True,
            order__isnull=True,
            shipping_mode_id__in=[c.shipping_mode_id for c in centres],
        )
        .select_related("shipping_scale")
        .prefetch_related("shipping_scale__bands")
        .order_by("priority", "pk")
    )
    fees: dict[int | None, list[dict[str, Any]]] = {}  # by shipping mode (a centre may have none)
    for rule in rules:
        scale = rule.shipping_scale
        fees.setdefault(rule.shipping_mode_id, []).append(
            {
                "rule": rule.name,
                "method": rule.method,
                "value": rule.value,
                "currency": rule.currency,
                "scale_lookup": scale.lookup if scale else None,
                "bands": list(scale.bands.all()) if scale else [],
            }
        )
    return [
        {
            **{f: getattr(c, f) for f in ("id", "kind", "code", "name", "shipping_mode")},
            **{f: getattr(c, f) for f in ("street", "city", "postcode", "country")},
            "delivery_postcodes": c.delivery_postcodes,
            "windows": list(c.windows.all()),
            "fees": fees.get(c.shipping_mode_id, []),
        }
        for c in centres
    ]


def shipping_rules_by_mode(
    *, trader_ids: Iterable[int]
) -> dict[tuple[int, int], list[CalculationRule]]:
    """(trader, shipping mode) → the trader's active standing shipping rules for that mode,
    by priority. One query."""
    rules = CalculationRule.objects.filter(
        trader_id__in=list(trader_ids),
        usage=Usage.SHIPPING,
        is_active=True,
        order__isnull=True,
        shipping_mode__isnull=False,
    ).order_by("priority", "pk")
    found: dict[tuple[int, int], list[CalculationRule]] = {}
    for rule in rules:
        if rule.shipping_mode_id is not None:  # always, by the filter: narrows the type
            found.setdefault((rule.trader_id, rule.shipping_mode_id), []).append(rule)
    return found


def flat_shipping_fee(rules: list[CalculationRule], *, session_id: int) -> Decimal | None:
    """The fee of a shipping mode in a session when it does not depend on the cart: one rule,
    a fixed amount for the whole order, with no scale, threshold or product condition. Else
    None (the fee is computed per cart from the rules and their scales)."""
    rules = [r for r in rules if r.sales_session_id in (None, session_id)]
    if len(rules) != 1:
        return None
    rule = rules[0]
    unconditional = (
        rule.method == Method.FIXED_AMOUNT
        and rule.scope == Scope.ORDER
        and rule.shipping_scale_id is None
        and rule.minimum_order_total is None
        and rule.minimum_quantity is None
        and rule.product_id is None
        and rule.producer_id is None
    )
    return rule.value if unconditional else None
