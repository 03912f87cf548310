from datetime import timedelta

import pytest
from django.utils import timezone

from config.actors import Actor
from orders.models import Customer, Order
from orders.services.gdpr import customer_erase, orders_personal_data_purge
from tests.factories import AddressFactory, CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


def _order(status: str, days_ago: int, **fields) -> Order:
    order = OrderFactory(status=status, customer_note="Gate code 4711", customer_ip="203.0.113.9")
    Order.objects.filter(pk=order.pk).update(
        updated_at=timezone.now() - timedelta(days=days_ago), **fields
    )
    return order


def test_notes_and_ips_of_orders_closed_longer_than_the_retention_are_purged(settings):
    settings.LARDER_PERSONAL_DATA_RETENTION_DAYS = 30
    old_deposited = _order("D", 31)
    old_cancelled = _order("X", 40)
    recent_deposited = _order("D", 29)
    old_open = _order("C", 90)

    assert orders_personal_data_purge() == 2
    assert orders_personal_data_purge() == 0
    rows = dict(
        Order.objects.values_list("pk", "customer_note").filter(
            pk__in=[old_deposited.pk, old_cancelled.pk, recent_deposited.pk, old_open.pk]
        )
    )
    assert rows == {
        old_deposited.pk: "",
        old_cancelled.pk: "",
        recent_deposited.pk: "Gate code 4711",
        old_open.pk: "Gate code 4711",
    }
    assert Order.objects.get(pk=old_deposited.pk).customer_ip is None
    assert Order.objects.get(pk=old_open.pk).customer_ip == "203.0.113.9"


def test_the_admin_erases_a_customer_and_keeps_the_orders(admin_client):
    customer = CustomerFactory(name="Olwen Sentinelia", email="olwen@example.org", phone="0117")
    AddressFactory(customer=customer, name="Olwen Sentinelia", line1="9 Quay")
    order = OrderFactory(customer=customer, trader=customer.trader, customer_note="hello Olwen")

    response = admin_client.post(
        "/admin/orders/customer/",
        {"action": "erase_personal_data", "_selected_action": [customer.pk]},
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name[:7], customer.email, customer.phone) == ("erased-", "", "")
    assert customer.addresses.get().line1 == "(erased)"
    assert Order.objects.get(pk=order.pk).customer_note == ""
    assert Order.objects.filter(customer=customer).count() == 1


def test_erasing_twice_keeps_the_same_pseudonym():
    customer = CustomerFactory(name="Twice Erased")
    first = customer_erase(customer_id=customer.pk, actor=Actor.system("test")).name
    second = customer_erase(customer_id=customer.pk, actor=Actor.system("test")).name
    assert first == second == Customer.objects.get(pk=customer.pk).name


def test_erasure_rewrites_the_order_history_that_quoted_the_customer():
    from orders.events import order_event
    from orders.models import OrderEvent
    from tests.orders.test_storefront_journey import database_rows_containing

    customer = CustomerFactory(name="Ysolde Quillfeather", email="ysolde.q@example.org")
    address = AddressFactory(customer=customer, name="Ysolde Quillfeather", line1="3 Wharfside")
    order = OrderFactory(customer=customer, trader=customer.trader)
    order_event(
        order=order,
        actor=Actor.system("test"),
        kind=OrderEvent.Kind.ADDRESS_CHANGED,
        message=f"Apples ship to {address}",
        data={"contact": "ysolde.q@example.org"},
    )

    customer_erase(customer_id=customer.pk, actor=Actor.system("test"))

    assert database_rows_containing(["Quillfeather", "3 Wharfside", "ysolde.q@example"]) == []
    event = OrderEvent.objects.get(order=order, kind=OrderEvent.Kind.ADDRESS_CHANGED)
    assert event.message.startswith("Apples ship to erased-")
