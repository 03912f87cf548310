"""Bulk units (use case 6): with aggregation on, a retail product bought as a wholesale one is
ordered as whole wholesale units at the wholesale price, the surplus kept; without a wholesale
product the trader is warned and the order asks for retail units, never a pack count of the
retail product (OFN's FdcOfferBroker pairs retail and wholesale the same way)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import ProducerOrder, ProducerOrderLine
from orders.producer_orders.reports import producer_order_pick_list, session_bulk_report
from orders.producer_orders.services import producer_orders_refresh
from orders.selectors import producer_order_warnings
from tests.factories import (
    OfferFactory,
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)

pytestmark = pytest.mark.django_db


def _customers_order(session, product, *quantities):
    for quantity in quantities:
        order = OrderFactory(trader=session.trader, sales_session=session, status="C")
        OrderItemFactory(
            order=order, product=product, quantity=Decimal(quantity), unit_price=Decimal("6.80")
        )


@pytest.fixture
def mince(db):
    """ "Beef mince 500 g" bought as "Beef mince 10 kg case" (by weight: 10 ÷ 0.5 = 20)."""
    farm = ProducerFactory(name="Moorland Meats")
    case = ProductFactory(producer=farm, name="Beef mince 10 kg case", weight_kg=Decimal("10"))
    retail = ProductFactory(
        producer=farm,
        name="Beef mince 500 g",
        weight_kg=Decimal("0.5"),
        pack_weight_kg=Decimal("10"),
        wholesale_product=case,
    )
    return retail, case


def test_aggregation_orders_whole_wholesale_units_at_the_wholesale_price(mince):
    retail, case = mince
    session = SaleSessionFactory(aggregate_by_weight=True)
    OfferFactory(session=session, product=retail, price=Decimal("6.80"))
    case_offer = OfferFactory(session=session, product=case, price=Decimal("118.00"))
    _customers_order(session, retail, "3", "4")  # 7 × 500 g = 3.5 kg

    producer_orders_refresh(session_id=session.pk)

    line = ProducerOrderLine.objects.get()
    assert line.product == case
    assert line.offer == case_offer
    assert (
        line.customer_quantity,
        line.quantity,
        line.packs,
        line.weight_kg,
        line.surplus_kg,
        line.unit_price,
    ) == (Decimal("0.350"), Decimal("1"), 1, Decimal("3.500"), Decimal("6.500"), Decimal("118.00"))
    assert line.producer_order.total_product == Decimal("118.00")
    assert producer_order_warnings(producer_order=line.producer_order) == []
    # The pick list shows the customers' retail items under the case they come from.
    _, (row,) = producer_order_pick_list(producer_order_id=line.producer_order_id)
    assert sorted(item.quantity for item in row.allocations) == [Decimal("3"), Decimal("4")]
    # The bulk report shows the case, its packs and the surplus.
    (report,) = session_bulk_report(session_id=session.pk)
    assert (report.product_name, report.packs, report.surplus_kg, report.is_wholesale) == (
        "Beef mince 10 kg case",
        1,
        Decimal("6.500"),
        True,
    )


def test_a_stated_ratio_rounds_up_to_whole_units_without_weights():
    farm = ProducerFactory()
    tray = ProductFactory(producer=farm, name="Eggs, tray of 30", weight_kg=None)
    eggs = ProductFactory(
        producer=farm, name="Eggs, box of 6", weight_kg=None, wholesale_product=tray
    )
    eggs.wholesale_ratio = Decimal("5")
    eggs.save()
    session = SaleSessionFactory(aggregate_by_weight=True)
    _customers_order(session, eggs, "4", "3")  # 7 boxes → 7 ÷ 5 = 1.4 → 2 trays

    producer_orders_refresh(session_id=session.pk)

    line = ProducerOrderLine.objects.get()
    # No offer of the tray in the session: priced as 5 boxes (5 × 6.80).
    assert (line.product, line.customer_quantity, line.quantity, line.unit_price) == (
        tray,
        Decimal("1.400"),
        Decimal("2"),
        Decimal("34.00"),
    )


def test_without_aggregation_the_retail_product_is_ordered(mince):
    retail, _ = mince
    session = SaleSessionFactory(aggregate_by_weight=False)
    _customers_order(session, retail, "3", "4")

    producer_orders_refresh(session_id=session.pk)

    line = ProducerOrderLine.objects.get()
    assert (line.product, line.quantity, line.packs) == (retail, Decimal("7"), None)


def test_without_a_wholesale_product_the_trader_is_warned_and_retail_units_are_ordered(
    admin_client,
):
    flour = ProductFactory(
        name="Rye flour 1 kg", weight_kg=Decimal("1"), pack_weight_kg=Decimal("25")
    )
    session = SaleSessionFactory(aggregate_by_weight=True)
    _customers_order(session, flour, "30", "12")

    producer_orders_refresh(session_id=session.pk)

    line = ProducerOrderLine.objects.get()
    # Never "2" of the 1 kg product: 42 retail units, as the customers ordered.
    assert (line.product, line.quantity, line.packs) == (flour, Decimal("42"), None)
    (warning,) = producer_order_warnings(producer_order=line.producer_order)
    assert warning.startswith("Rye flour 1 kg has no wholesale product")
    page = admin_client.get(
        reverse("admin:orders_producerorder_change", args=[line.producer_order_id])
    ).content.decode()
    assert "Rye flour 1 kg has no wholesale product" in page
    (report,) = session_bulk_report(session_id=session.pk)
    assert report.needs_wholesale is True


def test_customer_orders_reach_the_partner_as_the_wholesale_order(
    recording_partner, django_capture_on_commit_callbacks
):
    platform = PlatformFactory(base_url=recording_partner.base_url + "/api/dfc/")
    farm = ProducerFactory(
        platform=platform, slug="moorland", remote_id=recording_partner.producer_url("moorland")
    )
    case = ProductFactory(
        producer=farm,
        name="Beef mince 10 kg case",
        weight_kg=Decimal("10"),
        remote_id=f"{farm.remote_id}/SuppliedProducts/case",
        catalog_discount=Decimal("5.00"),
    )
    retail = ProductFactory(
        producer=farm,
        name="Beef mince 500 g",
        weight_kg=Decimal("0.5"),
        remote_id=f"{farm.remote_id}/SuppliedProducts/500g",
        wholesale_product=case,
    )
    retail.wholesale_ratio = Decimal("20")
    retail.save()
    session = SaleSessionFactory(aggregate_by_weight=True)
    OfferFactory(session=session, product=case, price=Decimal("118.00"))
    _customers_order(session, retail, "3", "4", "15")  # 22 × 500 g → 2 cases

    with django_capture_on_commit_callbacks(execute=True):
        producer_orders_refresh(session_id=session.pk)

    (post,) = recording_partner.requests("POST")
    graph = post.json["@graph"]
    (line,) = [n for n in graph if n["@type"] == "dfc-b:OrderLine"]
    offer = next(n for n in graph if n["@id"] == line["dfc-b:concerns"]["@id"])
    order = next(n for n in graph if n["@type"] == "dfc-b:Order")
    assert offer["dfc-b:offeredItem"] == {"@id": case.remote_id}
    assert line["dfc-b:quantity"] == 2.0
    assert line["dfc-b:hasPrice"]["dfc-b:value"] == 118.0
    assert (line["dfc-b:discount"], order["dfc-b:discount"]) == (10.0, 10.0)
    assert retail.remote_id not in post.body.decode()
    producer_order = ProducerOrder.objects.get()
    assert (producer_order.total_product, producer_order.total_discount) == (
        Decimal("236.00"),
        Decimal("10.00"),
    )
    assert producer_order.lines.get().surplus_kg == Decimal("9.000")  # 20 kg − 11 kg
