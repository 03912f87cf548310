from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from config.actors import Actor
from inventory.models import Reservation, Stock
from orders.events import order_created_event
from orders.models import Order, OrderEvent, OrderItem, ProducerOrder
from orders.selectors import quick_order_profile_defaults
from orders.services.quick_order import quick_order_profile_save
from sessions_app.models import SaleSession
from tests.factories import (
    AddressFactory,
    ApprovalRuleFactory,
    CalculationRuleFactory,
    OfferFactory,
    ShippingModeFactory,
)
from tests.inventory.factories import customer_of, offer_with_stock, stock_of
from tests.orders.conftest import assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def cart_id(session, shopper):
    response = shopper.post("/api/storefront/carts/", {"session": session.pk}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _snapshot():
    return (
        Order.objects.count(),
        OrderItem.objects.count(),
        OrderEvent.objects.count(),
        Reservation.objects.count(),
        list(Stock.objects.order_by("pk").values_list("reserved", flat=True)),
    )


def test_a_customer_shops_submits_and_pays_through_the_storefront(
    session, shopper, cart_id, django_capture_on_commit_callbacks
):
    apples = offer_with_stock(session, on_hand="5", price=Decimal("2.50"))
    bread = offer_with_stock(session, on_hand=None, price=Decimal("4.00"))
    base = f"/api/storefront/carts/{cart_id}/"

    offers = shopper.get(f"/api/storefront/sessions/{session.pk}/offers/").json()
    assert {(o["id"], o["available"]) for o in offers} == {(apples.pk, "5.000"), (bread.pk, None)}

    response = shopper.post(base + "items/", {"offer": apples.pk, "quantity": "3"}, format="json")
    assert response.status_code == 201
    item_id = response.json()["items"][0]["id"]
    shopper.post(base + "items/", {"offer": bread.pk, "quantity": "1"}, format="json")
    changed = shopper.patch(base + f"items/{item_id}/", {"quantity": "2"}, format="json")
    assert changed.json()["items"][0]["quantity"] == "2.000"

    cart = shopper.post(base + "submit/").json()
    assert cart["total_product"] == "9.00"
    lines = {i["offer"]: i for i in cart["items"]}
    assert lines[apples.pk]["reserved_quantity"] == "2.000"
    assert lines[apples.pk]["reservation_expires_at"] is not None
    assert (lines[bread.pk]["inventory_unknown"], lines[bread.pk]["reserved_quantity"]) == (
        True,
        None,
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = shopper.post(
            base + "pay/", {"method": "test_card", "card_number": "4242424242424242"}, format="json"
        )
    assert response.status_code == 200, response.content
    order = response.json()
    assert (order["status"], order["payment_status"]) == ("C", "authorized")
    assert order["items"][0]["reservation_expires_at"] is None
    assert shopper.get(f"/api/storefront/orders/{cart_id}/").json()["status"] == "C"
    assert ProducerOrder.objects.filter(sales_session=session).count() == 2


def test_removing_an_item_and_cancelling_a_placed_order(session, shopper, cart_id):
    offer = offer_with_stock(session, on_hand="5")
    other = offer_with_stock(session, on_hand="5")
    base = f"/api/storefront/carts/{cart_id}/"
    shopper.post(base + "items/", {"offer": offer.pk, "quantity": "1"}, format="json")
    cart = shopper.post(base + "items/", {"offer": other.pk, "quantity": "1"}, format="json")
    gone = next(i["id"] for i in cart.json()["items"] if i["offer"] == other.pk)
    assert [i["offer"] for i in shopper.delete(base + f"items/{gone}/").json()["items"]] == [
        offer.pk
    ]
    shopper.post(base + "submit/")
    shopper.post(base + "pay/", {"method": "pickup"}, format="json")
    assert stock_of(offer).reserved == Decimal("1")

    response = shopper.post(f"/api/storefront/orders/{cart_id}/cancel/", {}, format="json")

    assert response.json()["status"] == "X"
    assert stock_of(offer).reserved == Decimal("0")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"offer": 999999, "quantity": "1"}, 422, "offer-not-available"),
        ({"offer": "OTHER_SESSION", "quantity": "1"}, 422, "offer-not-available"),
        ({"offer": "OFFER", "quantity": "0"}, 400, "invalid-quantity"),
        ({"offer": "OFFER", "quantity": "-2"}, 400, "invalid-quantity"),
        ({"offer": "OFFER", "quantity": "lots"}, 400, "invalid-input"),
        ({"offer": "OFFER"}, 400, "invalid-input"),
        ({"offer": "GBP_OFFER", "quantity": "1"}, 422, "currency-mismatch"),
    ],
)
def test_bad_item_input_gets_a_problem_document_and_writes_nothing(
    session, shopper, cart_id, body, status, code
):
    ids = {
        "OFFER": offer_with_stock(session).pk,
        "OTHER_SESSION": OfferFactory().pk,
        "GBP_OFFER": offer_with_stock(session, currency="GBP").pk,
    }
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    before = _snapshot()

    response = shopper.post(f"/api/storefront/carts/{cart_id}/items/", body, format="json")

    assert_problem(response, status, code)
    assert _snapshot() == before


