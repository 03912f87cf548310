from decimal import Decimal

import pytest

from config.exceptions import CurrencyMismatch
from orders.exceptions import InvalidQuantity, OrderNotEditable
from orders.models import Order, OrderEvent, OrderItem, SubOrder
from orders.services.items import (
    order_create,
    order_item_add,
    order_item_quantity_change,
    order_item_remove,
)
from tests.factories import AddressFactory, CustomerFactory, ProductFactory, TraderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart(system_actor):
    trader = TraderFactory()
    customer = CustomerFactory(trader=trader)
    return order_create(trader=trader, currency="EUR", customer=customer, actor=system_actor)


def test_order_numbers_come_from_the_sequence_and_increase(system_actor):
    trader = TraderFactory()
    first = order_create(trader=trader, currency="EUR", actor=system_actor)
    second = order_create(trader=trader, currency="EUR", actor=system_actor)
    assert second.number == first.number + 1
    assert first.events.get().kind == OrderEvent.Kind.CREATED


def test_items_group_into_one_sub_order_per_address_with_subtotals(cart, system_actor):
    home, office = AddressFactory(customer=cart.customer), AddressFactory(customer=cart.customer)
    cheese = ProductFactory(nominal_quantity=Decimal("0.250"), unit_of_measure="kg")
    bread = ProductFactory()

    order_item_add(
        order_id=cart.pk,
        product=cheese,
        quantity=Decimal("3"),
        unit_price=Decimal("4.20"),
        shipping_address=home,
        actor=system_actor,
    )
    order_item_add(
        order_id=cart.pk,
        product=bread,
        quantity=Decimal("2"),
        unit_price=Decimal("4.50"),
        shipping_address=home,
        actor=system_actor,
    )
    order_item_add(
        order_id=cart.pk,
        product=bread,
        quantity=Decimal("1"),
        unit_price=Decimal("4.50"),
        shipping_address=office,
        actor=system_actor,
    )

    cart.refresh_from_db()
    # 3 × 4.20 = 12.60; 2 × 4.50 = 9.00; 1 × 4.50 = 4.50 → 26.10
    assert cart.total_product == Decimal("26.10")
    assert cart.grand_total == Decimal("26.10")
    subs = {s.shipping_address_id: s for s in SubOrder.objects.filter(order=cart)}
    assert subs[home.pk].total_product == Decimal("21.60")
    # never one number over mixed units: 3 × 0.25 kg of one product, 2 pieces of another
    assert subs[home.pk].quantity_by_unit == {"kg": "0.75", "piece": "2"}
    assert subs[home.pk].item_count == 2
    assert subs[office.pk].total_product == Decimal("4.50")
    assert set(OrderItem.objects.filter(order=cart).values_list("sub_order_id", flat=True)) == {
        subs[home.pk].pk,
        subs[office.pk].pk,
    }
    cheese_line = OrderItem.objects.get(order=cart, product=cheese)
    assert cheese_line.actual_quantity == Decimal("0.75")  # 3 × 0.250 kg
    assert cheese_line.producer_platform_id == cheese.producer.platform_id


def test_changing_and_removing_items_keeps_sub_orders_consistent(cart, system_actor):
    home, office = AddressFactory(customer=cart.customer), AddressFactory(customer=cart.customer)
    product = ProductFactory()
    kept = order_item_add(
        order_id=cart.pk,
        product=product,
        quantity=Decimal("1"),
        unit_price=Decimal("2.00"),
        shipping_address=home,
        actor=system_actor,
    )
    gone = order_item_add(
        order_id=cart.pk,
        product=product,
        quantity=Decimal("1"),
        unit_price=Decimal("2.00"),
        shipping_address=office,
        actor=system_actor,
    )

    order_item_quantity_change(item_id=kept.pk, quantity=Decimal("4"), actor=system_actor)
    order_item_remove(item_id=gone.pk, actor=system_actor)

    cart.refresh_from_db()
    assert cart.total_product == Decimal("8.00")
    assert list(
        SubOrder.objects.filter(order=cart).values_list("shipping_address_id", "total_product")
    ) == [(home.pk, Decimal("8.00"))]
    kinds = list(cart.events.values_list("kind", flat=True))
    assert kinds == ["created", "item_added", "item_added", "item_changed", "item_removed"]


@pytest.mark.parametrize("quantity", [Decimal("0"), Decimal("-1"), Decimal("NaN")])
def test_bad_quantity_is_refused_and_writes_nothing(cart, quantity, system_actor):
    with pytest.raises(InvalidQuantity):
        order_item_add(
            order_id=cart.pk,
            product=ProductFactory(),
            quantity=quantity,
            unit_price=Decimal("1.00"),
            actor=system_actor,
        )
    assert not OrderItem.objects.filter(order=cart).exists()
    assert cart.events.count() == 1


def test_second_currency_is_refused(cart, system_actor):
    with pytest.raises(CurrencyMismatch):
        order_item_add(
            order_id=cart.pk,
            product=ProductFactory(),
            quantity=Decimal("1"),
            unit_price=Decimal("1.00"),
            currency="GBP",
            actor=system_actor,
        )
    assert not OrderItem.objects.filter(order=cart).exists()


def test_items_are_frozen_once_submitted(cart, system_actor):
    item = order_item_add(
        order_id=cart.pk,
        product=ProductFactory(),
        quantity=Decimal("1"),
        unit_price=Decimal("1.00"),
        actor=system_actor,
    )
    Order.objects.filter(pk=cart.pk).update(status="C")
    with pytest.raises(OrderNotEditable):
        order_item_quantity_change(item_id=item.pk, quantity=Decimal("5"), actor=system_actor)
    item.refresh_from_db()
    assert item.quantity == Decimal("1")
