from decimal import Decimal

import pytest

from config.actors import Actor
from discounts.models import CalculationRule, ItemAdjustment
from inventory.exceptions import InsufficientStock
from inventory.models import Reservation
from orders.exceptions import (
    AddressNotTheCustomers,
    InvalidManualDiscount,
    OrderLocked,
    OrderNotEditable,
)
from orders.models import Order, OrderEvent, OrderItem
from orders.services.edit_changes import (
    order_addresses_change,
    order_edit_coupon_apply,
    order_edit_coupon_remove,
    order_edit_item_quantity_change,
    order_edit_item_remove,
    order_edit_item_ship_to,
    order_edit_offer_add,
    order_manual_discount_add,
    order_manual_discount_remove,
)
from orders.services.editing import order_edit_begin, order_edit_commit, order_edit_rollback
from tests.factories import (
    AddressFactory,
    CalculationRuleFactory,
    CouponFactory,
    SaleSessionFactory,
)
from tests.inventory.factories import cart_with, offer_with_stock, placed_with, stock_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SaleSessionFactory()


@pytest.fixture
def agent(django_user_model):
    return Actor.for_user(django_user_model.objects.create_user("agent", password="pw"))


@pytest.fixture
def other_agent(django_user_model):
    return Actor.for_user(django_user_model.objects.create_user("other", password="pw"))


def _edit_events(order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order=order, kind="edit")
        .order_by("pk")
        .values_list("data__action", flat=True)
    )


def test_begin_edit_locks_to_the_agent_and_saves_a_t_copy(session, agent, system_actor):
    offer = offer_with_stock(session, on_hand="10")
    order = placed_with(session, [(offer, "3")], actor=system_actor)
    assert order.status == "C"

    order = order_edit_begin(order_id=order.pk, actor=agent)

    assert (order.status, order.status_before_edit) == ("E", "C")
    assert order.locked_by == agent.user
    assert order.locked_at is not None
    backup = Order.objects.get(backup_of=order)
    assert backup.status == "T"
    assert backup.grand_total == order.grand_total == Decimal("30.00")
    copy = backup.items.get()
    assert (copy.quantity, copy.backup_of_id, copy.sub_order.order_id) == (
        Decimal("3"),
        order.items.get().pk,
        backup.pk,
    )
    assert _edit_events(order) == ["begin"]


def test_change_a_quantity_then_commit_reprices_rereserves_and_resumes(
    session, agent, system_actor, django_capture_on_commit_callbacks
):
    offer = offer_with_stock(session, on_hand="10")
    order = placed_with(session, [(offer, "3")], actor=system_actor)
    item = order.items.get()
    order_edit_begin(order_id=order.pk, actor=agent)

    order_edit_item_quantity_change(
        order_id=order.pk, item_id=item.pk, quantity=Decimal("5"), actor=agent
    )
    with django_capture_on_commit_callbacks(execute=True):
        order = order_edit_commit(order_id=order.pk, actor=agent)

    assert (order.status, order.status_before_edit, order.locked_by) == ("C", "", None)
    assert order.grand_total == Decimal("50.00")
    assert stock_of(offer).reserved == Decimal("5")
    assert Reservation.objects.get().quantity == Decimal("5")
    assert not Order.objects.filter(status="T").exists()
    assert order.items.get().status == "C"
    assert _edit_events(order) == ["begin", "commit"]
    line = order.sales_session.producer_orders.get().lines.get()
    assert line.quantity == Decimal("5")