def test_malformed_json_gets_a_problem_document_and_writes_nothing(session, shopper, cart_id):
    before = _snapshot()
    for url in (f"/api/storefront/carts/{cart_id}/items/", "/api/storefront/carts/"):
        response = shopper.post(url, '{"offer": 1, "quantity": ', content_type="application/json")
        assert_problem(response, 400, "parse-error")
    assert _snapshot() == before


def test_a_closed_session_refuses_carts_items_and_checkout(session, shopper, cart_id):
    offer = offer_with_stock(session)
    shopper.post(
        f"/api/storefront/carts/{cart_id}/items/", {"offer": offer.pk, "quantity": "1"}, "json"
    )
    SaleSession.objects.filter(pk=session.pk).update(state="closed")
    before = _snapshot()

    assert_problem(
        shopper.post("/api/storefront/carts/", {"session": session.pk}, format="json"),
        409,
        "session-closed",
    )
    assert_problem(
        shopper.post(
            f"/api/storefront/carts/{cart_id}/items/", {"offer": offer.pk, "quantity": "1"}, "json"
        ),
        409,
        "session-closed",
    )
    assert_problem(shopper.post(f"/api/storefront/carts/{cart_id}/submit/"), 409, "session-closed")
    assert _snapshot() == before


def test_an_ended_session_refuses_new_carts(session, shopper):
    SaleSession.objects.filter(pk=session.pk).update(ends_at=timezone.now() - timedelta(hours=1))
    before = _snapshot()
    response = shopper.post("/api/storefront/carts/", {"session": session.pk}, format="json")
    assert_problem(response, 409, "session-closed")
    assert _snapshot() == before


def test_wrong_currency_for_a_cart_is_refused(session, shopper):
    offer_with_stock(session)  # the session sells in EUR
    before = _snapshot()
    response = shopper.post(
        "/api/storefront/carts/", {"session": session.pk, "currency": "USD"}, format="json"
    )
    assert_problem(response, 422, "currency-mismatch")
    response = shopper.post(
        "/api/storefront/carts/", {"session": session.pk, "currency": "euro"}, format="json"
    )
    assert_problem(response, 400, "invalid-input")
    assert _snapshot() == before


def test_short_stock_lists_every_short_item_in_oneassert_problem(session, shopper, cart_id):
    short = offer_with_stock(session, on_hand="1")
    fine = offer_with_stock(session, on_hand="9")
    base = f"/api/storefront/carts/{cart_id}/"
    shopper.post(base + "items/", {"offer": short.pk, "quantity": "2"}, format="json")
    shopper.post(base + "items/", {"offer": fine.pk, "quantity": "2"}, format="json")
    before = _snapshot()

    body = assert_problem(shopper.post(base + "submit/"), 409, "insufficient-stock")

    assert [(s["offer"], s["requested"], s["available"]) for s in body["short_items"]] == [
        (short.pk, "2", "1")
    ]
    assert _snapshot() == before


