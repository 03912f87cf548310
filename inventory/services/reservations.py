"""Reserving and releasing stock for order items, all or nothing.

Every function here runs inside the caller's transaction, which must already hold the lock
on the order row whose items it touches (so two releases of one order never both count).
It then locks the offers with a stock limitation and the stock rows it needs, each in one
query ordered by pk, decides for every item at once, and writes with one bulk update per
table: the number of queries does not grow with the number of items.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F, TextChoices
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.lock_objects import stock_qs_select_for_update
from inventory.models import Reservation, Stock
from sessions_app.lock_objects import offer_qs_select_for_update
from sessions_app.models import Offer


class Allocation(TextChoices):
    RESERVED = "reserved", "reserved against known stock"
    UNLIMITED = "unlimited", "producer's stock is unlimited"
    UNKNOWN = "unknown", "producer publishes no stock: accepted unreserved"
    BACKORDERED = "backordered", "short, backordered"


@dataclass(frozen=True)
class StockRequest:
    """One order item asking for stock."""

    item_id: int
    order_id: int
    product_id: int
    product_name: str
    quantity: Decimal
    offer_id: int | None = None
    offer_limited: bool = False
    allows_backorder: bool = False


def item_stock_request(item, *, allow_backorder: bool = True) -> StockRequest:
    """What an order item (loaded with its offer) asks of the stock: its quantity, counted
    against its offer's limitation if any, backorderable where the offer allows it."""
    offer = item.offer
    return StockRequest(
        item_id=item.pk,
        order_id=item.order_id,
        product_id=item.product_id,
        product_name=item.product_name,
        quantity=item.quantity,
        offer_id=item.offer_id,
        offer_limited=offer is not None and offer.stock_limitation is not None,
        allows_backorder=allow_backorder and offer is not None and offer.allows_backorder,
    )


def quantity_text(quantity: Decimal) -> str:
    """3.000 → "3", 2.500 → "2.5": quantities as a customer reads them."""
    return format(Decimal(quantity).normalize(), "f")


def _lock(product_ids, offer_ids) -> tuple[dict[int, Stock], dict[int, Offer]]:
    # Offers before stock, each in pk order: the house lock order (inventory/lock_objects.py).
    offers = (
        {o.pk: o for o in offer_qs_select_for_update(sorted(set(offer_ids)))} if offer_ids else {}
    )
    stocks = (
        {s.pk: s for s in stock_qs_select_for_update(sorted(set(product_ids)))}
        if product_ids
        else {}
    )
    return stocks, offers


def _write(stocks: dict[int, Stock], stock_delta, offers: dict[int, Offer], offer_delta) -> None:
    """Apply signed deltas to locked rows, one bulk UPDATE per table."""
    # Relative writes (reserved = reserved + n): under the locks they equal absolute ones, and
    # should a lock ever be lost the CheckConstraints still refuse to oversell.
    now = timezone.now()
    changed_stocks = []
    for product_id, delta in stock_delta.items():
        if delta:
            stock = stocks[product_id]
            stock.reserved = F("reserved") + delta
            stock.updated_at = now
            changed_stocks.append(stock)
    if changed_stocks:
        Stock.objects.bulk_update(changed_stocks, ["reserved", "updated_at"])
    changed_offers = []
    for offer_id, delta in offer_delta.items():
        if delta:
            offer = offers[offer_id]
            offer.quantity_reserved = F("quantity_reserved") + delta
            changed_offers.append(offer)
    if changed_offers:
        Offer.objects.bulk_update(changed_offers, ["quantity_reserved"])


