"""The stock and product admin go through the low-inventory services: a count below what
orders hold moves the latest orders to L (`stock_count_record`); "Withdraw" asks first, then
makes the product inactive and moves the orders holding it to L (`product_withdraw`)."""

from decimal import Decimal

import pytest

from inventory.models import Product, Stock
from orders.models import Order, OrderEvent
from orders.services.checkout import cart_submit
from orders.services.payments import order_pay
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock

pytestmark = pytest.mark.django_db


def _paid(session, offer, quantity, actor):
    cart = cart_with(session, [(offer, quantity)], actor=actor)
    cart_submit(order_id=cart.pk, actor=actor)
    return order_pay(order_id=cart.pk, method="invoice", actor=actor)


def test_a_stock_count_below_what_orders_hold_moves_the_latest_order_to_l(
    client, staff_user, system_actor
):
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="10")
    first = _paid(session, offer, "4", system_actor)
    latest = _paid(session, offer, "3", system_actor)
    client.force_login(staff_user)

    response = client.post(
        f"/admin/inventory/stock/{offer.product_id}/change/",
        {"on_hand": "5", "is_unlimited": ""},
        follow=True,
    )

    assert response.status_code == 200
    assert Order.objects.get(pk=latest.pk).status == "L"
    assert Order.objects.get(pk=first.pk).status != "L"
    stock = Stock.objects.get(pk=offer.product_id)
    assert (stock.on_hand, stock.reserved) == (Decimal("5"), Decimal("4"))
    body = response.content.decode()
    assert f"1 order moved to low inventory ({latest.number})" in body
    assert OrderEvent.objects.filter(order=latest, message__contains="counted at 5").exists()


def test_a_count_that_covers_the_orders_moves_none(client, staff_user, system_actor):
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="10")
    order = _paid(session, offer, "4", system_actor)
    client.force_login(staff_user)

    client.post(f"/admin/inventory/stock/{offer.product_id}/change/", {"on_hand": "4"})

    assert Order.objects.get(pk=order.pk).status != "L"
    assert Stock.objects.get(pk=offer.product_id).on_hand == Decimal("4")


def test_withdraw_asks_first_then_moves_the_orders_holding_it_to_l(
    client, staff_user, system_actor
):
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="10", product__name="Frosted kale")
    order = _paid(session, offer, "2", system_actor)
    client.force_login(staff_user)
    selected = {"action": "withdraw", "_selected_action": [offer.product_id]}

    asked = client.post("/admin/inventory/product/", selected)

    assert asked.status_code == 200
    body = asked.content.decode()
    assert "Frosted kale" in body
    assert 'id="confirm-withdraw"' in body
    assert Product.objects.get(pk=offer.product_id).is_active  # asking changes nothing
    assert Order.objects.get(pk=order.pk).status != "L"

    done = client.post(
        "/admin/inventory/product/",
        {**selected, "confirm": "yes", "reason": "the frost took the crop"},
        follow=True,
    )

    assert "1 product withdrawn; 1 order moved to low inventory." in done.content.decode()
    assert not Product.objects.get(pk=offer.product_id).is_active
    assert Order.objects.get(pk=order.pk).status == "L"
    assert OrderEvent.objects.filter(order=order, message__contains="frost took").exists()
