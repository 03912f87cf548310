"""Reads for the session's hand-over lists: what each pickup point or delivery zone hands
over, grouped by pickup day, in two queries."""

from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from discounts.models import FulfilmentCentre, FulfilmentWindow
from orders.models import Order, OrderItem
from orders.statuses import LIVE_ORDER_STATUSES, OrderStatus

# Placed orders not yet handed over (shipped or deposited ones are done).
HANDOVER_STATUSES = LIVE_ORDER_STATUSES - {OrderStatus.SHIPPED, OrderStatus.DEPOSITED}


@dataclass
class HandoverOrder:
    order: Order
    items: list[OrderItem] = field(default_factory=list)


@dataclass
class HandoverGroup:
    centre: FulfilmentCentre | None  # None: no pickup point or delivery zone chosen
    windows: list[FulfilmentWindow]
    orders: list[HandoverOrder] = field(default_factory=list)


@dataclass
class HandoverDay:
    day: date | None  # None: the centre has no opening in the session, or none was chosen
    groups: list[HandoverGroup] = field(default_factory=list)


def session_handover(*, session) -> list[HandoverDay]:
    """The session's placed orders not yet handed over, by pickup day, then by pickup point
    or delivery zone, then by order number, each order with its items to pick (items that
    became unavailable are left out). A centre open on several days of the session is listed
    on its first day, with all its opening times. Two queries."""
    windows: dict[int, list[FulfilmentWindow]] = {}
    for window in FulfilmentWindow.objects.filter(sales_session=session).order_by("opens_at", "pk"):
        windows.setdefault(window.centre_id, []).append(window)
    items = (
        OrderItem.objects.filter(
            order__sales_session=session,
            order__status__in=HANDOVER_STATUSES,
            unavailable_reason="",
        )
        .select_related("order__customer", "fulfilment_centre")
        .order_by("order__number", "pk")
    )
    groups: dict[int | None, HandoverGroup] = {}
    for item in items:
        centre_id = item.fulfilment_centre_id
        group = groups.get(centre_id)
        if group is None:
            group = groups[centre_id] = HandoverGroup(
                centre=item.fulfilment_centre,
                windows=windows.get(centre_id, []) if centre_id is not None else [],
            )
        if not group.orders or group.orders[-1].order.pk != item.order_id:
            group.orders.append(HandoverOrder(order=item.order))
        group.orders[-1].items.append(item)
    days: dict[date | None, HandoverDay] = {}
    for group in groups.values():
        day = timezone.localdate(group.windows[0].opens_at) if group.windows else None
        days.setdefault(day, HandoverDay(day=day)).groups.append(group)
    for handover_day in days.values():
        handover_day.groups.sort(
            key=lambda g: (g.centre is None, g.centre.name if g.centre else "")
        )
    return sorted(days.values(), key=lambda d: (d.day is None, d.day or date.min))
