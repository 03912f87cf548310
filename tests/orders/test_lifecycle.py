"""Every status letter reached through a service or an endpoint (never by writing the field),
with its side effects: stock, payment, producer orders, events (issue 14)."""

from decimal import Decimal

import pytest

from config.actors import Actor
from inventory.models import Reservation
from inventory.services.stock import stock_set
from orders.events import stored_texts_render
from orders.models import Order, OrderEvent, OrderItem, PaymentTransaction, ProducerOrderLine
from orders.producer_orders.services import producer_orders_refresh
from orders.services.actions import (
    OrderActionForbidden,
    OrderActionNotAvailable,
    ReasonRequired,
    UnknownOrderAction,
    order_action_run,
    order_actions_available,
)
from orders.services.checkout import cart_submit
from orders.services.fulfilment import PaymentDue, order_release, order_ship
from orders.services.low_inventory import (
    order_low_inventory_retry,
    producer_order_refused,
    product_withdraw,
    stock_count_record,
)
from orders.services.payment_operations import order_payment_receive
from orders.services.payments import order_pay
from tests.factories import ApprovalRuleFactory, SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock, stock_of

pytestmark = pytest.mark.django_db

CARD, REVIEW, CAPTURE_FAILS = "4242424242424242", "4000000000000127", "4000000000000341"


def _moves(order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order_id=order.pk, kind="status_changed")
        .order_by("pk")
        .values_list("to_status", flat=True)
    )


def _lines(session) -> dict[int, Decimal]:
    producer_orders_refresh(session_id=session.pk)
    return dict(
        ProducerOrderLine.objects.filter(producer_order__sales_session=session).values_list(
            "product_id", "customer_quantity"
        )
    )


def _paid(session, lines, *, method="test_card", card=CARD, customer=None):
    actor = Actor.system("test")
    cart = cart_with(session, lines, customer=customer, actor=actor)
    cart_submit(order_id=cart.pk, actor=actor)
    details = {"card_number": card} if method == "test_card" else {}
    return order_pay(order_id=cart.pk, method=method, details=details, actor=actor)


@pytest.fixture
def session():
    return SaleSessionFactory()


@pytest.fixture
def approver(django_user_model):
    return django_user_model.objects.create_superuser("approver", "a@example.org", "pw")


def _act(order, action, user, **kwargs):
    return order_action_run(order_id=order.pk, action=action, actor=Actor.for_user(user), **kwargs)


# --- W and N: approval ---------------------------------------------------------------------


def test_w_an_order_over_the_trader_s_threshold_waits_for_approval_holding_its_stock(session):
    ApprovalRuleFactory(trader=session.trader, order_total_over=Decimal("30.00"))
    offer = offer_with_stock(session, on_hand="10", price=Decimal("10.00"))

    order = _paid(session, [(offer, "4")])

    order.refresh_from_db()
    assert order.status == "W"
    assert _moves(order) == ["W"]
    assert stored_texts_render(order.approval_reasons) == "total 40.00 EUR is over 30.00 EUR"
    assert (order.payment_status, order.amount_authorized) == ("unpaid", Decimal("0.00"))
    assert not PaymentTransaction.objects.filter(order=order).exists()  # nothing authorized
    assert order.payment_reference == f"tc-{order.number}-4242"  # the card on file
    assert stock_of(offer).reserved == Decimal("4")
    assert not Reservation.objects.filter(order=order, expires_at__isnull=False).exists()
    assert order.events.filter(kind="approval", data__action="wait").exists()
    assert _lines(session) == {offer.product_id: Decimal("4")}


@pytest.mark.parametrize(
    ("customer_fields", "reason"),
    [
        ({"needs_approval": True}, "the customer's orders need approval"),
        (
            {"session_spending_limit": Decimal("50.00")},
            "the customer's orders in this session would total 60.00 EUR, over their limit "
            "of 50.00 EUR",
        ),
    ],
)
def test_w_customer_flag_and_spending_limit_per_session_hold_the_order(
    session, customer_fields, reason
):
    from tests.inventory.factories import customer_of

    offer = offer_with_stock(session, on_hand="20", price=Decimal("10.00"))
    customer = customer_of(session, **customer_fields)
    if "session_spending_limit" in customer_fields:
        first = _paid(session, [(offer, "2")], customer=customer)
        assert first.status == "C"  # 20.00 is within the limit

    order = _paid(session, [(offer, "4")], customer=customer)

    assert order.status == "W"
    assert stored_texts_render(order.approval_reasons) == reason


