"""Pricing an order: load the rules that may apply, run the engine over the order's item rows,
and build the one statement that rewrites the order's adjustments. Called only by
orders.services.totals, which reads the rules with the item rows (one statement:
pricing_rules_select inside order_item_rows_priced) and runs the adjustments' statement
together with the items', sub-orders' and order's totals (one round trip for every write of a
re-pricing).
"""

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from config import sql
from discounts.models import REDUCING_USAGES, ItemAdjustment, OrderAdjustment, Usage
from discounts.services import engine
from orders.models import Order

ITEM_TOTAL_FIELDS = ("total_adjustment", "total_shipping", "total_tax", "total_shipping_tax")


def _line(row: dict) -> engine.Line:
    category_id = row["product__tax_category_id"]
    shipping_category_id = row["shipping_mode__tax_category_id"]
    return engine.Line(
        id=row["id"],
        quantity=row["quantity"],
        unit_price=row["unit_price"],
        total_product=row["total_product"],
        weight=row["quantity"] * (row["product__weight_kg"] or engine.ZERO),
        product_id=row["product_id"],
        producer_id=row["producer_id"],
        session_id=row["offer__session_id"],
        tax_category_id=category_id,
        # The trader's tax category sets the rate; the offer's VAT rate (snapshotted on the
        # item) is the fallback for products the trader has not categorised.
        tax_rate=row["product__tax_category__rate"] if category_id else row["vat_rate"],
        shipping_mode_id=row["shipping_mode_id"],
        shipping_tax_category_id=shipping_category_id,
        shipping_tax_rate=(
            row["shipping_mode__tax_category__rate"] if shipping_category_id else engine.ZERO
        ),
    )


# Plain SQL: the ORM takes longer to build this query (five sub-selects) than PostgreSQL takes
# to run it, and it runs on every re-pricing and checkout. Its columns are labelled with the
# keys of the rows pricing_rules_from_json reads. It is read as one JSON value
# (config.sql.rows_as_json, in the engine's order: priority, id), a sub-select the order's
# item-rows read carries (orders.services.totals.order_item_rows_priced): one statement fewer
# per re-pricing.
_RULES_SQL = """
    SELECT r.id, r.name, r.usage, r.method, r.scope, r.value, r.product_id, r.producer_id,
           r.sales_session_id, r.shipping_mode_id, r.minimum_order_total, r.threshold_basis,
           r.minimum_quantity, r.price_basis, r.priority, r.is_exclusive,
           applied.coupon_id AS coupon, scale.lookup AS scale_lookup,
           ARRAY(SELECT b.from_value FROM discounts_shippingscaleband b
                 WHERE b.scale_id = r.shipping_scale_id ORDER BY b.from_value) AS band_starts,
           ARRAY(SELECT b.charge FROM discounts_shippingscaleband b
                 WHERE b.scale_id = r.shipping_scale_id ORDER BY b.from_value) AS band_charges,
           ARRAY(SELECT e.taxcategory_id FROM discounts_calculationrule_exempt_tax_categories e
                 WHERE e.calculationrule_id = r.id) AS exempt_ids
    FROM discounts_calculationrule r
    LEFT JOIN discounts_shippingscale scale ON scale.id = r.shipping_scale_id
    LEFT JOIN LATERAL (
        SELECT k.id AS coupon_id
        FROM discounts_couponredemption redemption
        JOIN discounts_coupon k ON k.id = redemption.coupon_id
        WHERE redemption.order_id = %(order)s AND k.rule_id = r.id
        ORDER BY k.id LIMIT 1
    ) applied ON true
    -- The seller's rules: the trader's own, or for an order a partner placed through the DFC
    -- API the local enterprise that sold it (the order's trader is then the remote hub).
    WHERE r.trader_id = COALESCE(
        (SELECT p.seller_id FROM platforms_partnerorder p WHERE p.order_id = %(order)s),
        %(trader)s
    ) AND r.is_active
      AND (r.order_id IS NULL OR r.order_id = %(order)s)
      AND r.currency IN ('', %(currency)s)
      AND (r.valid_from IS NULL OR r.valid_from <= %(now)s)
      AND (r.valid_until IS NULL OR r.valid_until > %(now)s)
      AND (r.usage <> %(coupon_usage)s OR applied.coupon_id IS NOT NULL)
"""


def pricing_rules_select(*, order: Order, now) -> sql.Statement:
    """The rules that may apply to `order` at `now` as one value (JSON text, for
    pricing_rules_from_json): a sub-select for a read of the order's rows to carry, run after
    the order's lock like any read of its children. Which rules: pricing_rules_for_order."""
    params = {
        "order": order.pk,
        "trader": order.trader_id,
        "currency": order.currency,
        "now": now,
        "coupon_usage": Usage.COUPON.value,
    }
    return sql.rows_as_json(sql.named(_RULES_SQL, params), order_by="r.priority, r.id")


