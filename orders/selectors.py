"""Reads of orders, with the joins each screen needs."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, FilteredRelation, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext, gettext_lazy

from config import sql
from discounts.models import ItemAdjustment
from orders.models import Customer, Order, OrderEvent, OrderItem, SubOrder
from orders.statuses import LIVE_ORDER_STATUSES, OrderStatus
from platforms.models import Enterprise
from sessions_app.models import Offer, SaleSession


def session_live_items(session_id: int) -> QuerySet[OrderItem]:
    """The lines of a session's live orders, keyed on the session on both sides: the lines'
    own sales_session (their (sales_session, producer) index) and the orders' (their
    (sales_session, status) index), so no plan reads another session's rows."""
    return OrderItem.objects.filter(
        sales_session_id=session_id,
        order__sales_session_id=session_id,
        order__status__in=LIVE_ORDER_STATUSES,
    )


def order_list_qs() -> QuerySet[Order]:
    return Order.objects.select_related("trader", "customer", "sales_session")


def order_detail(*, order_id: int) -> Order:
    """The order with its sub-orders, items (grouped) with their pricing adjustments, its
    order-level adjustments, payment transactions and events, in seven queries."""
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
            "payments",
            Prefetch("events", queryset=OrderEvent.objects.select_related("actor")),
        )
        .get(pk=order_id)
    )


def order_items_by_sub_order(order: Order) -> list[tuple[SubOrder | None, list[OrderItem]]]:
    """Items grouped by their sub-order, from an order loaded by `order_detail`."""
    groups: dict[int | None, list[OrderItem]] = defaultdict(list)
    for item in order.items.all():
        groups[item.sub_order_id].append(item)
    sub_orders: dict[int | None, SubOrder] = {s.pk: s for s in order.sub_orders.all()}
    return [(sub_orders.get(key), items) for key, items in groups.items()]


# --- Producer-order consolidation -------------------------------------------------------


@dataclass(frozen=True)
class Consolidation:
    """Whether a producer's orders of a session are consolidated (one per session) or one per
    customer order, and which setting decided it: "session", "producer" or "trader"."""

    consolidated: bool
    source: str

    def __str__(self) -> str:
        mode = (
            gettext("one per session") if self.consolidated else gettext("one per customer order")
        )
        return gettext("%(mode)s (from the %(source)s)") % {
            "mode": mode,
            "source": CONSOLIDATION_SOURCES[self.source],
        }


# The settings a consolidation comes from, in words.
CONSOLIDATION_SOURCES = {
    "session": gettext_lazy("session"),
    "producer": gettext_lazy("producer"),
    "trader": gettext_lazy("trader"),
}


def consolidation_resolve(
    *, session_override: bool | None, producer_setting: bool | None, trader_default: bool
) -> Consolidation:
    """THE rule: the session's override wins; else the producer's own wish; else the trader's
    default. Every reader of the option (refresh, switch preview, admin) goes through here."""
    if session_override is not None:
        return Consolidation(session_override, "session")
    if producer_setting is not None:
        return Consolidation(producer_setting, "producer")
    return Consolidation(trader_default, "trader")


def producer_consolidation(*, session: Any, producer: Any) -> Consolidation:
    """The effective option for one producer in one session (`session.trader` is read)."""
    return consolidation_resolve(
        session_override=session.consolidate_per_producer,
        producer_setting=producer.producer_consolidation,
        trader_default=session.trader.consolidate_per_producer,
    )


@dataclass
class ConsolidationSwitchPreview:
    """What switching a session's consolidation would do, before it is confirmed: the producer
    orders it cancels, the ones it creates ((producer name, customer order number or None for
    one per session)), and each producer's effective option after the switch."""

    cancelled: list[Any]
    created: list[tuple[str, int | None]]
    effective: list[tuple[str, Consolidation]]