def stock_reserve(
    *, requests: list[StockRequest], expires_at: datetime | None
) -> dict[int, Allocation]:
    """Reserve stock for every request, or for none.

    An item whose stock is known holds a reservation (and so does one whose offer has a
    stock limitation); an item whose producer publishes no stock, or says it is unlimited,
    is accepted without one. A short item is backordered when its offer allows it; otherwise
    InsufficientStock lists every short item and nothing is written. Queries: at most two
    locks, two bulk updates and one insert, whatever the number of items.
    """
    requests = sorted(requests, key=lambda r: r.item_id)
    stocks, offers = _lock(
        [r.product_id for r in requests], [r.offer_id for r in requests if r.offer_limited]
    )
    stock_left = {pk: s.available for pk, s in stocks.items() if s.is_known}
    offer_left = {pk: o.remaining for pk, o in offers.items() if o.remaining is not None}
    stock_delta: dict[int, Decimal] = defaultdict(Decimal)
    offer_delta: dict[int, Decimal] = defaultdict(Decimal)
    allocations: dict[int, Allocation] = {}
    holds: list[Reservation] = []
    shortages: list[dict] = []

    for request in requests:
        stock_room = stock_left.get(request.product_id)
        offer_room = offer_left.get(request.offer_id) if request.offer_limited else None
        rooms = [room for room in (stock_room, offer_room) if room is not None]
        if any(request.quantity > room for room in rooms):
            if request.allows_backorder:
                allocations[request.item_id] = Allocation.BACKORDERED
                continue
            shortages.append(
                {
                    "item": request.item_id,
                    "offer": request.offer_id,
                    "product": request.product_id,
                    "product_name": request.product_name,
                    "requested": quantity_text(request.quantity),
                    "available": quantity_text(min(rooms)),
                }
            )
            continue
        if stock_room is not None:
            stock_left[request.product_id] -= request.quantity
            stock_delta[request.product_id] += request.quantity
        if offer_room is not None:
            offer_left[request.offer_id] -= request.quantity
            offer_delta[request.offer_id] += request.quantity
        if rooms:
            holds.append(
                Reservation(
                    order_item_id=request.item_id,
                    order_id=request.order_id,
                    stock_id=request.product_id if stock_room is not None else None,
                    offer_id=request.offer_id if offer_room is not None else None,
                    quantity=request.quantity,
                    expires_at=expires_at,
                )
            )
        stock = stocks.get(request.product_id)
        if stock_room is not None:
            allocations[request.item_id] = Allocation.RESERVED
        elif stock is not None and stock.is_unlimited:
            allocations[request.item_id] = Allocation.UNLIMITED
        else:
            allocations[request.item_id] = Allocation.UNKNOWN

    if shortages:
        raise InsufficientStock(shortages)
    _write(stocks, stock_delta, offers, offer_delta)
    if holds:
        Reservation.objects.bulk_create(holds)
    return allocations


def reservations_release(*, order_id: int, item_ids=None) -> list[Reservation]:
    """Give back what an order's items hold (all of them, or `item_ids`) and delete their
    reservations. Returns the released reservations."""
    reservations = Reservation.objects.filter(order_id=order_id)
    if item_ids is not None:
        reservations = reservations.filter(order_item_id__in=list(item_ids))
    reservations = list(reservations)
    if not reservations:
        return []
    stock_delta: dict[int, Decimal] = defaultdict(Decimal)
    offer_delta: dict[int, Decimal] = defaultdict(Decimal)
    for reservation in reservations:
        if reservation.stock_id:
            stock_delta[reservation.stock_id] -= reservation.quantity
        if reservation.offer_id:
            offer_delta[reservation.offer_id] -= reservation.quantity
    stocks, offers = _lock(list(stock_delta), list(offer_delta))
    _write(stocks, stock_delta, offers, offer_delta)
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).delete()
    return reservations


def reservation_resize(*, order_item_id: int, quantity: Decimal, product_name: str = "") -> None:
    """Follow an item's new quantity: a reduction gives back the difference at once, an
    increase holds more (InsufficientStock if there is not enough, nothing written)."""
    reservation = Reservation.objects.filter(order_item_id=order_item_id).first()
    if reservation is None or reservation.quantity == quantity:
        return
    delta = quantity - reservation.quantity
    stocks, offers = _lock(
        [reservation.stock_id] if reservation.stock_id else [],
        [reservation.offer_id] if reservation.offer_id else [],
    )
    if delta > 0:
        rooms = [s.available for s in stocks.values() if s.is_known] + [
            o.remaining for o in offers.values() if o.remaining is not None
        ]
        if any(delta > room for room in rooms):
            raise InsufficientStock(
                [
                    {
                        "item": order_item_id,
                        "offer": reservation.offer_id,
                        "product": reservation.stock_id,
                        "product_name": product_name,
                        "requested": quantity_text(delta),
                        "available": quantity_text(min(rooms)),
                    }
                ]
            )
    _write(
        stocks,
        {pk: delta for pk in stocks},
        offers,
        {pk: delta for pk in offers},
    )
    Reservation.objects.filter(pk=reservation.pk).update(quantity=quantity)


def reservations_make_firm(*, order_id: int) -> int:
    """A placed order keeps its reservations: they no longer expire."""
    return Reservation.objects.filter(order_id=order_id, expires_at__isnull=False).update(
        expires_at=None
    )
