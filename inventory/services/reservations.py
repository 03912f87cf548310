"""Reserving and releasing stock for order items, all or nothing.

Every function here runs inside the caller's transaction, which must already hold the lock
on the order row whose items it touches (so two releases of one order never both count).
It then locks the offers with a stock limitation and the stock rows it needs, each in one
query ordered by pk, decides for every item at once, and writes the stock, offers and
reservations in one statement: the number of queries does not grow with the number of items.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from django.db.models import TextChoices
from django.utils import timezone

from config import sql
from inventory.exceptions import InsufficientStock
from inventory.lock_objects import stock_rows_lock
from inventory.models import Reservation, Stock
from inventory.selectors import available_quantity
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
    """What an order item asks of the stock: its quantity, counted against its offer's
    limitation if the offer has one, backorderable where `allow_backorder` and the offer allow
    it. The one builder: `item` is an OrderItem loaded with its offer, or an item row as
    orders.services.totals.order_item_rows reads it (`id`, …, `offer__stock_limitation`,
    `offer__allows_backorder`)."""
    if isinstance(item, Mapping):
        field = item.__getitem__
        limitation = item["offer__stock_limitation"]
        backorderable = bool(item["offer__allows_backorder"])
    else:
        field, offer = partial(getattr, item), item.offer
        limitation = offer.stock_limitation if offer is not None else None
        backorderable = offer is not None and offer.allows_backorder
    has_offer = field("offer_id") is not None
    return StockRequest(
        item_id=field("id"),
        order_id=field("order_id"),
        product_id=field("product_id"),
        product_name=field("product_name"),
        quantity=field("quantity"),
        offer_id=field("offer_id"),
        offer_limited=has_offer and limitation is not None,
        allows_backorder=allow_backorder and has_offer and backorderable,
    )


def quantity_text(quantity: Decimal) -> str:
    """3.000 → "3", 2.500 → "2.5": quantities as a customer reads them."""
    return format(Decimal(quantity).normalize(), "f")


@dataclass(frozen=True)
class LockedStock:
    """A locked stock row, as reservation reads it."""

    on_hand: Decimal | None
    reserved: Decimal
    is_unlimited: bool

    @property
    def is_known(self) -> bool:
        return self.on_hand is not None

    @property
    def available(self) -> Decimal | None:
        return None if self.on_hand is None else self.on_hand - self.reserved


@dataclass(frozen=True)
class LockedOffer:
    stock_limitation: Decimal | None
    quantity_reserved: Decimal

    @property
    def remaining(self) -> Decimal | None:
        if self.stock_limitation is None:
            return None
        return max(self.stock_limitation - self.quantity_reserved, Decimal(0))


def _lock(product_ids, offer_ids) -> tuple[dict[int, LockedStock], dict[int, LockedOffer]]:
    # Offers before stock, each in pk order: the house lock order (inventory/lock_objects.py).
    # values_list: only the columns decided on, no model instances to build.
    offers = (
        {
            pk: LockedOffer(limitation, reserved)
            for pk, limitation, reserved in sql.lock_rows(
                Offer, offer_ids, ["stock_limitation", "quantity_reserved"]
            )
        }
        if offer_ids
        else {}
    )
    stocks = (
        {
            pk: LockedStock(on_hand, reserved, unlimited)
            for pk, on_hand, reserved, unlimited in stock_rows_lock(product_ids)
        }
        if product_ids
        else {}
    )
    return stocks, offers


def _write(stock_delta, offer_delta, holds: list[dict] | None = None, extra=()) -> None:
    """Apply signed deltas to locked rows and insert the new reservations (and run `extra`,
    statements on the reservations of other rows): one round trip (config.sql; each statement
    writes its own rows)."""
    sql.run(*_writes(stock_delta, offer_delta, holds), *extra)


def _writes(
    stock_delta, offer_delta, holds: list[dict] | None = None
) -> list[sql.Statement | None]:
    """_write's statements, not yet run."""
    # Relative writes (reserved = reserved + n): under the locks they equal absolute ones, and
    # should a lock ever be lost the CheckConstraints still refuse to oversell.
    now = timezone.now()
    return [
        sql.add_to_rows(Stock, stock_delta, ["reserved"], also={"updated_at": now}),
        sql.add_to_rows(Offer, offer_delta, ["quantity_reserved"]),
        sql.insert_rows(Reservation, [hold | {"created_at": now} for hold in holds], _HOLD_FIELDS)
        if holds
        else None,
    ]


