from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orders.producer_orders.services import producer_orders_refresh
from platforms.dfc.jsonld import read
from platforms.dfc.parse import parse_order
from platforms.dfc.render import producer_order_document
from platforms.dfc.vocabulary import local_name
from platforms.exceptions import DfcParseError, UnknownContext
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)


@pytest.mark.parametrize(
    "context",
    [
        "https://www.datafoodconsortium.org",
        "http://www.datafoodconsortium.org/",
        "https://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context_1.16.0.jsonld",
        "http://www.datafoodconsortium.org/wp-content/plugins/wordpress-context-jsonld/context.jsonld",
        "https://w3id.org/dfc/ontology/context/context_1.16.0.json",
        "http://w3id.org/dfc/ontology/context/context_1.16.0.json",
        "https://w3id.org/dfc/ontology/context/context_1.14.0.json",
        "http://static.datafoodconsortium.org/ontologies/context.json",
        "https://github.com/datafoodconsortium/ontology/releases/latest/download/context.json",
        ["https://www.datafoodconsortium.org", {"ex": "https://example.org/"}],
    ],
)
def test_every_context_url_real_clients_send_is_read_to_the_same_iris(context):
    graph = read({"@context": context, "@id": "https://a.example/o", "@type": "dfc-b:Order"})
    (order,) = graph.typed("Order")
    assert order["@id"] == "https://a.example/o"


@pytest.mark.parametrize("context", ["https://schema.org", "https://evil.example/context.json"])
def test_other_context_urls_are_refused_naming_the_accepted_ones(context):
    with pytest.raises(UnknownContext) as refused:
        read({"@context": context, "@type": "dfc-b:Order"})
    assert "https://www.datafoodconsortium.org" in refused.value.message
    assert refused.value.extra["accepted_contexts"][0] == "https://www.datafoodconsortium.org"


def test_terms_normalise_from_prefixes_and_full_iris():
    full = "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_BusinessOntology.owl#quantity"
    assert local_name("dfc-b:quantity") == local_name(full) == "quantity"
    assert (
        local_name("http://static.datafoodconsortium.org/ontologies/DFC_BusinessOntology.owl#Order")
        == "Order"
    )


OFN_STYLE = {
    "@context": "https://www.datafoodconsortium.org",
    "@graph": [
        {
            "@id": "#",
            "@type": "dfc-b:Order",
            "dfc-b:belongsTo": "https://hub.example/api/dfc/Enterprises/7/SaleSessions/3",
            "dfc-b:orderNumber": "MYORDERNUM:12345",
            "dfc-b:hasOrderStatus": "dfc-v:Held",
            "dfc-b:hasFulfilmentStatus": "dfc-v:Held",
            "dfc-b:hasPaymentState": "dfc-v:Unpaid",
            "dfc-b:discount": 1.55,
            "dfc-b:orderedBy": "https://hub.example/api/dfc/Enterprises/7",
            "dfc-b:hasPart": {
                "@id": "#/orderlines/1",
                "@type": "dfc-b:OrderLine",
                "dfc-b:concerns": "https://farm.example/api/dfc/Enterprises/farm/Offers/10",
                "dfc-b:hasQuantity": {"@type": "dfc-b:QuantitativeValue", "dfc-b:hasValue": 5.0},
                "dfc-b:Price": {
                    "@type": "dfc-b:QuantitativeValue",
                    "dfc-b:hasUnit": "dfc-m:PoundSterling",
                    "dfc-b:value": 19.95,
                    "dfc-b:VATrate": 0.0,
                },
                "dfc-b:discount": [],
            },
        },
        {
            "@id": "https://hub.example/api/dfc/Enterprises/7/SaleSessions/3",
            "@type": "dfc-b:SaleSession",
            "dfc-b:beginDate": "2026-11-20T00:00:00+00:00",
            "dfc-b:endDate": "2026-11-27T00:00:00+00:00",
        },
    ],
}