def test_declined_card_is_a_402_problem_and_the_cart_stays(session, shopper, cart_id):
    offer = offer_with_stock(session)
    base = f"/api/storefront/carts/{cart_id}/"
    shopper.post(base + "items/", {"offer": offer.pk, "quantity": "1"}, format="json")
    shopper.post(base + "submit/")
    before = _snapshot()

    response = shopper.post(
        base + "pay/", {"method": "test_card", "card_number": "4000000000000002"}, format="json"
    )

    assert_problem(response, 402, "payment-declined")
    assert _snapshot() == before
    assert shopper.get(base).json()["status"] == "P"


def test_other_peoples_carts_are_not_found_and_strangers_are_refused(
    session, cart_id, django_user_model
):
    other = django_user_model.objects.create_user("eve", "eve@example.org", "pw")
    customer_of(session, user=other)
    client = APIClient()
    client.force_authenticate(other)
    assert_problem(client.get(f"/api/storefront/carts/{cart_id}/"), 404, "not-found")
    assert_problem(client.post(f"/api/storefront/carts/{cart_id}/submit/"), 404, "not-found")

    stranger = django_user_model.objects.create_user("sam", "sam@example.org", "pw")
    client.force_authenticate(stranger)
    response = client.post("/api/storefront/carts/", {"session": session.pk}, format="json")
    assert_problem(response, 403, "not-a-customer")
    anonymous = APIClient()
    assert anonymous.get(f"/api/storefront/carts/{cart_id}/").status_code == 403


def test_staff_accept_a_reviewed_payment(session, shopper, cart_id, staff_user):
    offer = offer_with_stock(session)
    base = f"/api/storefront/carts/{cart_id}/"
    shopper.post(base + "items/", {"offer": offer.pk, "quantity": "1"}, format="json")
    shopper.post(base + "submit/")
    paid = shopper.post(
        base + "pay/", {"method": "test_card", "card_number": "4000000000000127"}, format="json"
    )
    assert paid.json()["status"] == "A"
    accept = f"/api/storefront/orders/{cart_id}/payment-review/accept/"
    assert shopper.post(accept).status_code == 403

    staff = APIClient()
    staff.force_authenticate(staff_user)
    response = staff.post(accept)

    assert response.json()["status"] == "C"


def test_every_write_answers_the_cart_a_read_gives(session, shopper, cart_id):
    """A write answers with the cart as it wrote it (an add with the rows it priced, without
    reading them again): the same JSON as the cart read afterwards, discounts and reservations
    included."""
    CalculationRuleFactory(trader=session.trader, scope="item", value=Decimal("5"))
    apples = offer_with_stock(session, on_hand="5", price=Decimal("2.35"))
    bread = offer_with_stock(session, on_hand=None, price=Decimal("4.05"))
    base = f"/api/storefront/carts/{cart_id}/"

    def answered_as_read(response) -> None:
        assert response.status_code in (200, 201), response.content
        assert response.json() == shopper.get(base).json()

    answered_as_read(
        shopper.post(base + "items/", {"offer": apples.pk, "quantity": "3"}, format="json")
    )
    answered_as_read(
        shopper.post(base + "items/", {"offer": bread.pk, "quantity": "1"}, format="json")
    )
    answered_as_read(
        shopper.post(base + "items/", {"offer": apples.pk, "quantity": "1"}, format="json")
    )
    answered_as_read(shopper.post(base + "submit/"))
    # An add to a submitted cart makes it a cart again: its reservations go back.
    answered_as_read(
        shopper.post(base + "items/", {"offer": bread.pk, "quantity": "2"}, format="json")
    )
    answered_as_read(shopper.post(base + "submit/"))
    paid = shopper.post(base + "pay/", {"method": "invoice"}, format="json")
    answered_as_read(paid)
    items = shopper.get(base).json()["items"]
    assert [i["quantity"] for i in items] == ["4.000", "3.000"]
    assert any(Decimal(i["total_adjustment"]) != 0 for i in items)


