"""The checkout's query count does not grow with the number of items.

`cart_submit` runs its own queries plus the pricing engine's, inside
`order_totals_recompute` (owned by discounts/). The pricing engine's count is measured on the
same cart, so this pins our part exactly while the engine may change.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.services.checkout import cart_submit
from orders.services.payments import order_pay
from orders.services.totals import order_totals_recompute
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock

pytestmark = pytest.mark.django_db

# Lock order + session, items with offers, lock stock, reserve, insert reservations, update
# items, stamp the order, write the event; plus the SAVEPOINT / RELEASE of the atomic block
# inside the test's transaction.
SUBMIT_OWN_QUERIES = 8 + 2
# Lock order + session, expiry and backorder check, payment fields, the status change
# (SAVEPOINT, lock, update, re-read version, items, event, RELEASE), firm reservations,
# payment event, the producer-order hook's read of producers; SAVEPOINT / RELEASE.
PAY_QUERIES = 3 + 7 + 3 + 2


def _pricing_queries(cart) -> int:
    with CaptureQueriesContext(connection) as captured:
        order_totals_recompute(order=cart)
    return len(captured)


@pytest.mark.parametrize("items", [1, 3, 10])
def test_submit_and_pay_take_the_same_queries_for_1_3_and_10_items(
    items, system_actor, django_assert_num_queries
):
    session = SaleSessionFactory()
    cart = cart_with(
        session, [(offer_with_stock(session, on_hand="50"), "2") for _ in range(items)]
    )
    pricing = _pricing_queries(cart)

    with django_assert_num_queries(SUBMIT_OWN_QUERIES + pricing):
        cart_submit(order_id=cart.pk, actor=system_actor)
    with django_assert_num_queries(PAY_QUERIES):
        order_pay(order_id=cart.pk, method="invoice", actor=system_actor)

    cart.refresh_from_db()
    assert cart.status == "I"
    assert cart.total_product == Decimal("20.00") * items


def test_offers_with_a_stock_limitation_add_one_lock_and_one_update(
    system_actor, django_assert_num_queries
):
    session = SaleSessionFactory()
    cart = cart_with(
        session,
        [(offer_with_stock(session, stock_limitation=Decimal("9")), "1") for _ in range(3)],
    )
    pricing = _pricing_queries(cart)

    with django_assert_num_queries(SUBMIT_OWN_QUERIES + 2 + pricing):
        cart_submit(order_id=cart.pk, actor=system_actor)
