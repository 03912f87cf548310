"""Requisition lists: Y private, Z shareable among the trader's customers; order from list
copies into a new cart at current offer prices, naming what the session does not offer."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from config.actors import Actor
from orders.exceptions import NotARequisitionList
from orders.models import Order, OrderItem
from orders.services.requisition_lists import (
    requisition_list_create,
    requisition_list_item_set,
    requisition_list_order,
)
from tests.factories import ProductFactory, SaleSessionFactory
from tests.inventory.factories import customer_of, offer_with_stock

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")


@pytest.fixture
def session():
    return SaleSessionFactory()


def test_y_a_private_list_is_created_and_filled_through_its_services(session):
    customer = customer_of(session)
    bread, milk = ProductFactory(name="Bread"), ProductFactory(name="Milk")

    weekly = requisition_list_create(customer=customer, name="Weekly", shareable=False, actor=ACTOR)
    requisition_list_item_set(
        list_id=weekly.pk, product_id=bread.pk, quantity=Decimal("2"), actor=ACTOR
    )
    requisition_list_item_set(
        list_id=weekly.pk, product_id=milk.pk, quantity=Decimal("1"), actor=ACTOR
    )
    requisition_list_item_set(
        list_id=weekly.pk, product_id=milk.pk, quantity=Decimal("3"), actor=ACTOR
    )
    requisition_list_item_set(
        list_id=weekly.pk, product_id=bread.pk, quantity=Decimal("0"), actor=ACTOR
    )

    weekly.refresh_from_db()
    assert (weekly.status, weekly.list_name, str(weekly)) == ("Y", "Weekly", "List Weekly")
    assert list(weekly.items.values_list("product_name", "quantity", "status")) == [
        ("Milk", Decimal("3.000"), "Y")
    ]
    assert weekly.events.filter(kind="created", to_status="Y").exists()


def test_z_ordering_from_a_shared_list_copies_it_at_current_prices_naming_the_unavailable(
    session,
):
    owner, other = customer_of(session), customer_of(session)
    offered = offer_with_stock(session, price=Decimal("4.50"))
    not_offered = ProductFactory(name="Saffron")
    group = requisition_list_create(customer=owner, name="Co-op", shareable=True, actor=ACTOR)
    for product, quantity in ((offered.product, "2"), (not_offered, "1")):
        requisition_list_item_set(
            list_id=group.pk, product_id=product.pk, quantity=Decimal(quantity), actor=ACTOR
        )

    cart, unavailable = requisition_list_order(
        list_id=group.pk, session_id=session.pk, customer=other, actor=ACTOR
    )

    assert (cart.status, cart.customer_id, cart.sales_session_id) == ("P", other.pk, session.pk)
    assert unavailable == ["Saffron"]
    assert list(cart.items.values_list("offer", "quantity", "unit_price")) == [
        (offered.pk, Decimal("2.000"), Decimal("4.50"))
    ]
    assert cart.total_product == Decimal("9.00")
    assert cart.events.filter(message__contains="not offered in this session: Saffron").exists()
    assert Order.objects.get(pk=group.pk).status == "Z"  # the list stays as it is


def test_a_list_is_not_an_order_and_an_order_is_not_a_list(session):
    from tests.inventory.factories import cart_with

    cart = cart_with(session, [(offer_with_stock(session), "1")])
    items = OrderItem.objects.count()

    with pytest.raises(NotARequisitionList):
        requisition_list_item_set(
            list_id=cart.pk, product_id=ProductFactory().pk, quantity=Decimal("1"), actor=ACTOR
        )
    with pytest.raises(NotARequisitionList):
        requisition_list_create(
            customer=customer_of(session), name=" ", shareable=False, actor=ACTOR
        )
    assert OrderItem.objects.count() == items


def test_storefront_lists_a_customer_sees_own_and_shared_lists_only(session, django_user_model):
    ada, bob, eve = (
        django_user_model.objects.create_user(name, f"{name}@example.org", "pw")
        for name in ("ada", "bob", "eve")
    )
    customers = {user: customer_of(session, user=user) for user in (ada, bob)}
    customer_of(SaleSessionFactory(), user=eve)  # a customer of another trader
    offer = offer_with_stock(session, price=Decimal("3.00"))
    client = APIClient()
    client.force_authenticate(ada)
    private = client.post(
        "/api/storefront/requisition-lists/",
        {"name": "Mine", "trader": session.trader_id},
        format="json",
    )
    shared = client.post(
        "/api/storefront/requisition-lists/",
        {"name": "Ours", "trader": session.trader_id, "shareable": True},
        format="json",
    )
    assert (private.status_code, shared.status_code) == (201, 201)
    filled = client.put(
        f"/api/storefront/requisition-lists/{shared.data['id']}/items/",
        {"product": offer.product_id, "quantity": "2"},
        format="json",
    )
    assert filled.status_code == 200
    assert [(i["product"], i["quantity"]) for i in filled.data["items"]] == [
        (offer.product_id, "2.000")
    ]

    client.force_authenticate(bob)
    assert [row["name"] for row in client.get("/api/storefront/requisition-lists/").data] == [
        "Ours"
    ]
    ordered = client.post(
        f"/api/storefront/requisition-lists/{shared.data['id']}/order/",
        {"session": session.pk},
        format="json",
    )
    assert ordered.status_code == 201
    assert (ordered.data["customer"], ordered.data["grand_total"], ordered.data["unavailable"]) == (
        customers[bob].pk,
        Decimal("6.00"),
        [],
    )

    client.force_authenticate(eve)
    assert client.get("/api/storefront/requisition-lists/").data == []
    missing = client.get(f"/api/storefront/requisition-lists/{private.data['id']}/")
    assert (missing.status_code, missing["Content-Type"]) == (404, "application/problem+json")
