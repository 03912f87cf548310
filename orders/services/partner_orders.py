"""Orders that partner platforms place with Larder's producers through the DFC API.

A hub (an OFN order cycle's backorder, another Larder's producer order) POSTs an Order to
`/api/dfc/Enterprises/{producer}/Orders` and PUTs the whole graph to amend or finalise it.
Here it becomes an `orders.Order` with `origin_platform` = the calling platform, the hub as its
trader (a remote Enterprise found or made from `orderedBy`), and one item per offer.

Status (docs/architecture.md, "Partner API"): DFC Held is WebSphere I (submitted, paid later
on the hub's invoice) holding firm stock, or B when an item waits on backorder; Complete is C;
Cancelled is X, through `orders.services.cancellation.order_cancel`. Stock moves only through
the inventory services: `stock_reserve` when the order is placed, and, for a PUT, the item
services of a customer-service edit (I → E, items added / resized / removed, E → I), which
reserve, resize and release as they go.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import get_text_list, slugify
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from config.exceptions import CurrencyMismatch, NotFound
from orders.dfc_graphs import COMPLETE_STATUSES, HELD_STATUSES
from orders.events import EventText, order_created_event
from orders.exceptions import OrderNotEditable
from orders.models import Order, OrderEvent, OrderItem, PaymentStatus, SubOrder
from orders.services.cancellation import order_cancel
from orders.services.items import AddedItem, NewItem, order_items_change
from orders.services.status import order_status_move
from orders.status_labels import order_status_quoted
from orders.statuses import InventoryStatus
from orders.statuses import OrderStatus as S
from orders.versions import check_version
from platforms.dfc.parse import ParsedLine, ParsedOrder, ParsedSession
from platforms.exceptions import (
    EmptyOrder,
    LocalSaleSession,
    OfferSessionClosed,
    QuantityNotAllowed,
    UnknownSaleSession,
    UnsupportedOrderStatus,
)
from platforms.models import ApiCredential, Enterprise, PartnerOrder
from sessions_app.exceptions import OfferNotAvailable
from sessions_app.models import Offer, SaleSession

# How long a hub's session lasts when its order gives no end date.
DEFAULT_SESSION_LENGTH = timedelta(days=7)
_LOCAL_PATH = re.compile(
    r"/api/dfc/Enterprises/(?P<slug>[^/?#]+)/(?P<kind>[A-Za-z]+)/(?P<pk>\d{1,18})/?"
)
_LINE_PATH = re.compile(r"/Orders/(?P<order>\d{1,18})/OrderLines/(?P<item>\d{1,18})/?$")


# Weighed products — priced per kilogram or per gram (nominal quantity 1 kg or 1 g) — take
# decimal quantities; everything else is sold by the piece (a 1 l bottle, a 500 g pack, a
# 400 g can) and takes whole numbers.
WEIGHT_UNITS = frozenset({"kg", "g"})


@dataclass(frozen=True)
class LineProduct:
    """What a partner's line needs of its product: snapshotted on the item, shown in the
    reply (a DFC SuppliedProduct). Plain values, not a model instance: a partner's order may
    have 2,000 lines."""

    pk: int
    name: str
    sku: str
    nominal_quantity: Decimal
    unit_of_measure: str
    remote_id: str
    producer: Enterprise


@dataclass(frozen=True)
class LineSession:
    pk: int
    name: str
    state: str
    ends_at: datetime


@dataclass(frozen=True)
class LineOffer:
    """One of the seller's offers as a partner's line reads it (_offers_named), with its
    product and its session."""

    pk: int
    product: LineProduct
    session: LineSession
    price: Decimal
    currency: str
    vat_rate: Decimal
    stock_limitation: Decimal | None
    allows_backorder: bool

    @property
    def product_id(self) -> int:
        return self.product.pk


# An offer a line concerns: read for the lines (LineOffer), or the offer an item of the order
# already holds (loaded with the items).
AnyOffer = LineOffer | Offer


@dataclass
class WantedLine:
    offer: AnyOffer
    quantity: Decimal
    item_id: int | None = None


def _local_resource(url: str | None, kind: str, slug: str | None = None) -> tuple[str, int] | None:
    """(enterprise slug, pk) when `url` is one of this Larder's DFC resources of `kind`: under
    its LARDER_PUBLIC_URL, and under enterprise `slug` when given. Anything else — another
    host, another enterprise, a look-alike path — is not ours."""
    if not url:
        return None
    base = settings.LARDER_PUBLIC_URL.rstrip("/") + "/api/dfc/Enterprises/"
    if not url.startswith(base):
        return None
    match = _LOCAL_PATH.fullmatch("/api/dfc/Enterprises/" + url[len(base) :])
    if match is None or match["kind"] != kind or (slug is not None and match["slug"] != slug):
        return None
    return match["slug"], int(match["pk"])


def _session_is_open(offer: AnyOffer) -> bool:
    session = offer.session
    return session.state == SaleSession.State.OPEN and session.ends_at > timezone.now()


_OFFER_COLUMNS = (
    "pk",
    "price",
    "currency",
    "vat_rate",
    "stock_limitation",
    "allows_backorder",
    "product_id",
    "product__name",
    "product__sku",
    "product__nominal_quantity",
    "product__unit_of_measure",
    "product__remote_id",
    "session_id",
    "session__name",
    "session__state",
    "session__ends_at",
)


def _line_offers(offers: QuerySet[Offer], seller: Enterprise) -> list[LineOffer]:
    """The seller's offers of `offers`, as rows of values (a model instance each for the
    offer, its product, its producer and its session cost ~80 % of reading 1,000 offers:
    docs/performance.md, "Partner writes")."""
    sessions: dict[int, LineSession] = {}
    made = []
    for row in offers.filter(product__producer=seller).values_list(*_OFFER_COLUMNS):
        pk, price, currency, vat_rate, limitation, backorder = row[:6]
        product_id, name, sku, nominal_quantity, unit, remote_id, session_id = row[6:13]
        session = sessions.get(session_id)
        if session is None:
            session = sessions[session_id] = LineSession(session_id, *row[13:])
        made.append(
            LineOffer(
                pk=pk,
                product=LineProduct(
                    pk=product_id,
                    name=name,
                    sku=sku,
                    nominal_quantity=nominal_quantity,
                    unit_of_measure=unit,
                    remote_id=remote_id,
                    producer=seller,
                ),
                session=session,
                price=price,
                currency=currency,
                vat_rate=vat_rate,
                stock_limitation=limitation,
                allows_backorder=backorder,
            )
        )
    return made


def _offers_named(
    parsed: ParsedOrder, seller: Enterprise, held: dict[int, AnyOffer]
) -> tuple[dict[int, LineOffer], dict[int, LineOffer]]:
    """The seller's offers the lines name ({pk: offer}), and for lines that name only their
    SuppliedProduct (not one the order already holds) the product's current offer, in a
    session still open ({product pk: offer}). Two queries at most, whatever the lines."""
    named = {
        line.offer.id: _local_resource(line.offer.id, "Offers", seller.slug)
        for line in parsed.lines
    }
    offer_pks = {local[1] for local in named.values() if local is not None}
    by_pk = (
        {o.pk: o for o in _line_offers(Offer.objects.filter(pk__in=offer_pks), seller)}
        if offer_pks
        else {}
    )
    product_pks = set()
    for line in parsed.lines:
        local = named[line.offer.id]
        product = _local_resource(line.offer.offered_item, "SuppliedProducts", seller.slug)
        if (local is None or local[1] not in by_pk) and product and product[1] not in held:
            product_pks.add(product[1])
    current = {}
    if product_pks:
        # A line that names only the product takes the producer's current offer of it.
        current = {
            o.product_id: o
            for o in _line_offers(
                Offer.objects.filter(
                    product_id__in=product_pks,
                    session__state=SaleSession.State.OPEN,
                    session__ends_at__gt=timezone.now(),
                )
                .order_by("product_id", "-session__begins_at", "-pk")
                .distinct("product_id"),
                seller,
            )
        }
    return by_pk, current


def _offer_for(
    line: ParsedLine,
    seller: Enterprise,
    held: dict[int, AnyOffer],
    by_pk: dict[int, LineOffer],
    current: dict[int, LineOffer],
) -> AnyOffer:
    """The offer a line concerns: one of the seller's `Offers` (or, for a line that names only
    its SuppliedProduct, the product's current offer), in a session still open. `held`: the
    offers the order already holds, by product, so an amendment or the final Complete keeps a
    line's offer even after the producer's session has closed. `by_pk`, `current`: what
    _offers_named found."""
    offer: AnyOffer | None = None
    local = _local_resource(line.offer.id, "Offers", seller.slug)
    if local is not None:
        offer = by_pk.get(local[1])
    product = _local_resource(line.offer.offered_item, "SuppliedProducts", seller.slug)
    if offer is None and product is not None and product[1] in held:
        return held[product[1]]
    if offer is None and product is not None:
        offer = current.get(product[1])
    if offer is None:
        raise OfferNotAvailable(
            gettext("Order line %(line)s concerns no current offer of %(slug)s (%(offer)s).")
            % {
                "line": line.id or "",
                "slug": seller.slug,
                "offer": line.offer.id or line.offer.offered_item or "nothing",
            },
            extra={"line": line.id, "offer": line.offer.id},
        )
    kept = held.get(offer.product_id)
    if (kept is not None and kept.pk == offer.pk) or _session_is_open(offer):
        return offer
    raise OfferSessionClosed(
        gettext(
            "Offer %(offer)s belongs to sale session “%(session)s”, which is closed or has ended."
        )
        % {"offer": line.offer.id or offer.pk, "session": offer.session.name},
        extra={"line": line.id, "offer": line.offer.id},
    )


def _check_quantity(line: "WantedLine") -> None:
    product = line.offer.product
    weighed = product.unit_of_measure in WEIGHT_UNITS and product.nominal_quantity == 1
    if not weighed and line.quantity != line.quantity.to_integral():
        raise QuantityNotAllowed(
            gettext("%(product)s is sold by the piece: order a whole number, not %(quantity)s.")
            % {"product": product.name, "quantity": line.quantity},
            extra={"offer": line.offer.pk},
        )


def _wanted_lines(
    parsed: ParsedOrder, seller: Enterprise, order: Order | None, items=()
) -> list[WantedLine]:
    """The lines the partner wants, one per offer (repeated offers add up); lines with
    quantity 0 are dropped, as OFN drops them. `items`: the order's, with their offers."""
    wanted: dict[int, WantedLine] = {}
    held: dict[int, AnyOffer] = {
        item.product_id: item.offer for item in items if item.offer is not None
    }
    by_pk, current = _offers_named(parsed, seller, held)
    for line in parsed.lines:
        offer = _offer_for(line, seller, held, by_pk, current)
        item_id = None
        if order is not None and line.id:
            match = _LINE_PATH.search(urlparse(line.id).path)
            if match and int(match["order"]) == order.pk:
                item_id = int(match["item"])
        entry = wanted.setdefault(offer.pk, WantedLine(offer=offer, quantity=Decimal(0)))
        entry.quantity += line.quantity
        entry.item_id = entry.item_id or item_id
    lines = [w for w in wanted.values() if w.quantity > 0]
    for wanted_line in lines:
        _check_quantity(wanted_line)
    return lines