def test_roll_back_restores_items_adjustments_coupons_and_stock(session, agent, system_actor):
    kept = offer_with_stock(session, on_hand="10")
    dropped = offer_with_stock(session, on_hand="10")
    added = offer_with_stock(session, on_hand="10")
    CalculationRuleFactory(trader=session.trader, value=Decimal("10"))
    order = placed_with(session, [(kept, "3"), (dropped, "2")], actor=system_actor)
    before = {
        (i.product_id, i.quantity, i.total_adjustment, i.inventory_status)
        for i in order.items.all()
    }
    assert order.grand_total == Decimal("45.00")
    coupon = CouponFactory(rule__trader=session.trader, rule__value=Decimal("5"))
    order_edit_begin(order_id=order.pk, actor=agent)

    kept_item = order.items.get(product=kept.product)
    order_edit_item_quantity_change(
        order_id=order.pk, item_id=kept_item.pk, quantity=Decimal("1"), actor=agent
    )
    order_edit_item_remove(
        order_id=order.pk, item_id=order.items.get(product=dropped.product).pk, actor=agent
    )
    order_edit_offer_add(order_id=order.pk, offer_id=added.pk, quantity=Decimal("4"), actor=agent)
    order_edit_coupon_apply(order_id=order.pk, code=coupon.code, actor=agent)
    order_manual_discount_add(order_id=order.pk, amount=Decimal("2"), reason="late", actor=agent)
    assert stock_of(added).reserved == Decimal("4")

    order = order_edit_rollback(order_id=order.pk, actor=agent)

    assert (order.status, order.locked_by) == ("C", None)
    assert order.grand_total == Decimal("45.00")
    assert {
        (i.product_id, i.quantity, i.total_adjustment, i.inventory_status)
        for i in order.items.all()
    } == before
    assert order.items.get(product=kept.product).pk == kept_item.pk  # restored in place
    assert {s.reserved for s in (stock_of(kept), stock_of(dropped), stock_of(added))} == {
        Decimal("3"),
        Decimal("2"),
        Decimal("0"),
    }
    assert stock_of(added).reserved == 0
    assert not order.coupon_redemptions.exists()
    coupon.refresh_from_db()
    assert coupon.times_used == 0
    assert not CalculationRule.objects.filter(order=order).exists()
    assert ItemAdjustment.objects.filter(order=order).count() == 2
    assert order.sub_orders.get().item_count == 2
    assert not Order.objects.filter(status="T").exists()
    assert _edit_events(order) == ["begin", "rollback"]


def test_a_second_agent_sees_the_lock_and_takes_over_only_explicitly(
    session, agent, other_agent, system_actor
):
    offer = offer_with_stock(session, on_hand="10")
    order = placed_with(session, [(offer, "3")], actor=system_actor)
    order_edit_begin(order_id=order.pk, actor=agent)

    with pytest.raises(OrderLocked, match="being edited by agent"):
        order_edit_begin(order_id=order.pk, actor=other_agent)
    with pytest.raises(OrderLocked, match="edited by agent"):
        order_edit_commit(order_id=order.pk, actor=other_agent)
    with pytest.raises(OrderLocked):
        order_edit_item_quantity_change(
            order_id=order.pk,
            item_id=order.items.get().pk,
            quantity=Decimal("1"),
            actor=other_agent,
        )

    order = order_edit_begin(order_id=order.pk, actor=other_agent, take_over=True)
    assert order.locked_by == other_agent.user
    assert _edit_events(order) == ["begin", "take_over"]
    with pytest.raises(OrderLocked):
        order_edit_commit(order_id=order.pk, actor=agent)
    assert order_edit_commit(order_id=order.pk, actor=other_agent).status == "C"


def test_roll_back_refuses_all_or_nothing_when_the_released_stock_was_sold(
    session, agent, system_actor
):
    offer = offer_with_stock(session, on_hand="5")
    order = placed_with(session, [(offer, "3")], actor=system_actor)
    order_edit_begin(order_id=order.pk, actor=agent)
    order_edit_item_quantity_change(
        order_id=order.pk, item_id=order.items.get().pk, quantity=Decimal("1"), actor=agent
    )
    placed_with(
        session, [(offer, "4")], actor=system_actor
    )  # another customer buys what was released

    with pytest.raises(InsufficientStock, match=r"3 asked, 1 available"):
        order_edit_rollback(order_id=order.pk, actor=agent)

    order.refresh_from_db()
    assert (order.status, order.items.get().quantity) == ("E", Decimal("1"))
    assert stock_of(offer).reserved == Decimal("5")
    assert Order.objects.filter(backup_of=order, status="T").exists()


def test_begin_refused_outside_the_editable_statuses(session, agent, system_actor):
    cart = cart_with(session, [(offer_with_stock(session), "1")])
    with pytest.raises(OrderNotEditable, match="begins only from") as refused:
        order_edit_begin(order_id=cart.pk, actor=agent)
    assert not Order.objects.filter(status="T").exists()
    assert refused.value.message == (
        f"Order {cart.number} is in “Cart — not submitted yet”: a customer-service edit begins "
        "only from “Submitted — payment later”, “Waiting for approval”, “Approval denied”, "
        "“Payment started”, “Backordered — waiting for stock”, “Short of stock — needs action” "
        "or “Paid — ready to release”."
    )


