from decimal import Decimal

import pytest
from django.urls import reverse

from config.actors import Actor
from orders.models import Order, OrderEvent
from orders.services.items import order_create, order_item_add
from tests.factories import AddressFactory, CustomerFactory, ProductFactory, TraderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed_order(system_actor):
    trader = TraderFactory()
    customer = CustomerFactory(trader=trader, name="Ada Lovelace")
    order = order_create(trader=trader, currency="EUR", customer=customer, actor=system_actor)
    order_item_add(
        order_id=order.pk,
        product=ProductFactory(name="Sourdough loaf"),
        quantity=Decimal("2"),
        unit_price=Decimal("4.50"),
        shipping_address=AddressFactory(customer=customer),
        actor=system_actor,
    )
    return order


def test_order_page_shows_items_by_sub_order_totals_history_and_no_action_on_a_cart(
    client, staff_user, placed_order
):
    client.force_login(staff_user)
    response = client.get(reverse("admin:orders_order_change", args=[placed_order.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Sourdough loaf" in body
    assert "Sub-order subtotal" in body
    assert '<span class="quantity-by-unit">2</span>' in body  # a count, by unit like the rest
    assert "9.00" in body
    # A cart is the customer's: no button moves it (issue 14: P → W → M → C by hand).
    assert "No action is available on this order now." in body
    assert "Move to" not in body
    assert "Order created in “Cart — not submitted yet”" in body


@pytest.mark.parametrize("letter", ["I", "M", "W", "B", "L", "C"])
def test_a_forged_raw_status_move_is_refused_and_writes_nothing(
    client, staff_user, placed_order, letter
):
    client.force_login(staff_user)
    before = Order.objects.values().get(pk=placed_order.pk)
    events = OrderEvent.objects.count()

    for url in (
        f"/admin/orders/order/{placed_order.pk}/status/{letter}/",
        f"/admin/orders/order/{placed_order.pk}/action/{letter}/",
    ):
        response = client.post(url, {"reason": "forged"}, follow=True)
        assert response.status_code in (200, 404)

    assert Order.objects.values().get(pk=placed_order.pk) == before
    assert OrderEvent.objects.count() == events


def test_an_action_not_available_in_the_order_s_state_is_refused_and_writes_nothing(
    client, staff_user, placed_order
):
    client.force_login(staff_user)
    before = Order.objects.values().get(pk=placed_order.pk)
    events = OrderEvent.objects.count()

    for action in ("release", "ship", "approve", "capture", "cancel", "record_payment"):
        url = reverse("admin:orders_order_action", args=[placed_order.pk, action])
        response = client.post(url, {"reason": "forged"}, follow=True)
        assert "is not available for order" in response.content.decode(), action

    assert Order.objects.values().get(pk=placed_order.pk) == before
    assert OrderEvent.objects.count() == events


def test_list_filters_and_search(client, staff_user, placed_order):
    client.force_login(staff_user)
    url = reverse("admin:orders_order_changelist")
    producer_id = placed_order.items.get().producer_id
    for query in (
        {"status__exact": "P"},
        {"q": "Ada"},
        {"q": str(placed_order.number)},
        {"producer": producer_id},
    ):
        response = client.get(url, query)
        assert response.status_code == 200
        assert f">{placed_order.number}<" in response.content.decode(), query
    response = client.get(url, {"status__exact": "C"})
    assert f">{placed_order.number}<" not in response.content.decode()


def test_accepting_a_reviewed_payment_in_the_admin_authorizes_it(client, staff_user):
    from orders.services.checkout import cart_submit
    from orders.services.payments import order_pay
    from tests.factories import SaleSessionFactory
    from tests.inventory.factories import cart_with, offer_with_stock

    session = SaleSessionFactory()
    cart = cart_with(session, [(offer_with_stock(session), "1")])
    actor = Actor.system("test")
    cart_submit(order_id=cart.pk, actor=actor)
    order_pay(
        order_id=cart.pk,
        method="test_card",
        details={"card_number": "4000000000000127"},
        actor=actor,
    )
    assert Order.objects.get(pk=cart.pk).status == "A"
    client.force_login(staff_user)

    client.post(reverse("admin:orders_order_action", args=[cart.pk, "review_accept"]))

    order = Order.objects.get(pk=cart.pk)
    assert (order.status, order.payment_status) == ("C", "authorized")
    assert order.events.filter(kind="payment", message="Payment review accepted").exists()