def consolidation_switch_preview(
    *,
    session: Any,
    consolidate: bool | None,
    producer_wishes: dict[int, bool | None] | None = None,
    trader_default: bool | None = None,
) -> ConsolidationSwitchPreview:
    """The effect of setting `session.consolidate_per_producer` to `consolidate` — and, for a
    switch at another level, some producers' wishes (`producer_wishes`) or the trader's
    default — computed with the same rule as the refresh, from the live customer orders and
    the live producer orders. Three queries."""
    wishes = producer_wishes or {}
    default = session.trader.consolidate_per_producer if trader_default is None else trader_default
    from orders.models import ProducerOrder
    from platforms.models import Enterprise

    live = set(
        session_live_items(session.pk)
        .values_list("producer_id", "order_id", "order__number")
        .distinct()
    )
    producer_orders = list(
        ProducerOrder.objects.filter(sales_session_id=session.pk)
        .exclude(order_state=ProducerOrder.OrderState.CANCELLED)
        .select_related("producer", "customer_order")
        .order_by("producer__name", "pk")
    )
    producer_ids = {row[0] for row in live} | {p.producer_id for p in producer_orders}
    producers = {p.pk: p for p in Enterprise.objects.filter(pk__in=producer_ids)}

    def mode(producer_id: int) -> Consolidation:
        return consolidation_resolve(
            session_override=consolidate,
            producer_setting=wishes.get(producer_id, producers[producer_id].producer_consolidation),
            trader_default=default,
        )

    cancelled = [
        p
        for p in producer_orders
        if mode(p.producer_id).consolidated != (p.customer_order_id is None)
    ]
    kept = {(p.producer_id, p.customer_order_id) for p in producer_orders if p not in cancelled}
    wanted: dict[tuple[int, int | None], int | None] = {}
    for producer_id, order_id, number in live:
        if mode(producer_id).consolidated:
            wanted[(producer_id, None)] = None
        else:
            wanted[(producer_id, order_id)] = number
    created = sorted(
        (
            (producers[producer_id].name, number)
            for (producer_id, order_id), number in wanted.items()
            if (producer_id, order_id) not in kept
        ),
        key=lambda row: (row[0], row[1] or 0),
    )
    effective = sorted((p.name, mode(pk)) for pk, p in producers.items())
    return ConsolidationSwitchPreview(cancelled=cancelled, created=created, effective=effective)


def producer_order_warnings(*, producer_order: Any) -> list[str]:
    """What the trader should know before trusting a producer order: a discount the producer's
    platform answered differently from the one expected (the seller's figure wins: Larder
    flags, never silently accepts), and bulk-bought products ordered by the retail unit
    because no wholesale product is named (aggregation cannot order whole packs of them);
    the partner's refusal in its own words; products of a remote producer with no link to
    the partner's product (an OFN or FDC order is not sent without one). At most two
    queries."""
    from orders.models import ProducerOrder, ProducerOrderLine

    warnings = []
    if producer_order.partner_state == ProducerOrder.PartnerState.REFUSED:
        warnings.append(
            gettext("The producer's platform refused this order: %(reason)s")
            % {"reason": producer_order.partner_message or gettext("no reason given")}
        )
    unlinked = ProducerOrderLine.objects.filter(
        producer_order=producer_order,
        product__remote_id="",
        product__producer__platform__is_local=False,
    ).values_list("product__name", flat=True)
    warnings += [
        gettext(
            "%(product)s has no link to the producer's own product on its platform: set its "
            "DFC @id (Products) so the order can name it there."
        )
        % {"product": name}
        for name in unlinked
    ]
    if producer_order.discount_disagrees:
        warnings.append(
            gettext(
                "The producer's platform answered a discount of %(partner)s %(currency)s; the "
                "catalogue's offers give %(expected)s. Its figure applies: check with the "
                "producer."
            )
            % {
                "partner": producer_order.partner_discount,
                "currency": producer_order.currency,
                "expected": producer_order.total_discount,
            }
        )
    if producer_order.aggregate_by_weight:
        retail = ProducerOrderLine.objects.filter(
            producer_order=producer_order,
            product__pack_weight_kg__isnull=False,
            product__wholesale_product__isnull=True,
        ).values_list("product__name", flat=True)
        warnings += [
            gettext(
                "%(product)s has no wholesale product: it is ordered by the retail unit, not in "
                "whole packs. Name the wholesale product it is bought as (Products) to order "
                "packs."
            )
            % {"product": name}
            for name in retail
        ]
    return warnings


def consolidation_affected_sessions(*, enterprise: Any) -> "QuerySet[Any]":
    """The open sessions whose producer orders a change of `enterprise`'s consolidation
    setting would touch: a trader's own; for a producer, those where it has customer items or
    producer orders. Closed sessions are final."""
    from django.db.models import Q

    from sessions_app.models import SaleSession

    sessions = SaleSession.objects.filter(state=SaleSession.State.OPEN).select_related("trader")
    if enterprise.is_trader:
        return sessions.filter(trader=enterprise).order_by("pk")
    return (
        sessions.filter(
            Q(orders__items__producer=enterprise) | Q(producer_orders__producer=enterprise)
        )
        .distinct()
        .order_by("pk")
    )


@dataclass
class LineChange:
    product_name: str
    unit_of_measure: str
    was_quantity: Decimal | None  # None: added by the edit
    now_quantity: Decimal | None  # None: removed by the edit
    was_total: Decimal
    now_total: Decimal

    @property
    def kind(self) -> str:
        if self.was_quantity is None:
            return "added"
        if self.now_quantity is None:
            return "removed"
        return "changed"


