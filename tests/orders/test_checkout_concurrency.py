"""Checkouts racing for the same stock, on PostgreSQL, with real threads released together."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from config.actors import Actor
from inventory.exceptions import InsufficientStock
from inventory.models import Reservation
from orders.models import Order
from orders.services.checkout import cart_submit
from orders.services.payments import order_pay
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock, stock_of

ACTOR = Actor.system("concurrency-test")


def _race(cart_ids: list[int], work) -> list[object]:
    """Run `work(cart_id)` in one thread per cart, all released at once by a barrier.
    Returns each thread's result or the exception it raised."""
    barrier = threading.Barrier(len(cart_ids))
    results: list[object] = [None] * len(cart_ids)

    def run(index: int, cart_id: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(cart_id)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, cart_id))
        for index, cart_id in enumerate(cart_ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _checkout(cart_id: int) -> Order:
    cart_submit(order_id=cart_id, actor=ACTOR)
    return order_pay(order_id=cart_id, method="pickup", actor=ACTOR)


@pytest.mark.django_db(transaction=True)
def test_twenty_checkouts_for_the_last_five_units_place_exactly_five_orders():
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="5")
    carts = [cart_with(session, [(offer, "1")]) for _ in range(20)]

    results = _race([cart.pk for cart in carts], _checkout)

    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(placed) == 5, results
    assert len(refused) == 15, results
    for error in refused:
        assert error.status == 409
        assert error.extra["short_items"][0]["offer"] == offer.pk
        assert "Insufficient stock" in error.message
    stock = stock_of(offer)
    assert stock.on_hand == Decimal("5")
    assert stock.reserved == Decimal("5")
    assert stock.available == Decimal("0")
    assert Order.objects.filter(status="I").count() == 5
    assert Reservation.objects.aggregate(total=Sum("quantity"))["total"] == Decimal("5")
    assert set(Reservation.objects.values_list("order_id", flat=True)) == {o.pk for o in placed}


@pytest.mark.django_db(transaction=True)
def test_carts_taking_two_products_in_opposite_order_never_deadlock():
    session = SaleSessionFactory()
    first = offer_with_stock(session, on_hand="100")
    second = offer_with_stock(session, on_hand="100")
    carts = []
    for _ in range(8):
        carts.append(cart_with(session, [(first, "1"), (second, "1")]))
        carts.append(cart_with(session, [(second, "1"), (first, "1")]))

    results = _race([cart.pk for cart in carts], _checkout)

    assert all(isinstance(r, Order) for r in results), results
    assert stock_of(first).reserved == Decimal("16")
    assert stock_of(second).reserved == Decimal("16")
