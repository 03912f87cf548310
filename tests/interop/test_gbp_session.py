"""A session in pounds sterling, end to end: a partner hub orders GBP offers from a local
producer and reads GBP prices back; the hub's customer orders in GBP become a producer order
in GBP that a recording partner receives over HTTP, with its hasQuantity in the product's unit,
and whose reply Larder reads (the partner's @ids are kept)."""

from decimal import Decimal

import pytest
from django.conf import settings

from orders.models import Order, ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from platforms.dfc.jsonld import read
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.interop.conftest import make_farm
from tests.interop.test_bad_input import graph
from tests.platforms.partner import PartnerServer

pytestmark = pytest.mark.django_db

B = "https://github.com/datafoodconsortium/ontology/releases/latest/download/DFC_BusinessOntology.owl#"
M = "https://github.com/datafoodconsortium/taxonomies/releases/latest/download/measures.rdf#"


def test_a_hub_orders_gbp_offers_and_reads_pounds_back(api):
    producer, offers = make_farm(currency="GBP")
    base = f"{settings.LARDER_PUBLIC_URL.rstrip('/')}/api/dfc/Enterprises/{producer.slug}"
    fava = offers["Fava beans 500 g"]

    created = api.post(
        f"{base}/Orders",
        graph([("https://hub.example/orders/1/lines/1", f"{base}/Offers/{fava.pk}", 4)]),
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert Order.objects.get().currency == "GBP"
    reply = read(created.json())
    (line,) = reply.typed("OrderLine")
    price = reply.node(reply.first_ref(line, "hasPrice"))
    quantity = reply.node(reply.first_ref(line, "hasQuantity"))
    assert (reply.literal(price, "value"), reply.first_ref(price, "hasUnit")) == (
        3.5,
        M + "PoundSterling",
    )
    assert (reply.literal(quantity, "value"), reply.first_ref(quantity, "hasUnit")) == (
        2000.0,
        M + "Gram",
    )


@pytest.fixture
def recording_partner():
    server = PartnerServer().start()
    yield server
    server.stop()


def test_a_gbp_session_sends_its_producer_order_in_pounds(
    recording_partner, django_capture_on_commit_callbacks
):
    platform = PlatformFactory(base_url=recording_partner.base_url + "/api/dfc/")
    farm = ProducerFactory(
        platform=platform, slug="moor-farm", remote_id=recording_partner.producer_url("moor-farm")
    )
    mince = ProductFactory(
        producer=farm,
        name="Beef mince 500 g",
        unit_of_measure="g",
        nominal_quantity=Decimal("500"),
        remote_id=f"{farm.remote_id}/SuppliedProducts/77",
    )
    session = SaleSessionFactory()
    for quantity in ("2", "3"):
        order = OrderFactory(
            trader=session.trader, sales_session=session, status="C", currency="GBP"
        )
        OrderItemFactory(
            order=order, product=mince, quantity=Decimal(quantity), unit_price=Decimal("4.20")
        )

    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)

    producer_order = ProducerOrder.objects.get()
    assert (producer_order.currency, producer_order.total_product) == ("GBP", Decimal("21.00"))
    (posted,) = recording_partner.requests("POST")
    body = read(posted.json)
    (line,) = body.typed("OrderLine")
    price = body.node(body.first_ref(line, "hasPrice"))
    quantity = body.node(body.first_ref(line, "hasQuantity"))
    offer = body.node(body.first_ref(line, "concerns"))
    product = body.node(body.first_ref(offer, "offeredItem"))
    assert body.literal(line, "quantity") == 5.0
    assert (body.literal(price, "value"), body.first_ref(price, "hasUnit")) == (
        4.2,
        M + "PoundSterling",
    )
    assert (body.literal(quantity, "value"), body.first_ref(quantity, "hasUnit")) == (
        2500.0,
        M + "Gram",
    )
    assert B + "SuppliedProduct" in product["@type"]
    assert product["@id"] == mince.remote_id
    # The partner's reply was read: its @ids for the order and the line are kept.
    producer_order.refresh_from_db()
    assert producer_order.remote_id.startswith(recording_partner.base_url + "/api/dfc/")
    assert producer_order.lines.get().remote_id.startswith(
        producer_order.remote_id + "/OrderLines/"
    )
