"""The checkout's statement count: at most 12 for a cart of 3 items, the same for 1 and 10;
an add's, the same for the first and the tenth.

Counted as the database sees them, transaction control included: inside the test's
transaction `cart_submit` opens a SAVEPOINT and RELEASEs it where, called by the storefront,
it sends BEGIN and COMMIT (it is durable: never nested) — two statements either way.
"""

from decimal import Decimal

import pytest

from discounts.models import CalculationRule, ItemAdjustment
from orders.models import OrderItem, SubOrder
from orders.services.checkout import cart_item_add, cart_submit
from orders.services.payments import order_pay
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock

pytestmark = pytest.mark.django_db

# SAVEPOINT; lock the order and its session; the items with offers, products and tax
# categories, and with them the pricing rules (coupon, bands, exempt categories as
# sub-selects; one JSON value); lock the stock rows; one statement writing the reservations
# (stock, reservations) with the adjustments, items, sub-orders, order and the stock event;
# RELEASE.
SUBMIT_STATEMENTS = 6
# SAVEPOINT; lock the order and its session; the items (their expiry and backorder, and what
# the storefront answers with) with the trader's approval rule and the customer's flags
# (orders/services/approval_rules.py) in one query; one statement writing the move to I
# (the order with the payment fields, RETURNING the version, and the items' status), the
# status and payment events, the firm reservations and the producer-order refresh request
# (a WorkRequest row, config/work.py, RETURNING its id); RELEASE.
PAY_STATEMENTS = 5
# SAVEPOINT; lock the order and its session, with the offer as made to the customer's category
# (a lateral join); the line's insert (and its sub-order's, when the cart has none) with the
# item rows and the pricing rules; one statement writing the adjustments, items, sub-orders,
# order and the item's event; RELEASE. The first add as every other.
ADD_STATEMENTS = 5


def _cart(items: int, **offer_fields):
    session = SaleSessionFactory()
    offers = [offer_with_stock(session, on_hand="50", **offer_fields) for _ in range(items)]
    return session, cart_with(session, [(offer, "2") for offer in offers])


@pytest.mark.parametrize("items", [1, 3, 10])
def test_submit_and_pay_take_the_same_statements_for_1_3_and_10_items(
    items, system_actor, django_assert_num_queries
):
    _, cart = _cart(items)

    with django_assert_num_queries(SUBMIT_STATEMENTS):
        cart_submit(order_id=cart.pk, actor=system_actor)
    with django_assert_num_queries(PAY_STATEMENTS):
        order_pay(order_id=cart.pk, method="invoice", actor=system_actor)

    cart.refresh_from_db()
    assert cart.status == "I"
    assert cart.total_product == Decimal("20.00") * items


@pytest.mark.parametrize("items", [1, 3, 10])
def test_submit_under_pricing_rules_takes_the_same_statements(
    items, system_actor, django_assert_num_queries
):
    session, cart = _cart(items, vat_rate=Decimal("5.50"))
    CalculationRule.objects.create(
        trader=session.trader,
        name="5% off",
        usage="discount",
        method="percentage",
        scope="item",
        value=Decimal("5"),
        currency="EUR",
    )

    with django_assert_num_queries(SUBMIT_STATEMENTS):
        cart_submit(order_id=cart.pk, actor=system_actor)

    cart.refresh_from_db()
    # Each item: 20.00 − 1.00 (5%) + 5.5% of 19.00 = 1.05 (1.045 half up).
    assert cart.total_adjustment == Decimal("-1.00") * items
    assert cart.total_tax == Decimal("1.05") * items
    assert ItemAdjustment.objects.filter(order=cart).count() == 2 * items


def test_offers_with_a_stock_limitation_add_only_their_lock(
    system_actor, django_assert_num_queries
):
    _, cart = _cart(3, stock_limitation=Decimal("9"))

    # Their quantity_reserved is written by the same statement as the stock.
    with django_assert_num_queries(SUBMIT_STATEMENTS + 1):
        cart_submit(order_id=cart.pk, actor=system_actor)


@pytest.mark.parametrize("items", [0, 1, 9])
def test_an_add_takes_the_same_statements_for_the_first_and_later_items(
    items, system_actor, django_assert_num_queries
):
    session, cart = _cart(items)
    offer = offer_with_stock(session, on_hand="50")

    with django_assert_num_queries(ADD_STATEMENTS):
        cart_item_add(order_id=cart.pk, offer_id=offer.pk, quantity=Decimal(2), actor=system_actor)

    (sub_order,) = SubOrder.objects.filter(order=cart)
    assert sub_order.item_count == items + 1
    assert set(OrderItem.objects.filter(order=cart).values_list("sub_order", flat=True)) == {
        sub_order.pk
    }