@pytest.mark.parametrize("held", [False, True])
def test_submit_and_pay_answer_the_cart_a_read_gives_backordered_or_held(
    session, shopper, cart_id, held
):
    """Submit and pay answer from what they read and wrote: a backordered item (no
    reservation), one of unknown stock and a reserved one; paid (→ B) or held for approval
    (→ W, its reservations firm)."""
    if held:
        ApprovalRuleFactory(trader=session.trader, order_total_over=Decimal("1.00"))
    reserved = offer_with_stock(session, on_hand="5", price=Decimal("2.35"))
    unknown = offer_with_stock(session, on_hand=None, price=Decimal("4.05"))
    sold_out = offer_with_stock(session, on_hand="0", allows_backorder=True)
    base = f"/api/storefront/carts/{cart_id}/"
    for offer in (reserved, unknown, sold_out):
        shopper.post(base + "items/", {"offer": offer.pk, "quantity": "2"}, format="json")

    submitted = shopper.post(base + "submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json() == shopper.get(base).json()
    assert [i["reserved_quantity"] for i in submitted.json()["items"]] == ["2.000", None, None]
    paid = shopper.post(base + "pay/", {"method": "invoice"}, format="json")
    assert paid.status_code == 200, paid.content
    assert paid.json() == shopper.get(base).json()
    assert paid.json()["status"] == ("W" if held else "B")
    assert {i["status"] for i in paid.json()["items"]} == {paid.json()["status"]}


def _columns(row, *left_out: str) -> dict:
    return {
        f.attname: getattr(row, f.attname)
        for f in type(row)._meta.concrete_fields
        if f.attname not in left_out
    }


@pytest.mark.parametrize("with_profile", [False, True])
def test_a_new_cart_writes_the_rows_the_orm_wrote(session, shopper, with_profile):
    """A storefront cart is one read and one write (the order and its `created` event in one
    statement): the rows are those Order.objects.create and the event's save wrote, the
    quick-order profile's defaults included, its number the sequence's next, and the
    answer the cart a read gives."""
    customer = shopper.customer
    if with_profile:
        home = AddressFactory(customer=customer)
        quick_order_profile_save(
            customer=customer,
            payment_method="invoice",
            shipping_mode=ShippingModeFactory(),
            billing_address=home,
            shipping_address=home,
            actor=Actor.system(),
        )
    user = customer.user

    with CaptureQueriesContext(connection) as queries:
        response = shopper.post("/api/storefront/carts/", {"session": session.pk}, format="json")
    assert response.status_code == 201, response.content
    assert len(queries) == 2
    cart = Order.objects.get(pk=response.json()["id"])
    assert response.json() == shopper.get(f"/api/storefront/carts/{cart.pk}/").json()

    # What order_insert wrote before (Order.objects.create, then the event's save).
    orm = Order.objects.create(
        trader=session.trader,
        currency=cart.currency,
        customer=customer,
        sales_session=session,
        **quick_order_profile_defaults(customer_id=customer.pk),
    )
    order_created_event(order=orm, actor=Actor.for_user(user))

    assert orm.number == cart.number + 1
    stamps = ("id", "number", "created_at", "updated_at")
    assert _columns(cart, *stamps) == _columns(orm, *stamps)
    assert cart.payment_method == ("invoice" if with_profile else "")
    assert cart.created_at == cart.updated_at
    (event,) = OrderEvent.objects.filter(order=cart)
    (orm_event,) = OrderEvent.objects.filter(order=orm)
    assert _columns(event, "id", "order_id", "created_at") == _columns(
        orm_event, "id", "order_id", "created_at"
    )
    assert event.created_at >= cart.created_at


def test_staff_open_a_cart_for_a_named_customer_with_their_profile(session, shopper, staff_user):
    """Staff shopping for a customer they name: the customer and their quick-order profile
    are read apart (a rarer path), the cart starts from that profile."""
    customer = shopper.customer
    quick_order_profile_save(customer=customer, payment_method="invoice", actor=Actor.system())
    staff = APIClient()
    staff.force_authenticate(staff_user)

    response = staff.post(
        "/api/storefront/carts/", {"session": session.pk, "customer": customer.pk}, format="json"
    )

    assert response.status_code == 201, response.content
    assert (response.json()["customer"], response.json()["payment_method"]) == (
        customer.pk,
        "invoice",
    )
