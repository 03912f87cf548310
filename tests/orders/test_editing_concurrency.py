"""Two agents beginning an edit of one order at the same moment: exactly one gets it."""

import threading

import pytest
from django.db import connection

from config.actors import Actor
from orders.exceptions import OrderLocked
from orders.models import Order
from orders.services.editing import order_edit_begin
from tests.factories import SaleSessionFactory
from tests.inventory.factories import offer_with_stock, placed_with


@pytest.mark.django_db(transaction=True)
def test_two_agents_beginning_together_one_edits_the_other_sees_the_lock(django_user_model):
    session = SaleSessionFactory()
    order = placed_with(session, [(offer_with_stock(session), "1")])
    agents = [
        Actor.for_user(django_user_model.objects.create_user(name, password="pw"))
        for name in ("ann", "bob")
    ]
    barrier = threading.Barrier(len(agents))
    results: list[object] = [None] * len(agents)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = order_edit_begin(order_id=order.pk, actor=agents[index])
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(agents))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [r for r in results if isinstance(r, Order)]
    losers = [r for r in results if isinstance(r, OrderLocked)]
    assert (len(winners), len(losers)) == (1, 1), results
    assert Order.objects.filter(backup_of=order, status="T").count() == 1
    order.refresh_from_db()
    assert order.locked_by == winners[0].locked_by
