import pytest
from django.urls import reverse

from orders.exceptions import NothingToResend
from orders.models import ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from orders.services.partner_resend import order_resend_to_partners
from platforms.models import OutboxMessage
from tests.factories import OfferFactory, PlatformFactory, ProducerFactory, SaleSessionFactory
from tests.inventory.factories import cart_with, placed_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def remote_order(system_actor):
    session = SaleSessionFactory()
    remote = ProducerFactory(platform=PlatformFactory())
    order = placed_with(session, [(OfferFactory(session=session, product__producer=remote), "2")])
    producer_orders_refresh(session_id=session.pk)
    return order


def test_resend_retries_dead_messages_of_the_orders_producer_orders(remote_order, staff_actor):
    producer_order = ProducerOrder.objects.get()
    OutboxMessage.objects.filter(subject_key=f"producer-order:{producer_order.pk}").update(
        state=OutboxMessage.State.DEAD, last_error="HTTP 500"
    )

    assert order_resend_to_partners(order_id=remote_order.pk, actor=staff_actor) == [
        producer_order.pk
    ]

    message = OutboxMessage.objects.get(subject_key=f"producer-order:{producer_order.pk}")
    assert message.state == OutboxMessage.State.PENDING
    event = remote_order.events.get(kind="note")
    assert event.data == {"producer_orders": [producer_order.pk], "retried": [producer_order.pk]}


def test_resend_queues_a_delivery_when_none_is_pending(remote_order, staff_actor):
    OutboxMessage.objects.update(state=OutboxMessage.State.DELIVERED)

    order_resend_to_partners(order_id=remote_order.pk, actor=staff_actor)

    assert OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).count() == 1


def test_a_cart_has_nothing_to_resend_and_no_button(client, staff_user, staff_actor):
    session = SaleSessionFactory()
    cart = cart_with(session, [(OfferFactory(session=session), "1")])
    with pytest.raises(NothingToResend):
        order_resend_to_partners(order_id=cart.pk, actor=staff_actor)
    client.force_login(staff_user)
    page = client.get(reverse("admin:orders_order_change", args=[cart.pk])).content.decode()
    assert "Resend to partner" not in page