def _hub_enterprise(
    credential: ApiCredential, ordered_by: str | None, *, lock: bool = False
) -> Enterprise:
    """The ordering hub, as a remote trader of the calling platform (made on first order);
    `lock`: its row locked (FOR UPDATE) in the same read. One read once the hub is known; its
    first order also inserts it (INSERT … ON CONFLICT DO NOTHING: no savepoint, and two first
    orders at once insert one row, which both then read) and reads it again."""
    platform = credential.platform
    remote_id = ordered_by if ordered_by and ordered_by.startswith(("http://", "https://")) else ""
    key = remote_id or f"{platform.slug}:hub"
    slug = f"{slugify(platform.slug)[:40]}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    hubs = Enterprise.objects.select_related("platform")
    if lock:
        hubs = hubs.select_for_update(of=("self",))
    hub = hubs.filter(slug=slug).first()
    if hub is None:
        name = unquote(urlparse(remote_id).path.rstrip("/").rsplit("/", 1)[-1]) if remote_id else ""
        Enterprise.objects.bulk_create(
            [
                Enterprise(
                    slug=slug,
                    platform=platform,
                    kind=Enterprise.Kind.TRADER,
                    name=(f"{platform.name} · {name}" if name else platform.name)[:160],
                    remote_id=remote_id,
                )
            ],
            ignore_conflicts=True,
        )
        hub = hubs.filter(slug=slug).first()
    if hub is None or hub.platform_id != platform.pk:  # a slug taken by a local enterprise
        raise UnknownSaleSession(
            gettext("Cannot record the ordering enterprise “%(ordered_by)s”.")
            % {"ordered_by": ordered_by}
        )
    return hub


