"""Larder as the seller: a hub's DFC order is priced by the selling enterprise's rules, and the
reply's `dfc-b:discount` on Order and OrderLines equals the order's adjustments to the cent."""

from decimal import Decimal

import pytest

from discounts.models import ItemAdjustment
from orders.models import Order
from tests.factories import CalculationRuleFactory
from tests.platforms.test_api_dfc import farm, nodes_of, order_graph, post  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_hub_order_over_the_threshold_gets_the_sellers_discount_in_the_reply(api, farm):  # noqa: F811
    seller, (apples, pears, plums) = farm
    CalculationRuleFactory(
        trader=seller,
        name="5% over 100 EUR",
        usage="discount",
        method="percentage",
        scope="order",
        value=Decimal("5.00"),
        currency="EUR",
        minimum_order_total=Decimal("100.00"),
    )
    for offer in (apples, pears, plums):
        offer.product.stock.on_hand = Decimal("100")
        offer.product.stock.save()

    # 20 × 2.50 + 15 × 3.00 + 5 × 4.10 = 50.00 + 45.00 + 20.50 = 115.50 → 5% = 5.78
    created = post(api, order_graph([("#l1", apples, 20), ("#l2", pears, 15), ("#l3", plums, 5)]))

    assert created.status_code == 201, created.json()
    order = Order.objects.get()
    assert order.total_adjustment == Decimal("-5.78")
    (order_node,) = nodes_of(created.json(), "Order")
    assert order_node["dfc-b:discount"] == 5.78
    by_item = {a.item_id: -a.amount for a in ItemAdjustment.objects.filter(item__order=order)}
    lines = nodes_of(created.json(), "OrderLine")
    assert len(lines) == 3
    for line in lines:
        item_id = int(line["@id"].rsplit("/", 1)[1])
        assert line["dfc-b:discount"] == float(by_item[item_id]) > 0
    assert sum(Decimal(str(line["dfc-b:discount"])) for line in lines) == Decimal("5.78")


def test_a_hub_order_under_the_threshold_has_no_discount(api, farm):  # noqa: F811
    seller, (apples, _, _) = farm
    CalculationRuleFactory(
        trader=seller,
        usage="discount",
        method="percentage",
        scope="order",
        value=Decimal("5.00"),
        currency="EUR",
        minimum_order_total=Decimal("100.00"),
    )

    created = post(api, order_graph([("#l1", apples, 4)]))

    (order_node,) = nodes_of(created.json(), "Order")
    assert order_node["dfc-b:discount"] == 0.0
    assert Order.objects.get().total_adjustment == Decimal("0.00")


def test_a_producer_selling_to_hubs_can_own_rules_in_the_admin(admin_client, farm):  # noqa: F811
    from discounts.models import CalculationRule
    from tests.factories import PlatformFactory, TraderFactory

    seller, _ = farm
    remote_hub = TraderFactory(platform=PlatformFactory(), name="Remote hub")
    field = CalculationRule._meta.get_field("trader")

    choices = field.formfield().queryset

    assert seller in choices
    assert remote_hub in choices  # a trader, wherever it is (unchanged)
    page = admin_client.get("/admin/discounts/calculationrule/add/").content.decode()
    assert "Green Farm" in page