_HOLD_FIELDS = (
    "order_item_id",
    "order_id",
    "stock_id",
    "offer_id",
    "quantity",
    "expires_at",
    "created_at",
)


def stock_reserve(
    *, requests: list[StockRequest], expires_at: datetime | None
) -> dict[int, Allocation]:
    """stock_reserve_held's allocations."""
    return stock_reserve_held(requests=requests, expires_at=expires_at)[0]


def stock_reserve_held(
    *, requests: list[StockRequest], expires_at: datetime | None
) -> tuple[dict[int, Allocation], list[dict]]:
    """Reserve stock for every request, or for none: each item's allocation, and the
    reservations written (dicts of Reservation's columns: `order_item_id`, `quantity`,
    `expires_at`, …), for a caller answering with what it wrote.

    An item whose stock is known holds a reservation (and so does one whose offer has a
    stock limitation); an item whose producer publishes no stock, or says it is unlimited,
    is accepted without one. A short item is backordered when its offer allows it; otherwise
    InsufficientStock lists every short item and nothing is written. Queries: the stock lock
    (and the offers' lock when an offer has a stock limitation) and one statement writing the
    stock, the offers and the reservations, whatever the number of items.
    """
    held = stock_hold(requests=requests, expires_at=expires_at)
    sql.run(*held.writes)
    return held.allocations, held.holds


class StockHold(NamedTuple):
    """What stock_hold decided under its locks, and its writes, not yet run."""

    allocations: dict[int, Allocation]
    holds: list[dict]  # the reservations to write (Reservation's columns)
    writes: list[sql.Statement | None]  # the stock, the offers and the reservations


def stock_hold(*, requests: list[StockRequest], expires_at: datetime | None) -> StockHold:
    """stock_reserve_held's locks and decision, its writes left to the caller: to run with
    its own writes in one round trip (config.sql.run; cart_submit_written runs them with the
    order's), in this transaction. The stock rows (and limited offers) stay locked until the
    transaction ends, so what was decided on them still holds when the writes run, and
    nothing else may write them meanwhile; InsufficientStock is raised here, before anything
    is written. Queries: the locks only."""
    requests = sorted(requests, key=lambda r: r.item_id)
    stocks, offers = _lock(
        [r.product_id for r in requests], [r.offer_id for r in requests if r.offer_limited]
    )
    decision = _Decision(stocks, offers)
    holds = decision.requests(requests, expires_at)
    if decision.shortages:
        raise InsufficientStock(decision.shortages)
    return StockHold(
        decision.allocations, holds, _writes(decision.stock_delta, decision.offer_delta, holds)
    )