def _sale_session(
    credential: ApiCredential, hub: Enterprise, parsed: ParsedSession | None
) -> SaleSession | None:
    """The local record of the hub's own session: found by its @id (one record per distinct
    @id and hub), made on first sight with the dates the hub sent, its dates kept up to date
    (OFN sends one @id, `…/SalesSession/#`, for every order cycle: a new cycle re-dates and
    reopens the record). A session of this Larder is accepted only when it is such a record
    of the caller's; a local trader's session is refused (409): partners sell through their
    own hubs, never into a local trader's session."""
    if parsed is None:
        return None
    if not parsed.id.startswith(("http://", "https://")):
        return None  # a blank node: the hub has no session URL to share
    local = _local_resource(parsed.id, "SaleSessions") or _local_resource(parsed.id, "SalesSession")
    if local is not None:
        session = SaleSession.objects.select_related("trader__platform").filter(pk=local[1]).first()
        if session is not None and session.trader.platform.is_local:
            raise LocalSaleSession(
                gettext(
                    "Sale session %(session)s is %(trader)s's, a trader of this platform: a "
                    "partner's order belongs to its own hub's session."
                )
                % {"session": parsed.id, "trader": session.trader.name}
            )
        if session is None or session.trader.platform_id != credential.platform_id:
            raise UnknownSaleSession(
                gettext("Sale session %(session)s is not known here.") % {"session": parsed.id}
            )
        return session
    # The hub row is locked (_hub_enterprise(lock=True)) so two first orders of one session
    # make one record.
    begins, ends = parsed.begins_at, parsed.ends_at
    session = SaleSession.objects.filter(trader=hub, remote_id=parsed.id).first()
    if session is None:
        begins = begins or timezone.now()
        if ends is None or ends <= begins:
            ends = begins + DEFAULT_SESSION_LENGTH
        return SaleSession.objects.create(
            trader=hub,
            name=f"{hub.name} · {parsed.id.rstrip('/').rsplit('/', 1)[-1]}"[:160],
            begins_at=begins,
            ends_at=ends,
            state=SaleSession.State.OPEN,
            remote_id=parsed.id,
        )
    if begins and ends and ends > begins and (begins, ends) != (session.begins_at, session.ends_at):
        session.begins_at, session.ends_at = begins, ends
        update = ["begins_at", "ends_at", "updated_at"]
        if ends > timezone.now() and session.state != SaleSession.State.OPEN:
            session.state = SaleSession.State.OPEN
            update.append("state")
        session.save(update_fields=update)
    return session


