from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from tests.factories import AddressFactory, SaleSessionFactory
from tests.inventory.factories import offer_with_stock, placed_with, stock_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(system_actor):
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="10")
    return placed_with(session, [(offer, "3")], actor=system_actor), offer


def _step(client, order, step, **data):
    return client.post(
        reverse("admin:orders_order_edit_step", args=[order.pk, step]), data, follow=True
    )


def test_begin_change_commit_from_the_order_page(client, staff_user, placed):
    order, offer = placed
    client.force_login(staff_user)
    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "Begin edit" in page
    assert "Resend to partner" in page

    body = _step(client, order, "begin").content.decode()
    assert "You are editing this order" in body
    assert "Change quantity" in body
    item = order.items.get()
    _step(client, order, "quantity", item=item.pk, quantity="4")
    home = AddressFactory(customer=order.customer, line1="7 Mill Lane")
    assert (
        "7 Mill Lane"
        in _step(client, order, "ship_to", item=item.pk, shipping_address=home.pk).content.decode()
    )
    assert order.sub_orders.get().shipping_address == home
    body = _step(client, order, "discount", value="5", kind="amount", reason="late").content
    assert b"Manual discount of 5.00 EUR: late" in body
    rule = order.manual_rules.get()
    body = _step(client, order, "discount_remove", rule=rule.pk).content.decode()
    assert "Manual discount: late withdrawn" in body
    _step(client, order, "discount", value="5", kind="amount", reason="late again")
    body = _step(client, order, "commit").content.decode()

    order.refresh_from_db()
    assert (order.status, order.grand_total) == ("C", Decimal("35.00"))
    assert stock_of(offer).reserved == Decimal("4")
    assert "Edit committed" in body


def test_a_second_agent_sees_the_holder_and_takes_over_only_explicitly(
    client, django_user_model, staff_user, placed
):
    order, _ = placed
    client.force_login(staff_user)
    _step(client, order, "begin")
    other = django_user_model.objects.create_superuser("other", "o@example.org", "pw")
    client.force_login(other)

    page = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    assert "Being edited by <strong>staff</strong>" in page
    listing = client.get(reverse("admin:orders_order_changelist")).content.decode()
    assert '<td class="field-locked_by nowrap">staff</td>' in listing
    assert "Take over" in page
    body = _step(client, order, "commit").content.decode()
    assert "being edited by staff" in body
    assert Order.objects.get(pk=order.pk).status == "E"

    _step(client, order, "take_over")
    assert Order.objects.get(pk=order.pk).locked_by == other
    _step(client, order, "rollback")
    order.refresh_from_db()
    assert (order.status, order.locked_by) == ("C", None)
    assert list(order.events.filter(kind="edit").values_list("data__action", flat=True)) == [
        "begin",
        "take_over",
        "rollback",
    ]
