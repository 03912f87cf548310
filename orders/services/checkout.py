"""Checkout on the trader's storefront: a cart is an order in P whose items come from the
offers of one open sales session; submitting it takes the offers' prices, prices the order and
reserves stock for every item at once. Payment (orders/services/payments.py) places it.

Lock order, shared by every service that touches stock: the order row (with its session row
FOR SHARE, so a session close waits for checkouts in flight), then offers, then stock rows,
each in pk order.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, TypeVar, cast

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from config import sql
from config.actors import Actor
from config.exceptions import CurrencyMismatch, NotFound
from config.money import line_total
from inventory.models import Product, Reservation
from inventory.services.reservations import (
    Allocation,
    item_stock_request,
    reservations_release,
    stock_hold,
)
from orders.events import EventText, order_event
from orders.exceptions import EmptyCart, NotYourCustomer, OrderNotEditable
from orders.models import Customer, Order, OrderEvent, OrderItem
from orders.selectors import cart_session
from orders.services.items import (
    NewItem,
    _check_quantity,
    order_insert,
    order_item_quantity_change,
    order_item_remove,
    order_offer_line_add_priced,
)
from orders.services.totals import order_item_rows_priced, order_totals_recompute
from orders.status_labels import order_status_quoted
from orders.statuses import InventoryStatus, OrderStatus
from platforms.models import Enterprise
from sessions_app.exceptions import OfferNotAvailable, SessionClosed
from sessions_app.models import Offer, SaleSession, session_accepts_orders
from sessions_app.selectors import customer_offers_qs


class _SessionWindow(TypedDict):
    """What order_and_session_lock reads of the order's session, besides the order."""

    session_state: str
    session_begins_at: datetime
    session_ends_at: datetime
    customer_category_id: int | None
    customer_user_id: int | None


_T = TypeVar("_T")

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    LockedOrder = WithAnnotations[Order, _SessionWindow]

# The caller's check of who may act on the order (orders.permissions.storefront_authorizer),
# run on the locked order before anything about it is said or written: it raises to refuse.
Authorize = Callable[["LockedOrder"], None]

INVENTORY_STATUS = {
    Allocation.RESERVED: InventoryStatus.ALLOCATED,
    Allocation.UNLIMITED: InventoryStatus.ALLOCATED,
    Allocation.UNKNOWN: InventoryStatus.NOT_ALLOCATED,
    Allocation.BACKORDERED: InventoryStatus.BACKORDERED,
}
# How a checkout's history line counts its items, by how their stock is held.
ALLOCATION_WORDS = {
    Allocation.RESERVED: gettext_noop("%(count)s reserved"),
    Allocation.UNLIMITED: gettext_noop("%(count)s unlimited"),
    Allocation.UNKNOWN: gettext_noop("%(count)s unknown"),
    Allocation.BACKORDERED: gettext_noop("%(count)s backordered"),
}


def cart_reservation_expiry(now=None):
    return (now or timezone.now()) + timedelta(minutes=settings.LARDER_CART_RESERVATION_MINUTES)


def order_and_session_lock(*, order_id: int) -> "LockedOrder":
    """Lock the order row FOR UPDATE and its session row FOR SHARE, in one query; the
    session's state and dates come back as `session_state`, `session_begins_at`,
    `session_ends_at`, the customer's category as `customer_category_id` and their user as
    `customer_user_id`. Raises NotFound for an unknown order or one outside any session."""
    locked = sql.instances(Order, _order_and_session_lock_statement(order_id))
    return cast("LockedOrder", _the_locked(order_id, locked))


def _the_locked(order_id: int, locked: list[_T]) -> _T:
    """The one row a lock of the order found, or NotFound."""
    if not locked:
        raise NotFound(
            gettext("Order %(order)s does not exist or belongs to no sales session.")
            % {"order": order_id}
        )
    return locked[0]


@sql.once
def _order_and_session_lock_statement(order_id: int) -> sql.Statement:
    # Compiled once (config.sql.once): every cart request runs it, and building it with the
    # ORM took 7.1 ms a call against 3.9 ms for running it (docs/performance.md, "One SQL
    # mechanism").
    return sql.lock_with_shared(
        Order.objects.filter(pk=order_id, sales_session__state__isnull=False).annotate(
            session_state=F("sales_session__state"),
            session_begins_at=F("sales_session__begins_at"),
            session_ends_at=F("sales_session__ends_at"),
            customer_category_id=F("customer__category_id"),
            customer_user_id=F("customer__user_id"),
        ),
        shared=[SaleSession],
    )


