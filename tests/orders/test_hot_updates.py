"""The storefront checkout's order updates are HOT (heap-only tuples): at least 80 % of them.

Counted by PostgreSQL inside the test's transaction (pg_stat_get_xact_tuples_updated and
..._hot_updated), over ten whole checkouts: create a cart, add 3 items, submit, pay. Of each
checkout's five order updates (three adds, the submit, the pay) only the pay's status move
changes an indexed column; an index on any column the others set (updated_at, totals) fails
this test."""

from decimal import Decimal

import pytest
from django.db import connection

from tests.inventory.factories import offer_with_stock

pytestmark = pytest.mark.django_db


def _updates(table: str) -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_stat_get_xact_tuples_updated(%s::regclass), "
            "pg_stat_get_xact_tuples_hot_updated(%s::regclass)",
            [table, table],
        )
        return cursor.fetchone()


def test_at_least_80_percent_of_checkout_order_updates_are_hot(session, shopper):  # noqa: F811
    offers = [offer_with_stock(session, on_hand="500", price=Decimal("2.50")) for _ in range(3)]
    updated_before, hot_before = _updates("orders_order")

    for _ in range(10):
        cart = shopper.post("/api/storefront/carts/", {"session": session.pk}, format="json")
        base = f"/api/storefront/carts/{cart.json()['id']}/"
        for offer in offers:
            shopper.post(base + "items/", {"offer": offer.pk, "quantity": "1"}, format="json")
        assert shopper.post(base + "submit/").status_code == 200
        assert shopper.post(base + "pay/", {"method": "invoice"}, format="json").status_code == 200

    updated, hot = (
        now - before
        for now, before in zip(_updates("orders_order"), (updated_before, hot_before), strict=True)
    )
    assert updated == 50
    assert hot / updated >= 0.8
