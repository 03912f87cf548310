"""A payment's whole life: authorize, re-authorize (an edit raising the total, a backorder
allocated later), capture (partial for a reduced order, failure), void, refund."""

from decimal import Decimal

import pytest

from config.actors import Actor
from inventory.services.stock import stock_set
from orders.models import Order, OrderItem, PaymentTransaction
from orders.services.actions import order_action_run
from orders.services.backorders import order_backorders_allocate
from orders.services.checkout import cart_submit
from orders.services.edit_changes import order_edit_item_quantity_change
from orders.services.editing import order_edit_begin, order_edit_commit
from orders.services.fulfilment import PaymentDue, order_release, order_ship
from orders.services.payment_operations import RefundNotPossible, order_refund
from orders.services.payments import order_pay
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock

pytestmark = pytest.mark.django_db

CARD, NO_MORE = "4242424242424242", "4000000000009995"


def _paid(session, lines, card=CARD):
    actor = Actor.system("test")
    cart = cart_with(session, lines, actor=actor)
    cart_submit(order_id=cart.pk, actor=actor)
    return order_pay(
        order_id=cart.pk, method="test_card", details={"card_number": card}, actor=actor
    )


def _payments(order) -> list[tuple]:
    return list(
        PaymentTransaction.objects.filter(order=order)
        .order_by("pk")
        .values_list("kind", "outcome", "amount")
    )


def _edit_quantity(order, quantity, actor):
    order_edit_begin(order_id=order.pk, actor=actor)
    item = OrderItem.objects.get(order=order)
    order_edit_item_quantity_change(
        order_id=order.pk, item_id=item.pk, quantity=Decimal(quantity), actor=actor
    )
    return order_edit_commit(order_id=order.pk, actor=actor)


@pytest.fixture
def session():
    return SaleSessionFactory()


def test_authorize_records_the_amount_and_the_transaction(session):
    order = _paid(session, [(offer_with_stock(session, price=Decimal("4.25")), "2")])

    assert (order.status, order.payment_status, order.amount_authorized) == (
        "C",
        "authorized",
        Decimal("8.50"),
    )
    assert _payments(order) == [("authorize", "succeeded", Decimal("8.50"))]


def test_an_edit_raising_the_total_re_authorizes_the_difference(session, staff_actor):
    order = _paid(session, [(offer_with_stock(session), "1")])

    order = _edit_quantity(order, "3", staff_actor)

    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("C", "authorized")
    assert (order.grand_total, order.amount_authorized) == (Decimal("30.00"), Decimal("30.00"))
    assert _payments(order) == [
        ("authorize", "succeeded", Decimal("10.00")),
        ("reauthorize", "succeeded", Decimal("20.00")),
    ]


def test_an_edit_raising_the_total_beyond_a_declined_re_authorization_marks_payment_due(
    session, staff_user
):
    order = _paid(session, [(offer_with_stock(session), "1")], card=NO_MORE)
    order_edit_begin(order_id=order.pk, actor=Actor.for_user(staff_user))
    item = OrderItem.objects.get(order=order)
    order_edit_item_quantity_change(
        order_id=order.pk, item_id=item.pk, quantity=Decimal("2"), actor=Actor.for_user(staff_user)
    )

    outcome = order_action_run(
        order_id=order.pk, action="edit_commit", actor=Actor.for_user(staff_user)
    )

    assert (outcome.order.status, outcome.order.payment_status) == ("C", "due")
    assert outcome.warning == "Payment due: the order totals 20.00 EUR, 10.00 EUR is authorized."
    assert _payments(order)[-1] == ("reauthorize", "failed", Decimal("10.00"))
    assert order.events.filter(message__startswith="Payment due: 10.00 EUR more").exists()
    # Released only once covered.
    with pytest.raises(PaymentDue, match="re-authorize the payment first"):
        order_release(order_id=order.pk, actor=Actor.for_user(staff_user))


def test_a_backorder_allocated_later_goes_b_m_c_and_a_declined_one_stays_m_due(session):
    sold_out = offer_with_stock(session, on_hand="0", allows_backorder=True)
    good = _paid(session, [(sold_out, "1")])
    bad = _paid(session, [(sold_out, "1")], card=NO_MORE)
    assert (good.status, bad.status) == ("B", "B")
    stock_set(product_id=sold_out.product_id, on_hand=Decimal("2"))
    # The total grew meanwhile (a price correction under an edit is the usual cause).
    Order.objects.filter(pk__in=[good.pk, bad.pk]).update(total_shipping=Decimal("2.00"))

    assert order_backorders_allocate(order_id=good.pk, actor=Actor.system("t")) is True
    assert order_backorders_allocate(order_id=bad.pk, actor=Actor.system("t")) is True

    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, good.payment_status, good.amount_authorized) == (
        "C",
        "authorized",
        Decimal("12.00"),
    )
    assert _payments(good)[-1] == ("reauthorize", "succeeded", Decimal("2.00"))
    assert (bad.status, bad.payment_status, bad.amount_authorized) == (
        "M",
        "due",
        Decimal("10.00"),
    )
    assert list(bad.events.filter(kind="status_changed").values_list("to_status", flat=True)) == [
        "B",
        "M",
    ]


def test_a_reduced_order_captures_only_its_total_at_shipment(session, staff_actor):
    offer = offer_with_stock(session)
    order = _paid(session, [(offer, "3")])
    order = _edit_quantity(order, "1", staff_actor)
    order_release(order_id=order.pk, actor=staff_actor)

    order = order_ship(order_id=order.pk, actor=staff_actor)

    assert (order.status, order.payment_status) == ("D", "captured")
    assert (order.amount_authorized, order.amount_captured) == (
        Decimal("30.00"),
        Decimal("10.00"),
    )
    capture = PaymentTransaction.objects.get(order=order, kind="capture")
    assert capture.message.endswith("(partial: 20.00 EUR released)")


def test_refunds_need_a_reason_stay_within_the_captured_amount_and_are_recorded(
    session, staff_actor
):
    order = _paid(session, [(offer_with_stock(session), "2")])
    order_release(order_id=order.pk, actor=staff_actor)
    order_ship(order_id=order.pk, actor=staff_actor)
    before = _payments(order)

    for amount, reason in ((Decimal("5.00"), ""), (Decimal("20.01"), "bruised"), (0, "x")):
        with pytest.raises(RefundNotPossible):
            order_refund(order_id=order.pk, actor=staff_actor, amount=amount, reason=reason)
    assert _payments(order) == before

    order = order_refund(
        order_id=order.pk, actor=staff_actor, amount=Decimal("5.00"), reason="bruised apples"
    )
    assert (order.amount_refunded, order.payment_status) == (Decimal("5.00"), "captured")
    order = order_refund(
        order_id=order.pk, actor=staff_actor, amount=Decimal("15.00"), reason="rest of it"
    )
    assert (order.amount_refunded, order.payment_status, order.status) == (
        Decimal("20.00"),
        "refunded",
        "D",
    )
    refunds = PaymentTransaction.objects.filter(order=order, kind="refund").order_by("pk")
    assert [(r.amount, r.reason) for r in refunds] == [
        (Decimal("5.00"), "bruised apples"),
        (Decimal("15.00"), "rest of it"),
    ]