def check_session_open(order: "LockedOrder") -> None:
    if not session_accepts_orders(
        state=order.session_state,
        begins_at=order.session_begins_at,
        ends_at=order.session_ends_at,
    ):
        raise SessionClosed(
            gettext(
                "The sales session of order %(number)s is %(session_state)s and ends at "
                "%(ends)s: it takes no more orders."
            )
            % {
                "number": order.number,
                "session_state": order.session_state,
                "ends": order.session_ends_at.isoformat(),
            }
        )


def _cart_lock(order_id: int, authorize: Authorize | None = None) -> "LockedOrder":
    return _cart_check(order_and_session_lock(order_id=order_id), authorize)


def _cart_lock_with_offer(
    order_id: int, offer_id: int, authorize: Authorize | None
) -> tuple["LockedOrder", dict]:
    """_cart_lock, with the offer as customer_offers_qs makes it to the order's customer's
    category read in the same statement (config.sql.with_lateral): what an item snapshots of
    it, its product and producer, as plain values (all None when it is not offered to them).
    The offer's row comes from the statement's start snapshot (an offer changing meanwhile is
    the same race as it changing just before); nothing of the order's is read with the lock."""
    statement = _cart_lock_with_offer_statement(order_id, offer_id)
    assert statement is not None
    order, offer = _the_locked(order_id, sql.instances_and_values(Order, statement))
    return _cart_check(cast("LockedOrder", order), authorize), offer


@sql.once
def _cart_lock_with_offer_statement(order_id: int, offer_id: int) -> sql.Statement | None:
    # Compiled once (config.sql.once), as the lock alone is.
    offer = sql.select(
        customer_offers_qs(
            session_id=sql.outer("sales_session_id"),
            category_id=sql.outer("customer_category_id"),
        )
        .filter(pk=offer_id)
        .order_by()
        .values(
            "category_price",
            "offered_to_id",
            offer__id=F("pk"),
            offer__session_id=F("session_id"),
            offer__product_id=F("product_id"),
            offer__currency=F("currency"),
            offer__vat_rate=F("vat_rate"),
            product__id=F("product_id"),
            product__name=F("product__name"),
            product__sku=F("product__sku"),
            product__producer_id=F("product__producer_id"),
            product__nominal_quantity=F("product__nominal_quantity"),
            product__unit_of_measure=F("product__unit_of_measure"),
            producer__id=F("product__producer_id"),
            producer__platform_id=F("product__producer__platform_id"),
        )
    )
    lock = _order_and_session_lock_statement(order_id)
    assert offer is not None
    assert lock is not None
    return sql.with_lateral(lock, offer)


def _cart_check(order: "LockedOrder", authorize: Authorize | None) -> "LockedOrder":
    if authorize is not None:
        authorize(order)
    if order.status != OrderStatus.PENDING:
        raise OrderNotEditable(
            gettext("Order %(number)s is %(status)s, no longer a cart.")
            % {"number": order.number, "status": order_status_quoted(order.status)}
        )
    check_session_open(order)
    return order


def _checkout_undo(order: Order) -> list[Reservation]:
    """A submitted cart that changes is a cart again: its stock goes back."""
    if order.checked_out_at is None:
        return []
    released = reservations_release(order_id=order.pk)
    OrderItem.objects.filter(order_id=order.pk).update(
        inventory_status=InventoryStatus.NOT_ALLOCATED, inventory_unknown=False
    )
    Order.objects.filter(pk=order.pk).update(checked_out_at=None)
    order.checked_out_at = None
    return released