@dataclass
class EditDiff:
    """An order under a customer-service edit against its backup copy (T): what the agent
    reads to the customer before committing."""

    backup: Order
    was_total: Decimal
    now_total: Decimal
    lines: list[LineChange]

    @property
    def difference(self) -> Decimal:
        return self.now_total - self.was_total


def order_edit_diff(order: Order) -> EditDiff | None:
    """The running "was → now" of an order in E, from an order loaded by `order_detail`: its
    totals and every line added, removed or changed (quantity or price) against the T copy.
    Two queries; None when the order has no backup copy."""
    backup = (
        Order.objects.filter(backup_of_id=order.pk, status=OrderStatus.TEMPORARY)
        .order_by("-pk")
        .first()
    )
    if backup is None:
        return None
    copies = list(OrderItem.objects.filter(order_id=backup.pk).order_by("pk"))
    # A removed item's copy loses its link (SET NULL): it stays unmatched below.
    was = {copy.backup_of_id: copy for copy in copies if copy.backup_of_id is not None}
    lines: list[LineChange] = []
    for item in order.items.all():
        before = was.pop(item.pk, None)
        if before is None:
            lines.append(
                LineChange(
                    item.product_name,
                    item.unit_of_measure,
                    None,
                    item.quantity,
                    Decimal("0.00"),
                    item.total_product,
                )
            )
        elif (before.quantity, before.total_product) != (item.quantity, item.total_product):
            lines.append(
                LineChange(
                    item.product_name,
                    item.unit_of_measure,
                    before.quantity,
                    item.quantity,
                    before.total_product,
                    item.total_product,
                )
            )
    removed = [copy for copy in copies if copy.backup_of_id is None] + list(was.values())
    for before in removed:  # in the copy, no longer in the order
        lines.append(
            LineChange(
                before.product_name,
                before.unit_of_measure,
                before.quantity,
                None,
                before.total_product,
                Decimal("0.00"),
            )
        )
    return EditDiff(
        backup=backup, was_total=backup.grand_total, now_total=order.grand_total, lines=lines
    )


def storefront_order_detail(*, order_id: int) -> Order:
    """One order with everything its storefront detail shows, in a fixed number of queries."""
    items = (
        OrderItem.objects.select_related("producer", "shipping_mode", "customer_category")
        .prefetch_related(
            Prefetch("adjustments", queryset=ItemAdjustment.objects.select_related("coupon"))
        )
        .order_by("pk")
    )
    return (
        Order.objects.select_related("shipping_mode", "billing_address", "shipping_address")
        .prefetch_related(
            Prefetch(
                "sub_orders",
                queryset=SubOrder.objects.select_related("shipping_address").order_by("pk"),
            ),
            Prefetch("items", queryset=items),
            "adjustments__coupon",
            "coupon_redemptions__coupon",
        )
        .get(pk=order_id)
    )


# What a quick-order profile (Q) holds for the customer's new carts.
PROFILE_FIELDS = (
    "payment_method",
    "shipping_mode_id",
    "fulfilment_centre_id",
    "billing_address_id",
    "shipping_address_id",
)


def quick_order_profile_defaults(*, customer_id: int) -> dict[str, Any]:
    """The fields a new cart of this customer starts with (empty without a profile): one
    query."""
    row = (
        Order.objects.filter(customer_id=customer_id, status=OrderStatus.QUICK_ORDER_PROFILE)
        .values(*PROFILE_FIELDS)
        .first()
    )
    return row or {}


def cart_session(*, session_id: int) -> SaleSession | None:
    """The session a cart is opened in, with its trader and its offers' currencies
    (`currencies`), in one query; None when it does not exist."""
    return (
        SaleSession.objects.select_related("trader")
        .annotate(currencies=_session_currencies())
        .filter(pk=session_id)
        .first()
    )


class CartContext(NamedTuple):
    """What a storefront cart needs before its write (orders.apis.carts.CartCreateApi)."""

    session: SaleSession  # as cart_session reads it: its trader (id, name), `currencies`
    customer: Customer | None  # the user's customer at the session's trader, if any
    profile_defaults: dict[str, Any]  # that customer's, as quick_order_profile_defaults


def cart_context(*, session_id: int, user_id: int) -> CartContext | None:
    """The session a cart is opened in as cart_session reads it (its trader's name only), the
    user's customer at its trader and that customer's quick-order profile defaults, in one
    query; None when the session does not exist."""
    found = sql.instances(SaleSession, _cart_context_statement(session_id, user_id))
    if not found:
        return None
    session = found[0]
    values = vars(session)
    session.trader = sql.partial_instance(
        Enterprise, {"id": session.trader_id, "name": values.pop("trader__name")}
    )
    customer = {name: values.pop(f"customer__{name}") for name in _CUSTOMER_COLUMNS}
    profile = {name: values.pop(f"profile__{name}") for name in ("id", *PROFILE_FIELDS)}
    return CartContext(
        session=session,
        customer=None if customer["id"] is None else sql.partial_instance(Customer, customer),
        profile_defaults={} if profile.pop("id") is None else profile,
    )


