"""Reads for the trader's session dashboard, in a constant number of queries."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone
from django.utils.translation import gettext

from inventory.selectors import available_quantity, product_stock
from orders.models import Order, OrderItem, ProducerOrder
from orders.producer_orders.selectors import producer_orders_attach_deliveries
from orders.status_labels import NEEDS_ATTENTION_STATUSES
from orders.statuses import LIVE_ORDER_STATUSES, InventoryStatus, OrderStatus
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


if TYPE_CHECKING:
    from orders.producer_orders.selectors import ProducerOrderWithDelivery


@dataclass
class OfferStock:
    offer: Offer
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
    """Everything the session dashboard shows, in eight queries whatever the number of
    orders, items, offers or producer orders (ten with a previous session to compare with:
    the trader's session that began last before this one, and its orders over time): orders
    over time, orders and revenue per status,
    totals per producer and per product (with backordered and unreserved items), the offers
    with their stock and reservations, producer orders with their latest delivery, and the
    orders needing attention. Revenue counts live orders only (placed, not cancelled)."""
    orders = Order.objects.filter(sales_session_id=session.pk)
    live = orders.filter(status__in=LIVE_ORDER_STATUSES)
    span = session.ends_at - session.begins_at
    bucket, trunc = ("hour", TruncHour) if span <= timedelta(days=2) else ("day", TruncDay)
    series = _orders_over_time(live, trunc)
    previous = (
        SaleSession.objects.filter(trader_id=session.trader_id, begins_at__lt=session.begins_at)
        .exclude(pk=session.pk)
        .order_by("-begins_at")
        .first()
    )
    previous_series = (
        _orders_over_time(
            Order.objects.filter(sales_session_id=previous.pk, status__in=LIVE_ORDER_STATUSES),
            trunc,
        )
        if previous is not None
        else []
    )
    by_status = list(
        orders.exclude(status__in=[OrderStatus.TEMPORARY, OrderStatus.QUICK_ORDER_PROFILE])
        .values("status", "currency")
        .annotate(orders=Count("pk"), total=Sum("grand_total"))
        .order_by("status", "currency")
    )
    live_items = OrderItem.objects.filter(
        order__sales_session_id=session.pk, order__status__in=LIVE_ORDER_STATUSES
    )
    by_producer = list(
        live_items.values("producer_id", "producer__name", "producer__platform__name")
        .annotate(
            orders=Count("order_id", distinct=True),
            lines=Count("pk"),
            revenue=Sum("total_product"),
        )
        .order_by("producer__name")
    )
    by_product = list(
        live_items.values("product_id", "product_name", "producer__name", "unit_of_measure")
        .annotate(
            quantity=Sum("quantity"),
            actual_quantity=Sum("actual_quantity"),
            revenue=Sum("total_product"),
            backordered=Count("pk", filter=Q(inventory_status=InventoryStatus.BACKORDERED)),
            without_inventory=Count("pk", filter=Q(inventory_unknown=True)),
        )
        .order_by("producer__name", "product_name")
    )
    offers = [
        _offer_stock(offer)
        for offer in Offer.objects.filter(session_id=session.pk)
        .select_related("product__producer", "product__stock")
        .order_by("product__producer__name", "product__name")
    ]
    producer_orders = producer_orders_attach_deliveries(
        list(
            ProducerOrder.objects.filter(sales_session_id=session.pk)
            .select_related("producer__platform")
            .order_by("producer__name", "pk")
        )
    )
    attention = list(
        orders.filter(status__in=ATTENTION_STATUSES)
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


def _orders_over_time(orders, trunc) -> list[dict]:
    return list(
        orders.exclude(placed_at__isnull=True)
        .annotate(at=trunc("placed_at"))
        .values("at")
        .annotate(orders=Count("pk"), revenue=Sum("grand_total"))
        .order_by("at")
    )


def _offer_stock(offer: Offer) -> OfferStock:
    stock = product_stock(offer.product)
    available = available_quantity(stock=stock, offer=offer)
    if stock is None:
        text = gettext("unknown (no stock published)")
    else:
        text = stock.describe()
    return OfferStock(
        offer=offer,
        on_hand=stock.on_hand if stock else None,
        reserved=stock.reserved if stock else Decimal("0"),
        available=available,
        stock_text=text,
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