def cart_create(
    *,
    customer: Customer,
    actor: Actor,
    session_id: int | None = None,
    session: SaleSession | None = None,
    currency: str | None = None,
    profile_defaults: dict[str, Any] | None = None,
) -> Order:
    """Open a cart (an order in P) for `customer` in an open session (`session_id`, or the
    `session` as cart_session or cart_context read it), starting from the customer's
    quick-order profile defaults (`profile_defaults` as cart_context read them, else read by
    order_insert). The currency is the session's offers' one; asking for another raises
    CurrencyMismatch (nothing written). No transaction of its own: its one write, the order
    with its `created` event (order_insert), is one statement, atomic on its own; a
    storefront cart costs that statement and cart_context's read."""
    if session is None and session_id is not None:
        session = cart_session(session_id=session_id)
    if session is None:
        raise NotFound(
            gettext("Sales session %(session)s does not exist.") % {"session": session_id}
        )
    if not session.accepts_orders():
        raise SessionClosed(
            gettext("Sales session “%(session)s” takes no more orders.") % {"session": session.name}
        )
    if customer.trader_id != session.trader_id:
        raise NotYourCustomer(
            gettext("%(customer)s is not a customer of %(trader)s.")
            % {"customer": customer, "trader": session.trader}
        )
    currencies = getattr(session, "currencies", None)  # cart_session's, else read here
    if currencies is None:
        currencies = session.offers.values_list("currency", flat=True)
    offered = set(currencies)
    currency = currency or (min(offered) if offered else settings.LARDER_DEFAULT_CURRENCY)
    if offered and currency not in offered:
        raise CurrencyMismatch(
            gettext("Sales session “%(session)s” sells in %(currencies)s, not %(currency)s.")
            % {
                "session": session.name,
                "currencies": ", ".join(sorted(offered)),
                "currency": currency,
            }
        )
    return order_insert(
        trader=session.trader,
        currency=currency,
        customer=customer,
        sales_session=session,
        actor=actor,
        profile_defaults=profile_defaults,
    )


class CartLine(NamedTuple):
    """What cart_line_add did: the cart's line of the offer, and the cart's item rows as
    priced and written (orders.services.totals.order_item_rows), or None when the offer's
    line was already there and only its quantity changed."""

    item: OrderItem
    items: list[dict] | None


def cart_item_add(
    *,
    order_id: int,
    offer_id: int,
    quantity: Decimal,
    actor: Actor,
    authorize: Authorize | None = None,
) -> OrderItem:
    """cart_line_add: the cart's line of the offer."""
    return cart_line_add(
        order_id=order_id, offer_id=offer_id, quantity=quantity, actor=actor, authorize=authorize
    ).item


@transaction.atomic
def cart_line_add(
    *,
    order_id: int,
    offer_id: int,
    quantity: Decimal,
    actor: Actor,
    authorize: Authorize | None = None,
) -> CartLine:
    """Add an offer to the cart at the offer's price (a second add of one offer raises the
    quantity of its line). `authorize` refuses, unknown or foreign offers, a closed session, a
    second currency or a quantity ≤ 0 raise before anything is written. Statements: the
    order's lock with the offer (_cart_lock_with_offer), then
    order_offer_line_add_priced's (the line's insert with the item rows, the rules, one
    write); when the cart has a line of the offer already, order_item_quantity_change's
    instead of the last two."""
    order, offer = _cart_lock_with_offer(order_id, offer_id, authorize)
    quantity = _check_quantity(quantity)
    if offer["offer__id"] is None:
        raise OfferNotAvailable(
            gettext(
                "Offer %(offer)s is not offered to this customer in the sales session of "
                "order %(number)s."
            )
            % {"offer": offer_id, "number": order.number}
        )
    if offer["offer__currency"] != order.currency:
        raise CurrencyMismatch(
            gettext(
                "Order %(number)s is in %(currency)s; offer %(offer)s is in %(offer_currency)s."
            )
            % {
                "number": order.number,
                "currency": order.currency,
                "offer": offer_id,
                "offer_currency": offer["offer__currency"],
            }
        )
    _checkout_undo(order)
    product = sql.partial_instance(Product, _prefixed(offer, "product__"))
    product.producer = sql.partial_instance(Enterprise, _prefixed(offer, "producer__"))
    added, rows = order_offer_line_add_priced(
        order=order,
        line=NewItem(
            product=product,
            offer=sql.partial_instance(Offer, _prefixed(offer, "offer__")),
            quantity=quantity,
            unit_price=offer["category_price"],
            vat_rate=offer["offer__vat_rate"],
        ),
        currency=offer["offer__currency"],
        customer_category_id=offer["offered_to_id"],
        actor=actor,
    )
    if added is None:  # the cart's line of the offer was there (the rows say which)
        line = next(row for row in rows if row["offer_id"] == offer_id)
        changed = order_item_quantity_change(
            item_id=line["id"], quantity=line["quantity"] + quantity, actor=actor
        )
        return CartLine(changed, None)
    return CartLine(added, rows)


