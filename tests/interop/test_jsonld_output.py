"""Every DFC endpoint's output and every outbound producer-order body, expanded with pyld:
every reference is an IRI and every type one the connectors know (tests/interop/jsonld_check)."""

from decimal import Decimal

import pytest
from django.conf import settings

from orders.models import ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from platforms.dfc.render import producer_order_document
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.interop.jsonld_check import problems
from tests.interop.test_bad_input import graph

pytestmark = pytest.mark.django_db


def test_the_checker_catches_what_it_is_for():
    document = {
        "@context": "https://www.datafoodconsortium.org",
        "@graph": [
            {
                "@id": "https://a.example/offers/1",
                "@type": "dfc-b:Offer",
                "dfc-b:offeredItem": "https://a.example/products/1",
            },
            {"@id": "https://a.example/x", "@type": "dfc-b:Nonsense"},
        ],
    }
    assert problems(document) == [
        "https://a.example/x: unknown type https://github.com/datafoodconsortium/ontology/"
        "releases/latest/download/DFC_BusinessOntology.owl#Nonsense",
        "https://a.example/offers/1: https://github.com/datafoodconsortium/ontology/releases/"
        "latest/download/DFC_BusinessOntology.owl#offeredItem is a literal "
        "{'@value': 'https://a.example/products/1'}",
    ]


def test_every_dfc_endpoint_writes_references_and_known_types(api, contracts):
    producer, offers, _, _ = contracts
    base = f"{settings.LARDER_PUBLIC_URL.rstrip('/')}/api/dfc/Enterprises/{producer.slug}"
    beans = offers["Baked beans 400 g"]
    order_lines = [("https://hub.example/orders/1/lines/1", f"{base}/Offers/{beans.pk}", 2)]
    created = api.post(f"{base}/Orders", graph(order_lines), format="json")
    amended = api.put(created["Location"], graph(order_lines), format="json")
    line_id = created.json()["@graph"][1]["@id"]
    assert (created.status_code, amended.status_code) == (201, 200)
    paths = [
        "",
        "/SuppliedProducts",
        f"/SuppliedProducts/{beans.product_id}",
        "/CatalogItems",
        f"/CatalogItems/{beans.product_id}",
        "/Offers",
        f"/Offers/{beans.pk}",
        "/SaleSessions",
        f"/SaleSessions/{beans.session_id}",
        "/Orders",
        created["Location"][len(base) :],
        created["Location"][len(base) :] + "/OrderLines",
    ]
    bodies = {path: api.get(base + path) for path in paths}
    bodies["POST reply"], bodies["PUT reply"] = created, amended
    bodies["line"] = api.get(line_id)

    assert {path: response.status_code for path, response in bodies.items()} == {
        path: 200 for path in bodies
    } | {"POST reply": 201}
    assert {path: problems(response.json()) for path, response in bodies.items()} == {
        path: [] for path in bodies
    }


def test_outbound_producer_orders_write_references_and_known_types():
    partner = PlatformFactory()
    farm = ProducerFactory(platform=partner, remote_id="https://farm.example/api/dfc/Enterprises/f")
    mince = ProductFactory(
        producer=farm,
        name="Beef mince 500 g",
        unit_of_measure="g",
        nominal_quantity=Decimal("500"),
        remote_id="https://farm.example/api/dfc/Enterprises/f/SuppliedProducts/9",
    )
    session = SaleSessionFactory()
    order = OrderFactory(trader=session.trader, sales_session=session, status="C", currency="GBP")
    OrderItemFactory(order=order, product=mince, quantity=Decimal(5), unit_price=Decimal("4.20"))
    producer_orders_refresh(session_id=session.pk)
    producer_order = ProducerOrder.objects.get()

    document = producer_order_document(producer_order, list(producer_order.lines.all()))

    assert problems(document) == []
