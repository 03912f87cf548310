"""Keeping item prices, sub-orders and order totals consistent with the items."""

import functools
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext

from config import sql
from config.money import AMOUNT_LIMIT
from discounts.services.engine import Rule
from discounts.services.pricing import (
    order_items_price,
    pricing_rules_from_json,
    pricing_rules_select,
)
from orders.events import order_events_statement
from orders.exceptions import AmountTooLarge
from orders.models import Order, OrderEvent, OrderItem, SubOrder
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

# Plain SQL, with the tax categories, the shipping mode and the sub-order's address as
# sub-selects: written with the ORM as seven joined tables, PostgreSQL spent 1.3 ms planning
# it for 0.2 ms of work, on every item change and checkout (0.3 ms planning this way). Each
# column is labelled with the key its row dict carries (config.sql.select_dicts): pricing's
# keys (discounts.services.pricing._line), the totals, the sub-order keys, what checkout
# reads of the offer, and what the storefront shows of an item (the producer's name, the
# platform's slug, the reservation: orders.selectors.cart_item_rows_from). `{items}`: the
# items' source; `{rules}`: nothing, or for a read that prices the pricing rules as one JSON
# value on the first row (_RULES_COLUMN): order_item_rows_statement.
_ITEM_ROWS_SQL = """
    SELECT {rules}i.id, i.quantity, i.unit_price, i.vat_rate, i.total_product, i.product_id,
           i.producer_id, i.shipping_mode_id, f.session_id AS offer__session_id,
           p.weight_kg AS product__weight_kg, p.tax_category_id AS product__tax_category_id,
           (SELECT t.rate FROM discounts_taxcategory t WHERE t.id = p.tax_category_id)
               AS product__tax_category__rate,
           (SELECT m.tax_category_id FROM discounts_shippingmode m
            WHERE m.id = i.shipping_mode_id) AS shipping_mode__tax_category_id,
           (SELECT t.rate FROM discounts_shippingmode m
            JOIN discounts_taxcategory t ON t.id = m.tax_category_id
            WHERE m.id = i.shipping_mode_id) AS shipping_mode__tax_category__rate,
           i.total_adjustment, i.total_shipping, i.total_tax, i.total_shipping_tax, i.order_id,
           i.product_name, i.offer_id,
           -- the price of the offer as made to the item's customer category, if any
           COALESCE((SELECT co.price FROM sessions_app_categoryoffer co
                     WHERE co.offer_id = i.offer_id AND co.category_id = i.customer_category_id),
                    f.price) AS offer__price,
           f.vat_rate AS offer__vat_rate, f.currency AS offer__currency,
           f.stock_limitation AS offer__stock_limitation,
           f.allows_backorder AS offer__allows_backorder, i.shipping_address_id, i.sub_order_id,
           (SELECT s.shipping_address_id FROM orders_suborder s WHERE s.id = i.sub_order_id)
               AS sub_order__shipping_address_id,
           i.nominal_quantity, i.unit_of_measure, i.updated_at, i.inventory_status,
           i.inventory_unknown, i.status, e.name AS producer__name,
           pl.slug AS producer_platform__slug, r.quantity AS reservation__quantity,
           r.expires_at AS reservation__expires_at
    FROM {items} i
    JOIN inventory_product p ON p.id = i.product_id
    JOIN platforms_enterprise e ON e.id = i.producer_id
    JOIN platforms_platform pl ON pl.id = i.producer_platform_id
    LEFT JOIN inventory_reservation r ON r.order_item_id = i.id
    LEFT JOIN sessions_app_offer f ON f.id = i.offer_id
    WHERE i.order_id = %s
    ORDER BY i.id
"""


# The rules' sub-select is uncorrelated: PostgreSQL runs it once (an InitPlan), and only for
# the first row, the only one that carries its value.
_RULES_COLUMN = "CASE WHEN row_number() OVER (ORDER BY i.id) = 1 THEN {} END AS pricing_rules, "


def order_item_rows(*, order_id: int) -> list[dict]:
    """The order's items in pk order as plain dicts (no model instances to build), with the
    product, offer, tax and sub-order columns that pricing, totals and checkout read. One
    query. For rows to re-price: order_item_rows_priced."""
    statement = order_item_rows_statement(order_id=order_id)
    return sql.select_dicts(statement.sql, statement.params)


