"""Incoming DFC orders → plain values, read through the JSON-LD reader (platforms.dfc.jsonld),
with a clear 400 problem for anything malformed or out of bounds.

Bounds, checked here before anything reaches a service or the database: a quantity is a
finite number from 0 to MAX_QUANTITY with at most three decimals (the precision order items
keep); @ids are at most MAX_IRI_LENGTH characters, order numbers MAX_NUMBER_LENGTH; a line
@id is described once and listed once. Session dates are read in every format the connectors
write (ISO 8601, OFN's and FDC's "Thu Sep 05 2024 05:44:12 UTC", JavaScript's Date string,
RFC 2822).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from platforms.dfc.jsonld import BUSINESS, Graph, decimal_value, read
from platforms.dfc.vocabulary import (
    FULFILMENT_STATUSES,
    ORDER_STATUSES,
    PAYMENT_STATUSES,
    UNIT_CURRENCIES,
    local_name,
    vocabulary_term,
)
from platforms.exceptions import DfcParseError

__all__ = ["DfcParseError", "parse_order", "parse_datetime_value"]

MAX_QUANTITY = Decimal(1_000_000)
QUANTITY_PLACES = 3
MAX_IRI_LENGTH = 500
MAX_ENTERPRISE_IRI_LENGTH = 200  # Enterprise.remote_id
MAX_NUMBER_LENGTH = 120
# Lines per order: a 1,000-line order reads in one pass in about 0.1 s (platforms.dfc.jsonld);
# beyond this the POST or PUT is a 400 problem saying so.
MAX_LINES = 2_000


@dataclass
class ParsedPrice:
    value: Decimal
    currency: str | None
    vat_rate: Decimal | None


@dataclass
class ParsedOffer:
    id: str | None
    offered_item: str | None
    price: ParsedPrice | None
    stock_limitation: Decimal | None


@dataclass
class ParsedLine:
    id: str | None
    offer: ParsedOffer
    quantity: Decimal
    price: ParsedPrice | None
    discount: Decimal | None


@dataclass
class ParsedSession:
    id: str
    begins_at: datetime | None
    ends_at: datetime | None


@dataclass
class ParsedOrder:
    id: str | None
    order_number: str | None
    order_status: str | None
    fulfilment_status: str | None
    payment_status: str | None
    ordered_by: str | None
    sold_by: str | None
    session: ParsedSession | None
    discount: Decimal | None
    lines: list[ParsedLine] = field(default_factory=list)


# "Thu Sep 05 2024 05:44:12 UTC" (OFN's SaleSessionBuilder, FDC) and JavaScript's
# Date.prototype.toString(): "Thu Sep 05 2024 05:44:12 GMT+0200 (Central European Time)".
_JS_DATE = re.compile(
    r"^(?:[A-Za-z]{3},? )?(?P<month>[A-Za-z]{3}) (?P<day>\d{1,2}) (?P<year>\d{4}) "
    r"(?P<time>\d{2}:\d{2}(?::\d{2})?)(?: (?:UTC|GMT|Z)(?P<offset>[+-]\d{2}:?\d{2})?)?"
    r"(?: \([^)]*\))?$"
)


def parse_datetime_value(value, what: str) -> datetime | None:
    """An aware datetime from any date format the connectors write; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > 80:
        raise DfcParseError(f"{what} is not a date: {str(value)[:40]!r}.")
    text = value.strip()
    parsed = None
    try:
        parsed = parse_datetime(text.replace(" UTC", "Z"))
    except ValueError:
        parsed = None
    if parsed is None:
        match = _JS_DATE.match(text)
        if match:
            offset = (match["offset"] or "+0000").replace(":", "")
            seconds = match["time"] if match["time"].count(":") == 2 else match["time"] + ":00"
            try:
                parsed = datetime.strptime(
                    f"{match['day']} {match['month']} {match['year']} {seconds} {offset}",
                    "%d %b %Y %H:%M:%S %z",
                )
            except ValueError:
                parsed = None
    if parsed is None:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            parsed = None
    if parsed is None:
        try:
            day = parse_date(text)
        except ValueError:
            day = None
        if day is not None:
            parsed = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - made aware below
    if parsed is None:
        raise DfcParseError(
            f"{what} is not a date Larder can read: {text[:40]!r} (send ISO 8601, e.g. "
            "2024-09-05T05:44:12Z, or 'Thu Sep 05 2024 05:44:12 UTC')."
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def _iri(value: str | None, what: str, limit: int = MAX_IRI_LENGTH) -> str | None:
    if value is not None and len(value) > limit:
        raise DfcParseError(f"{what} is longer than {limit} characters.")
    return value


def _text(graph: Graph, node: dict, name: str, what: str, limit: int) -> str | None:
    value = graph.literal(node, name)
    if value is None:
        return None
    value = str(value)
    if len(value) > limit:
        raise DfcParseError(f"{what} is longer than {limit} characters.")
    return value


def _number(graph: Graph, node: dict | None, name: str, what: str) -> Decimal | None:
    values = graph.literals(node, name)
    if len(values) > 1:
        raise DfcParseError(f"{what} is given {len(values)} times.")
    return decimal_value(values[0], what) if values else None


def quantity_value(value, what: str) -> Decimal:
    """A line quantity within bounds (0 ≤ q ≤ MAX_QUANTITY, at most three decimals)."""
    quantity = decimal_value(value, what)
    if quantity is None:
        raise DfcParseError(f"{what} is missing.")
    if quantity < 0:
        raise DfcParseError(f"{what} cannot be negative.")
    if quantity > MAX_QUANTITY:
        raise DfcParseError(f"{what} is above the largest quantity accepted ({MAX_QUANTITY}).")
    if quantity != quantity.quantize(Decimal(1).scaleb(-QUANTITY_PLACES)):
        raise DfcParseError(f"{what} has more than {QUANTITY_PLACES} decimals: {value!r}.")
    return quantity


def _price(graph: Graph, value_node: dict | None) -> ParsedPrice | None:
    if value_node is None:
        return None
    amount = _number(graph, value_node, "value", "Price value")
    if amount is None:
        amount = _number(graph, value_node, "hasValue", "Price value")
    if amount is None:
        raise DfcParseError("Price value is missing.")
    unit = graph.first_ref(value_node, "hasUnit")
    currency = None
    if unit:
        name = local_name(unit)
        currency = UNIT_CURRENCIES.get(name, name if len(name) == 3 and name.isupper() else None)
    return ParsedPrice(amount, currency, _number(graph, value_node, "VATrate", "VATrate"))


def _offer(graph: Graph, offer_id: str) -> ParsedOffer:
    node = graph.node(offer_id) or {}
    price = graph.node(graph.first_ref(node, "hasPrice", "price"))
    return ParsedOffer(
        id=None if offer_id.startswith("_:") else _iri(offer_id, "Offer @id"),
        offered_item=_iri(graph.first_ref(node, "offeredItem", "offers"), "offeredItem"),
        price=_price(graph, price),
        stock_limitation=_number(graph, node, "stockLimitation", "stockLimitation"),
    )


def _has_quantity(graph: Graph, node: dict, label: str) -> list:
    """The FDC API's older form: hasQuantity, a QuantitativeValue or a bare number."""
    literals = graph.literals(node, "hasQuantity")
    if literals:
        return literals
    for ref in graph.refs(node, "hasQuantity"):
        value = graph.node(ref)
        if value is None:
            raise DfcParseError(f"Quantity of line {label} must be a number, got {ref[:40]!r}.")
        return graph.literals(value, "value") or graph.literals(value, "hasValue")
    return []


def _line(graph: Graph, line_id: str) -> ParsedLine:
    node = graph.node(line_id)
    label = "" if line_id.startswith("_:") else line_id
    if node is None or not graph.values(node, "concerns"):
        raise DfcParseError(f"Order line {label} does not say which offer it concerns.")
    concerns = graph.refs(node, "concerns")
    if len(concerns) != 1:
        raise DfcParseError(f"Order line {label} must concern exactly one offer.")
    quantities = graph.literals(node, "quantity") or _has_quantity(graph, node, label)
    if len(quantities) > 1:
        raise DfcParseError(f"Order line {label} is given {len(quantities)} quantities.")
    quantity = quantity_value(quantities[0] if quantities else None, f"Quantity of line {label}")
    price = graph.node(graph.first_ref(node, "hasPrice", "Price", "price"))
    return ParsedLine(
        id=None if line_id.startswith("_:") else _iri(line_id, "Order line @id"),
        offer=_offer(graph, concerns[0]),
        quantity=quantity,
        price=_price(graph, price),
        discount=_number(graph, node, "discount", "discount"),
    )


def _status(graph: Graph, order: dict, names: tuple[str, ...], allowed, what: str) -> str | None:
    raw = graph.first_ref(order, *names)
    if raw is None:
        return None
    term = vocabulary_term(raw, allowed)
    if term is None:
        raise DfcParseError(f"Unknown {what} {raw[:80]!r}: expected one of {', '.join(allowed)}.")
    return term


def parse_order(document) -> ParsedOrder:
    """Read one dfc-b:Order with its lines, offers, prices and sale session."""
    graph = read(document)
    orders = graph.typed("Order")
    if len(orders) != 1:
        raise DfcParseError(f"Expected exactly one dfc-b:Order, found {len(orders)}.")
    order = orders[0]
    for node_id, properties in graph.redefined.items():
        if {BUSINESS + "quantity", BUSINESS + "concerns"} & properties:
            raise DfcParseError(f"Order line {node_id} is described twice: send each line once.")
    for _, prop, ref in graph.repeated:
        if prop == BUSINESS + "hasPart":
            raise DfcParseError(f"Order line {ref} is listed twice in hasPart.")
    parts = graph.refs(order, "hasPart")
    if len(parts) > MAX_LINES:
        raise DfcParseError(
            f"An order has at most {MAX_LINES:,} lines; this one has {len(parts):,}: "
            "send it as several orders."
        )
    lines = []
    for part in parts:
        if graph.node(part) is None:
            raise DfcParseError(f"Order line {part} is referenced but not in the document.")
        lines.append(_line(graph, part))
    session = None
    session_ref = graph.first_ref(order, "belongsTo")
    if session_ref:
        node = graph.node(session_ref)
        session = ParsedSession(
            id=_iri(session_ref, "Sale session @id"),
            begins_at=parse_datetime_value(
                graph.literal(node, "beginDate", "startDate"), "The sale session's beginDate"
            ),
            ends_at=parse_datetime_value(
                graph.literal(node, "endDate"), "The sale session's endDate"
            ),
        )
    order_id = order.get("@id")
    return ParsedOrder(
        id=None if not order_id or order_id.startswith("_:") else _iri(order_id, "Order @id"),
        order_number=_text(graph, order, "orderNumber", "orderNumber", MAX_NUMBER_LENGTH),
        order_status=_status(graph, order, ("hasOrderStatus",), ORDER_STATUSES, "order status"),
        fulfilment_status=_status(
            graph, order, ("hasFulfilmentStatus",), FULFILMENT_STATUSES, "fulfilment status"
        ),
        payment_status=_status(
            graph,
            order,
            ("hasPaymentStatus", "hasPaymentState"),
            PAYMENT_STATUSES,
            "payment status",
        ),
        ordered_by=_iri(
            graph.first_ref(order, "orderedBy", "client"), "orderedBy", MAX_ENTERPRISE_IRI_LENGTH
        ),
        sold_by=_iri(graph.first_ref(order, "soldBy"), "soldBy"),
        session=session,
        discount=_number(graph, order, "discount", "discount"),
        lines=lines,
    )