def test_approving_goes_on_with_payment_w_m_c(session, approver):
    ApprovalRuleFactory(trader=session.trader, order_total_over=Decimal("5.00"))
    offer = offer_with_stock(session, on_hand="10")
    order = _paid(session, [(offer, "1")])

    outcome = _act(order, "approve", approver)

    assert outcome.order.status == "C"
    assert _moves(order) == ["W", "M", "C"]
    assert (outcome.order.payment_status, outcome.order.amount_authorized) == (
        "authorized",
        Decimal("10.00"),
    )
    authorization = PaymentTransaction.objects.get(order=order)
    assert (authorization.kind, authorization.outcome, authorization.amount) == (
        "authorize",
        "succeeded",
        Decimal("10.00"),
    )
    assert order.events.filter(kind="approval", data__action="approve").exists()


def test_approving_a_review_card_goes_w_m_a(session, approver):
    ApprovalRuleFactory(trader=session.trader, order_total_over=Decimal("5.00"))
    order = _paid(session, [(offer_with_stock(session), "1")], card=REVIEW)

    assert _act(order, "approve", approver).order.status == "A"
    assert _moves(order) == ["W", "M", "A"]


def test_n_denying_releases_the_stock_tells_the_customer_and_drops_the_producer_lines(
    session, approver
):
    ApprovalRuleFactory(trader=session.trader, order_total_over=Decimal("5.00"))
    offer = offer_with_stock(session, on_hand="10")
    order = _paid(session, [(offer, "3")])
    assert _lines(session) == {offer.product_id: Decimal("3")}

    outcome = _act(order, "deny", approver, reason="Over budget this week")

    assert outcome.order.status == "N"
    assert stock_of(offer).reserved == Decimal("0")
    assert OrderItem.objects.get(order=order).inventory_status == "NALC"
    notice = order.events.get(kind="customer_notice")
    assert notice.data == {"notice": "approval_denied", "message": "Over budget this week"}
    assert order.events.filter(kind="approval", data__action="deny").exists()
    assert _lines(session) == {}


def test_approving_needs_the_approve_order_permission_and_writes_nothing_without(
    session, django_user_model
):
    from platforms.models import Role
    from platforms.tenancy.memberships import membership_grant

    ApprovalRuleFactory(trader=session.trader, order_total_over=Decimal("5.00"))
    order = _paid(session, [(offer_with_stock(session), "1")])
    agent = django_user_model.objects.create_user("agent", "c@example.org", "pw", is_staff=True)
    membership_grant(user=agent, enterprise=session.trader, role=Role.CUSTOMER_SERVICE)
    events = OrderEvent.objects.count()

    with pytest.raises(OrderActionForbidden):
        _act(order, "approve", agent)

    assert Order.objects.get(pk=order.pk).status == "W"
    assert OrderEvent.objects.count() == events
    assert [a.code for a in order_actions_available(order=order, user=agent)] == [
        "edit_begin",
        "resend",
        "cancel",
    ]


# --- C, R, S, D: fulfilment and capture -------------------------------------------------------


def test_r_release_writes_the_pick_list_and_s_d_shipping_captures_the_card(session, approver):
    offer = offer_with_stock(session, on_hand="10", price=Decimal("3.50"))
    order = _paid(session, [(offer, "2")])
    assert order.status == "C"

    released = _act(order, "release", approver).order
    assert released.status == "R"
    pick = order.events.get(kind="fulfilment", data__action="release").data["pick_list"]
    assert [(line["product"], line["actual_quantity"]) for line in pick] == [
        (offer.product.name, "2 piece")
    ]

    shipped = _act(order, "ship", approver).order
    assert _moves(order) == ["M", "C", "R", "S", "D"]
    assert (shipped.status, shipped.payment_status) == ("D", "captured")
    assert shipped.amount_captured == Decimal("7.00")
    assert OrderItem.objects.get(order=order).fulfilment_status == "fulfilled"
    stock = stock_of(offer)
    assert (stock.on_hand, stock.reserved) == (Decimal("8"), Decimal("0"))  # shipped: gone
    capture = PaymentTransaction.objects.get(order=order, kind="capture")
    assert (capture.outcome, capture.amount) == ("succeeded", Decimal("7.00"))


