from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.models import Reservation, Stock
from inventory.services.stock import stock_set
from orders.exceptions import CartNotSubmitted, EmptyCart, OrderNotEditable
from orders.models import Order, OrderEvent, OrderItem, ProducerOrder, SubOrder
from orders.services.checkout import (
    cart_create,
    cart_item_add,
    cart_item_quantity_change,
    cart_item_remove,
    cart_line_add,
    cart_submit,
)
from orders.services.payments import order_pay
from orders.tasks import carts_expired_release_task
from sessions_app.exceptions import OfferNotAvailable, SessionClosed
from sessions_app.models import SaleSession
from tests.factories import (
    OfferFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.inventory.factories import cart_with, customer_of, offer_with_stock, stock_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return SaleSessionFactory()


def test_submit_takes_offer_prices_reserves_known_stock_for_a_limited_time(
    session, system_actor, settings
):
    settings.LARDER_CART_RESERVATION_MINUTES = 20
    apples = offer_with_stock(session, on_hand="5", price=Decimal("2.50"))
    pears = offer_with_stock(session, on_hand="4", price=Decimal("3.00"))
    cart = cart_with(session, [(apples, "2"), (pears, "1")])
    apples.price = Decimal("2.60")  # the offer's price changed after the item was added
    apples.save()

    before = timezone.now()
    order = cart_submit(order_id=cart.pk, actor=system_actor)

    assert order.status == "P"
    assert order.checked_out_at is not None
    items = {i.offer_id: i for i in OrderItem.objects.filter(order=cart)}
    assert items[apples.pk].unit_price == Decimal("2.60")
    assert items[apples.pk].total_product == Decimal("5.20")
    assert {i.inventory_status for i in items.values()} == {"ALLC"}
    cart.refresh_from_db()
    assert cart.total_product == Decimal("8.20")
    assert (stock_of(apples).reserved, stock_of(pears).reserved) == (Decimal("2"), Decimal("1"))
    reservations = Reservation.objects.filter(order=cart)
    assert sorted(r.quantity for r in reservations) == [Decimal("1"), Decimal("2")]
    for reservation in reservations:
        assert (
            timedelta(minutes=19)
            < reservation.expires_at - before
            <= timedelta(minutes=20, seconds=5)
        )
    assert cart.events.filter(kind="stock").count() == 1


def test_short_items_raise_one_error_listing_every_short_item_and_reserve_nothing(
    session, system_actor
):
    plenty = offer_with_stock(session, on_hand="10")
    short_a = offer_with_stock(session, on_hand="1")
    short_b = offer_with_stock(session, on_hand="0")
    cart = cart_with(session, [(plenty, "2"), (short_a, "3"), (short_b, "1")])
    events_before = cart.events.count()

    with pytest.raises(InsufficientStock) as raised:
        cart_submit(order_id=cart.pk, actor=system_actor)

    short = raised.value.extra["short_items"]
    assert [(s["offer"], s["requested"], s["available"]) for s in short] == [
        (short_a.pk, "3", "1"),
        (short_b.pk, "1", "0"),
    ]
    assert raised.value.status == 409
    assert not Reservation.objects.exists()
    assert set(Stock.objects.values_list("reserved", flat=True)) == {Decimal("0")}
    cart.refresh_from_db()
    assert cart.checked_out_at is None
    assert cart.events.count() == events_before


def test_item_of_a_producer_publishing_no_stock_is_accepted_unreserved_and_flagged(
    session, system_actor
):
    unknown = offer_with_stock(session, on_hand=None)  # no Stock row at all
    unlimited = offer_with_stock(session, on_hand=None)
    stock_set(product_id=unlimited.product_id, on_hand=None, is_unlimited=True)
    cart = cart_with(session, [(unknown, "4"), (unlimited, "9")])

    cart_submit(order_id=cart.pk, actor=system_actor)
    order = order_pay(
        order_id=cart.pk,
        method="test_card",
        details={"card_number": "4242424242424242"},
        actor=system_actor,
    )

    assert order.status == "C"  # use case 7: the order completes anyway
    items = {i.offer_id: i for i in OrderItem.objects.filter(order=cart)}
    assert (items[unknown.pk].inventory_unknown, items[unknown.pk].inventory_status) == (
        True,
        "NALC",
    )
    assert (items[unlimited.pk].inventory_unknown, items[unlimited.pk].inventory_status) == (
        False,
        "ALLC",
    )
    assert not Reservation.objects.exists()


def test_one_order_with_items_of_three_producers_on_three_platforms(
    session, system_actor, django_capture_on_commit_callbacks
):
    local = ProducerFactory()  # on this platform
    ofn = ProducerFactory(platform=PlatformFactory(kind="ofn"))
    shop = ProducerFactory(platform=PlatformFactory(kind="shopify_fdc"))
    offers = [
        offer_with_stock(session, on_hand="5", product=ProductFactory(producer=local)),
        offer_with_stock(session, on_hand="5", product=ProductFactory(producer=ofn)),
        offer_with_stock(session, on_hand=None, product=ProductFactory(producer=shop)),
    ]
    cart = cart_with(session, [(offers[0], "1"), (offers[1], "2"), (offers[2], "3")])
    cart_submit(order_id=cart.pk, actor=system_actor)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = order_pay(order_id=cart.pk, method="pickup", actor=system_actor)

    assert order.status == "I"
    assert order.payment_method == "pickup"
    assert len(callbacks) >= 1  # the producer-order refresh was queued on commit
    platforms = set(
        OrderItem.objects.filter(order=cart).values_list("producer_platform", flat=True)
    )
    assert platforms == {local.platform_id, ofn.platform_id, shop.platform_id}
    lines = {
        producer_order.producer_id: list(producer_order.lines.values_list("product", "quantity"))
        for producer_order in ProducerOrder.objects.filter(sales_session=session)
    }
    assert lines == {
        local.pk: [(offers[0].product_id, Decimal("1"))],
        ofn.pk: [(offers[1].product_id, Decimal("2"))],
        shop.pk: [(offers[2].product_id, Decimal("3"))],
    }
    assert Reservation.objects.filter(order=cart, expires_at__isnull=True).count() == 2


def test_cancelled_order_frees_its_stock_for_the_next_customer(session, system_actor):
    from orders.services.cancellation import order_cancel

    last_two = offer_with_stock(session, on_hand="2")
    first = cart_with(session, [(last_two, "2")])
    cart_submit(order_id=first.pk, actor=system_actor)
    order_pay(order_id=first.pk, method="invoice", actor=system_actor)
    second = cart_with(session, [(last_two, "2")])
    with pytest.raises(InsufficientStock):
        cart_submit(order_id=second.pk, actor=system_actor)

    order_cancel(order_id=first.pk, actor=system_actor, reason="changed my mind")
    cart_submit(order_id=second.pk, actor=system_actor)

    assert stock_of(last_two).reserved == Decimal("2")
    assert list(Reservation.objects.values_list("order_id", flat=True)) == [second.pk]


def test_offer_stock_limitation_caps_what_the_session_sells(session, system_actor):
    capped = offer_with_stock(session, on_hand="100", stock_limitation=Decimal("3"))
    first = cart_with(session, [(capped, "2")])
    cart_submit(order_id=first.pk, actor=system_actor)
    second = cart_with(session, [(capped, "2")])

    with pytest.raises(InsufficientStock) as raised:
        cart_submit(order_id=second.pk, actor=system_actor)

    assert raised.value.extra["short_items"][0]["available"] == "1"
    capped.refresh_from_db()
    assert capped.quantity_reserved == Decimal("2")
    assert stock_of(capped).reserved == Decimal("2")


def test_backordered_item_waits_in_b_until_stock_arrives(
    session, system_actor, django_capture_on_commit_callbacks
):
    sold_out = offer_with_stock(session, on_hand="0", allows_backorder=True)
    in_stock = offer_with_stock(session, on_hand="5")
    cart = cart_with(session, [(sold_out, "2"), (in_stock, "1")])
    cart_submit(order_id=cart.pk, actor=system_actor)
    order = order_pay(
        order_id=cart.pk,
        method="test_card",
        details={"card_number": "4242424242424242"},
        actor=system_actor,
    )
    assert order.status == "B"
    assert OrderItem.objects.get(order=cart, offer=sold_out).inventory_status == "BO"

    with django_capture_on_commit_callbacks(execute=True):
        stock_set(product_id=sold_out.product_id, on_hand=Decimal("1"))
    assert Order.objects.get(pk=cart.pk).status == "B"  # one unit is not enough for two

    with django_capture_on_commit_callbacks(execute=True):
        stock_set(product_id=sold_out.product_id, on_hand=Decimal("3"))

    order.refresh_from_db()
    assert order.status == "C"  # authorized card: B → M (re-authorization) → C
    assert OrderItem.objects.get(order=cart, offer=sold_out).inventory_status == "ALLC"
    assert stock_of(sold_out).reserved == Decimal("2")
    moves = list(order.events.filter(kind="status_changed").values_list("to_status", flat=True))
    assert moves == ["B", "M", "C"]


def test_unsubmitted_carts_release_their_stock_when_the_reservation_expires(session, system_actor):
    offer = offer_with_stock(session, on_hand="3")
    stale = cart_with(session, [(offer, "2")])
    fresh = cart_with(session, [(offer, "1")])
    cart_submit(order_id=stale.pk, actor=system_actor)
    cart_submit(order_id=fresh.pk, actor=system_actor)
    Reservation.objects.filter(order=stale).update(expires_at=timezone.now() - timedelta(seconds=1))

    released = carts_expired_release_task.delay().get()

    assert released == [stale.pk]
    assert stock_of(offer).reserved == Decimal("1")
    stale.refresh_from_db()
    assert stale.checked_out_at is None
    assert stale.status == "P"
    with pytest.raises(CartNotSubmitted):
        order_pay(order_id=stale.pk, method="pickup", actor=system_actor)
    assert carts_expired_release_task.delay().get() == []  # idempotent


def test_carts_of_an_ended_session_are_released(session, system_actor):
    offer = offer_with_stock(session, on_hand="3")
    cart = cart_with(session, [(offer, "2")])
    cart_submit(order_id=cart.pk, actor=system_actor)
    SaleSession.objects.filter(pk=session.pk).update(ends_at=timezone.now() - timedelta(minutes=1))

    assert carts_expired_release_task.delay().get() == [cart.pk]
    assert stock_of(offer).reserved == Decimal("0")


def test_changing_a_submitted_cart_gives_its_stock_back_until_submitted_again(
    session, system_actor
):
    offer = offer_with_stock(session, on_hand="5")
    other = offer_with_stock(session, on_hand="5")
    cart = cart_with(session, [(offer, "2"), (other, "1")])
    cart_submit(order_id=cart.pk, actor=system_actor)
    item = OrderItem.objects.get(order=cart, offer=offer)

    cart_item_quantity_change(
        order_id=cart.pk, item_id=item.pk, quantity=Decimal("4"), actor=system_actor
    )
    assert stock_of(offer).reserved == Decimal("0")
    cart_item_remove(
        order_id=cart.pk,
        item_id=OrderItem.objects.get(order=cart, offer=other).pk,
        actor=system_actor,
    )
    cart_submit(order_id=cart.pk, actor=system_actor)
    cart_submit(order_id=cart.pk, actor=system_actor)  # submitting again renews, never doubles

    assert stock_of(offer).reserved == Decimal("4")
    assert stock_of(other).reserved == Decimal("0")


def test_adding_an_offer_twice_raises_its_line(session, system_actor):
    offer = offer_with_stock(session)
    cart = cart_with(session, [(offer, "1"), (offer, "2")])
    assert list(OrderItem.objects.filter(order=cart).values_list("quantity", flat=True)) == [
        Decimal("3")
    ]


def test_the_first_add_creates_the_carts_sub_order_with_its_line_and_a_second_writes_none(
    session, system_actor
):
    offer, other = offer_with_stock(session), offer_with_stock(session)
    cart = cart_with(session, [(offer, "1")])
    (sub_order,) = SubOrder.objects.filter(order=cart)
    item = OrderItem.objects.get(order=cart)
    assert (item.sub_order_id, sub_order.item_count, sub_order.shipping_address_id) == (
        sub_order.pk,
        1,
        None,
    )

    line = cart_line_add(order_id=cart.pk, offer_id=offer.pk, quantity=2, actor=system_actor)
    assert (line.item.pk, line.item.quantity, line.items) == (item.pk, Decimal("3"), None)
    added = cart_line_add(order_id=cart.pk, offer_id=other.pk, quantity=2, actor=system_actor)

    assert [row["id"] for row in added.items or []] == [item.pk, added.item.pk]
    assert set(OrderItem.objects.filter(order=cart).values_list("sub_order_id", flat=True)) == {
        sub_order.pk
    }
    assert SubOrder.objects.get(order=cart).item_count == 2
    assert OrderEvent.objects.filter(order=cart, kind="item_added").count() == 2


def test_a_closed_or_ended_session_takes_no_more_orders(session, system_actor):
    offer = offer_with_stock(session)
    cart = cart_with(session, [(offer, "1")])
    SaleSession.objects.filter(pk=session.pk).update(state="closed")

    with pytest.raises(SessionClosed):
        cart_submit(order_id=cart.pk, actor=system_actor)
    with pytest.raises(SessionClosed):
        cart_item_add(order_id=cart.pk, offer_id=offer.pk, quantity=1, actor=system_actor)
    with pytest.raises(SessionClosed):
        cart_create(session_id=session.pk, customer=cart.customer, actor=system_actor)

    ended = SaleSessionFactory(ends_at=timezone.now() - timedelta(seconds=1))
    ended.begins_at = timezone.now() - timedelta(days=2)
    with pytest.raises(SessionClosed):
        cart_create(session_id=ended.pk, customer=customer_of(ended), actor=system_actor)
    assert not Reservation.objects.exists()


def test_offers_of_another_session_and_empty_carts_are_refused(session, system_actor):
    cart = cart_with(session, [])
    elsewhere = OfferFactory()  # another session
    with pytest.raises(OfferNotAvailable):
        cart_item_add(order_id=cart.pk, offer_id=elsewhere.pk, quantity=1, actor=system_actor)
    with pytest.raises(EmptyCart):
        cart_submit(order_id=cart.pk, actor=system_actor)
    assert not OrderItem.objects.exists()


def test_a_placed_order_is_no_cart_any_more(session, system_actor):
    offer = offer_with_stock(session)
    cart = cart_with(session, [(offer, "1")])
    cart_submit(order_id=cart.pk, actor=system_actor)
    order_pay(order_id=cart.pk, method="invoice", actor=system_actor)

    with pytest.raises(OrderNotEditable):
        cart_item_add(order_id=cart.pk, offer_id=offer.pk, quantity=1, actor=system_actor)
    with pytest.raises(OrderNotEditable):
        cart_submit(order_id=cart.pk, actor=system_actor)