def _prefixed(row: dict, prefix: str) -> dict:
    return {key.removeprefix(prefix): value for key, value in row.items() if key.startswith(prefix)}


def _cart_item(order: Order, item_id: int) -> OrderItem:
    item = OrderItem.objects.filter(pk=item_id, order_id=order.pk).first()
    if item is None:
        raise NotFound(
            gettext("Order %(number)s has no item %(item)s.")
            % {"number": order.number, "item": item_id}
        )
    return item


@transaction.atomic
def cart_item_quantity_change(
    *, order_id: int, item_id: int, quantity: Decimal, actor: Actor
) -> OrderItem:
    order = _cart_lock(order_id)
    quantity = _check_quantity(quantity)
    _cart_item(order, item_id)
    _checkout_undo(order)
    return order_item_quantity_change(item_id=item_id, quantity=quantity, actor=actor)


@transaction.atomic
def cart_item_remove(*, order_id: int, item_id: int, actor: Actor) -> None:
    order = _cart_lock(order_id)
    _cart_item(order, item_id)
    _checkout_undo(order)
    order_item_remove(item_id=item_id, actor=actor)


# The columns checkout writes on each item, with the totals, in order_totals_recompute's one
# statement.
SUBMIT_ITEM_FIELDS = (
    "unit_price",
    "vat_rate",
    "total_product",
    "inventory_status",
    "inventory_unknown",
    "updated_at",
)


class SubmittedCart(NamedTuple):
    """What cart_submit_written did: the order, and its item rows as priced, reserved and
    written (orders.services.totals.order_item_rows, with the new reservations' quantity and
    expiry), for the storefront to answer with without reading them again."""

    order: Order
    items: list[dict]


def cart_submit(*, order_id: int, actor: Actor, authorize: Authorize | None = None) -> Order:
    """cart_submit_written's order."""
    return cart_submit_written(order_id=order_id, actor=actor, authorize=authorize).order


# durable: the storefront's own transaction, never nested (no savepoint); what it returns is
# committed.
@transaction.atomic(durable=True)
def cart_submit_written(
    *, order_id: int, actor: Actor, authorize: Authorize | None = None
) -> SubmittedCart:
    """Check the cart out: the session must be open; every item takes its offer's current
    price and VAT rate; the order is priced (orders.services.totals.order_totals_recompute,
    where the pricing engine runs); stock is reserved for every item whose inventory is known,
    all or nothing (InsufficientStock lists every short item, and nothing is written). Items
    whose producer publishes no stock are accepted unreserved and flagged `inventory_unknown`;
    short items whose offer allows it are backordered. The reservations expire after
    LARDER_CART_RESERVATION_MINUTES unless the order is paid. Submitting again renews them.

    Four queries whatever the number of items (tests/orders/test_checkout_queries.py): lock
    the order and its session; the items with their offers, products and tax categories, and
    the pricing rules in the same read; lock the stock rows (and the limited offers, when
    any), in pk order, and decide every item on them; one statement writing the reservations
    (stock, offers, reservations: inventory.services.reservations.stock_hold) with the
    adjustments, items, sub-orders, the order and the event. A re-submit first releases the
    old reservations. `authorize` (the caller's check of who may act) runs on the locked
    order first.
    """
    order = _cart_lock(order_id, authorize)
    now = timezone.now()
    if order.checked_out_at is not None:
        reservations_release(order_id=order.pk)
    items, rules = order_item_rows_priced(order=order)
    if not items:
        raise EmptyCart(
            gettext("Order %(number)s has no items to check out.") % {"number": order.number}
        )
    unavailable = [
        row
        for row in items
        if row["offer_id"] is None or row["offer__session_id"] != order.sales_session_id
    ]
    if unavailable:
        raise OfferNotAvailable(
            gettext("No longer offered in this session: %(products)s")
            % {"products": ", ".join(row["product_name"] for row in unavailable)},
            extra={"items": [row["id"] for row in unavailable]},
        )
    for row in items:
        if row["offer__currency"] != order.currency:
            raise CurrencyMismatch(
                gettext(
                    "%(product)s is now offered in %(offer_currency)s, the order is "
                    "in %(currency)s."
                )
                % {
                    "product": row["product_name"],
                    "offer_currency": row["offer__currency"],
                    "currency": order.currency,
                }
            )
    # Locked and decided here (InsufficientStock: nothing written); the stock, offers and
    # reservations are written with the order, below, the rows locked until commit.
    allocations, holds, stock_writes = stock_hold(
        requests=[item_stock_request(row) for row in items],
        expires_at=cart_reservation_expiry(now),
    )
    held = {hold["order_item_id"]: hold for hold in holds}
    for row in items:
        allocation = allocations[row["id"]]
        # The reservation as the row would read it now (the old ones were released above).
        hold = held.get(row["id"])
        row["reservation__quantity"] = _as_stored(hold["quantity"]) if hold else None
        row["reservation__expires_at"] = hold["expires_at"] if hold else None
        row["unit_price"] = row["offer__price"]
        row["vat_rate"] = row["offer__vat_rate"]
        row["total_product"] = line_total(row["quantity"], row["unit_price"])
        row["inventory_status"] = INVENTORY_STATUS[allocation]
        row["inventory_unknown"] = allocation == Allocation.UNKNOWN
        row["updated_at"] = now
    counts = {kind: sum(1 for a in allocations.values() if a == kind) for kind in Allocation}
    event = order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.STOCK,
        message=EventText(
            gettext_noop("Checked out: %(allocations)s"),
            {
                "allocations": [
                    EventText(ALLOCATION_WORDS[kind], {"count": n})
                    for kind, n in counts.items()
                    if n
                ]
            },
        ),
        data={"allocations": {str(pk): a.value for pk, a in allocations.items()}},
        save=False,
    )
    order_totals_recompute(
        order=order,
        items=items,
        rules=rules,
        item_fields=SUBMIT_ITEM_FIELDS,
        order_fields={"checked_out_at": now},
        bump_version=True,
        events=[event],
        writes=stock_writes,
    )
    return SubmittedCart(order, items)


