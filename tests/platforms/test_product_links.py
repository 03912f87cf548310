"""Product links and the producer order's state at the partner: an OFN or FDC producer order
is not sent for a product without the partner's product @id, and the trader sees which lack
one; a refusal shows in the partner's own words."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from orders.selectors import producer_order_warnings
from platforms.models import OutboxMessage, Platform
from tests.factories import (
    LocalPlatformFactory,
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.platforms.producer_platforms import OpenFoodNetworkProducer

pytestmark = pytest.mark.django_db
TOKEN = "ofn-api-token"


@pytest.fixture
def ofn():
    server = OpenFoodNetworkProducer().start()
    server.state.tokens.add(TOKEN)
    yield server
    server.stop()


def _session_with(ofn, products):
    """A session ordering each (name, partner @id) of one OFN producer, 2 of each."""
    platform = PlatformFactory(
        kind=Platform.Kind.OFN, base_url=ofn.base_url + "/api/dfc/", outbound_token=TOKEN
    )
    producer = ProducerFactory(platform=platform, remote_id=ofn.enterprise_url(10000))
    session = SaleSessionFactory()
    order = OrderFactory(trader=session.trader, sales_session=session, status="C")
    for name, remote_id in products:
        product = ProductFactory(producer=producer, name=name, remote_id=remote_id)
        OrderItemFactory(order=order, product=product, quantity=Decimal("2"))
    return session


def _refresh(session, capture):
    with capture(execute=True):
        producer_orders_refresh(session_id=session.pk)


def test_a_product_without_a_link_stops_the_order_and_the_trader_sees_which(
    ofn, django_capture_on_commit_callbacks
):
    session = _session_with(
        ofn, [("Lamb chops", ofn.variant_url(10000, 10001)), ("Mutton stew", "")]
    )
    _refresh(session, django_capture_on_commit_callbacks)

    assert ofn.requests() == []
    message = OutboxMessage.objects.get()
    assert (message.state, message.last_error) == (
        "dead",
        "Product 'Mutton stew' has no link to the partner's product (its @id on "
        f"{message.platform.name}): set it to deliver orders.",
    )
    producer_order = ProducerOrder.objects.get()
    assert (producer_order.remote_id, producer_order.partner_state) == ("", "")
    assert producer_order_warnings(producer_order=producer_order) == [
        "Mutton stew has no link to the producer's own product on its platform: set its DFC @id "
        "(Products) so the order can name it there."
    ]


def test_a_link_that_names_no_ofn_variant_stops_the_order(ofn, django_capture_on_commit_callbacks):
    session = _session_with(ofn, [("Lamb chops", f"{ofn.enterprise_url(10000)}/products/7")])
    _refresh(session, django_capture_on_commit_callbacks)

    assert ofn.requests() == []
    assert OutboxMessage.objects.get().last_error.startswith(
        f"Product 'Lamb chops' is linked to {ofn.enterprise_url(10000)}/products/7, which does "
        "not name a variant the way Open Food Network reads it"
    )


def test_a_refusal_is_kept_in_the_partners_words_and_shown(
    ofn, django_capture_on_commit_callbacks, admin_client
):
    ofn.state.refuse_with.append((422, {"error": "Variant 10001 is out of stock"}))
    session = _session_with(ofn, [("Lamb chops", ofn.variant_url(10000, 10001))])
    _refresh(session, django_capture_on_commit_callbacks)

    producer_order = ProducerOrder.objects.get()
    assert (producer_order.partner_state, producer_order.partner_message) == (
        "refused",
        "Variant 10001 is out of stock",
    )
    assert OutboxMessage.objects.order_by("pk").first().state == "dead"
    assert producer_order_warnings(producer_order=producer_order) == [
        "The producer's platform refused this order: Variant 10001 is out of stock"
    ]
    page = admin_client.get(reverse("admin:orders_producerorder_changelist"))
    assert "<strong>refused</strong>: Variant 10001 is out of stock" in page.content.decode()


def test_an_accepted_order_shows_the_partners_id(
    ofn, django_capture_on_commit_callbacks, admin_client
):
    session = _session_with(ofn, [("Lamb chops", ofn.variant_url(10000, 10001))])
    _refresh(session, django_capture_on_commit_callbacks)

    producer_order = ProducerOrder.objects.get()
    assert producer_order.remote_id == f"{ofn.enterprise_url(10000)}/orders/1000"
    page = admin_client.get(reverse("admin:orders_producerorder_changelist"))
    assert f"accepted as {producer_order.remote_id}" in page.content.decode()


def test_the_product_admin_lists_remote_products_without_a_link(admin_client, ofn):
    _session_with(ofn, [("Lamb chops", ofn.variant_url(10000, 10001)), ("Mutton stew", "")])
    local = ProducerFactory(platform=LocalPlatformFactory())
    ProductFactory(producer=local, name="Local honey", remote_id="")  # no link needed

    page = admin_client.get(reverse("admin:inventory_product_changelist") + "?partner_link=missing")
    names = [product.name for product in page.context["cl"].result_list]
    assert names == ["Mutton stew"]