def pricing_rules_from_json(text: str) -> list[engine.Rule]:
    """pricing_rules_select's value as the engine's rules, in its order (priority, id)."""
    return [
        engine.Rule(
            id=row["id"],
            name=row["name"],
            usage=row["usage"],
            method=row["method"],
            scope=row["scope"],
            value=row["value"],
            product_id=row["product_id"],
            producer_id=row["producer_id"],
            session_id=row["sales_session_id"],
            shipping_mode_id=row["shipping_mode_id"],
            scale_lookup=row["scale_lookup"],
            bands=tuple(
                engine.Band(start, charge)
                for start, charge in zip(row["band_starts"], row["band_charges"], strict=True)
            ),
            minimum_order_total=row["minimum_order_total"],
            threshold_basis=row["threshold_basis"],
            minimum_quantity=row["minimum_quantity"],
            price_basis=row["price_basis"],
            priority=row["priority"],
            is_exclusive=row["is_exclusive"],
            exempt_tax_category_ids=frozenset(row["exempt_ids"]),
            coupon_id=row["coupon"],
        )
        for row in sql.json_rows(text)
    ]


def pricing_rules_for_order(*, order: Order, now) -> list[engine.Rule]:
    """The rules that may apply to `order` now, as the engine reads them: its seller's (its
    trader's, or the local enterprise a partner's DFC order was placed with), active,
    inside their validity window, in the order's currency (or currency-free percentages);
    coupon rules only when a coupon of theirs is applied to the order (the rule carries that
    coupon); manual adjustments (a rule with `order`) only for their own order. One query: the
    coupon, the exempt tax categories and the shipping scale's bands come with each rule.
    Re-pricing reads them with the item rows instead (pricing_rules_select)."""
    select = pricing_rules_select(order=order, now=now)
    ((text,),) = sql.run(sql.Statement(f"SELECT {select.sql}", select.params))
    return pricing_rules_from_json(text)


def order_items_price(
    *, order: Order, items: list[dict], rules: Sequence[engine.Rule] | None = None
) -> list[sql.Statement | None]:
    """Re-price `items` (every item of `order`, as rows of
    orders.services.totals.order_item_rows, carrying the prices to price with) under `rules`
    (read with them: pricing_rules_select): set each row's four adjustment totals and return
    the statements (config.sql) that delete the order's item and order adjustments and insert
    the new ones, for the caller to run in one round trip with its own writes
    (orders.services.totals), inside its transaction with the order row locked. Rebuilt from
    scratch: running it twice gives the same rows and figures. No query, whatever the number
    of items; one (the rules) when `rules` is not given and the order has items (without
    lines the engine prices nothing, whatever the rules).
    """
    if rules is None:
        rules = pricing_rules_for_order(order=order, now=timezone.now()) if items else []
    pricing = engine.price_order(
        [_line(row) for row in items], rules, order_session_id=order.sales_session_id
    )
    discounts: defaultdict[int, Decimal] = defaultdict(lambda: engine.ZERO)
    for adjustment in pricing.item_adjustments:
        if adjustment.usage in REDUCING_USAGES:
            discounts[adjustment.line_id] -= adjustment.amount
    for row in items:
        totals = pricing.line_totals[row["id"]]
        for name in ITEM_TOTAL_FIELDS:
            row[name] = getattr(totals, name)
        # What the DFC codec sends as the line's `discount` (discounts.selectors'
        # order_discount_totals reads the same from the stored adjustments).
        row["discount"] = discounts[row["id"]] + engine.ZERO
    return _adjustments_rewrite(order.pk, pricing)


# The adjustments are rewritten through config.sql, for speed: Django's bulk_create spends
# ~0.1 ms a row building model instances (1,000 adjustment rows for 200 lines). Two deletes and
# two INSERT ... SELECT FROM unnest, whatever the number of items; totals runs them with its own
# writes in one round trip (they share one snapshot: the deletes cannot see the rows the
# inserts add).


@sql.once
def _item_adjustments_delete(order_id: int) -> sql.Statement | None:
    return sql.delete_where(ItemAdjustment.objects.filter(order_id=order_id))


@sql.once
def _order_adjustments_delete(order_id: int) -> sql.Statement | None:
    return sql.delete_where(OrderAdjustment.objects.filter(order_id=order_id))


def _adjustments_rewrite(order_id: int, pricing: engine.Pricing) -> list[sql.Statement | None]:
    def fields(adjustment) -> dict:
        return {
            "order_id": order_id,
            "usage": adjustment.usage,
            "rule_id": adjustment.rule_id,
            "coupon_id": adjustment.coupon_id,
            "tax_category_id": adjustment.tax_category_id,
            "description": adjustment.description[:200],
            "amount": adjustment.amount,
            "sequence": adjustment.sequence,
        }

    item_rows = [fields(a) | {"item_id": a.line_id} for a in pricing.item_adjustments]
    order_rows = [fields(a) for a in pricing.order_adjustments]
    statements = [_item_adjustments_delete(order_id), _order_adjustments_delete(order_id)]
    if item_rows:
        statements.append(sql.insert_rows(ItemAdjustment, item_rows, list(item_rows[0])))
    if order_rows:
        statements.append(sql.insert_rows(OrderAdjustment, order_rows, list(order_rows[0])))
    return statements
