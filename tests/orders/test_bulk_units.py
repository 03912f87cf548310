"""Bulk units (use case 6): with aggregation on, a retail product bought as a wholesale one is
ordered as whole wholesale units at the wholesale price, the surplus kept; without a wholesale
product the trader is warned and the order asks for retail units, never a pack count of the
retail product (OFN's FdcOfferBroker pairs retail and wholesale the same way)."""

from decimal import Decimal

import pytest
from django.db.models import F
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
    TraderFactory,
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


def _products_read(session, product_ids):
    """The products' figures as the refresh read them before they joined its GROUP BY (one
    ORM query: the products, their wholesale products, the session's offer of it)."""
    from django.db.models import OuterRef, Subquery

    from inventory.models import Product
    from sessions_app.models import Offer

    offers = Offer.objects.filter(
        session_id=session.pk, product_id=OuterRef("wholesale_product_id")
    ).order_by("pk")
    return {
        row.pop("pk"): row
        for row in Product.objects.filter(pk__in=product_ids).values(
            "pk",
            "weight_kg",
            "pack_weight_kg",
            "wholesale_product_id",
            "wholesale_ratio",
            "wholesale_product__weight_kg",
            "wholesale_product__catalog_discount",
            discount_per_unit=F("catalog_discount"),
            wholesale_offer_id=Subquery(offers.values("pk")[:1]),
            wholesale_price=Subquery(offers.values("price")[:1]),
        )
    }


def test_the_grouped_rows_carry_the_figures_of_their_products_and_wholesale_products(mince):
    """session_live_totals joins each grouped row to its product, its wholesale product and
    the session's offer of that in its own statement (docs/performance.md, "Session close"):
    the same figures as the products' own read, for both GROUP BYs when a producer takes
    the other consolidation mode, and the same lines by weight as before."""
    from orders.producer_orders.services import session_live_totals

    retail, case = mince
    case.catalog_discount = Decimal("5.00")
    case.save()
    dairy = ProducerFactory(name="Dale Dairy", producer_consolidation=False)
    crate = ProductFactory(producer=dairy, name="Yoghurt crate", weight_kg=Decimal("6"))
    yoghurt = ProductFactory(
        producer=dairy,
        name="Yoghurt 500 g",
        weight_kg=Decimal("0.5"),
        catalog_discount=Decimal("0.10"),
        wholesale_product=crate,
    )
    yoghurt.wholesale_ratio = Decimal("12")
    yoghurt.save()
    plain = ProductFactory(producer=dairy, name="Butter", weight_kg=None)
    # The trader consolidates; the dairy wishes one producer order per customer order.
    session = SaleSessionFactory(
        aggregate_by_weight=True, trader=TraderFactory(consolidate_per_producer=True)
    )
    case_offer = OfferFactory(session=session, product=case, price=Decimal("118.00"))
    # Another session's offer of the crate: not this session's price.
    OfferFactory(product=crate, price=Decimal("30.00"))
    _customers_order(session, retail, "3", "4")
    _customers_order(session, yoghurt, "5", "20")
    _customers_order(session, plain, "2")

    totals = session_live_totals(session.pk, None, per_customer_order=False, other_mode={dairy.pk})

    # The consolidated producer's row, and the dairy's per customer order (the other GROUP BY).
    assert (retail.producer_id, None) in totals
    assert {key[0] for key in totals} == {retail.producer_id, dairy.pk}
    assert all(order_id is not None for producer_id, order_id in totals if producer_id == dairy.pk)
    rows = [row for grouped in totals.values() for row in grouped]
    assert sorted(row["product_id"] for row in rows) == sorted(
        [retail.pk, yoghurt.pk, yoghurt.pk, plain.pk]
    )
    expected = _products_read(session, {row["product_id"] for row in rows})
    for row in rows:
        assert {name: row[name] for name in expected[row["product_id"]]} == expected[
            row["product_id"]
        ]
        unit = expected[row["product_id"]]["weight_kg"]
        assert row["weight"] == (None if unit is None else row["customer_quantity"] * unit)
    (mince_row,) = totals[(retail.producer_id, None)]
    assert (
        mince_row["wholesale_offer_id"],
        mince_row["wholesale_price"],
        mince_row["wholesale_product__weight_kg"],
        mince_row["wholesale_product__catalog_discount"],
        mince_row["weight"],
    ) == (case_offer.pk, Decimal("118.00"), Decimal("10.000"), Decimal("5.00"), Decimal("3.5"))
    yoghurt_rows = [row for row in rows if row["product_id"] == yoghurt.pk]
    assert {(row["wholesale_offer_id"], row["wholesale_ratio"]) for row in yoghurt_rows} == {
        (None, Decimal("12"))
    }

    # The lines by weight: each producer order orders the wholesale products.
    producer_orders_refresh(session_id=session.pk)
    lines = {
        (line.producer_order.customer_order_id, line.product_id): (
            line.quantity,
            line.unit_price,
            line.discount,
        )
        for line in ProducerOrderLine.objects.select_related("producer_order")
    }
    assert lines[(None, case.pk)] == (Decimal("1"), Decimal("118.00"), Decimal("5.00"))
    # 5 and 20 pots, one crate of 12 each at least: 1 and 2 crates, priced as 12 pots (6.80).
    assert sorted(
        v for (order_id, product), v in lines.items() if product == crate.pk and order_id
    ) == [
        (Decimal("1"), Decimal("81.60"), Decimal("0.00")),
        (Decimal("2"), Decimal("81.60"), Decimal("0.00")),
    ]
    assert sorted(v[0] for (_, product), v in lines.items() if product == plain.pk) == [
        Decimal("2")
    ]
