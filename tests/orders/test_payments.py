from decimal import Decimal

import pytest

from inventory.models import Reservation
from orders.exceptions import (
    CartNotSubmitted,
    CheckoutExpired,
    InvalidPaymentDetails,
    OrderNotEditable,
    PaymentDeclined,
    PaymentNotInReview,
    UnknownPaymentMethod,
)
from orders.models import Order, OrderEvent, ProducerOrder
from orders.services.checkout import cart_submit
from orders.services.payments import order_pay, order_payment_review_accept, payment_providers
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock, stock_of

pytestmark = pytest.mark.django_db

AUTHORIZE, REVIEW, DECLINE = "4242424242424242", "4000000000000127", "4000000000000002"


@pytest.fixture
def submitted(system_actor):
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="5", price=Decimal("4.00"))
    cart = cart_with(session, [(offer, "2")])
    cart_submit(order_id=cart.pk, actor=system_actor)
    return cart


def _moves(order) -> list[tuple[str, str]]:
    return list(order.events.filter(kind="status_changed").values_list("from_status", "to_status"))


@pytest.mark.parametrize("method", ["pickup", "invoice"])
def test_paying_later_submits_the_order_unpaid(submitted, method, system_actor):
    order = order_pay(order_id=submitted.pk, method=method, actor=system_actor)

    assert order.status == "I"
    assert (order.payment_method, order.payment_status) == (method, "deferred")
    assert order.payment_reference == f"{method}-{order.number}"
    assert order.placed_at is not None
    assert _moves(order) == [("P", "I")]
    assert not Reservation.objects.filter(order=order, expires_at__isnull=False).exists()
    payment = order.events.get(kind=OrderEvent.Kind.PAYMENT)
    assert payment.data["outcome"] == "deferred"


def test_an_authorized_card_goes_through_m_to_c(submitted, system_actor):
    order = order_pay(
        order_id=submitted.pk,
        method="test_card",
        details={"card_number": "4242 4242 4242 4242"},
        actor=system_actor,
    )

    assert order.status == "C"
    assert _moves(order) == [("P", "M"), ("M", "C")]
    assert order.payment_status == "authorized"
    assert order.payment_reference == f"tc-{order.number}-4242"


def test_a_card_needing_review_waits_in_a_until_staff_accept_it(submitted, system_actor):
    order = order_pay(
        order_id=submitted.pk,
        method="test_card",
        details={"card_number": REVIEW},
        actor=system_actor,
    )
    assert order.status == "A"
    assert order.payment_status == "review"

    order = order_payment_review_accept(order_id=order.pk, actor=system_actor)

    assert order.status == "C"
    assert order.payment_status == "authorized"
    assert _moves(order) == [("P", "M"), ("M", "A"), ("A", "C")]
    with pytest.raises(PaymentNotInReview):
        order_payment_review_accept(order_id=order.pk, actor=system_actor)


def test_accepting_a_reviewed_payment_with_backorders_goes_to_b(system_actor):
    session = SaleSessionFactory()
    sold_out = offer_with_stock(session, on_hand="0", allows_backorder=True)
    cart = cart_with(session, [(sold_out, "1")])
    cart_submit(order_id=cart.pk, actor=system_actor)
    order_pay(
        order_id=cart.pk,
        method="test_card",
        details={"card_number": REVIEW},
        actor=system_actor,
    )

    order = order_payment_review_accept(order_id=cart.pk, actor=system_actor)

    assert order.status == "B"


def test_a_declined_card_leaves_the_cart_exactly_as_it_was(submitted, system_actor):
    before = Order.objects.values().get(pk=submitted.pk)
    events = submitted.events.count()
    expiry = list(Reservation.objects.values_list("expires_at", flat=True))

    with pytest.raises(PaymentDeclined) as raised:
        order_pay(
            order_id=submitted.pk,
            method="test_card",
            details={"card_number": DECLINE},
            actor=system_actor,
        )

    assert raised.value.status == 402
    assert Order.objects.values().get(pk=submitted.pk) == before
    assert submitted.events.count() == events
    assert list(Reservation.objects.values_list("expires_at", flat=True)) == expiry
    assert not ProducerOrder.objects.exists()


@pytest.mark.parametrize(
    ("method", "details", "error"),
    [
        ("test_card", {"card_number": "4242424242424241"}, InvalidPaymentDetails),  # Luhn
        ("test_card", {}, InvalidPaymentDetails),
        ("bitcoin", {}, UnknownPaymentMethod),
    ],
)
def test_bad_payment_input_is_refused(submitted, method, details, error, system_actor):
    with pytest.raises(error) as raised:
        order_pay(order_id=submitted.pk, method=method, details=details, actor=system_actor)
    assert raised.value.status == 422
    assert Order.objects.get(pk=submitted.pk).status == "P"


def test_providers_come_from_the_setting(settings):
    settings.LARDER_PAYMENT_PROVIDERS = ["invoice"]
    assert list(payment_providers()) == ["invoice"]


def test_a_cart_must_be_submitted_and_unexpired_to_be_paid(system_actor):
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="5")
    cart = cart_with(session, [(offer, "1")])
    with pytest.raises(CartNotSubmitted):
        order_pay(order_id=cart.pk, method="pickup", actor=system_actor)

    cart_submit(order_id=cart.pk, actor=system_actor)
    Reservation.objects.update(expires_at="2000-01-01T00:00:00Z")
    with pytest.raises(CheckoutExpired):
        order_pay(order_id=cart.pk, method="pickup", actor=system_actor)
    assert stock_of(offer).reserved == Decimal("1")  # the expiry task releases it


def test_an_order_is_paid_once(submitted, system_actor):
    order_pay(order_id=submitted.pk, method="pickup", actor=system_actor)
    with pytest.raises(OrderNotEditable) as raised:
        order_pay(order_id=submitted.pk, method="pickup", actor=system_actor)
    assert raised.value.status == 409
