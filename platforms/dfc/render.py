"""Larder objects → DFC JSON-LD. Floats appear here only, where the standard says float."""

import hashlib
import hmac
from decimal import Decimal

from django.views.decorators.debug import sensitive_variables

from platforms.dfc import uris
from platforms.dfc.vocabulary import CONTEXT, CURRENCY_UNITS, MEASURE_UNITS


def document(nodes: list[dict]) -> dict:
    """A JSON-LD document with the 1.16 context and a flat @graph."""
    return {"@context": CONTEXT, "@graph": nodes}


def ref(iri: str) -> dict:
    """A node reference. Written as an object for every term, typed as @id by the context or
    not (offeredItem, offeredTo), so every JSON-LD processor reads an IRI, never a string."""
    return {"@id": iri}


def refs(iris) -> list[dict]:
    return [ref(iri) for iri in iris]


def as_float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def currency_unit(currency: str) -> str:
    return CURRENCY_UNITS.get(currency, f"dfc-m:{currency}")


def measure_unit(unit_of_measure: str) -> str:
    return MEASURE_UNITS.get(unit_of_measure, "dfc-m:Piece")


def price_node(value: Decimal, currency: str, vat_rate: Decimal | None) -> dict:
    node = {
        "@type": "dfc-b:Price",
        "dfc-b:value": as_float(value),
        "dfc-b:hasUnit": ref(currency_unit(currency)),
    }
    if vat_rate is not None:
        node["dfc-b:VATrate"] = as_float(vat_rate)
    return node


def quantity_node(value: Decimal, unit_of_measure: str) -> dict:
    return {
        "@type": "dfc-b:QuantitativeValue",
        "dfc-b:value": as_float(value),
        "dfc-b:hasUnit": ref(measure_unit(unit_of_measure)),
    }


def sale_session_node(session) -> dict:
    begins = session.begins_at.isoformat()
    return {
        "@id": uris.sale_session_uri(session),
        "@type": "dfc-b:SaleSession",
        # Partners parse beginDate today; the 1.16 ontology names it startDate: write both.
        "dfc-b:beginDate": begins,
        "dfc-b:startDate": begins,
        "dfc-b:endDate": session.ends_at.isoformat(),
    }


def offer_node(
    *,
    offer_id: str,
    product_id: str,
    price: Decimal,
    currency: str,
    vat_rate: Decimal | None,
    stock_limitation: Decimal | None = None,
    offered_to: str | None = None,
) -> dict:
    node = {
        "@id": offer_id,
        "@type": "dfc-b:Offer",
        # Partners parse offeredItem today; the ontology's term is offers: write both.
        "dfc-b:offeredItem": ref(product_id),
        "dfc-b:offers": ref(product_id),
        "dfc-b:hasPrice": price_node(price, currency, vat_rate),
    }
    if stock_limitation is not None:
        node["dfc-b:stockLimitation"] = as_float(stock_limitation)
    if offered_to:
        node["dfc-b:offeredTo"] = ref(offered_to)
        node["dfc-b:offersTo"] = ref(offered_to)
    return node


def producer_order_number(producer_order) -> str:
    """`<trader>-<id>`; for a producer order that serves one customer order (the trader does
    not consolidate), a keyed hash of the customer is appended so the producer can tell one
    customer's orders apart without learning who the customer is."""
    number = f"{producer_order.trader.slug}-{producer_order.pk}"
    customer_order = producer_order.customer_order
    if customer_order is not None and customer_order.customer_id is not None:
        secret = producer_order.producer.platform.customer_hash_secret
        number += "/" + customer_reference(secret=secret, customer_id=customer_order.customer_id)
    return number


def supplied_product_reference_node(product) -> dict:
    """The typed SuppliedProduct node a reader needs beside an Offer (Ruby connector: without
    it `offer.offeredItem` is no object and has no semanticId)."""
    return {
        "@id": uris.supplied_product_uri(product),
        "@type": "dfc-b:SuppliedProduct",
        "dfc-b:name": product.name,
        "dfc-b:hasQuantity": quantity_node(product.nominal_quantity, product.unit_of_measure),
    }


def producer_order_document(producer_order, lines) -> dict:
    """The producer order as the producer's platform receives it.

    Built from an allow-list: the trader is the buyer; no customer name, email, phone,
    address, note or IP can appear because nothing about customers is read here. Lines that
    the partner already knows carry its @id; new ones carry blank-node ids for the partner to
    replace with server ids. Order → lines → offers (with their price) → SuppliedProducts are
    all typed nodes of the graph; every price is in the producer order's currency (the
    session's), and each line's hasQuantity is its quantity in the product's own unit
    (5 × 500 g = 2,500 g).
    """
    session = producer_order.sales_session
    trader = producer_order.trader
    order_id = producer_order.remote_id or "_:order"
    nodes: list[dict] = []
    products: dict[str, dict] = {}
    line_ids: list[str] = []
    for line in lines:
        product = line.product
        line_id = line.remote_id or f"_:line-{line.product_id}"
        offer_id = f"_:offer-{line.product_id}"
        line_ids.append(line_id)
        nodes.append(
            {
                "@id": line_id,
                "@type": "dfc-b:OrderLine",
                "dfc-b:concerns": ref(offer_id),
                "dfc-b:quantity": as_float(line.quantity),
                "dfc-b:hasQuantity": quantity_node(
                    line.quantity * product.nominal_quantity, product.unit_of_measure
                ),
                "dfc-b:hasPrice": price_node(line.unit_price, producer_order.currency, None),
                # The discount Larder expects: the producer's catalogue offer's, × quantity.
                "dfc-b:discount": as_float(line.discount),
            }
        )
        nodes.append(
            offer_node(
                offer_id=offer_id,
                product_id=uris.supplied_product_uri(product),
                price=line.unit_price,
                currency=producer_order.currency,
                vat_rate=None,
            )
        )
        node = supplied_product_reference_node(product)
        products.setdefault(node["@id"], node)
    order = {
        "@id": order_id,
        "@type": "dfc-b:Order",
        "dfc-b:orderNumber": producer_order_number(producer_order),
        "dfc-b:date": producer_order.created_at.isoformat(),
        "dfc-b:belongsTo": ref(uris.sale_session_uri(session)),
        "dfc-b:orderedBy": ref(uris.enterprise_uri(trader)),
        "dfc-b:soldBy": ref(uris.enterprise_uri(producer_order.producer)),
        "dfc-b:hasOrderStatus": ref(f"dfc-v:{producer_order.order_state}"),
        "dfc-b:hasFulfilmentStatus": ref(
            "dfc-v:Cancelled" if producer_order.is_cancelled else "dfc-v:Held"
        ),
        "dfc-b:hasPaymentStatus": ref("dfc-v:Unpaid"),
        "dfc-b:discount": as_float(producer_order.total_discount),
        "dfc-b:hasPart": refs(line_ids),
    }
    return document([order, *nodes, *products.values(), sale_session_node(session)])


@sensitive_variables("secret", "key")
def customer_reference(*, secret: str, customer_id: int) -> str:
    """A keyed hash standing for a customer: stable for one partner, different across partners,
    and not reversible without the partner's secret."""
    return hmac.new(
        secret.encode(), f"customer:{customer_id}".encode(), hashlib.sha256
    ).hexdigest()[:32]
