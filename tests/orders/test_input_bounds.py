"""Crafted input is a 4xx problem document and writes nothing: nesting, quantities, amounts
and string lengths are bounded before the database."""

from decimal import Decimal

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from config.actors import Actor
from config.parsers import json_depth
from inventory.models import Reservation
from orders.exceptions import AmountTooLarge, InvalidQuantity
from orders.models import Order, OrderEvent, OrderItem
from orders.services.checkout import cart_item_add, cart_item_quantity_change
from tests.factories import ProducerFactory
from tests.inventory.factories import cart_with, customer_of, offer_with_stock
from tests.orders.conftest import assert_problem

pytestmark = pytest.mark.django_db


def _written():
    return (
        Order.objects.count(),
        list(OrderItem.objects.order_by("pk").values_list("quantity", "total_product")),
        OrderEvent.objects.count(),
        Reservation.objects.count(),
    )


@pytest.fixture
def shopper(shopper, session):
    """The storefront shopper (tests/orders/conftest.py) with a cart of one item."""
    shopper.cart = cart_with(session, [(offer_with_stock(session), "1")], customer=shopper.customer)
    return shopper


def test_json_depth_counts_brackets_outside_strings():
    assert json_depth('{"a": [1, {"b": "[[[{{{"}]}') == 3
    assert json_depth('"\\"[["') == 0
    assert json_depth("[]") == 1
    assert json_depth("") == 0


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deeply_nested_json_is_a_400_on_the_storefront(session, shopper, depth):
    before = _written()
    body = '{"session": ' + "[" * depth + "]" * depth + "}"

    response = shopper.post("/api/storefront/carts/", body, content_type="application/json")

    assert_problem(response, 400, "json-too-deep")
    assert _written() == before


def test_json_at_the_depth_limit_reaches_validation(session, shopper):
    depth = settings.LARDER_JSON_MAX_DEPTH - 1  # within the outer object
    body = '{"session": ' + "[" * depth + "]" * depth + "}"

    response = shopper.post("/api/storefront/carts/", body, content_type="application/json")

    assert_problem(response, 400, "invalid-input")


@pytest.mark.parametrize("media_type", ["application/json", "application/ld+json"])
def test_deeply_nested_json_is_a_400_on_the_dfc_api(api, local_platform, media_type):
    ProducerFactory(platform=local_platform, slug="green-farm")
    before = _written()
    body = '{"@graph": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = api.post("/api/dfc/Enterprises/green-farm/Orders", body, content_type=media_type)

    assert_problem(response, 400, "json-too-deep")
    assert _written() == before


@pytest.mark.parametrize("quantity", ["999999999.999", "1000000.001", "0.0001"])
def test_storefront_quantities_out_of_bounds_are_refused(session, shopper, quantity):
    cart = shopper.cart
    item = cart.items.get()
    before = _written()

    added = shopper.post(
        f"/api/storefront/carts/{cart.pk}/items/",
        {"offer": item.offer_id, "quantity": quantity},
        format="json",
    )
    changed = shopper.patch(
        f"/api/storefront/carts/{cart.pk}/items/{item.pk}/", {"quantity": quantity}, format="json"
    )

    assert_problem(added, 400, "invalid-input")
    assert_problem(changed, 400, "invalid-input")
    assert _written() == before


@pytest.mark.parametrize(
    "quantity", ["999999999.999", "1000000.001", "0.0001", "1e30", "NaN", "Infinity", "-1"]
)
def test_services_refuse_quantities_out_of_bounds(session, quantity):
    offer = offer_with_stock(session, on_hand=None)
    cart = cart_with(session, [(offer, "1")])
    before = _written()

    with pytest.raises(InvalidQuantity):
        cart_item_add(order_id=cart.pk, offer_id=offer.pk, quantity=quantity, actor=Actor.system())
    with pytest.raises(InvalidQuantity):
        cart_item_quantity_change(
            order_id=cart.pk,
            item_id=cart.items.get().pk,
            quantity=Decimal(quantity),
            actor=Actor.system(),
        )
    assert _written() == before


def test_the_largest_quantity_is_accepted(session):
    offer = offer_with_stock(session, on_hand=None)
    cart = cart_with(session, [(offer, "1000000")])

    assert cart.items.get().quantity == Decimal("1000000.000")


def test_a_line_too_large_for_the_amount_columns_is_refused(session, shopper):
    offer = offer_with_stock(session, on_hand=None, price=Decimal("9999999999.99"))
    before = _written()

    response = shopper.post(
        f"/api/storefront/carts/{shopper.cart.pk}/items/",
        {"offer": offer.pk, "quantity": "1000"},
        format="json",
    )

    assert_problem(response, 422, "amount-too-large")
    assert _written() == before


def test_an_order_total_too_large_for_its_column_is_refused(session):
    dear = [
        offer_with_stock(session, on_hand=None, price=Decimal("9999999999.99")) for _ in range(2)
    ]
    cart = cart_with(session, [(dear[0], "99")])
    before = _written()

    with pytest.raises(AmountTooLarge):
        cart_item_add(order_id=cart.pk, offer_id=dear[1].pk, quantity="99", actor=Actor.system())
    assert _written() == before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("cancel/", {"reason": "x" * 501}),
        ("pay/", {"method": "m" * 41}),
        ("pay/", {"method": "test_card", "card_number": "4" * 41}),
    ],
)
def test_long_strings_are_refused_before_the_database(shopper, path, body):
    before = _written()
    base = "orders" if path == "cancel/" else "carts"

    response = shopper.post(f"/api/storefront/{base}/{shopper.cart.pk}/{path}", body, format="json")

    assert_problem(response, 400, "invalid-input")
    assert _written() == before


def test_a_user_name_longer_than_the_event_label_still_shops(session, django_user_model):
    user = django_user_model.objects.create_user("u" * 150, "long@example.org", "pw")
    customer_of(session, user=user)
    client = APIClient()
    client.force_authenticate(user)

    response = client.post("/api/storefront/carts/", {"session": session.pk}, format="json")

    assert response.status_code == 201, response.content
    assert OrderEvent.objects.get().actor_label == "u" * 120
