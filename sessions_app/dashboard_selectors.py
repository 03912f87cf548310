"""Reads for the trader's session dashboard, in a constant number of queries."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDay, TruncHour

from orders.models import Order, OrderItem, ProducerOrder
from orders.services.producer_orders import LIVE_ORDER_STATUSES
from orders.statuses import InventoryStatus, OrderStatus
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
    by_status: list[dict]
    by_producer: list[dict]
    by_product: list[dict]
    offers: list[OfferStock]
    producer_orders: list[ProducerOrder]
    attention_orders: list[Order]
    failed_deliveries: list[ProducerOrder] = field(default_factory=list)
    low_offers: list[OfferStock] = field(default_factory=list)
    backordered_items: int = 0
    items_without_inventory: int = 0


def session_dashboard(*, session: SaleSession) -> SessionDashboard:
    """Everything the session dashboard shows, in eight queries whatever the number of
    orders, items, offers or producer orders: orders over time, orders and revenue per status,
    totals per producer and per product (with backordered and unreserved items), the offers
    with their stock and reservations, producer orders with their latest delivery, and the
    orders needing attention. Revenue counts live orders only (placed, not cancelled)."""
    orders = Order.objects.filter(sales_session_id=session.pk)
    live = orders.filter(status__in=LIVE_ORDER_STATUSES)
    span = session.ends_at - session.begins_at
    bucket, trunc = ("hour", TruncHour) if span <= timedelta(days=2) else ("day", TruncDay)
    series = list(
        live.exclude(placed_at__isnull=True)
        .annotate(at=trunc("placed_at"))
        .values("at")
        .annotate(orders=Count("pk"), revenue=Sum("grand_total"))
        .order_by("at")
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
    producer_orders = list(
        ProducerOrder.objects.filter(sales_session_id=session.pk)
        .select_related("producer__platform")
        .order_by("producer__name", "pk")
    )
    _attach_deliveries(producer_orders)
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
        failed_deliveries=[p for p in producer_orders if p.delivery_state == "dead"],
        low_offers=[o for o in offers if o.is_low],
        backordered_items=sum(row["backordered"] for row in by_product),
        items_without_inventory=sum(row["without_inventory"] for row in by_product),
    )


def _offer_stock(offer: Offer) -> OfferStock:
    stock = getattr(offer.product, "stock", None)
    rooms = []
    if stock is not None and stock.is_known:
        rooms.append(stock.available)
    if offer.remaining is not None:
        rooms.append(offer.remaining)
    available = min(rooms) if rooms else None
    if stock is None:
        text = "unknown (no stock published)"
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


def _attach_deliveries(producer_orders: list[ProducerOrder]) -> None:
    """Each producer order's latest outbox message: `delivery_state` (none, pending,
    delivered, dead), `delivery_error`, `delivery_attempts`, `delivery_message_id`. One query."""
    from platforms.models import OutboxMessage

    keys = {f"producer-order:{p.pk}": p for p in producer_orders}
    latest: dict[str, OutboxMessage] = {}
    if keys:
        for message in (
            OutboxMessage.objects.filter(subject_key__in=list(keys))
            .only("pk", "subject_key", "state", "last_error", "attempts")
            .order_by("pk")
        ):
            latest[message.subject_key] = message
    for key, producer_order in keys.items():
        message = latest.get(key)
        local = producer_order.producer.platform.is_local
        producer_order.delivery_state = message.state if message else ("local" if local else "none")
        producer_order.delivery_error = message.last_error if message else ""
        producer_order.delivery_attempts = message.attempts if message else 0
        producer_order.delivery_message_id = message.pk if message else None


def chart_geometry(series: list[dict], *, width: int = 720, height: int = 220) -> dict:
    """Bars (orders) and a line (revenue) for an inline SVG, scaled to the largest values."""
    pad_left, pad_bottom, pad_top = 40, 30, 10
    plot_w, plot_h = width - pad_left - 10, height - pad_bottom - pad_top
    n = max(len(series), 1)
    slot = min(plot_w / n, 80)  # a young session's few bars stay bars, not a wall
    top_orders = max((row["orders"] for row in series), default=0) or 1
    top_revenue = max((row["revenue"] or ZERO for row in series), default=ZERO) or Decimal(1)
    bars, points = [], []
    for i, row in enumerate(series):
        bar_h = plot_h * row["orders"] / top_orders
        x = pad_left + i * slot
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "y": round(pad_top + plot_h - bar_h, 1),
                "w": round(slot * 0.7, 1),
                "h": round(bar_h, 1),
                "label": row["at"],
                "orders": row["orders"],
                "revenue": row["revenue"],
            }
        )
        rev_y = pad_top + plot_h - float(plot_h * (row["revenue"] or ZERO) / top_revenue)
        points.append(f"{x + slot / 2:.1f},{rev_y:.1f}")
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "points": " ".join(points),
        "baseline": pad_top + plot_h,
        "pad_left": pad_left,
        "top_orders": top_orders,
        "top_revenue": top_revenue,
        "label_y": height - 10,
    }
