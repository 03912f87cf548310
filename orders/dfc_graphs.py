"""DFC graphs of what Larder sells through its partner API: orders placed by hubs (with
server @ids and prices on every line), and the catalogue (SuppliedProduct, CatalogItem,
Offer with live stockLimitation, SaleSession, Enterprise).

Status mapping (WebSphere letter → DFC vocabulary), see docs/architecture.md "Partner API":
an order holding stock for a hub (I, and the other placed-but-open letters) is Held; a
finalised one (C and what follows it) is Complete; X is Cancelled; a cart (P) is Draft.
"""

from collections.abc import Mapping
from decimal import Decimal

from discounts.models import FulfilmentCentre
from discounts.selectors import flat_shipping_fee
from inventory.selectors import available_quantity, product_stock
from orders.models import PaymentStatus
from orders.statuses import OrderStatus as S
from platforms.dfc import uris
from platforms.dfc.render import (
    as_float,
    document,
    offer_node,
    price_node,
    quantity_node,
    ref,
    refs,
    supplied_product_reference_node,
)

HELD_STATUSES = frozenset(
    {
        S.SUBMITTED,
        S.WAITING_APPROVAL,
        S.APPROVAL_DENIED,
        S.PAYMENT_INITIATED,
        S.PAYMENT_REVIEW,
        S.BACKORDERED,
        S.LOW_INVENTORY,
        S.CSR_EDIT,
    }
)
COMPLETE_STATUSES = frozenset(
    {
        S.COMPLETE,
        S.RELEASED,
        S.SHIPPED,
        S.DEPOSITED,
        S.READY_FOR_REMOTE_FULFILMENT,
        S.WAITING_REMOTE_FULFILMENT,
    }
)
ORDER_STATUS_LETTERS = {
    "Draft": frozenset({S.PENDING}),
    "Held": HELD_STATUSES,
    "Complete": COMPLETE_STATUSES,
    "Cancelled": frozenset({S.CANCELLED}),
}
FULFILMENT_STATUS_LETTERS = {
    "Held": HELD_STATUSES | {S.PENDING},
    "Unfulfilled": frozenset(
        {S.COMPLETE, S.RELEASED, S.READY_FOR_REMOTE_FULFILMENT, S.WAITING_REMOTE_FULFILMENT}
    ),
    "Fulfilled": frozenset({S.SHIPPED, S.DEPOSITED}),
    "Cancelled": frozenset({S.CANCELLED}),
}
PAYMENT_STATUS_VALUES = {
    "Unpaid": frozenset({PaymentStatus.UNPAID, PaymentStatus.DEFERRED, PaymentStatus.REVIEW}),
    "Paid": frozenset({PaymentStatus.AUTHORIZED}),
    "Cancelled": frozenset({PaymentStatus.VOIDED}),
}


# The DFC list filters (the FDC API's query parameters): the table and the field each filters.
STATE_FILTERS: dict[str, tuple[Mapping[str, frozenset[str]], str]] = {
    "orderState": (ORDER_STATUS_LETTERS, "status"),
    "fulfilmentState": (FULFILMENT_STATUS_LETTERS, "status"),
    "paymentState": (PAYMENT_STATUS_VALUES, "payment_status"),
}


def _term_for(value, table: dict) -> str:
    return next(term for term, members in table.items() if value in members)


def order_status_term(status: str) -> str:
    return _term_for(status, ORDER_STATUS_LETTERS)


def fulfilment_status_term(status: str) -> str:
    return _term_for(status, FULFILMENT_STATUS_LETTERS)


def payment_status_term(payment_status: str) -> str:
    return _term_for(payment_status, PAYMENT_STATUS_VALUES)


def order_line_id(seller, order_id: int, item_id: int) -> str:
    return uris.order_line_uri(seller, order_id, item_id)


def available_stock(product, offer=None) -> Decimal | None:
    """What may still be sold (inventory.selectors.available_quantity) as DFC's
    stockLimitation: -1 when the producer's stock is unlimited (the DFC convention); None when
    the producer publishes no stock."""
    stock = product_stock(product)
    level = available_quantity(stock=stock, offer=offer)
    if level is None and stock is not None and stock.is_unlimited:
        return Decimal(-1)
    return level


