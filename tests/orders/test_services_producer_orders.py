from decimal import Decimal

import pytest

from orders.models import ProducerOrder, ProducerOrderLine
from orders.producer_orders.services import producer_orders_refresh
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)

pytestmark = pytest.mark.django_db


def _line(session, product, quantity, status="C"):
    order = OrderFactory(trader=session.trader, sales_session=session, status=status)
    return OrderItemFactory(
        order=order,
        product=product,
        quantity=Decimal(quantity),
        unit_price=Decimal("2.00"),
        status=status,
    )


def test_lines_are_the_sum_of_live_customer_orders_and_refresh_is_idempotent():
    session = SaleSessionFactory()
    farm = ProducerFactory()
    apples, pears = ProductFactory(producer=farm), ProductFactory(producer=farm)
    _line(session, apples, "3")
    _line(session, apples, "2", status="I")
    _line(session, pears, "1")
    _line(session, pears, "5", status="X")  # cancelled: not counted
    _line(session, pears, "7", status="P")  # cart: not counted

    changed = producer_orders_refresh(session_id=session.pk)
    again = producer_orders_refresh(session_id=session.pk)

    producer_order = ProducerOrder.objects.get(sales_session=session, producer=farm)
    assert changed == [producer_order.pk]
    assert again == []
    lines = dict(producer_order.lines.values_list("product_id", "quantity"))
    assert lines == {apples.pk: Decimal("5"), pears.pk: Decimal("1")}
    assert producer_order.total_product == Decimal("12.00")  # 6 units × 2.00
    assert producer_order.version == 2


def test_cancelling_the_last_order_of_a_product_drops_its_line():
    session = SaleSessionFactory()
    farm = ProducerFactory()
    item = _line(session, ProductFactory(producer=farm), "3")
    producer_orders_refresh(session_id=session.pk)

    item.order.status = "X"
    item.order.save()
    producer_orders_refresh(session_id=session.pk, producer_ids=[farm.pk])

    assert not ProducerOrderLine.objects.exists()
    assert ProducerOrder.objects.get().version == 3


def test_without_consolidation_each_customer_order_gets_its_own_producer_order():
    session = SaleSessionFactory(consolidate_per_producer=False)
    farm = ProducerFactory()
    apples = ProductFactory(producer=farm)
    first = _line(session, apples, "3").order
    second = _line(session, apples, "2").order

    producer_orders_refresh(session_id=session.pk)

    by_order = {
        p.customer_order_id: p.lines.get().quantity
        for p in ProducerOrder.objects.filter(sales_session=session)
    }
    assert by_order == {first.pk: Decimal("3"), second.pk: Decimal("2")}


def test_switching_to_consolidation_cancels_the_per_order_producer_orders():
    session = SaleSessionFactory(consolidate_per_producer=False)
    farm = ProducerFactory()
    apples = ProductFactory(producer=farm)
    _line(session, apples, "3")
    _line(session, apples, "2")
    producer_orders_refresh(session_id=session.pk)

    session.consolidate_per_producer = True
    session.save()
    producer_orders_refresh(session_id=session.pk)

    consolidated = ProducerOrder.objects.get(sales_session=session, customer_order=None)
    assert consolidated.lines.get().quantity == Decimal("5")
    per_order = ProducerOrder.objects.filter(sales_session=session, customer_order__isnull=False)
    # Cancelled, never emptied: the lines stay as they were sent.
    assert sorted(per_order.values_list("order_state", "version")) == [
        ("Cancelled", 3),
        ("Cancelled", 3),
    ]
    assert sorted(
        ProducerOrderLine.objects.filter(producer_order__in=per_order).values_list(
            "quantity", flat=True
        )
    ) == [Decimal("2"), Decimal("3")]


def test_the_database_refuses_a_second_consolidated_order():
    from django.db import IntegrityError, transaction

    session = SaleSessionFactory()
    farm = ProducerFactory()
    ProducerOrder.objects.create(sales_session=session, producer=farm, trader=session.trader)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProducerOrder.objects.create(sales_session=session, producer=farm, trader=session.trader)
