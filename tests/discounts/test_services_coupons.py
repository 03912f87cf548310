"""Applying and removing coupons: validity, limits, once per customer, currency, and the race
for a coupon's last use."""

import threading
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.utils import timezone

from config.actors import Actor
from config.exceptions import CurrencyMismatch
from discounts.exceptions import (
    CouponAlreadyUsedByCustomer,
    CouponNeedsCustomer,
    CouponNotApplied,
    CouponNotFound,
    CouponNotValid,
    CouponUsedUp,
)
from discounts.models import Coupon, CouponRedemption, ItemAdjustment
from orders.exceptions import OrderNotEditable
from orders.models import Order
from orders.services.coupons import order_coupon_apply, order_coupon_remove
from orders.services.items import order_create, order_item_add
from tests.factories import CouponFactory, CustomerFactory, ProductFactory, TraderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coupon(world):
    rule = world.rule(usage="coupon", method="fixed_amount", value=D("5.00"), name="Welcome")
    return CouponFactory(rule=rule, code="WELCOME5", usage_limit=2)


def assert_nothing_written(order, coupon, uses=0):
    coupon.refresh_from_db()
    assert coupon.times_used == uses
    assert not CouponRedemption.objects.filter(order=order).exists()
    assert not ItemAdjustment.objects.filter(order=order, usage="coupon").exists()
    assert not order.events.filter(kind="priced").exists()


def test_apply_counts_a_use_and_re_prices(world, coupon):
    order = world.order([dict(quantity=2, unit_price="10.00")])

    redemption = order_coupon_apply(order_id=order.pk, code=" welcome5 ", actor=world.actor)

    order.refresh_from_db()
    coupon.refresh_from_db()
    assert (redemption.coupon, redemption.customer) == (coupon, world.customer)
    assert coupon.times_used == 1
    # 20.00 − 5.00 = 15.00
    assert (order.total_adjustment, order.grand_total) == (D("-5.00"), D("15.00"))
    adjustment = ItemAdjustment.objects.get(order=order)
    assert (adjustment.usage, adjustment.coupon, adjustment.description) == (
        "coupon",
        coupon,
        "Welcome",
    )
    assert order.events.filter(kind="priced", message="Coupon WELCOME5 applied").exists()


def test_applying_twice_counts_once(world, coupon):
    order = world.order([dict(quantity=1, unit_price="10.00")])
    first = order_coupon_apply(order_id=order.pk, code="WELCOME5", actor=world.actor)
    again = order_coupon_apply(order_id=order.pk, code="WELCOME5", actor=world.actor)
    coupon.refresh_from_db()
    assert (again, coupon.times_used) == (first, 1)


def test_remove_gives_the_use_back_and_re_prices(world, coupon):
    order = world.order([dict(quantity=1, unit_price="10.00")])
    order_coupon_apply(order_id=order.pk, code="WELCOME5", actor=world.actor)

    order_coupon_remove(order_id=order.pk, code="welcome5", actor=world.actor)

    order.refresh_from_db()
    coupon.refresh_from_db()
    assert coupon.times_used == 0
    assert (order.total_adjustment, order.grand_total) == (D("0.00"), D("10.00"))
    assert not CouponRedemption.objects.exists()
    with pytest.raises(CouponNotApplied):
        order_coupon_remove(order_id=order.pk, code="welcome5", actor=world.actor)


def test_used_up_coupon_is_refused(world, coupon):
    Coupon.objects.filter(pk=coupon.pk).update(times_used=2)
    order = world.order([dict(quantity=1, unit_price="10.00")])
    with pytest.raises(CouponUsedUp):
        order_coupon_apply(order_id=order.pk, code="WELCOME5", actor=world.actor)
    assert_nothing_written(order, coupon, uses=2)
    order.refresh_from_db()
    assert order.grand_total == D("10.00")


@pytest.mark.parametrize(
    ("valid_from", "valid_until"),
    [(None, timedelta(minutes=-1)), (timedelta(hours=1), None)],
    ids=["expired", "not yet valid"],
)
def test_coupon_outside_its_window_is_refused(world, coupon, valid_from, valid_until):
    now = timezone.now()
    coupon.valid_from = now + valid_from if valid_from else None
    coupon.valid_until = now + valid_until if valid_until else None
    coupon.save()
    order = world.order([dict(quantity=1, unit_price="10.00")])
    with pytest.raises(CouponNotValid):
        order_coupon_apply(order_id=order.pk, code="WELCOME5", actor=world.actor)
    assert_nothing_written(order, coupon)


