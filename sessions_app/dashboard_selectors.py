"""Reads for the trader's session dashboard, in a constant number of queries."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from inventory.models import Stock
from inventory.selectors import available_quantity
from orders.models import (
    Order,
    ProducerOrder,
    SessionOrderTotal,
    SessionProducerTotal,
    SessionProductTotal,
)
from orders.producer_orders.selectors import producer_orders_attach_deliveries
from orders.status_labels import NEEDS_ATTENTION_STATUSES
from orders.statuses import LIVE_ORDER_STATUSES, OrderStatus
from platforms.outbox.delivery_words import delivery_explanation
from sessions_app.models import Offer, SaleSession

# An offer is low when this many units or fewer are left to sell (stock or the offer's limit).
LOW_INVENTORY_UNITS = Decimal("5")
# Orders the trader should look at: short of stock, payment to review, being edited.
ATTENTION_STATUSES = (
    OrderStatus.BACKORDERED,
    OrderStatus.LOW_INVENTORY,
    OrderStatus.PAYMENT_REVIEW,
    OrderStatus.CSR_EDIT,
)
ZERO = Decimal("0.00")
OFFER_FIELDS = (
    "pk",
    "stock_limitation",
    "quantity_reserved",
    "product__name",
    "product__producer__name",
    "product__stock__product_id",
    "product__stock__on_hand",
    "product__stock__reserved",
    "product__stock__is_unlimited",
)


if TYPE_CHECKING:
    from orders.producer_orders.selectors import ProducerOrderWithDelivery


@dataclass
class OfferStock:
    offer_id: int
    product_name: str
    producer_name: str
    stock_limitation: Decimal | None
    quantity_reserved: Decimal
    on_hand: Decimal | None
    reserved: Decimal
    available: Decimal | None  # None: not counted (unknown or unlimited)
    stock_text: str
    is_low: bool


@dataclass
class SessionDashboard:
    session: SaleSession
    bucket: str  # "hour" or "day"
    series: list[dict]  # {"at", "orders", "revenue"} per bucket, oldest first
    order_count: int
    revenue: Decimal
    currencies: list[str]
    by_status: Sequence[Mapping[str, Any]]
    by_producer: Sequence[Mapping[str, Any]]
    by_product: Sequence[Mapping[str, Any]]
    offers: list[OfferStock]
    producer_orders: "list[ProducerOrderWithDelivery]"
    attention_orders: list[Order]
    failed_deliveries: "list[ProducerOrderWithDelivery]" = field(default_factory=list)
    low_offers: list[OfferStock] = field(default_factory=list)
    backordered_items: int = 0
    items_without_inventory: int = 0
    previous_session: SaleSession | None = None
    previous_series: list[dict] = field(default_factory=list)


def session_dashboard(*, session: SaleSession) -> SessionDashboard:
    """Everything the session dashboard shows, in nine queries whatever the number of orders,
    items, offers or producer orders (eight without a previous session to compare with: the
    trader's session that began last before this one, and its orders over time): orders over
    time and orders and revenue per status, totals per producer and per product (with
    backordered and unreserved items), the offers with their stock and reservations, producer
    orders with their latest delivery, and the orders needing attention. Revenue counts live
    orders only (placed, not cancelled).

    Orders and lines are counted from the session's running totals (orders/models/
    session_totals.py: a few hundred rows, which the database keeps exact at every commit),
    never by reading the session's orders and lines: a session of 100,000 orders reads as fast
    as one of 100."""
    bucket = "hour" if session.ends_at - session.begins_at <= timedelta(days=2) else "day"
    placed = _order_totals(session.pk)
    series = _orders_over_time(placed, bucket)
    previous = (
        SaleSession.objects.filter(trader_id=session.trader_id, begins_at__lt=session.begins_at)
        .exclude(pk=session.pk)
        .order_by("-begins_at")
        .first()
    )
    previous_series = _previous_series(previous.pk, bucket) if previous is not None else []
    by_status = _by_status(placed)
    by_product = list(
        SessionProductTotal.objects.filter(sales_session_id=session.pk)
        .values(
            "product_id",
            "product_name",
            "producer_id",
            "producer__name",
            "producer__platform__name",
            "unit_of_measure",
        )
        .annotate(
            quantity=Sum("quantity"),
            actual_quantity=Sum("actual_quantity"),
            revenue=Sum("revenue"),
            backordered=Sum("backordered"),
            without_inventory=Sum("without_inventory"),
            lines=Sum("lines"),
        )
        .filter(lines__gt=0)
        .order_by("producer__name", "product_name")
    )
    by_producer = _by_producer(session.pk, by_product)
    offers = [
        _offer_stock(offer)
        for offer in Offer.objects.filter(session_id=session.pk)
        .order_by("product__producer__name", "product__name")
        .values(*OFFER_FIELDS)
    ]
    producer_orders = producer_orders_attach_deliveries(
        list(
            ProducerOrder.objects.filter(sales_session_id=session.pk)
            .select_related("producer__platform")
            .order_by("producer__name", "pk")
        )
    )
    attention = list(
        Order.objects.filter(sales_session_id=session.pk, status__in=ATTENTION_STATUSES)
        .select_related("customer", "locked_by")
        .order_by("status", "number")[:50]
    )
    revenue = sum((row["revenue"] for row in series), ZERO)
    return SessionDashboard(
        session=session,
        bucket=bucket,
        series=series,
        order_count=sum(row["orders"] for row in series),
        revenue=revenue,
        currencies=sorted({row["currency"] for row in by_status}),
        by_status=by_status,
        by_producer=by_producer,
        by_product=by_product,
        offers=offers,
        producer_orders=producer_orders,
        attention_orders=attention,
        failed_deliveries=[p for p in producer_orders if p.delivery_failing],
        low_offers=[o for o in offers if o.is_low],
        backordered_items=sum(row["backordered"] for row in by_product),
        items_without_inventory=sum(row["without_inventory"] for row in by_product),
        previous_session=previous,
        previous_series=previous_series,
    )


def _order_totals(session_id: int) -> list[Mapping[str, Any]]:
    """The session's orders per status, currency and quarter of an hour of placing, from its
    running totals (one query)."""
    return [
        row
        for row in SessionOrderTotal.objects.filter(sales_session_id=session_id)
        .order_by()
        .values("status", "currency", "placed_at")
        .annotate(orders=Sum("orders"), revenue=Sum("revenue"))
        if row["orders"]
    ]


def _by_producer(session_id: int, by_product: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Live orders, lines and revenue per producer, by name: lines and revenue are the
    products', the orders with a line of the producer its own total (one query)."""
    orders = dict(
        SessionProducerTotal.objects.filter(sales_session_id=session_id)
        .order_by()
        .values("producer_id")
        .annotate(orders=Sum("orders"))
        .values_list("producer_id", "orders")
    )
    producers: dict[int, dict] = {}
    for row in by_product:
        entry = producers.setdefault(
            row["producer_id"],
            {
                "producer_id": row["producer_id"],
                "producer__name": row["producer__name"],
                "producer__platform__name": row["producer__platform__name"],
                "orders": orders.get(row["producer_id"], 0),
                "lines": 0,
                "revenue": ZERO,
            },
        )
        entry["lines"] += row["lines"]
        entry["revenue"] += row["revenue"]
    return sorted(producers.values(), key=lambda entry: entry["producer__name"])