def _currency(lines: list[WantedLine], current: str | None = None) -> str:
    currencies = {line.offer.currency for line in lines} | ({current} if current else set())
    if len(currencies) > 1:
        raise CurrencyMismatch(
            gettext("One currency per order: these offers are in %(currencies)s.")
            % {"currencies": ", ".join(sorted(currencies))}
        )
    return currencies.pop()


def _new_item(line: WantedLine) -> NewItem:
    """An item at the offer's price."""
    offer = line.offer
    return NewItem(
        product=offer.product,
        quantity=line.quantity,
        unit_price=offer.price,
        offer=offer,
        vat_rate=offer.vat_rate,
    )


def _needs_session_lock(parsed: ParsedOrder) -> bool:
    """A hub session of its own, found or made under the hub's lock (_sale_session)."""
    session = parsed.session
    return (
        session is not None
        and session.id.startswith(("http://", "https://"))
        and _local_resource(session.id, "SaleSessions") is None
        and _local_resource(session.id, "SalesSession") is None
    )


@dataclass
class PartnerOrderState:
    """A partner order as a write leaves it: the order (trader and session loaded), and, when
    the write re-priced it, its items (product and producer loaded) and each item's discount,
    so the reply is built without reading the order again."""

    order: Order
    items: list[OrderItem | AddedItem] | None = None
    line_discounts: dict[int, Decimal] | None = None


