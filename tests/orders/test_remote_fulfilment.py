"""F and G for customer orders: a complete order handed to a partner that delivers for the
hub, through the outbox over real HTTP; no customer data travels."""

import json
from decimal import Decimal

import pytest

from config.actors import Actor
from orders.exceptions import NotARemoteFulfilmentPartner
from orders.models import Order, OrderEvent
from orders.services.actions import order_action_run
from platforms.models import OutboxMessage
from tests.factories import PlatformFactory, SaleSessionFactory, TraderFactory
from tests.inventory.factories import customer_of, offer_with_stock, placed_with
from tests.platforms.partner import PartnerServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    server = PartnerServer().start()
    yield server
    server.stop()


def test_f_g_a_complete_order_is_handed_to_a_remote_fulfilment_partner(
    partner, staff_user, django_capture_on_commit_callbacks
):
    session = SaleSessionFactory()
    courier = TraderFactory(
        platform=PlatformFactory(base_url=partner.base_url + "/api/dfc/"),
        slug="courier",
        remote_id=partner.producer_url("courier"),
    )
    customer = customer_of(session, name="SENTINEL-NAME", email="sentinel@example.org")
    order = placed_with(
        session, [(offer_with_stock(session, price=Decimal("6.00")), "2")], customer=customer
    )
    assert order.status == "C"

    with django_capture_on_commit_callbacks(execute=True):
        outcome = order_action_run(
            order_id=order.pk,
            action="hand_to_remote",
            actor=Actor.for_user(staff_user),
            data={"partner": str(courier.pk)},
        )

    assert outcome.order.status == "F"
    order.refresh_from_db()
    assert (order.status, order.fulfilment_partner_id) == ("G", courier.pk)
    moves = list(
        OrderEvent.objects.filter(order=order, kind="status_changed").values_list(
            "to_status", flat=True
        )
    )
    assert moves[-2:] == ["F", "G"]
    (request,) = partner.requests("POST")
    assert request.path == "/api/dfc/Enterprises/courier/Orders"
    body = request.body.decode()
    assert "SENTINEL-NAME" not in body
    assert "sentinel@example.org" not in body
    lines = [n for n in json.loads(body)["@graph"] if n["@type"] == "dfc-b:OrderLine"]
    assert [line["dfc-b:quantity"] for line in lines] == [2.0]
    assert OutboxMessage.objects.get().state == "delivered"


def test_handing_over_needs_a_partner_on_another_platform_and_writes_nothing_otherwise(
    staff_user,
):
    session = SaleSessionFactory()
    order = placed_with(session, [(offer_with_stock(session), "1")])
    local = TraderFactory()  # on this platform: not a remote fulfilment partner
    TraderFactory(platform=PlatformFactory(), remote_id="http://127.0.0.1:9/api/dfc/x")
    events = OrderEvent.objects.count()

    with pytest.raises(NotARemoteFulfilmentPartner):
        order_action_run(
            order_id=order.pk,
            action="hand_to_remote",
            actor=Actor.for_user(staff_user),
            data={"partner": str(local.pk)},
        )

    assert Order.objects.get(pk=order.pk).status == "C"
    assert OrderEvent.objects.count() == events
    assert not OutboxMessage.objects.exists()