def _by_status(rows: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Orders and their total per status and currency, by status."""
    by_key: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["status"], row["currency"])
        entry = by_key.setdefault(
            key, {"status": key[0], "currency": key[1], "orders": 0, "total": ZERO}
        )
        entry["orders"] += row["orders"]
        entry["total"] += row["revenue"] or ZERO
    return [by_key[key] for key in sorted(by_key) if by_key[key]["orders"]]


def _orders_over_time(rows: Sequence[Mapping[str, Any]], bucket: str) -> list[dict]:
    """Live placed orders and their revenue per hour (or day) of placing, in the current time
    zone, oldest first."""
    return _series(
        [r for r in rows if r["status"] in LIVE_ORDER_STATUSES and r["placed_at"] is not None],
        bucket,
    )


def _previous_series(session_id: int, bucket: str) -> list[dict]:
    """The previous session's live placed orders over time, for comparison: its running totals
    summed per quarter hour by the database (status and currency aside: a hundred rows, not
    one per status and currency of every quarter hour), then put in the same slots (one
    query)."""
    return _series(
        SessionOrderTotal.objects.filter(
            sales_session_id=session_id,
            status__in=LIVE_ORDER_STATUSES,
            placed_at__isnull=False,
        )
        .order_by()
        .values("placed_at")
        .annotate(orders=Sum("orders"), revenue=Sum("revenue")),
        bucket,
    )


def _series(rows: Iterable[Mapping[str, Any]], bucket: str) -> list[dict]:
    """Orders and revenue of `rows` (placed, live) per hour (or day), oldest first."""
    slots: dict = {}
    for row in rows:
        entry = slots.setdefault(
            _slot_start(row["placed_at"], bucket), {"orders": 0, "revenue": ZERO}
        )
        entry["orders"] += row["orders"]
        entry["revenue"] += row["revenue"]
    return [{"at": at, **entry} for at, entry in sorted(slots.items()) if entry["orders"]]


def _offer_stock(row: dict) -> OfferStock:
    """An offer's row from its values (a session may offer thousands of products: two small
    unsaved instances for the rules, not four loaded ones)."""
    stock = (
        Stock(
            on_hand=row["product__stock__on_hand"],
            reserved=row["product__stock__reserved"],
            is_unlimited=row["product__stock__is_unlimited"],
        )
        if row["product__stock__product_id"] is not None
        else None
    )
    offer = Offer(
        stock_limitation=row["stock_limitation"], quantity_reserved=row["quantity_reserved"]
    )
    available = available_quantity(stock=stock, offer=offer)
    return OfferStock(
        offer_id=row["pk"],
        product_name=row["product__name"],
        producer_name=row["product__producer__name"],
        stock_limitation=row["stock_limitation"],
        quantity_reserved=row["quantity_reserved"],
        on_hand=stock.on_hand if stock else None,
        reserved=stock.reserved if stock else Decimal("0"),
        available=available,
        stock_text=stock.describe() if stock else gettext("unknown (no stock published)"),
        is_low=available is not None and available <= LOW_INVENTORY_UNITS,
    )


MAX_CHART_SLOTS = 62


def _slot_start(moment, bucket: str):
    local = timezone.localtime(moment)
    if bucket == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _slots(series: list[dict], start, step, count: int) -> list[dict]:
    """The series spread over `count` slots from `start` (a slot without orders is zero)."""
    slots = [{"orders": 0, "revenue": ZERO} for _ in range(count)]
    for row in series:
        index = int((timezone.localtime(row["at"]) - start) / step)
        if 0 <= index < count:
            slots[index] = {"orders": row["orders"], "revenue": row["revenue"] or ZERO}
    return slots


def chart_geometry(dashboard: SessionDashboard, *, width: int = 900, height: int = 260) -> dict:
    """An inline SVG of the session's every day (or hour, for a session of two days or less):
    orders as bars and revenue as a line, beside the previous session's (lighter bars, dashed
    line) aligned on the same day of the session; both axes with ticks, slot labels. The
    template adds the legend and the same figures as a table (the chart's text alternative)."""
    session, bucket = dashboard.session, dashboard.bucket
    step = timedelta(hours=1) if bucket == "hour" else timedelta(days=1)
    start = _slot_start(session.begins_at, bucket)
    count = min(int((session.ends_at - start) / step) + 1, MAX_CHART_SLOTS)
    current = _slots(dashboard.series, start, step, count)
    previous = (
        _slots(
            dashboard.previous_series,
            _slot_start(dashboard.previous_session.begins_at, bucket),
            step,
            count,
        )
        if dashboard.previous_session is not None
        else None
    )
    left, right, top, bottom = 48, 64, 16, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    both = current + (previous or [])
    top_orders = max((slot["orders"] for slot in both), default=0) or 1
    top_revenue = max((slot["revenue"] for slot in both), default=ZERO) or Decimal(1)
    slot_w = plot_w / count
    label_every = max(1, -(-count // 14))  # at most 14 labels on the x axis
    base = top + plot_h

    def bar_h(orders: int) -> float:
        return round(plot_h * orders / top_orders, 1)

    def revenue_y(revenue: Decimal) -> float:
        return round(base - float(plot_h * revenue / top_revenue), 1)

    slots, points, previous_points = [], [], []
    for index, slot in enumerate(current):
        x = left + index * slot_w
        at = start + step * index
        entry = {
            "at": at,
            "orders": slot["orders"],
            "revenue": slot["revenue"],
            "x": round(x + slot_w * 0.5, 1),
            "bar_x": round(x + slot_w * 0.5, 1),
            "bar_w": round(slot_w * 0.38, 1),
            "bar_y": round(base - bar_h(slot["orders"]), 1),
            "bar_h": bar_h(slot["orders"]),
            "labelled": index % label_every == 0,
        }
        points.append(f"{entry['x']},{revenue_y(slot['revenue'])}")
        if previous is not None:
            before = previous[index]
            entry.update(
                previous_orders=before["orders"],
                previous_revenue=before["revenue"],
                previous_bar_x=round(x + slot_w * 0.12, 1),
                previous_bar_y=round(base - bar_h(before["orders"]), 1),
                previous_bar_h=bar_h(before["orders"]),
            )
            previous_points.append(f"{entry['x']},{revenue_y(before['revenue'])}")
        slots.append(entry)
    ticks = [
        {
            "y": round(base - plot_h * fraction, 1),
            "orders": round(top_orders * fraction, 1),
            "revenue": (top_revenue * Decimal(str(fraction))).quantize(Decimal("0.01")),
        }
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "top": top,
        "base": base,
        "label_y": height - 12,
        "slots": slots,
        "points": " ".join(points),
        "previous_points": " ".join(previous_points),
        "ticks": ticks,
        "has_previous": previous is not None,
    }


@dataclass
class FailingDelivery:
    producer_order: ProducerOrder
    platform_name: str
    state: str
    attempts: int
    explanation: str


@dataclass
class BackOfficeAttention:
    """What the admin home shows first, for one user's traders."""

    counts: dict[str, int]  # order status letter → orders in it (NEEDS_ATTENTION_STATUSES)
    orders: list[Order]
    failing_deliveries: list[FailingDelivery]
    sessions_closing_today: list[SaleSession]

    @property
    def total(self) -> int:
        return (
            sum(self.counts.values())
            + len(self.failing_deliveries)
            + len(self.sessions_closing_today)
        )


def back_office_attention(*, user, limit: int = 20) -> BackOfficeAttention:
    """Orders waiting on a person (payment review, approval, short of stock, backordered,
    under edit), producer orders whose delivery is failing (any failed attempt, not only dead
    letters) and open sessions ending today — all within the user's traders, in
    five queries whatever the volume."""
    from platforms.models import OutboxMessage
    from platforms.tenancy.roles import scope_queryset

    orders = scope_queryset(Order.objects.all(), user, trader="trader")
    count_row = orders.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in NEEDS_ATTENTION_STATUSES}
    )
    attention_orders = list(
        orders.filter(status__in=NEEDS_ATTENTION_STATUSES)
        .select_related("customer", "locked_by", "sales_session")
        .order_by("status", "placed_at", "number")[:limit]
    )
    producer_orders = scope_queryset(ProducerOrder.objects.all(), user, trader="trader")
    messages = list(
        OutboxMessage.objects.filter(
            kind=OutboxMessage.Kind.PRODUCER_ORDER,
            subject_id__in=producer_orders.values("pk"),
        )
        .filter(
            Q(state=OutboxMessage.State.DEAD)
            | Q(state=OutboxMessage.State.PENDING, attempts__gt=0) & ~Q(last_error="")
        )
        .select_related("platform")
        .order_by("-updated_at")[:limit]
    )
    by_id = ProducerOrder.objects.select_related("producer", "sales_session").in_bulk(
        [m.subject_id for m in messages]
    )
    failing = [
        FailingDelivery(
            producer_order=by_id[m.subject_id],
            platform_name=m.platform.name,
            state=m.state,
            attempts=m.attempts,
            explanation=delivery_explanation(
                platform_name=m.platform.name,
                state=m.state,
                attempts=m.attempts,
                last_error=m.last_error,
                next_attempt_at=m.next_attempt_at,
            ),
        )
        for m in messages
        if m.subject_id in by_id
    ]
    today_end = timezone.localtime().replace(hour=23, minute=59, second=59, microsecond=999999)
    sessions = list(
        scope_queryset(SaleSession.objects.all(), user, trader="trader")
        .filter(state=SaleSession.State.OPEN, ends_at__gte=timezone.now(), ends_at__lte=today_end)
        .select_related("trader")
        .order_by("ends_at")
    )
    return BackOfficeAttention(
        counts={status: count_row[status] for status in NEEDS_ATTENTION_STATUSES},
        orders=attention_orders,
        failing_deliveries=failing,
        sessions_closing_today=sessions,
    )