def _priced(
    order: Order, items: list[OrderItem | AddedItem], rows: list[dict]
) -> PartnerOrderState:
    return PartnerOrderState(order, items, {row["id"]: row["discount"] for row in rows})


def _check_settable(status: str | None, *, creating: bool) -> str:
    allowed = ("Held", "Complete") if creating else ("Held", "Complete", "Cancelled")
    status = status or "Held"
    if status not in allowed:
        raise UnsupportedOrderStatus(
            (
                gettext("An order placed through the API may be %(allowed)s, not %(status)s.")
                if creating
                else gettext("An order updated through the API may be %(allowed)s, not %(status)s.")
            )
            % {"allowed": get_text_list(list(allowed)), "status": status}
        )
    return status


# savepoint=False: the API runs them inside its own transaction (platforms.idempotency), which
# rolls back on any error they raise; a savepoint of their own would be two more statements.
@transaction.atomic(savepoint=False)
def partner_order_create(
    *, credential: ApiCredential, seller: Enterprise, parsed: ParsedOrder
) -> PartnerOrderState:
    """Place a hub's order with `seller`: status Held (I, or B with a backordered item) with
    firm reservations for every line, or Complete (C) at once when the graph says so.

    All or nothing: an unknown offer, a second currency, a status other than Held/Complete or
    short stock (InsufficientStock lists every short line) raise, and nothing is written.
    Statements do not grow with the number of lines: the offers, the hub and its session, the
    order, its partner record and sub-order, the items and events
    (orders.services.items.order_items_change: one stock decision, one re-pricing), the move.
    """
    status = _check_settable(parsed.order_status, creating=True)
    actor = Actor.for_platform(credential.platform)
    lines = _wanted_lines(parsed, seller, None)
    if not lines:
        raise EmptyOrder(gettext("The order has no line with a quantity above zero."))
    currency = _currency(lines)
    hub = _hub_enterprise(credential, parsed.ordered_by, lock=_needs_session_lock(parsed))
    session = _sale_session(credential, hub, parsed.session)
    # Created in this transaction, the row is seen by no other until commit: as good as
    # locked, so the status moves below need no lock (order_status_move).
    order = Order.objects.create(
        trader=hub,
        currency=currency,
        sales_session=session,
        status=S.PENDING,
        origin_platform=credential.platform,
        payment_status=PaymentStatus.DEFERRED,
        payment_method="invoice",
    )
    PartnerOrder.objects.create(
        order=order,
        platform=credential.platform,
        seller=seller,
        remote_id=parsed.id or "",
        remote_number=parsed.order_number or "",
    )
    sub_order = SubOrder.objects.create(order=order, shipping_address_id=None)
    items, rows = order_items_change(
        order=order,
        actor=actor,
        additions=[_new_item(line) for line in lines],
        reserve_additions=True,
        events=[order_created_event(order=order, actor=actor, save=False)],
        sub_order_id=sub_order.pk,
    )
    backordered = any(item.inventory_status == InventoryStatus.BACKORDERED for item in items)
    order = order_status_move(
        order=order,
        to_status=S.BACKORDERED if backordered else S.SUBMITTED,
        actor=actor,
        reason=EventText(
            gettext_noop("Placed by %(platform)s (DFC Held)"),
            {"platform": credential.platform.name},
        ),
    )
    if status == "Complete":
        order = order_status_move(
            order=order,
            to_status=S.COMPLETE,
            actor=actor,
            reason=EventText(gettext_noop("DFC Complete")),
        )
    return _priced(order, items, rows)