def order_nodes(order, items, *, seller, discount: Decimal, line_discounts: dict) -> list[dict]:
    """The Order, its OrderLines, the Offers they concern (with their prices), the
    SuppliedProducts those offer, and its SaleSession: every node a reader walks to."""
    order_id = uris.order_uri(seller, order.pk)
    nodes: list[dict] = []
    products: dict[str, dict] = {}
    line_ids: list[str] = []
    offers_seen: set[str] = set()
    for item in items:
        line_id = order_line_id(seller, order.pk, item.pk)
        line_ids.append(line_id)
        offer_id = uris.offer_uri(seller, item.offer_id) if item.offer_id else f"{line_id}#offer"
        nodes.append(
            {
                "@id": line_id,
                "@type": "dfc-b:OrderLine",
                "dfc-b:concerns": ref(offer_id),
                "dfc-b:quantity": as_float(item.quantity),
                # In the product's unit: 5 × 500 g is 2,500 g.
                "dfc-b:hasQuantity": quantity_node(
                    item.quantity * item.nominal_quantity, item.unit_of_measure
                ),
                "dfc-b:hasPrice": price_node(item.unit_price, order.currency, item.vat_rate),
                "dfc-b:discount": as_float(line_discounts.get(item.pk, Decimal("0.00"))),
                "dfc-b:partOf": ref(order_id),
            }
        )
        product_node = supplied_product_reference_node(item.product)
        products.setdefault(product_node["@id"], product_node)
        if offer_id not in offers_seen:
            offers_seen.add(offer_id)
            nodes.append(
                offer_node(
                    offer_id=offer_id,
                    product_id=uris.supplied_product_uri(item.product),
                    price=item.unit_price,
                    currency=order.currency,
                    vat_rate=item.vat_rate,
                )
            )
    node = {
        "@id": order_id,
        "@type": "dfc-b:Order",
        "dfc-b:orderNumber": str(order.number),
        "dfc-b:date": (order.placed_at or order.created_at).isoformat(),
        "dfc-b:orderedBy": ref(uris.enterprise_uri(order.trader)),
        "dfc-b:soldBy": ref(uris.enterprise_uri(seller)),
        "dfc-b:hasOrderStatus": ref(f"dfc-v:{order_status_term(order.status)}"),
        "dfc-b:hasFulfilmentStatus": ref(f"dfc-v:{fulfilment_status_term(order.status)}"),
        "dfc-b:hasPaymentStatus": ref(f"dfc-v:{payment_status_term(order.payment_status)}"),
        "dfc-b:discount": as_float(discount),
        "dfc-b:hasPart": refs(line_ids),
    }
    if order.sales_session_id:
        node["dfc-b:belongsTo"] = ref(uris.sale_session_uri(order.sales_session))
        nodes.append(_session_node(order.sales_session))
    return [node, *nodes, *products.values()]


def _session_node(session, offer_ids=None) -> dict:
    begins = session.begins_at.isoformat()
    node = {
        "@id": uris.sale_session_uri(session),
        "@type": "dfc-b:SaleSession",
        "dfc-b:beginDate": begins,
        "dfc-b:startDate": begins,
        "dfc-b:endDate": session.ends_at.isoformat(),
    }
    if offer_ids is not None:
        node["dfc-b:lists"] = refs(offer_ids)
    return node


def order_document(order, items, *, seller, discount, line_discounts) -> dict:
    return document(
        order_nodes(order, items, seller=seller, discount=discount, line_discounts=line_discounts)
    )


def orders_document(entries) -> dict:
    """Several orders: `entries` of (order, items, seller, discount, line_discounts)."""
    nodes: list[dict] = []
    seen: set[str] = set()
    for order, items, seller, discount, line_discounts in entries:
        for node in order_nodes(
            order, items, seller=seller, discount=discount, line_discounts=line_discounts
        ):
            if node["@id"] not in seen:
                seen.add(node["@id"])
                nodes.append(node)
    return document(nodes)