def _session_currencies() -> ArraySubquery:
    return ArraySubquery(
        Offer.objects.filter(session_id=OuterRef("pk")).order_by().values("currency").distinct()
    )


_CUSTOMER_COLUMNS = tuple(field.attname for field in Customer._meta.concrete_fields)


@sql.once
def _cart_context_statement(session_id: int, user_id: int) -> sql.Statement | None:
    # Compiled once (config.sql.once), like the cart's lock: every new cart runs it. The
    # customer is unique per trader and user, the profile per customer (their constraints),
    # so the outer joins give one row.
    return sql.select(
        SaleSession.objects.annotate(
            own=FilteredRelation(
                "trader__customers", condition=Q(trader__customers__user_id=user_id)
            ),
            profile=FilteredRelation(
                "own__orders", condition=Q(own__orders__status=OrderStatus.QUICK_ORDER_PROFILE)
            ),
        )
        .annotate(
            currencies=_session_currencies(),
            trader__name=F("trader__name"),
            **{f"customer__{name}": F(f"own__{name}") for name in _CUSTOMER_COLUMNS},
            **{f"profile__{name}": F(f"profile__{name}") for name in ("id", *PROFILE_FIELDS)},
        )
        .filter(pk=session_id)
        .order_by()
    )


# Plain SQL (docs/adr/0003): every storefront request that changes a cart answers with its
# items, and the ORM's select_related and prefetch of them cost more Python than the read
# takes (docs/performance.md, "Storefront checkout"). Each column is labelled with the field
# the storefront's CartItemOutput gives it; foreign keys as their ids.
_CART_ITEM_ROWS_SQL = """
    SELECT i.id, i.offer_id AS offer, i.product_id AS product, i.product_name,
           e.name AS producer, p.slug AS producer_platform, i.quantity, i.unit_price,
           i.vat_rate, i.total_product, i.total_adjustment, i.total_tax, i.status,
           i.inventory_status, i.inventory_unknown, r.quantity AS reserved_quantity,
           r.expires_at AS reservation_expires_at
    FROM orders_orderitem i
    JOIN platforms_enterprise e ON e.id = i.producer_id
    JOIN platforms_platform p ON p.id = i.producer_platform_id
    LEFT JOIN inventory_reservation r ON r.order_item_id = i.id
    WHERE i.order_id = %s
    ORDER BY i.id
"""


def cart_item_rows_from(priced: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """cart_item_rows' rows made from the rows a service read and priced
    (orders.services.totals.order_item_rows, after order_totals_recompute set their totals),
    so that it answers with the cart it wrote without reading it again."""
    return [
        {
            "id": row["id"],
            "offer": row["offer_id"],
            "product": row["product_id"],
            "product_name": row["product_name"],
            "producer": row["producer__name"],
            "producer_platform": row["producer_platform__slug"],
            "quantity": row["quantity"],
            "unit_price": row["unit_price"],
            "vat_rate": row["vat_rate"],
            "total_product": row["total_product"],
            "total_adjustment": row["total_adjustment"],
            "total_tax": row["total_tax"],
            "status": row["status"],
            "inventory_status": row["inventory_status"],
            "inventory_unknown": row["inventory_unknown"],
            "reserved_quantity": row["reservation__quantity"],
            "reservation_expires_at": row["reservation__expires_at"],
        }
        for row in priced
    ]


def cart_item_rows_beside(
    *, order_id: int, other: sql.Statement | None
) -> tuple[list[dict[str, Any]], tuple[Any, ...] | None]:
    """cart_item_rows' rows and, in the same query, the row of `other` (a SELECT of at most one
    row: its values, all None when it finds none; None when `other` is None)."""
    if other is None:
        return cart_item_rows(order_id=order_id), None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT i.*, o.* FROM (SELECT 1) one LEFT JOIN ({_CART_ITEM_ROWS_SQL}) i ON true"
            f" LEFT JOIN ({other.sql}) o ON true ORDER BY i.id",
            (order_id, *other.params),
        )
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    width = names.index("reservation_expires_at") + 1  # the items' columns, then other's
    items = [dict(zip(names[:width], row[:width], strict=True)) for row in rows]
    return [item for item in items if item["id"] is not None], tuple(rows[0][width:])


def cart_item_rows(*, order_id: int) -> list[dict[str, Any]]:
    """A cart's items as the storefront shows them, in pk order, as plain dicts (the
    producer's name, the platform's slug, the reservation's quantity and expiry): one
    query."""
    return sql.select_dicts(_CART_ITEM_ROWS_SQL, [order_id])