class _Decision:
    """What a set of locked stock and offer rows can give: the deltas decided so far (applied
    in the order they are decided: what one item gives back, a later one may take), the
    allocations of new items and the shortages."""

    def __init__(self, stocks: dict[int, LockedStock], offers: dict[int, LockedOffer]) -> None:
        self.stocks, self.offers = stocks, offers
        self.stock_delta: dict[int, Decimal] = defaultdict(Decimal)
        self.offer_delta: dict[int, Decimal] = defaultdict(Decimal)
        self.allocations: dict[int, Allocation] = {}
        self.shortages: list[dict] = []

    def stock_room(self, product_id) -> Decimal | None:
        stock = self.stocks.get(product_id)
        if stock is None or stock.available is None:
            return None
        return stock.available - self.stock_delta[product_id]

    def offer_room(self, offer_id) -> Decimal | None:
        offer = self.offers.get(offer_id)
        if offer is None or offer.stock_limitation is None:
            return None
        reserved = offer.quantity_reserved + self.offer_delta[offer_id]
        return max(offer.stock_limitation - reserved, Decimal(0))

    def take(self, stock_id, offer_id, quantity: Decimal) -> None:
        """Signed: a negative quantity gives back."""
        if stock_id is not None:
            self.stock_delta[stock_id] += quantity
        if offer_id is not None:
            self.offer_delta[offer_id] += quantity

    def short(self, *, item_id, offer_id, product_id, name, requested, rooms) -> None:
        self.shortages.append(
            {
                "item": item_id,
                "offer": offer_id,
                "product": product_id,
                "product_name": name,
                "requested": quantity_text(requested),
                "available": quantity_text(min(rooms)),
            }
        )

    def requests(self, requests: list[StockRequest], expires_at) -> list[dict]:
        """New items: a hold each where stock or an offer limitation counts, backordered when
        short and their offer allows it, a shortage otherwise. Returns the holds."""
        holds: list[dict] = []
        for request in requests:
            stock_room = self.stock_room(request.product_id)
            offer_room = self.offer_room(request.offer_id) if request.offer_limited else None
            rooms = [room for room in (stock_room, offer_room) if room is not None]
            if any(request.quantity > room for room in rooms):
                if request.allows_backorder:
                    self.allocations[request.item_id] = Allocation.BACKORDERED
                else:
                    self.short(
                        item_id=request.item_id,
                        offer_id=request.offer_id,
                        product_id=request.product_id,
                        name=request.product_name,
                        requested=request.quantity,
                        rooms=rooms,
                    )
                continue
            stock_id = request.product_id if stock_room is not None else None
            offer_id = request.offer_id if offer_room is not None else None
            self.take(stock_id, offer_id, request.quantity)
            if rooms:
                holds.append(
                    {
                        "order_item_id": request.item_id,
                        "order_id": request.order_id,
                        "stock_id": stock_id,
                        "offer_id": offer_id,
                        "quantity": request.quantity,
                        "expires_at": expires_at,
                    }
                )
            stock = self.stocks.get(request.product_id)
            if stock_room is not None:
                self.allocations[request.item_id] = Allocation.RESERVED
            elif stock is not None and stock.is_unlimited:
                self.allocations[request.item_id] = Allocation.UNLIMITED
            else:
                self.allocations[request.item_id] = Allocation.UNKNOWN
        return holds


def reservations_release(*, order_id: int, item_ids=None) -> list[Reservation]:
    """Give back what an order's items hold (all of them, or `item_ids`) and delete their
    reservations. Returns the released reservations."""
    released = Reservation.objects.filter(order_id=order_id)
    if item_ids is not None:
        released = released.filter(order_item_id__in=list(item_ids))
    reservations = list(released)
    if not reservations:
        return []
    stock_delta: dict[int, Decimal] = defaultdict(Decimal)
    offer_delta: dict[int, Decimal] = defaultdict(Decimal)
    for reservation in reservations:
        if reservation.stock_id:
            stock_delta[reservation.stock_id] -= reservation.quantity
        if reservation.offer_id:
            offer_delta[reservation.offer_id] -= reservation.quantity
    _lock(list(stock_delta), list(offer_delta))
    _write(stock_delta, offer_delta)
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
    room = available_quantity(
        stock=next(iter(stocks.values()), None), offer=next(iter(offers.values()), None)
    )
    if delta > 0 and room is not None and delta > room:
        raise InsufficientStock(
            [
                {
                    "item": order_item_id,
                    "offer": reservation.offer_id,
                    "product": reservation.stock_id,
                    "product_name": product_name,
                    "requested": quantity_text(delta),
                    "available": quantity_text(room),
                }
            ]
        )
    _write({pk: delta for pk in stocks}, {pk: delta for pk in offers})
    Reservation.objects.filter(pk=reservation.pk).update(quantity=quantity)