_RESERVED_QUANTITY = Reservation._meta.get_field("quantity")


def _as_stored(quantity: Decimal) -> Decimal:
    """A reservation's quantity as PostgreSQL gives it back (its column's scale)."""
    return quantity.quantize(Decimal(1).scaleb(-_RESERVED_QUANTITY.decimal_places))


@transaction.atomic
def cart_checkout_expire(*, order_id: int, actor: Actor, now=None) -> bool:
    """Release a submitted cart whose reservations expired (or whose session ended): it is a
    cart again and must be submitted anew. Returns False when there was nothing to release
    (paid meanwhile, already released, not yet expired)."""
    now = now or timezone.now()
    order = order_and_session_lock(order_id=order_id)
    if order.status != OrderStatus.PENDING or order.checked_out_at is None:
        return False
    session_open = session_accepts_orders(
        state=order.session_state,
        begins_at=order.session_begins_at,
        ends_at=order.session_ends_at,
        now=now,
    )
    expired = Reservation.objects.filter(order_id=order.pk, expires_at__lte=now).exists()
    if session_open and not expired:
        return False
    released = _checkout_undo(order)
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.STOCK,
        message=EventText(
            gettext_noop("Checkout expired: %(count)s reservation(s) released"),
            {"count": len(released)},
        ),
        data={"released": [r.order_item_id for r in released]},
    )
    return True


def carts_expired_release(*, actor: Actor, now=None) -> list[int]:
    """Release every submitted cart whose reservations expired or whose session has ended,
    each in its own transaction. Returns the ids of the carts released."""
    now = now or timezone.now()
    expired = set(
        Reservation.objects.filter(
            expires_at__lte=now, order__status=OrderStatus.PENDING
        ).values_list("order_id", flat=True)
    )
    ended = set(
        Order.objects.filter(status=OrderStatus.PENDING, checked_out_at__isnull=False)
        .exclude(
            sales_session__state=SaleSession.State.OPEN,
            sales_session__ends_at__gt=now,
        )
        .values_list("pk", flat=True)
    )
    return [
        order_id
        for order_id in sorted(expired | ended)
        if cart_checkout_expire(order_id=order_id, actor=actor, now=now)
    ]
