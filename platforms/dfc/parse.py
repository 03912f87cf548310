"""Incoming DFC JSON-LD → plain values, with a clear error for anything malformed."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from platforms.dfc.vocabulary import (
    FULFILMENT_STATUSES,
    ORDER_STATUSES,
    PAYMENT_STATUSES,
    UNIT_CURRENCIES,
    is_accepted_context,
    local_name,
    vocabulary_term,
)
from platforms.exceptions import DfcParseError


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
    begins_at: str | None
    ends_at: str | None


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


def _normalise(node: dict) -> dict:
    """Keys to local names ('dfc-b:quantity' → 'quantity'); @id and @type kept."""
    out = {}
    for key, value in node.items():
        out[key if key.startswith("@") else local_name(key)] = value
    return out


def _types(node: dict) -> set[str]:
    value = node.get("@type", [])
    values = value if isinstance(value, list) else [value]
    return {local_name(v) for v in values if isinstance(v, str)}


def _index(document) -> tuple[list[dict], dict[str, dict]]:
    """Every node of the document (top level, @graph, nested objects) and an @id index."""
    if not isinstance(document, dict):
        raise DfcParseError("The body must be a JSON-LD object.")
    if "@context" not in document or not is_accepted_context(document["@context"]):
        raise DfcParseError(
            "Missing or unknown @context: send the DFC context "
            "(https://www.datafoodconsortium.org or the w3id 1.16 context URL)."
        )
    nodes: list[dict] = []

    def walk(value) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            if "@graph" in value:
                walk(value["@graph"])
            if "@type" in value or ("@id" in value and len(value) > 1):
                nodes.append(_normalise(value))
            for key, item in value.items():
                if key not in ("@context", "@graph") and isinstance(item, dict | list):
                    walk(item)

    walk(document)
    index: dict[str, dict] = {}
    for node in nodes:
        if isinstance(node.get("@id"), str):
            index.setdefault(node["@id"], {}).update(node)
    return nodes, index


def _ref(value) -> str | None:
    if isinstance(value, dict):
        return value.get("@id")
    if isinstance(value, list):
        return _ref(value[0]) if value else None
    return value if isinstance(value, str) else None


def _resolve(value, index: dict[str, dict]) -> dict | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        normalised = _normalise(value)
        if "@id" in normalised and normalised["@id"] in index:
            return {**index[normalised["@id"]], **normalised}
        return normalised
    if isinstance(value, str):
        return index.get(value)
    return None


def _decimal(value, what: str, *, required: bool = False) -> Decimal | None:
    if isinstance(value, dict):
        value = _normalise(value)
        value = value.get("@value", value.get("value", value.get("hasValue")))
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        if required:
            raise DfcParseError(f"{what} is missing.")
        return None
    if isinstance(value, bool):
        raise DfcParseError(f"{what} must be a number, got {value!r}.")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise DfcParseError(f"{what} must be a number, got {value!r}.") from error
    if not number.is_finite():
        raise DfcParseError(f"{what} must be a finite number, got {value!r}.")
    return number


def _price(value, index) -> ParsedPrice | None:
    node = _resolve(value, index)
    if node is None:
        return None
    amount = _decimal(node.get("value", node.get("hasValue")), "Price value", required=True)
    unit = _ref(node.get("hasUnit"))
    currency = None
    if unit:
        name = local_name(unit)
        currency = UNIT_CURRENCIES.get(name, name if len(name) == 3 and name.isupper() else None)
    return ParsedPrice(amount, currency, _decimal(node.get("VATrate"), "VATrate"))


def _offer(value, index) -> ParsedOffer:
    node = _resolve(value, index) or {}
    offer_id = _ref(value)
    item = node.get("offeredItem", node.get("offers"))
    return ParsedOffer(
        id=offer_id,
        offered_item=_ref(item),
        price=_price(node.get("hasPrice", node.get("price")), index),
        stock_limitation=_decimal(node.get("stockLimitation"), "stockLimitation"),
    )


def _line(node: dict, index) -> ParsedLine:
    concerns = node.get("concerns")
    if concerns is None:
        raise DfcParseError(
            f"Order line {node.get('@id', '')} does not say which offer it concerns."
        )
    quantity_value = node.get("quantity", node.get("hasQuantity"))
    quantity = _decimal(
        quantity_value, f"Quantity of order line {node.get('@id', '')}", required=True
    )
    if quantity < 0:
        raise DfcParseError(f"Quantity of order line {node.get('@id', '')} cannot be negative.")
    return ParsedLine(
        id=node.get("@id"),
        offer=_offer(concerns, index),
        quantity=quantity,
        price=_price(node.get("hasPrice", node.get("Price", node.get("price"))), index),
        discount=_decimal(node.get("discount") if node.get("discount") != [] else None, "discount"),
    )


def parse_order(document) -> ParsedOrder:
    """Read one dfc-b:Order with its lines (nested or flattened in @graph)."""
    nodes, index = _index(document)
    orders = [node for node in nodes if "Order" in _types(node)]
    if len(orders) != 1:
        raise DfcParseError(f"Expected exactly one dfc-b:Order, found {len(orders)}.")
    order = orders[0]
    parts = order.get("hasPart", [])
    parts = parts if isinstance(parts, list) else [parts]
    lines = []
    for part in parts:
        node = _resolve(part, index)
        if node is None:
            raise DfcParseError(f"Order line {_ref(part)} is referenced but not in the document.")
        lines.append(_line(node, index))
    session = None
    session_ref = _ref(order.get("belongsTo"))
    if session_ref:
        node = index.get(session_ref, {})
        session = ParsedSession(
            id=session_ref,
            begins_at=node.get("beginDate", node.get("startDate")),
            ends_at=node.get("endDate"),
        )
    statuses = {}
    for key, allowed, name in (
        ("hasOrderStatus", ORDER_STATUSES, "order status"),
        ("hasFulfilmentStatus", FULFILMENT_STATUSES, "fulfilment status"),
        ("hasPaymentStatus", PAYMENT_STATUSES, "payment status"),
    ):
        raw = order.get(key, order.get("hasPaymentState") if key == "hasPaymentStatus" else None)
        if raw is None:
            statuses[key] = None
            continue
        term = vocabulary_term(raw, allowed)
        if term is None:
            raise DfcParseError(f"Unknown {name} {raw!r}: expected one of {', '.join(allowed)}.")
        statuses[key] = term
    return ParsedOrder(
        id=order.get("@id"),
        order_number=order.get("orderNumber"),
        order_status=statuses["hasOrderStatus"],
        fulfilment_status=statuses["hasFulfilmentStatus"],
        payment_status=statuses["hasPaymentStatus"],
        ordered_by=_ref(order.get("orderedBy", order.get("OrderedBy", order.get("client")))),
        sold_by=_ref(order.get("soldBy")),
        session=session,
        discount=_decimal(
            order.get("discount") if order.get("discount") != [] else None, "discount"
        ),
        lines=lines,
    )