def order_line_document(order, item, *, seller, line_discount) -> dict:
    nodes = order_nodes(
        order, [item], seller=seller, discount=Decimal("0"), line_discounts={item.pk: line_discount}
    )
    kept = ("dfc-b:OrderLine", "dfc-b:Offer", "dfc-b:SuppliedProduct")
    return document([node for node in nodes if node["@type"] in kept])


def supplied_product_node(product, catalog_items=()) -> dict:
    return {
        "@id": uris.supplied_product_uri(product),
        "@type": "dfc-b:SuppliedProduct",
        "dfc-b:name": product.name,
        "dfc-b:description": product.description,
        "dfc-b:hasQuantity": quantity_node(product.nominal_quantity, product.unit_of_measure),
        "dfc-b:suppliedBy": ref(uris.enterprise_uri(product.producer)),
        # The way back to the catalog item and its offers (OFN's FdcOfferBroker walks it).
        "dfc-b:referencedBy": refs(catalog_items),
    }


def catalog_item_node(product, offer_ids=()) -> dict:
    node = {
        "@id": uris.catalog_item_uri(product),
        "@type": "dfc-b:CatalogItem",
        "dfc-b:references": ref(uris.supplied_product_uri(product)),
        "dfc-b:sku": product.sku,
        "dfc-b:offeredThrough": refs(offer_ids),
    }
    level = available_stock(product)
    if level is not None:
        node["dfc-b:stockLimitation"] = as_float(level)
    return node


def offer_catalog_node(offer, seller) -> dict:
    level = available_stock(offer.product, offer)
    return offer_node(
        offer_id=uris.offer_uri(seller, offer.pk),
        product_id=uris.supplied_product_uri(offer.product),
        price=offer.price,
        currency=offer.currency,
        vat_rate=offer.vat_rate,
        stock_limitation=level,
        offered_to=uris.enterprise_uri(offer.session.trader),
    )


def _category_offers(offer) -> list:
    """The offer's category offers a customer category may buy (prefetched by the
    selectors as `available_category_offers`)."""
    found = getattr(offer, "available_category_offers", None)
    if found is None:
        found = [co for co in offer.category_offers.select_related("category__trader")]
    return [co for co in found if co.is_available]


def _offer_ids(offer, seller) -> list[str]:
    """The offer's @id, then one per customer category it is made to."""
    return [uris.offer_uri(seller, offer.pk)] + [
        uris.category_offer_uri(seller, offer.pk, co.category) for co in _category_offers(offer)
    ]


def category_offer_node(offer, category_offer, seller) -> dict:
    """The offer as made to one customer category: its own price (else the offer's), offered
    to the category (DFC `offeredTo` a `CustomerCategory`), the same stock limitation."""
    price = category_offer.price if category_offer.price is not None else offer.price
    return offer_node(
        offer_id=uris.category_offer_uri(seller, offer.pk, category_offer.category),
        product_id=uris.supplied_product_uri(offer.product),
        price=price,
        currency=offer.currency,
        vat_rate=offer.vat_rate,
        stock_limitation=available_stock(offer.product, offer),
        offered_to=uris.customer_category_uri(category_offer.category),
    )


def customer_category_node(category) -> dict:
    """A trader's customer category (its contract with a group of customers), defined by
    the trader."""
    return {
        "@id": uris.customer_category_uri(category),
        "@type": "dfc-b:CustomerCategory",
        "dfc-b:name": category.name,
        "dfc-b:description": category.description,
        "dfc-b:definedBy": ref(uris.enterprise_uri(category.trader)),
    }