@transaction.atomic(savepoint=False)
def partner_order_update(
    *,
    credential: ApiCredential,
    seller: Enterprise,
    orders: QuerySet[Order],
    order_id: int,
    expected_version: frozenset[int] | None,
    parsed: ParsedOrder,
) -> PartnerOrderState:
    """Apply a PUT of the whole order graph.

    Locks the order and checks `expected_version` (the versions If-Match names; None: any)
    under the lock (412 otherwise).
    Cancelled cancels it through the cancellation service (stock released). Otherwise the
    lines become what the graph lists, in one change of every item
    (orders.services.items.order_items_change): removed and reduced lines give stock back,
    which increased and new ones may take (InsufficientStock and nothing written when short),
    inside a customer-service edit that returns to the order's status. Complete then
    finalises it (C). A finalised or cancelled order's lines no longer change (409).
    Statements do not grow with the number of lines.
    """
    status = _check_settable(parsed.order_status, creating=False)
    actor = Actor.for_platform(credential.platform)
    # Found within what the credential sees (`orders`, the partner API's scoped queryset; 404
    # otherwise) and locked in one query.
    order = (
        orders.prefetch_related(None).select_for_update(of=("self",)).filter(pk=order_id).first()
    )
    if order is None:
        raise NotFound(gettext("No order %(order)s here.") % {"order": order_id})
    check_version(expected=expected_version, current=order.version)
    if status == "Cancelled":
        if order.status != S.CANCELLED:
            order = order_cancel(
                order_id=order.pk,
                actor=actor,
                reason=EventText(
                    gettext_noop("Cancelled by %(platform)s"),
                    {"platform": credential.platform.name},
                ),
            )
        return PartnerOrderState(order)
    if order.status == S.CANCELLED:
        raise OrderNotEditable(gettext("Order %(number)s is cancelled.") % {"number": order.number})

    items = {
        item.pk: item
        for item in OrderItem.objects.filter(order_id=order.pk)
        .select_related(
            "product__producer", "offer__product__producer", "offer__session", "reservation"
        )
        .order_by("pk")
    }
    wanted = _wanted_lines(parsed, seller, order, items.values())
    _currency(wanted, order.currency)
    by_offer = {item.offer_id: item for item in items.values()}
    keep: dict[int, Decimal] = {}
    additions: list[WantedLine] = []
    for line in wanted:
        item = items.get(line.item_id) if line.item_id else None
        if item is None or item.offer_id != line.offer.pk:
            item = by_offer.get(line.offer.pk)
        if item is None or item.pk in keep:
            additions.append(line)
        else:
            keep[item.pk] = line.quantity
    removals = [pk for pk in items if pk not in keep]
    changes = {pk: q for pk, q in keep.items() if items[pk].quantity != q}
    for pk, quantity in changes.items():
        offer = items[pk].offer
        if quantity > items[pk].quantity and offer is not None and not _session_is_open(offer):
            raise OfferSessionClosed(
                gettext(
                    "%(product)s: sale session “%(session)s” is closed or has ended, "
                    "so this line can only be kept or reduced."
                )
                % {"product": items[pk].product_name, "session": offer.session.name}
            )
    state = PartnerOrderState(order)
    if removals or changes or additions:
        if order.status not in HELD_STATUSES:
            raise OrderNotEditable(
                gettext("Order %(number)s is %(status)s: its lines no longer change.")
                % {"number": order.number, "status": order_status_quoted(order.status)}
            )
        back_to = order.status
        events: list[OrderEvent] = []
        order = order_status_move(
            order=order,
            to_status=S.CSR_EDIT,
            actor=actor,
            reason=EventText(
                gettext_noop("Amended by %(platform)s"), {"platform": credential.platform.name}
            ),
            events=events,
        )
        kept, rows = order_items_change(
            order=order,
            actor=actor,
            events=events,
            items=items,
            quantities=changes,
            removals=removals,
            additions=[_new_item(line) for line in additions],
            # Read with the items (a reverse one-to-one: absent when the item holds none).
            held_reservations=[i.reservation for i in items.values() if hasattr(i, "reservation")],
        )
        order = order_status_move(
            order=order,
            to_status=back_to,
            actor=actor,
            reason=EventText(gettext_noop("Amendment applied")),
        )
        state = _priced(order, kept, rows)
    if status == "Complete" and order.status not in COMPLETE_STATUSES:
        state.order = order_status_move(
            order=order,
            to_status=S.COMPLETE,
            actor=actor,
            reason=EventText(gettext_noop("DFC Complete")),
        )
    elif status == "Held" and order.status in COMPLETE_STATUSES:
        raise OrderNotEditable(
            gettext("Order %(number)s is complete: it cannot be Held again.")
            % {"number": order.number}
        )
    return state