def order_item_rows_statement(
    *, order_id: int, items: str | None = None, rules: sql.Statement | None = None
) -> sql.Statement:
    """order_item_rows' statement; with `items`, reading the items from that table expression
    (with orders_orderitem's columns, e.g. the name of a CTE that adds a new item to the
    order's: orders.services.items) instead of the table; with `rules`
    (order_pricing_rules_select), the pricing rules too, as a `pricing_rules` column that
    item_rows_rules takes out of the rows."""
    text = _item_rows_sql(items or OrderItem._meta.db_table, rules.sql if rules else None)
    return sql.Statement(text, (*(rules.params if rules else ()), order_id))


@functools.cache
def _item_rows_sql(items: str, rules: str | None) -> str:
    column = _RULES_COLUMN.format(rules) if rules else ""
    return _ITEM_ROWS_SQL.replace("{items}", items).replace("{rules}", column)


def order_pricing_rules_select(order: Order) -> sql.Statement | None:
    """For an order in P or E (order_totals_recompute prices it), the pricing rules that may
    apply to it now (discounts.services.pricing), as a sub-select for its item-rows read to
    carry (order_item_rows_statement); None for an order whose prices are frozen."""
    if order.status not in PRICING_STATUSES:
        return None
    return pricing_rules_select(order=order, now=timezone.now())


def item_rows_rules(rows: list[dict]) -> list[Rule]:
    """The rules an item-rows read with `rules` carried, taken out of its rows (the first
    row's `pricing_rules`; the key is removed from every row): none when there are no rows,
    the engine pricing nothing without lines."""
    texts = [row.pop("pricing_rules") for row in rows]
    return pricing_rules_from_json(texts[0]) if rows else []


class PricedRows(NamedTuple):
    """order_item_rows_priced's answer: the item rows, and the rules to price them with (None
    when the order is not priced: not in P or E)."""

    items: list[dict]
    rules: list[Rule] | None


def order_item_rows_priced(*, order: Order) -> PricedRows:
    """order_item_rows' rows and, when the order is in P or E (order_totals_recompute prices
    it), the pricing rules that may apply to it now, read in the same query: one statement,
    after the order's lock, for what re-pricing reads. An order without items gets no rules
    (the engine prices nothing without lines)."""
    rules = order_pricing_rules_select(order)
    if rules is None:
        return PricedRows(order_item_rows(order_id=order.pk), None)
    statement = order_item_rows_statement(order_id=order.pk, rules=rules)
    rows = sql.select_dicts(statement.sql, statement.params)
    return PricedRows(rows, item_rows_rules(rows))


def order_totals_recompute(
    *,
    order: Order,
    items: list[dict] | None = None,
    item_fields: tuple[str, ...] = (),
    order_fields: dict | None = None,
    bump_version: bool = False,
    events: Sequence[OrderEvent | dict] = (),
    writes: Sequence[sql.Statement | None] = (),
    rules: Sequence[Rule] | None = None,
) -> Order:
    """Re-price the order's items (in P or E), then rebuild its sub-orders (one per shipping
    address) and its totals from the items. Call it after every item change.

    Runs in the caller's transaction, with the order row already locked. In P or E the pricing
    engine (discounts.services.pricing.order_items_price) rebuilds every item adjustment:
    coupons, discounts, shipping, sales tax, shipping tax, surcharges; in any other status the
    stored item figures are only re-summed. Idempotent.

    A caller that already holds the rows (order_item_rows_priced) passes them as `items` and
    the rules read with them as `rules`, with the columns it changed in the rows
    (`item_fields`) and the order columns it sets (`order_fields`, `bump_version`): they are
    written by the same statement, and so are `events` (unsaved, orders.events with save=False,
    or order_event_row's rows: one statement fewer per request than saving them apart,
    tests/orders/test_checkout_statements.py), and the caller's other `writes` (statements on
    other tables' rows: submit's reservations). Queries, whatever the number of items: the
    items with the rules (P or E; unless given: the rules alone when only the items are
    given), and one statement writing the adjustments, the items, the sub-orders and the
    order; plus, only when an address is new or an item moved, a read of the sub-orders and an
    insert per new address.
    """
    if items is None:
        items, rules = order_item_rows_priced(order=order)
    adjustments: list[sql.Statement | None] = []
    written = list(item_fields)
    if order.status in PRICING_STATUSES:
        adjustments = order_items_price(order=order, items=items, rules=rules)
        written += ["total_adjustment", "total_shipping", "total_tax", "total_shipping_tax"]
    if _sub_orders_assign(order, items):
        written.append("sub_order_id")

    statements = [*writes, *adjustments, order_events_statement(list(events))]
    if items and written:
        statements.append(sql.update_rows(OrderItem, items, list(dict.fromkeys(written))))
    sub_orders = _sub_order_totals(items)
    if sub_orders:
        sub_order_fields = [*TOTAL_FIELDS, "quantity_by_unit", "item_count"]
        statements.append(sql.update_rows(SubOrder, sub_orders, sub_order_fields))
    statements.append(
        sql.delete_where(
            SubOrder.objects.filter(order_id=order.pk).exclude(pk__in=[r["id"] for r in sub_orders])
        )
    )

    now = timezone.now()
    for name in TOTAL_FIELDS:
        setattr(order, name, sum((row[name] for row in items), ZERO))
    _check_amounts(order, items)
    order.updated_at = now
    assignments = {name: getattr(order, name) for name in TOTAL_FIELDS}
    assignments |= {"updated_at": now, **(order_fields or {})}
    for name, value in (order_fields or {}).items():
        setattr(order, name, value)
    returned = sql.run(
        *statements,
        sql.update_rows(
            Order,
            [{"id": order.pk, **assignments}],
            list(assignments),
            add={"version": 1} if bump_version else None,
            returning=["version"] if bump_version else (),
        ),
    )
    if bump_version:
        ((order.version,),) = returned
    # grand_total is a generated column with this very expression; set it without a re-read.
    order.grand_total = sum((getattr(order, name) for name in TOTAL_FIELDS), ZERO)
    return order


