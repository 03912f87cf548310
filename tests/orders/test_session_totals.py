"""A session's running totals (orders/models/session_totals.py), kept by the database's
triggers: after any mix of service calls they equal the totals computed again from the orders,
before and after compaction; and a line's session is its order's."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from orders.models import (
    OrderItem,
    SessionOrderTotal,
    SessionProducerTotal,
    SessionProductTotal,
)
from orders.services.cancellation import order_cancel
from orders.services.editing import order_edit_begin, order_edit_commit, order_edit_rollback
from orders.services.items import order_item_quantity_change, order_item_remove
from orders.services.session_totals import (
    session_totals_compact,
    session_totals_compact_due,
    session_totals_rebuild,
)
from orders.statuses import LIVE_ORDER_STATUSES
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock, placed_with

pytestmark = pytest.mark.django_db


def _totals(session_id: int) -> dict:
    """Every total of the session, summed per key, zero keys left out."""

    def summed(model, key, sums):
        rows = (
            model.objects.filter(sales_session_id=session_id)
            .values(*key)
            .annotate(**{name: Sum(name) for name in sums})
            .order_by(*key)
        )
        return [row for row in rows if any(row[name] for name in sums)]

    return {
        "products": summed(
            SessionProductTotal,
            ("product_id", "producer_id", "product_name", "unit_of_measure"),
            ("lines", "quantity", "actual_quantity", "revenue", "backordered", "without_inventory"),
        ),
        "producers": summed(SessionProducerTotal, ("producer_id",), ("orders",)),
        "orders": summed(
            SessionOrderTotal, ("status", "currency", "placed_at"), ("orders", "revenue")
        ),
    }


def test_the_live_statuses_of_the_triggers_are_the_code_s():
    with connection.cursor() as cursor:
        cursor.execute("SELECT orders_live_statuses()")
        (statuses,) = cursor.fetchone()
    assert set(statuses) == set(LIVE_ORDER_STATUSES)


def test_totals_follow_placing_changing_editing_and_cancelling(system_actor, staff_actor):
    session = SaleSessionFactory()
    eggs, milk = offer_with_stock(session, on_hand="50"), offer_with_stock(session, on_hand=None)
    first = placed_with(session, [(eggs, "2"), (milk, "1")], actor=system_actor)
    second = placed_with(session, [(eggs, "3")], actor=system_actor)
    cart_with(session, [(milk, "4")], actor=system_actor)  # a cart: no lines counted
    third = placed_with(session, [(milk, "2")], actor=system_actor)

    totals = _totals(session.pk)
    assert {row["product_id"]: row["quantity"] for row in totals["products"]} == {
        eggs.product_id: Decimal("5"),
        milk.product_id: Decimal("3"),
    }
    by_status: dict[str, int] = {}
    for row in totals["orders"]:  # per quarter of an hour of placing: sum them
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["orders"]
    assert by_status == {"C": 3, "P": 1}
    assert {row["producer_id"]: row["orders"] for row in totals["producers"]} == {
        eggs.product.producer_id: 2,
        milk.product.producer_id: 2,
    }

    # An edit: begun (a T copy of the lines, not counted), a line changed and one removed,
    # committed; another begun and rolled back; an order cancelled.
    order_edit_begin(order_id=first.pk, actor=staff_actor)
    eggs_line = OrderItem.objects.get(order=first, offer=eggs)
    order_item_quantity_change(item_id=eggs_line.pk, quantity=Decimal("4"), actor=staff_actor)
    order_item_remove(item_id=OrderItem.objects.get(order=first, offer=milk).pk, actor=staff_actor)
    order_edit_commit(order_id=first.pk, actor=staff_actor)
    order_edit_begin(order_id=second.pk, actor=staff_actor)
    order_item_quantity_change(
        item_id=OrderItem.objects.get(order=second).pk, quantity=Decimal("1"), actor=staff_actor
    )
    order_edit_rollback(order_id=second.pk, actor=staff_actor)
    order_cancel(order_id=third.pk, actor=system_actor)

    kept = _totals(session.pk)
    assert {row["product_id"]: row["quantity"] for row in kept["products"]} == {
        eggs.product_id: Decimal("7"),  # 4 + 3
    }
    assert {row["producer_id"]: row["orders"] for row in kept["producers"]} == {
        eggs.product.producer_id: 2,
    }
    session_totals_rebuild(session_id=session.pk)
    assert _totals(session.pk) == kept
    assert not SessionProductTotal.objects.filter(sales_session_id=session.pk, compacted=False)


def test_totals_follow_a_partner_s_post_and_put(api, local_platform):
    from inventory.services.stock import stock_set
    from tests.factories import OfferFactory, ProducerFactory, ProductFactory
    from tests.platforms.test_api_dfc import order_graph, post
    from tests.platforms.test_partner_statements import _lines

    farm = ProducerFactory(slug="green-farm", name="Green Farm")
    session = SaleSessionFactory(trader=farm)
    offers = []
    for n in range(4):
        product = ProductFactory(producer=farm, name=f"Product {n}")
        stock_set(product_id=product.pk, on_hand=Decimal("50"))
        offers.append(OfferFactory(session=session, product=product, price=Decimal("2.50")))
    created = post(api, order_graph(_lines(offers[:3], quantity=2)))
    assert created.status_code == 201, created.json()
    hub_session = OrderItem.objects.filter(order_id=created["Location"].rsplit("/", 1)[1])
    session_id = hub_session.values_list("sales_session_id", flat=True).first()

    amended = api.put(  # the first line removed, the others raised, a fourth added
        created["Location"], order_graph(_lines(offers[1:], quantity=5)), format="json"
    )

    assert amended.status_code == 200, amended.json()
    totals = _totals(session_id)
    assert {row["product_id"]: row["quantity"] for row in totals["products"]} == {
        offer.product_id: Decimal("5") for offer in offers[1:]
    }
    session_totals_rebuild(session_id=session_id)
    assert _totals(session_id) == totals


def test_compaction_keeps_the_totals_in_one_row_per_key(system_actor):
    session = SaleSessionFactory()
    eggs = offer_with_stock(session, on_hand="50")
    for quantity in ("1", "2", "3"):
        placed_with(session, [(eggs, quantity)], actor=system_actor)
    before = _totals(session.pk)
    assert SessionProductTotal.objects.filter(sales_session_id=session.pk).count() == 3

    assert session_totals_compact_due() == [session.pk]

    assert _totals(session.pk) == before
    assert SessionProductTotal.objects.filter(sales_session_id=session.pk).count() == 1
    assert session_totals_compact(session_id=session.pk) == 3  # a row per table: no change
    assert session_totals_compact_due() == []


def test_a_line_s_session_is_its_order_s(system_actor):
    session, other = SaleSessionFactory(), SaleSessionFactory()
    order = placed_with(session, [(offer_with_stock(session), "1")], actor=system_actor)
    line = OrderItem.objects.get(order=order)

    for wrong in (other.pk, None):
        with pytest.raises(IntegrityError), transaction.atomic():
            OrderItem.objects.filter(pk=line.pk).update(sales_session_id=wrong)
    line.pk, line.sales_session_id = None, None  # a new line, without its order's session
    with pytest.raises(IntegrityError), transaction.atomic():
        line.save()