def test_coupon_in_another_currency_is_refused(world):
    rule = world.rule(usage="coupon", method="fixed_amount", value=D("5.00"), currency="GBP")
    coupon = CouponFactory(rule=rule, code="POUNDS")
    order = world.order([dict(quantity=1, unit_price="10.00")])
    with pytest.raises(CurrencyMismatch) as error:
        order_coupon_apply(order_id=order.pk, code="POUNDS", actor=world.actor)
    assert "GBP" in error.value.message
    assert_nothing_written(order, coupon)


def test_unknown_code_and_other_traders_code_are_not_found(world, coupon):
    CouponFactory(code="ELSEWHERE")  # another trader's
    order = world.order([dict(quantity=1, unit_price="10.00")])
    for code in ("NOPE", "ELSEWHERE"):
        with pytest.raises(CouponNotFound):
            order_coupon_apply(order_id=order.pk, code=code, actor=world.actor)
    assert_nothing_written(order, coupon)


def test_once_per_customer(world, coupon):
    coupon.once_per_customer = True
    coupon.save()
    first = world.order([dict(quantity=1, unit_price="10.00")])
    second = world.order([dict(quantity=1, unit_price="10.00")])
    order_coupon_apply(order_id=first.pk, code="WELCOME5", actor=world.actor)

    with pytest.raises(CouponAlreadyUsedByCustomer):
        order_coupon_apply(order_id=second.pk, code="WELCOME5", actor=world.actor)

    assert_nothing_written(second, coupon, uses=1)  # the count taken was rolled back
    anonymous = order_create(trader=world.trader, currency="EUR", actor=world.actor)
    with pytest.raises(CouponNeedsCustomer):
        order_coupon_apply(order_id=anonymous.pk, code="WELCOME5", actor=world.actor)


def test_coupons_change_only_while_the_order_is_open(world, coupon):
    order = world.order([dict(quantity=1, unit_price="10.00")])
    Order.objects.filter(pk=order.pk).update(status="I")
    with pytest.raises(OrderNotEditable):
        order_coupon_apply(order_id=order.pk, code="WELCOME5", actor=world.actor)
    assert_nothing_written(order, coupon)


@pytest.mark.django_db(transaction=True)
def test_two_checkouts_race_for_the_last_use_and_exactly_one_gets_it():
    trader = TraderFactory()
    from discounts.models import CalculationRule

    rule = CalculationRule.objects.create(
        trader=trader, name="Last one", usage="coupon", method="percentage", value=D("10")
    )
    coupon = CouponFactory(rule=rule, code="LAST", usage_limit=1)
    actor = Actor.system("test")
    orders = []
    for _ in range(2):
        order = order_create(
            trader=trader, currency="EUR", customer=CustomerFactory(trader=trader), actor=actor
        )
        order_item_add(
            order_id=order.pk,
            product=ProductFactory(),
            quantity=D("1"),
            unit_price=D("10.00"),
            actor=actor,
        )
        orders.append(order)

    barrier = threading.Barrier(len(orders))
    outcomes: dict[int, object] = {}

    def checkout(order_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            order_coupon_apply(order_id=order_id, code="LAST", actor=actor)
            outcomes[order_id] = "applied"
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            outcomes[order_id] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=checkout, args=(order.pk,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(type(o).__name__ if o != "applied" else o for o in outcomes.values()) == [
        "CouponUsedUp",
        "applied",
    ]
    coupon.refresh_from_db()
    assert coupon.times_used == 1
    assert CouponRedemption.objects.filter(coupon=coupon).count() == 1
    winner = CouponRedemption.objects.get(coupon=coupon).order
    loser = next(o for o in orders if o.pk != winner.pk)
    winner.refresh_from_db()
    loser.refresh_from_db()
    assert (winner.grand_total, loser.grand_total) == (D("9.00"), D("10.00"))
