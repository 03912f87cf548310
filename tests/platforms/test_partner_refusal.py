"""A partner refuses a producer order over real HTTP (409, out of stock): the outbox
dead-letters the message and, after commit, the customer orders whose lines the partner
could not supply move to L with the short items named (issue 11, item 8)."""

from decimal import Decimal

import pytest

from config.actors import Actor
from orders.models import Order, OrderItem
from orders.producer_orders.services import producer_orders_refresh
from orders.services.checkout import cart_submit
from orders.services.payments import order_pay
from platforms.models import OutboxMessage
from tests.factories import (
    OfferFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.inventory.factories import cart_with, offer_with_stock, stock_of
from tests.platforms.partner import PartnerServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    server = PartnerServer().start()
    yield server
    server.stop()


def _paid(session, lines):
    actor = Actor.system("test")
    cart = cart_with(session, lines, actor=actor)
    cart_submit(order_id=cart.pk, actor=actor)
    return order_pay(
        order_id=cart.pk,
        method="test_card",
        details={"card_number": "4242424242424242"},
        actor=actor,
    )


def test_a_partner_s_409_moves_the_orders_it_could_not_supply_to_l(
    partner, django_capture_on_commit_callbacks
):
    session = SaleSessionFactory()
    farm = ProducerFactory(
        platform=PlatformFactory(base_url=partner.base_url + "/api/dfc/"),
        slug="farm-0",
        remote_id=partner.producer_url("farm-0"),
    )
    remote = OfferFactory(
        session=session,
        product=ProductFactory(producer=farm, remote_id=f"{farm.remote_id}/SuppliedProducts/1"),
    )
    local = offer_with_stock(session, on_hand="5")
    mixed = _paid(session, [(remote, "2"), (local, "1")])
    local_only = _paid(session, [(local, "1")])
    partner.state.fail_with = [409]

    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)

    assert OutboxMessage.objects.filter(platform=farm.platform, state="dead").count() == 1
    mixed.refresh_from_db()
    assert mixed.status == "L"
    short = OrderItem.objects.get(order=mixed, offer=remote)
    assert short.unavailable_reason == f"{farm.name} refused the order (HTTP 409)"
    assert OrderItem.objects.get(order=mixed, offer=local).unavailable_reason == ""
    assert Order.objects.get(pk=local_only.pk).status == "C"
    assert stock_of(local).reserved == Decimal("2")
    assert mixed.events.filter(kind="customer_notice", data__notice="items_unavailable").exists()
