from decimal import Decimal

import pytest

from inventory.exceptions import InsufficientStock
from inventory.models import Reservation
from orders.exceptions import InvalidTransition
from orders.models import OrderItem, ProducerOrder
from orders.services.cancellation import order_cancel
from orders.services.checkout import cart_submit
from orders.services.items import order_item_add, order_item_quantity_change, order_item_remove
from orders.services.payments import order_pay
from orders.services.status import order_status_change
from tests.factories import ProducerFactory, ProductFactory, SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock, stock_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SaleSessionFactory()


def _placed(session, lines, actor, card="4242424242424242"):
    cart = cart_with(session, lines)
    cart_submit(order_id=cart.pk, actor=actor)
    return order_pay(
        order_id=cart.pk, method="test_card", details={"card_number": card}, actor=actor
    )


def _producer_lines(session) -> dict:
    return {
        (po.producer_id, line.product_id): line.quantity
        for po in ProducerOrder.objects.filter(sales_session=session)
        for line in po.lines.all()
    }


def test_cancelling_releases_every_reservation_at_once_and_updates_producer_orders(
    session, system_actor, django_capture_on_commit_callbacks
):
    farm = ProducerFactory()
    capped = offer_with_stock(
        session, on_hand="9", stock_limitation=Decimal("5"), product=ProductFactory(producer=farm)
    )
    plain = offer_with_stock(session, on_hand="9", product=ProductFactory(producer=farm))
    with django_capture_on_commit_callbacks(execute=True):
        order = _placed(session, [(capped, "2"), (plain, "3")], system_actor)
    assert _producer_lines(session) == {
        (farm.pk, capped.product_id): Decimal("2"),
        (farm.pk, plain.product_id): Decimal("3"),
    }

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = order_cancel(order_id=order.pk, actor=system_actor, reason="customer asked")

    assert order.status == "X"
    assert order.payment_status == "voided"
    assert len(callbacks) == 1
    assert (stock_of(capped).reserved, stock_of(plain).reserved) == (Decimal("0"), Decimal("0"))
    capped.refresh_from_db()
    assert capped.quantity_reserved == Decimal("0")
    assert not Reservation.objects.exists()
    assert set(OrderItem.objects.values_list("inventory_status", "fulfilment_status")) == {
        ("NALC", "cancelled")
    }
    assert _producer_lines(session) == {}
    assert order.events.filter(kind="stock", message__startswith="Cancelled: 2").exists()


def test_a_cart_cannot_be_cancelled_and_nothing_is_written(session, system_actor):
    offer = offer_with_stock(session, on_hand="5")
    cart = cart_with(session, [(offer, "1")])
    cart_submit(order_id=cart.pk, actor=system_actor)

    with pytest.raises(InvalidTransition):
        order_cancel(order_id=cart.pk, actor=system_actor)

    assert stock_of(offer).reserved == Decimal("1")
    cart.refresh_from_db()
    assert cart.status == "P"


def test_shipped_orders_are_never_cancellable(session, system_actor):
    offer = offer_with_stock(session, on_hand="5")
    order = _placed(session, [(offer, "1")], system_actor)
    order_status_change(order_id=order.pk, to_status="R", actor=system_actor)

    with pytest.raises(InvalidTransition):
        order_cancel(order_id=order.pk, actor=system_actor)
    assert stock_of(offer).reserved == Decimal("1")


def test_reducing_a_quantity_under_edit_releases_the_difference(
    session, system_actor, django_capture_on_commit_callbacks
):
    offer = offer_with_stock(session, on_hand="10")
    order = _placed(session, [(offer, "6")], system_actor)
    item = OrderItem.objects.get(order=order)
    order_status_change(order_id=order.pk, to_status="E", actor=system_actor)

    with django_capture_on_commit_callbacks(execute=True):
        order_item_quantity_change(item_id=item.pk, quantity=Decimal("4"), actor=system_actor)

    assert stock_of(offer).reserved == Decimal("4")
    assert Reservation.objects.get().quantity == Decimal("4")
    assert _producer_lines(session) == {(item.producer_id, offer.product_id): Decimal("4")}


def test_raising_a_quantity_under_edit_holds_more_or_refuses(session, system_actor):
    offer = offer_with_stock(session, on_hand="5")
    order = _placed(session, [(offer, "3")], system_actor)
    item = OrderItem.objects.get(order=order)
    order_status_change(order_id=order.pk, to_status="E", actor=system_actor)

    order_item_quantity_change(item_id=item.pk, quantity=Decimal("5"), actor=system_actor)
    assert stock_of(offer).reserved == Decimal("5")
    with pytest.raises(InsufficientStock):
        order_item_quantity_change(item_id=item.pk, quantity=Decimal("6"), actor=system_actor)
    item.refresh_from_db()
    assert item.quantity == Decimal("5")
    assert stock_of(offer).reserved == Decimal("5")


def test_removing_and_adding_items_under_edit_follow_the_stock(
    session, system_actor, django_capture_on_commit_callbacks
):
    first = offer_with_stock(session, on_hand="5")
    second = offer_with_stock(session, on_hand="5")
    order = _placed(session, [(first, "2")], system_actor)
    order_status_change(order_id=order.pk, to_status="E", actor=system_actor)

    with django_capture_on_commit_callbacks(execute=True):
        order_item_add(
            order_id=order.pk,
            product=second.product,
            offer=second,
            quantity=Decimal("3"),
            unit_price=second.price,
            actor=system_actor,
        )
        order_item_remove(
            item_id=OrderItem.objects.get(order=order, offer=first).pk, actor=system_actor
        )

    assert (stock_of(first).reserved, stock_of(second).reserved) == (Decimal("0"), Decimal("3"))
    assert OrderItem.objects.get(order=order).inventory_status == "ALLC"
    assert _producer_lines(session) == {(second.product.producer_id, second.product_id): 3}


def test_cancelling_from_the_admin_goes_through_the_cancellation_service(
    client, staff_user, session, system_actor
):
    offer = offer_with_stock(session, on_hand="5")
    order = _placed(session, [(offer, "2")], system_actor)
    client.force_login(staff_user)

    client.post(f"/admin/orders/order/{order.pk}/action/cancel/", {"reason": "phoned in"})

    order.refresh_from_db()
    assert order.status == "X"
    assert stock_of(offer).reserved == Decimal("0")
    assert order.events.filter(kind="stock", message__startswith="Cancelled").exists()


def test_cancelling_gives_back_the_coupon_use_so_the_customer_may_use_it_again(
    session, system_actor
):
    from discounts.models import Coupon, CouponRedemption
    from orders.services.coupons import order_coupon_apply
    from tests.factories import CouponFactory

    coupon = CouponFactory(rule__trader=session.trader, usage_limit=1, once_per_customer=True)
    offer = offer_with_stock(session, on_hand="5")
    cart = cart_with(session, [(offer, "1")])
    order_coupon_apply(order_id=cart.pk, code=coupon.code, actor=system_actor)
    cart_submit(order_id=cart.pk, actor=system_actor)
    order_pay(order_id=cart.pk, method="invoice", actor=system_actor)
    assert Coupon.objects.get(pk=coupon.pk).times_used == 1

    order_cancel(order_id=cart.pk, actor=system_actor)

    assert Coupon.objects.get(pk=coupon.pk).times_used == 0
    assert not CouponRedemption.objects.filter(order=cart).exists()
    again = cart_with(session, [(offer, "1")], customer=cart.customer)
    order_coupon_apply(order_id=again.pk, code=coupon.code, actor=system_actor)
    assert Coupon.objects.get(pk=coupon.pk).times_used == 1