def reservations_change(
    *,
    order_id: int,
    release_item_ids=(),
    resize: dict[int, Decimal] | None = None,
    requests: Sequence[StockRequest] = (),
    expires_at: datetime | None = None,
    product_names: dict[int, str] | None = None,
    held: list[Reservation] | None = None,
) -> dict[int, Allocation]:
    """Several of an order's items at once, decided together under one set of locks: the
    reservations of `release_item_ids` are given back and deleted, those of `resize` (item id
    → its new quantity) follow it, and `requests` (new items) reserve as stock_reserve does.
    Releases and reductions come first, so what they give back increases and new items may
    take. InsufficientStock lists every short item, and nothing is written. Returns the new
    items' allocations. Statements, whatever the number of items: the reservations read (when
    releasing or resizing, unless the caller gives the order's as `held`), the locks (offers
    with a limitation, then stock) and one write."""
    resize = resize or {}
    names = product_names or {}
    touched = {*release_item_ids, *resize}
    if held is not None:
        held = [r for r in held if r.order_id == order_id and r.order_item_id in touched]
    elif touched:
        held = list(Reservation.objects.filter(order_id=order_id, order_item_id__in=touched))
    else:
        held = []
    released = [r for r in held if r.order_item_id not in resize]
    resized = [
        (r, resize[r.order_item_id])
        for r in held
        if r.order_item_id in resize and r.quantity != resize[r.order_item_id]
    ]
    requests = sorted(requests, key=lambda r: r.item_id)
    stocks, offers = _lock(
        [r.stock_id for r in held if r.stock_id] + [r.product_id for r in requests],
        [r.offer_id for r in held if r.offer_id]
        + [r.offer_id for r in requests if r.offer_limited],
    )
    decision = _Decision(stocks, offers)
    for reservation in released:
        decision.take(reservation.stock_id, reservation.offer_id, -reservation.quantity)
    # Reductions first, then increases, each in item order.
    resized.sort(key=lambda change: (change[1] > change[0].quantity, change[0].order_item_id))
    for reservation, quantity in resized:
        delta = quantity - reservation.quantity
        rooms = [
            room
            for room in (
                decision.stock_room(reservation.stock_id) if reservation.stock_id else None,
                decision.offer_room(reservation.offer_id) if reservation.offer_id else None,
            )
            if room is not None
        ]
        if delta > 0 and any(delta > room for room in rooms):
            decision.short(
                item_id=reservation.order_item_id,
                offer_id=reservation.offer_id,
                product_id=reservation.stock_id,
                name=names.get(reservation.order_item_id, ""),
                requested=delta,
                rooms=rooms,
            )
            continue
        decision.take(reservation.stock_id, reservation.offer_id, delta)
    holds = decision.requests(requests, expires_at)
    if decision.shortages:
        raise InsufficientStock(decision.shortages)
    extra = [
        sql.delete_where(Reservation.objects.filter(pk__in=[r.pk for r in released])),
        sql.update_rows(
            Reservation, [{"id": r.pk, "quantity": q} for r, q in resized], ["quantity"]
        )
        if resized
        else None,
    ]
    _write(decision.stock_delta, decision.offer_delta, holds, extra)
    return decision.allocations


def reservations_make_firm(*, order_id: int) -> int:
    """A placed order keeps its reservations: they no longer expire."""
    return sql.run_rowcount(reservations_make_firm_statement(order_id))


@sql.once
def reservations_make_firm_statement(order_id: int) -> sql.Statement | None:
    """reservations_make_firm's statement, for a caller to run with its other writes."""
    # Compiled once (config.sql.once): run by every payment; building the ORM's update on
    # each call took 2.2 ms against 1.35 ms for the statement alone (docs/performance.md,
    # "One SQL mechanism").
    reservations = Reservation.objects.filter(order_id=order_id, expires_at__isnull=False)
    return sql.update_where(reservations, {"expires_at": None})


def reservations_fulfil(*, order_id: int, item_ids) -> list[Reservation]:
    """Shipped items take their stock away: what their reservations hold leaves both on hand
    and reserved (one relative UPDATE under the stock rows' locks), and the reservations are
    deleted. An offer's limitation keeps counting them: they were sold. Returns the
    reservations fulfilled."""
    reservations = list(
        Reservation.objects.filter(order_id=order_id, order_item_id__in=list(item_ids))
    )
    stock_delta: dict[int, Decimal] = defaultdict(Decimal)
    for reservation in reservations:
        if reservation.stock_id:
            stock_delta[reservation.stock_id] += reservation.quantity
    now = timezone.now()
    if stock_delta:
        _lock(list(stock_delta), [])
        taken = {pk: -delta for pk, delta in stock_delta.items()}
        sql.run(sql.add_to_rows(Stock, taken, ["on_hand", "reserved"], also={"updated_at": now}))
    Reservation.objects.filter(pk__in=[r.pk for r in reservations]).delete()
    return reservations