def test_s_partial_shipment_per_sub_order_then_the_rest(session, system_actor, staff_actor):
    from orders.services.edit_changes import order_edit_item_ship_to
    from orders.services.editing import order_edit_begin, order_edit_commit
    from tests.factories import AddressFactory

    staff = staff_actor
    bread, milk = offer_with_stock(session), offer_with_stock(session)
    order = _paid(session, [(bread, "1"), (milk, "1")])
    home = AddressFactory(customer=order.customer)
    order_edit_begin(order_id=order.pk, actor=staff)
    milk_item = OrderItem.objects.get(order=order, offer=milk)
    order_edit_item_ship_to(
        order_id=order.pk, item_id=milk_item.pk, shipping_address_id=home.pk, actor=staff
    )
    order_edit_commit(order_id=order.pk, actor=staff)
    order_release(order_id=order.pk, actor=system_actor)
    milk_item.refresh_from_db()

    partly = order_ship(
        order_id=order.pk, actor=system_actor, sub_order_ids=[milk_item.sub_order_id]
    )
    assert partly.status == "R"
    assert dict(
        OrderItem.objects.filter(order=order).values_list("offer", "fulfilment_status")
    ) == {
        bread.pk: "unfulfilled",
        milk.pk: "fulfilled",
    }

    done = order_ship(order_id=order.pk, actor=system_actor)
    assert done.status == "D"


def test_s_a_failed_capture_stays_shipped_marked_and_recorded(session, approver):
    order = _paid(session, [(offer_with_stock(session), "1")], card=CAPTURE_FAILS)
    _act(order, "release", approver)

    outcome = _act(order, "ship", approver)

    assert (outcome.order.status, outcome.order.payment_status) == ("S", "capture_failed")
    assert outcome.warning.startswith("The payment capture failed")
    failed = PaymentTransaction.objects.get(order=order, kind="capture")
    assert failed.outcome == "failed"
    assert "capture" in [
        a.code for a in order_actions_available(order=outcome.order, user=approver)
    ]


def test_i_c_s_d_a_pickup_order_is_confirmed_shipped_and_its_payment_recorded(session, approver):
    order = _paid(session, [(offer_with_stock(session), "2")], method="pickup")
    assert (order.status, order.payment_status) == ("I", "deferred")

    assert _act(order, "confirm_pay_later", approver).order.status == "C"
    _act(order, "release", approver)
    shipped = _act(order, "ship", approver).order
    assert (shipped.status, shipped.payment_status) == ("S", "deferred")  # nothing to capture

    paid = _act(order, "record_payment", approver, data={"reference": "till 42"}).order

    assert (paid.status, paid.payment_status, paid.amount_captured) == (
        "D",
        "paid",
        Decimal("20.00"),
    )
    received = PaymentTransaction.objects.get(order=order)
    assert (received.kind, received.amount) == ("received", Decimal("20.00"))
    assert _moves(order) == ["I", "C", "R", "S", "D"]


def test_i_c_an_invoice_order_paid_before_fulfilment(session, system_actor):
    order = _paid(session, [(offer_with_stock(session), "1")], method="invoice")

    paid = order_payment_receive(order_id=order.pk, actor=system_actor, reference="INV-7")

    assert (paid.status, paid.payment_status) == ("C", "paid")


def test_release_is_refused_while_the_payment_is_due(session, system_actor):
    from orders.models import PaymentStatus

    order = _paid(session, [(offer_with_stock(session), "1")])
    Order.objects.filter(pk=order.pk).update(payment_status=PaymentStatus.DUE)

    with pytest.raises(PaymentDue):
        order_release(order_id=order.pk, actor=system_actor)
    assert Order.objects.get(pk=order.pk).status == "C"


# --- A and X ------------------------------------------------------------------------------


def test_a_x_declining_a_reviewed_payment_cancels_and_voids(session, approver):
    offer = offer_with_stock(session, on_hand="5")
    order = _paid(session, [(offer, "2")], card=REVIEW)
    assert order.status == "A"

    with pytest.raises(ReasonRequired):
        _act(order, "review_decline", approver)
    outcome = _act(order, "review_decline", approver, reason="address mismatch")

    assert outcome.order.status == "X"
    assert outcome.order.payment_status == "voided"
    assert stock_of(offer).reserved == Decimal("0")
    void = PaymentTransaction.objects.get(order=order, kind="void")
    assert void.reason == "Payment review declined: address mismatch"


def test_x_cancel_with_a_reason_voids_the_authorization(session, approver):
    offer = offer_with_stock(session, on_hand="5")
    order = _paid(session, [(offer, "2")])

    outcome = _act(order, "cancel", approver, reason="customer phoned")

    assert (outcome.order.status, outcome.order.payment_status) == ("X", "voided")
    assert outcome.order.amount_authorized == Decimal("0.00")
    void = PaymentTransaction.objects.get(order=order, kind="void")
    assert (void.amount, void.reason, void.outcome) == (
        Decimal("20.00"),
        "customer phoned",
        "succeeded",
    )
    assert stock_of(offer).reserved == Decimal("0")