def catalogue_nodes(entries, seller) -> list[dict]:
    """Each product with its CatalogItem and open Offers (each with its Price and
    stockLimitation), linked both ways: SuppliedProduct referencedBy CatalogItem
    offeredThrough Offer offeredItem SuppliedProduct. `entries`: (product, offers).

    An offer made to customer categories is also written once per category that may buy it,
    at the category's price and `offeredTo` its `CustomerCategory`, whose node follows."""
    nodes: list[dict] = []
    categories: dict[str, dict] = {}
    for product, offers in entries:
        nodes.append(supplied_product_node(product, [uris.catalog_item_uri(product)]))
        offer_ids = [offer_id for offer in offers for offer_id in _offer_ids(offer, seller)]
        nodes.append(catalog_item_node(product, offer_ids))
        for offer in offers:
            nodes.append(offer_catalog_node(offer, seller))
            for category_offer in _category_offers(offer):
                nodes.append(category_offer_node(offer, category_offer, seller))
                node = customer_category_node(category_offer.category)
                categories.setdefault(node["@id"], node)
    return nodes + list(categories.values())


def shipping_option_nodes(session, windows, fees) -> tuple[list[dict], list[dict]]:
    """The session's pickup and delivery options, one per opening window of a fulfilment
    centre (its start and end dates), each at the centre's PhysicalPlace with its Address:
    (the option nodes, the place and address nodes). `fees`: (trader, shipping mode) → the
    shipping rules of the mode (discounts.selectors.shipping_rules_by_mode)."""
    options: list[dict] = []
    places: list[dict] = []
    for window in windows:
        centre = window.centre
        place_id = uris.physical_place_uri(centre)
        is_pickup = centre.kind == FulfilmentCentre.Kind.PICKUP
        node = {
            "@id": uris.shipping_option_uri(session, window),
            "@type": "dfc-b:PickupOption" if is_pickup else "dfc-b:DeliveryOption",
            "dfc-b:name": centre.name,
            "dfc-b:startDate": window.opens_at.isoformat(),
            "dfc-b:endDate": window.closes_at.isoformat(),
            "dfc-b:optionOf": ref(uris.sale_session_uri(session)),
        }
        if is_pickup:
            # The TypeScript connector reads pickedUpAt; the ontology names it uses.
            node["dfc-b:pickedUpAt"] = ref(place_id)
            node["dfc-b:uses"] = ref(place_id)
        else:
            node["dfc-b:deliveredAt"] = ref(place_id)
            if centre.delivery_postcodes:
                node["dfc-b:deliveryConstraint"] = f"postcodes starting {centre.delivery_postcodes}"
        fee = flat_shipping_fee(
            fees.get((centre.trader_id, centre.shipping_mode_id), []), session_id=session.pk
        )
        if fee is not None:
            node["dfc-b:fee"] = as_float(fee)
        options.append(node)
        if all(place["@id"] != place_id for place in places):
            places += physical_place_nodes(centre)
    return options, places


def physical_place_nodes(centre) -> list[dict]:
    """A fulfilment centre's PhysicalPlace and its Address."""
    address_id = uris.address_uri(centre)
    return [
        {
            "@id": uris.physical_place_uri(centre),
            "@type": "dfc-b:PhysicalPlace",
            "dfc-b:name": centre.name,
            "dfc-b:hasAddress": ref(address_id),
        },
        {
            "@id": address_id,
            "@type": "dfc-b:Address",
            "dfc-b:hasStreet": centre.street,
            "dfc-b:hasPostalCode": centre.postcode,
            "dfc-b:hasCity": centre.city,
        },
    ]


def sale_session_nodes(session, seller, offers, fees) -> list[dict]:
    """The session (listing the seller's offers, category offers included, and its shipping
    options), then its pickup and delivery options and their places. Sessions from the
    selectors carry `open_windows`."""
    windows = getattr(session, "open_windows", None)
    if windows is None:
        windows = session.fulfilment_windows.filter(centre__is_active=True).select_related(
            "centre__trader"
        )
    options, places = shipping_option_nodes(session, windows, fees)
    node = _session_node(session, [i for offer in offers for i in _offer_ids(offer, seller)])
    if options:
        node["dfc-b:hasOption"] = refs(option["@id"] for option in options)
    return [node, *options, *places]


def enterprise_node(enterprise, products=()) -> dict:
    return {
        "@id": uris.enterprise_uri(enterprise),
        "@type": "dfc-b:Enterprise",
        "dfc-b:name": enterprise.name,
        "dfc-b:supplies": refs(uris.supplied_product_uri(p) for p in products),
    }