def test_manual_discount_needs_a_reason_and_reprices(session, agent, system_actor):
    offer = offer_with_stock(session, on_hand="10")
    order = placed_with(session, [(offer, "2")], actor=system_actor)
    order_edit_begin(order_id=order.pk, actor=agent)
    with pytest.raises(InvalidManualDiscount, match="reason"):
        order_manual_discount_add(order_id=order.pk, amount=Decimal("2"), reason=" ", actor=agent)

    order_manual_discount_add(
        order_id=order.pk, percent=Decimal("10"), reason="bruised", actor=agent
    )

    order.refresh_from_db()
    assert (order.total_adjustment, order.grand_total) == (Decimal("-2.00"), Decimal("18.00"))
    event = order.events.filter(kind="priced").last()
    assert event.message == "Manual discount of 10.00%: bruised"
    order = order_edit_commit(order_id=order.pk, actor=agent)
    assert order.grand_total == Decimal("18.00")


def test_manual_discount_applies_to_its_own_order_only(session, agent, system_actor):
    offer = offer_with_stock(session, on_hand="10")
    first = placed_with(session, [(offer, "2")], actor=system_actor)
    order_edit_begin(order_id=first.pk, actor=agent)
    order_manual_discount_add(order_id=first.pk, amount=Decimal("5"), reason="x", actor=agent)
    second = placed_with(session, [(offer, "2")], actor=system_actor)
    assert second.total_adjustment == Decimal("0.00")


def test_addresses_change_moves_items_to_the_new_sub_order(session, agent, system_actor):
    offer = offer_with_stock(session, on_hand="10")
    order = placed_with(session, [(offer, "2")], actor=system_actor)
    home = AddressFactory(customer=order.customer)
    order_edit_begin(order_id=order.pk, actor=agent)

    with pytest.raises(AddressNotTheCustomers):
        order_addresses_change(
            order_id=order.pk,
            billing_address_id=AddressFactory().pk,
            shipping_address_id=None,
            actor=agent,
        )
    order_addresses_change(
        order_id=order.pk, billing_address_id=home.pk, shipping_address_id=home.pk, actor=agent
    )

    order.refresh_from_db()
    assert order.billing_address == home
    assert order.sub_orders.get().shipping_address == home
    assert OrderItem.objects.get(order=order).shipping_address == home
    assert order.events.filter(kind="address_changed").exists()


def test_coupons_and_manual_discounts_taken_off_under_an_edit_come_back_on_roll_back(
    session, agent, system_actor
):
    offer = offer_with_stock(session, on_hand="10")
    order = placed_with(session, [(offer, "2")], actor=system_actor)
    coupon = CouponFactory(rule__trader=session.trader, rule__value=Decimal("10"))
    order_edit_begin(order_id=order.pk, actor=agent)
    order_edit_coupon_apply(order_id=order.pk, code=coupon.code, actor=agent)
    rule = order_manual_discount_add(
        order_id=order.pk, amount=Decimal("3"), reason="x", actor=agent
    )
    order = order_edit_commit(order_id=order.pk, actor=agent)
    assert order.grand_total == Decimal("15.00")  # 20 - 10% - 3

    order_edit_begin(order_id=order.pk, actor=agent)
    order_edit_coupon_remove(order_id=order.pk, code=coupon.code, actor=agent)
    order_manual_discount_remove(order_id=order.pk, rule_id=rule.pk, actor=agent)
    order.refresh_from_db()
    assert order.grand_total == Decimal("20.00")
    coupon.refresh_from_db()
    assert coupon.times_used == 0

    order = order_edit_rollback(order_id=order.pk, actor=agent)

    assert order.grand_total == Decimal("15.00")
    coupon.refresh_from_db()
    assert coupon.times_used == 1
    rule.refresh_from_db()
    assert rule.is_active


def test_one_item_ships_elsewhere_in_its_own_sub_order(session, agent, system_actor):
    first, second = offer_with_stock(session), offer_with_stock(session)
    order = placed_with(session, [(first, "1"), (second, "2")], actor=system_actor)
    office = AddressFactory(customer=order.customer)
    order_edit_begin(order_id=order.pk, actor=agent)
    item = order.items.get(product=second.product)

    order_edit_item_ship_to(
        order_id=order.pk, item_id=item.pk, shipping_address_id=office.pk, actor=agent
    )

    groups = {
        s.shipping_address_id: (s.item_count, s.total_product) for s in order.sub_orders.all()
    }
    assert groups == {None: (1, Decimal("10.00")), office.pk: (1, Decimal("20.00"))}
    with pytest.raises(AddressNotTheCustomers):
        order_edit_item_ship_to(
            order_id=order.pk, item_id=item.pk, shipping_address_id=AddressFactory().pk, actor=agent
        )
    order = order_edit_rollback(order_id=order.pk, actor=agent)
    assert [s.shipping_address_id for s in order.sub_orders.all()] == [None]