def test_parses_the_fdc_api_shape():
    order = parse_order(OFN_STYLE)
    assert (order.order_status, order.fulfilment_status, order.payment_status) == (
        "Held",
        "Held",
        "Unpaid",
    )
    assert order.ordered_by == "https://hub.example/api/dfc/Enterprises/7"
    assert order.session.begins_at == datetime(2026, 11, 20, tzinfo=UTC)
    assert order.discount == Decimal("1.55")
    (line,) = order.lines
    assert line.quantity == Decimal("5.0")
    assert line.offer.id == "https://farm.example/api/dfc/Enterprises/farm/Offers/10"
    assert (line.price.value, line.price.currency) == (Decimal("19.95"), "GBP")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("@context"), "@context"),
        (
            lambda d: d["@graph"][0].update({"dfc-b:hasOrderStatus": "dfc-v:Shipped"}),
            "Unknown order status",
        ),
        (lambda d: d["@graph"][0]["dfc-b:hasPart"].pop("dfc-b:concerns"), "which offer"),
        (
            lambda d: d["@graph"][0]["dfc-b:hasPart"].update({"dfc-b:hasQuantity": "many"}),
            "must be a number",
        ),
        (
            lambda d: d["@graph"][0]["dfc-b:hasPart"].update({"dfc-b:hasQuantity": -1}),
            "cannot be negative",
        ),
        (lambda d: d["@graph"].pop(0), "exactly one dfc-b:Order"),
    ],
)
def test_malformed_documents_get_a_clear_error(mutate, message):
    import copy

    document = copy.deepcopy(OFN_STYLE)
    mutate(document)
    with pytest.raises(DfcParseError, match=message):
        parse_order(document)


@pytest.mark.django_db
def test_producer_order_renders_anonymously_and_parses_back():
    remote = PlatformFactory()
    session = SaleSessionFactory()
    farm = ProducerFactory(
        platform=remote, remote_id="https://farm.example/api/dfc/Enterprises/farm"
    )
    flour = ProductFactory(
        producer=farm, remote_id="https://farm.example/api/dfc/Enterprises/farm/SuppliedProducts/9"
    )
    order = OrderFactory(
        trader=session.trader,
        sales_session=session,
        status="C",
        customer__name="SENTINEL-NAME",
        customer__email="sentinel@example.org",
        customer_note="SENTINEL-NOTE",
        customer_ip="203.0.113.99",
    )
    OrderItemFactory(order=order, product=flour, quantity=Decimal("3"), unit_price=Decimal("2.20"))
    producer_orders_refresh(session_id=session.pk)
    producer_order = farm.producer_orders.get()

    document = producer_order_document(
        producer_order, producer_order.lines.select_related("product")
    )

    text = repr(document)
    for sentinel in ("SENTINEL", "sentinel@", "203.0.113.99"):
        assert sentinel not in text
    parsed = parse_order(document)
    assert parsed.order_status == "Held"
    assert parsed.sold_by == "https://farm.example/api/dfc/Enterprises/farm"
    assert parsed.ordered_by.endswith(f"/api/dfc/Enterprises/{session.trader.slug}")
    (line,) = parsed.lines
    assert line.quantity == Decimal("3")
    assert line.offer.offered_item == flour.remote_id
    assert (line.price.value, line.price.currency) == (Decimal("2.2"), "EUR")


@pytest.mark.django_db
def test_per_customer_order_numbers_carry_a_keyed_customer_hash_per_partner():
    from orders.models import ProducerOrder

    session = SaleSessionFactory(consolidate_per_producer=False)
    farm_a = ProducerFactory(platform=PlatformFactory(), remote_id="https://a.example/e/farm")
    farm_b = ProducerFactory(platform=PlatformFactory(), remote_id="https://b.example/e/farm")
    order = OrderFactory(trader=session.trader, sales_session=session, status="C")
    again = OrderFactory(
        trader=session.trader, sales_session=session, status="C", customer=order.customer
    )
    for placed in (order, again):
        for farm in (farm_a, farm_b):
            OrderItemFactory(order=placed, product=ProductFactory(producer=farm))
    producer_orders_refresh(session_id=session.pk)

    def number(producer_order):
        document = producer_order_document(producer_order, producer_order.lines.all())
        return parse_order(document).order_number.split("/")[1]

    a_first, a_again = (
        ProducerOrder.objects.get(producer=farm_a, customer_order=o) for o in (order, again)
    )
    b_first = ProducerOrder.objects.get(producer=farm_b, customer_order=order)
    assert number(a_first) == number(a_again)  # stable for one partner
    assert number(a_first) != number(b_first)  # different across partners
    assert order.customer.name not in repr(producer_order_document(a_first, a_first.lines.all()))