def test_unknown_and_unavailable_actions_are_refused_writing_nothing(session, approver):
    order = _paid(session, [(offer_with_stock(session), "1")])
    before = Order.objects.values().get(pk=order.pk)
    events = OrderEvent.objects.count()

    with pytest.raises(UnknownOrderAction):
        _act(order, "D", approver)
    with pytest.raises(OrderActionNotAvailable):
        _act(order, "ship", approver)
    with pytest.raises(OrderActionNotAvailable):
        _act(order, "approve", approver)

    assert Order.objects.values().get(pk=order.pk) == before
    assert OrderEvent.objects.count() == events


# --- L: low inventory -----------------------------------------------------------------------


def test_l_a_stock_count_below_what_is_held_moves_the_newest_order_to_l(session, system_actor):
    offer = offer_with_stock(session, on_hand="5")
    older = _paid(session, [(offer, "2")])
    newer = _paid(session, [(offer, "2")])

    moved = stock_count_record(
        product_id=offer.product_id, on_hand=Decimal("3"), actor=system_actor
    )

    assert moved == [newer.pk]
    assert Order.objects.get(pk=older.pk).status == "C"
    newer.refresh_from_db()
    assert newer.status == "L"
    item = OrderItem.objects.get(order=newer)
    assert (item.inventory_status, item.unavailable_reason) == (
        "NALC",
        f"stock of {offer.product.name} counted at 3",
    )
    stock = stock_of(offer)
    assert (stock.on_hand, stock.reserved) == (Decimal("3"), Decimal("2"))
    assert newer.events.filter(kind="stock", message__startswith="Items unavailable").exists()
    assert _lines(session) == {offer.product_id: Decimal("2")}  # the short item is not asked


def test_l_retry_when_stock_is_back_goes_on_to_c(session, system_actor):
    offer = offer_with_stock(session, on_hand="2")
    order = _paid(session, [(offer, "2")])
    stock_count_record(product_id=offer.product_id, on_hand=Decimal("0"), actor=system_actor)
    stock_set(product_id=offer.product_id, on_hand=Decimal("4"))

    resolved = order_low_inventory_retry(order_id=order.pk, actor=system_actor)

    assert resolved.status == "C"
    assert _moves(order) == ["M", "C", "L", "C"]
    assert stock_of(offer).reserved == Decimal("2")
    assert OrderItem.objects.get(order=order).unavailable_reason == ""


def test_l_a_withdrawn_product_and_removing_the_short_items_reprices(session, approver):
    kept, withdrawn = offer_with_stock(session), offer_with_stock(session)
    order = _paid(session, [(kept, "1"), (withdrawn, "1")])

    assert product_withdraw(product_id=withdrawn.product_id, actor=Actor.system("t")) == [order.pk]
    assert Order.objects.get(pk=order.pk).status == "L"

    outcome = _act(order, "remove_unavailable", approver)

    assert outcome.order.status == "C"
    assert list(OrderItem.objects.filter(order=order).values_list("offer", flat=True)) == [kept.pk]
    assert outcome.order.grand_total == Decimal("10.00")


def test_l_a_partner_refusing_a_producer_order_moves_its_customer_orders_to_l(session):
    from tests.factories import PlatformFactory, ProducerFactory

    remote = ProducerFactory(platform=PlatformFactory())
    refused = offer_with_stock(session, product__producer=remote)
    other = offer_with_stock(session)
    order = _paid(session, [(refused, "1"), (other, "1")])
    untouched = _paid(session, [(other, "1")])
    producer_orders_refresh(session_id=session.pk)
    from orders.models import ProducerOrder

    producer_order = ProducerOrder.objects.get(producer=remote)

    moved = producer_order_refused(
        producer_order_id=producer_order.pk, status_code=409, body={"title": "Out of stock"}
    )

    assert moved == [order.pk]
    order.refresh_from_db()
    assert order.status == "L"
    short = OrderItem.objects.get(order=order, offer=refused)
    assert short.unavailable_reason == f"{remote.name} refused the order (HTTP 409)"
    assert OrderItem.objects.get(order=order, offer=other).unavailable_reason == ""
    assert Order.objects.get(pk=untouched.pk).status == "C"
    assert stock_of(refused).reserved == Decimal("0")