def _check_amounts(order: Order, items: list[dict]) -> None:
    """AmountTooLarge, before the one write statement (the caller's transaction rolls back
    anything else), when an item's or the order's amounts would not fit their columns."""
    totals = [getattr(order, name) for name in TOTAL_FIELDS]
    amounts = [*totals, sum(totals, ZERO), *(row[name] for row in items for name in TOTAL_FIELDS)]
    if any(abs(amount) >= AMOUNT_LIMIT for amount in amounts):
        raise AmountTooLarge(
            gettext("Order %(number)s's amounts would reach %(limit)s %(currency)s.")
            % {"number": order.number, "limit": AMOUNT_LIMIT, "currency": order.currency}
        )


def _sub_orders_assign(order: Order, items: list[dict]) -> bool:
    """Give every row the sub-order of its shipping address; True when a row moved.

    Usually every item already sits in its address's sub-order (the rows carry the sub-order's
    address), or a new item joins one the rows show: nothing to read. Otherwise one read of
    the sub-orders, and an insert per new address."""
    by_address: dict[int | None, list[dict]] = defaultdict(list)
    for row in items:
        by_address[row["shipping_address_id"]].append(row)
    if all(
        row["sub_order_id"] is not None and row["sub_order__shipping_address_id"] == address
        and row["sub_order_id"] == group[0]["sub_order_id"]
        for address, group in by_address.items()
        for row in group
    ):  # fmt: skip
        return False
    # The sub-orders the rows show (every sub-order that is kept holds one of them): read the
    # order's sub-orders only when an address has none among them (a first item, a new
    # address).
    existing: dict[int | None, int] = {  # by address (a sub-order may have none)
        row["sub_order__shipping_address_id"]: row["sub_order_id"]
        for row in items
        if row["sub_order_id"] is not None
    }
    if any(address not in existing for address in by_address):
        existing = dict(
            SubOrder.objects.filter(order_id=order.pk).values_list("shipping_address_id", "pk")
        )
    moved = False
    for address_id, group in by_address.items():
        sub_order_id = existing.get(address_id)
        if sub_order_id is None:
            sub_order_id = SubOrder.objects.create(
                order_id=order.pk, shipping_address_id=address_id
            ).pk
        for row in group:
            if row["sub_order_id"] != sub_order_id:
                row["sub_order_id"] = sub_order_id
                moved = True
            row["sub_order__shipping_address_id"] = address_id
    return moved


def quantity_by_unit(rows) -> dict[str, str]:
    """Σ actual quantity (quantity × nominal quantity) per unit of measure, as exact decimal
    strings without trailing zeros: {"l": "6", "kg": "20", "piece": "12"}. Quantities in
    different units are never added together."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row["unit_of_measure"]] += row["quantity"] * row["nominal_quantity"]
    return {unit: format(total.normalize(), "f") for unit, total in sorted(totals.items())}


def _sub_order_totals(items: list[dict]) -> list[dict]:
    by_sub_order: dict[int, list[dict]] = defaultdict(list)
    for row in items:
        by_sub_order[row["sub_order_id"]].append(row)
    return [
        {
            "id": sub_order_id,
            **{name: sum((row[name] for row in group), ZERO) for name in TOTAL_FIELDS},
            "quantity_by_unit": quantity_by_unit(group),
            "item_count": len(group),
        }
        for sub_order_id, group in by_sub_order.items()
    ]
