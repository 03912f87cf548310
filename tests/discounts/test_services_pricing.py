"""Re-pricing through order_totals_recompute: when it runs, what it writes, how many queries."""

from decimal import Decimal as D

import factory
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from discounts.models import ItemAdjustment, OrderAdjustment
from discounts.selectors import order_discount_totals
from orders.models import Order, OrderItem
from orders.services.items import order_item_add, order_item_quantity_change, order_item_remove
from orders.services.status import order_lock
from orders.services.totals import order_totals_recompute
from tests.discounts.conftest import PricingWorld, order_figures
from tests.factories import AddressFactory, OrderItemFactory

pytestmark = pytest.mark.django_db


def snapshot(order):
    """Everything pricing writes for an order, comparable across runs."""
    order = Order.objects.get(pk=order.pk)
    return (
        order_figures(order),
        sorted(
            ItemAdjustment.objects.filter(order=order).values_list(
                "item_id", "usage", "rule_id", "amount", "sequence"
            )
        ),
        sorted(
            OrderAdjustment.objects.filter(order=order).values_list(
                "usage", "rule_id", "amount", "sequence"
            )
        ),
        sorted(
            OrderItem.objects.filter(order=order).values_list(
                "pk", "total_adjustment", "total_shipping", "total_tax", "total_shipping_tax"
            )
        ),
    )


def recompute(order):
    with transaction.atomic():
        return order_totals_recompute(order=order_lock(order_id=order.pk))


def test_item_changes_re_price_the_order(world):
    world.rule(value=5, minimum_order_total=D("100"))
    order = world.order([dict(quantity=2, unit_price="40.00")])
    item = order.items.get()
    assert order.total_adjustment == D("0.00")  # 80.00 < 100

    order_item_quantity_change(item_id=item.pk, quantity=D("3"), actor=world.actor)
    order.refresh_from_db()
    # 120.00 ≥ 100 → 5% = 6.00
    assert (order.total_adjustment, order.grand_total) == (D("-6.00"), D("114.00"))
    assert list(ItemAdjustment.objects.filter(order=order).values_list("amount", flat=True)) == [
        D("-6.00")
    ]

    other = order_item_add(
        order_id=order.pk,
        product=world.product("other"),
        quantity=D("1"),
        unit_price=D("10.00"),
        actor=world.actor,
    )
    order.refresh_from_db()
    # 130.00 → 6.50, spread 120/130 × 6.50 = 6.00 and 0.50 for the last item
    assert order.total_adjustment == D("-6.50")
    order_item_remove(item_id=item.pk, actor=world.actor)
    order.refresh_from_db()
    # 10.00 left, under the threshold: no discount, no adjustment rows left behind
    assert (order.total_adjustment, order.grand_total) == (D("0.00"), D("10.00"))
    assert not ItemAdjustment.objects.filter(order=order).exists()
    assert not OrderAdjustment.objects.filter(order=order).exists()
    assert other.pk in order_discount_totals(order)[1]


def test_re_pricing_twice_gives_the_same_figures(world):
    world.rule(value=10, priority=1)
    world.rule(scope="item", value=5, minimum_quantity=D("3"), priority=2)
    world.rule(usage="shipping", method="fixed_amount", value=D("4.00"))
    order = world.order(
        [
            dict(quantity=3, unit_price="3.33", taxed=True, shipped=True),
            dict(quantity=1, unit_price="7.77", shipped=True),
        ]
    )
    first = snapshot(order)
    recompute(order)
    recompute(order)
    assert snapshot(order) == first
    assert first[0][1] != D("0.00")


def test_prices_are_frozen_once_submitted(world):
    rule = world.rule(value=10)
    order = world.order([dict(quantity=1, unit_price="50.00")])
    assert order.total_adjustment == D("-5.00")
    Order.objects.filter(pk=order.pk).update(status="I")
    rule.value = D("50")
    rule.save()
    before = snapshot(order)

    recompute(order)

    assert snapshot(order) == before  # still 5.00 off, not 25.00


def test_a_csr_edit_re_prices(world):
    rule = world.rule(value=10)
    order = world.order([dict(quantity=1, unit_price="50.00")])
    Order.objects.filter(pk=order.pk).update(status="E", status_before_edit="I")
    rule.value = D("20")
    rule.save()

    order = recompute(order)

    assert (order.total_adjustment, order.grand_total) == (D("-10.00"), D("40.00"))


def test_frozen_orders_still_rebuild_sub_orders(world):
    order = world.order([dict(quantity=1, unit_price="5.00")])
    Order.objects.filter(pk=order.pk).update(status="C")
    home = AddressFactory(customer=world.customer)
    OrderItem.objects.filter(order=order).update(shipping_address=home)

    recompute(order)

    sub_order = order.sub_orders.get()
    assert (sub_order.shipping_address_id, sub_order.total_product) == (home.pk, D("5.00"))
    assert order.items.get().sub_order_id == sub_order.pk


def _big_order(world, lines: int):
    """An order of `lines` items under ten rules of every usage."""
    products = [world.product(f"p{n}", taxed=n % 2 == 0) for n in range(7)]
    world.rule(usage="coupon", value=5)  # not applied: no coupon on the order
    world.rule(value=5, minimum_order_total=D("50"), priority=1)
    world.rule(scope="item", value=10, minimum_quantity=D("3"), priority=2)
    world.rule(scope="product", product="p0", method="fixed_price", value=D("1.00"), priority=3)
    world.rule(scope="producer", producer="x", method="fixed_amount", value=D("0.10"), exempt=True)
    world.rule(
        usage="shipping",
        method="fixed_amount",
        scale=("weight", [("0", "4.00"), ("10", "8.00")]),
    )
    world.rule(usage="shipping", method="percentage", value=D("2"), scope="item")
    world.rule(usage="sales_tax", scope="product", product="p1", value=D("10"), currency="")
    world.rule(usage="shipping_tax", value=D("5"), currency="")
    world.rule(usage="surcharge", method="fixed_amount", value=D("0.50"))
    order = world.order([dict(product="p0", quantity=1, unit_price="2.00", shipped=True)])
    item = order.items.get()
    OrderItemFactory.create_batch(
        lines - 1,
        order=order,
        product=factory.Iterator(products),
        quantity=D("3"),
        unit_price=D("2.50"),
        total_product=D("7.50"),
        shipping_mode=world.mode,
        shipping_address=item.shipping_address,
    )
    return order


@pytest.mark.parametrize("lines", [1, 200])
def test_re_pricing_takes_the_same_queries_for_1_and_200_lines(
    world, lines, django_assert_num_queries
):
    order = _big_order(world, lines)
    recompute(order)  # the first run creates the sub-order
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        # items; rules (with their coupon, bands and exempt categories); one statement that
        # rewrites the adjustments and writes the items, sub-orders and order
        with django_assert_num_queries(3):
            order_totals_recompute(order=order)
    assert ItemAdjustment.objects.filter(order=order).count() > lines  # every usage wrote rows
    assert order.total_tax > 0
    assert order.total_shipping_tax > 0


# --- properties over the database ------------------------------------------------------------

rule_fields = st.fixed_dictionaries(
    {
        "usage": st.sampled_from(["discount", "discount", "surcharge"]),
        "scope": st.sampled_from(["order", "item"]),
        "method": st.sampled_from(["percentage", "fixed_amount"]),
        "value": st.decimals(min_value=D("0"), max_value=D("60"), places=2),
        "priority": st.integers(0, 3),
        "is_exclusive": st.booleans(),
        "price_basis": st.sampled_from(["net", "non_discounted"]),
        "exempt": st.booleans(),
    }
)
line_fields = st.fixed_dictionaries(
    {
        "quantity": st.integers(1, 12),
        "unit_price": st.decimals(min_value=D("0"), max_value=D("30"), places=2).map(str),
        "taxed": st.booleans(),
        "shipped": st.booleans(),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rules=st.lists(rule_fields, max_size=5),
    lines=st.lists(line_fields, min_size=1, max_size=5),
    shipping=st.booleans(),
)
def test_properties_of_priced_orders(system_actor, rules, lines, shipping):
    world = PricingWorld(system_actor)  # a fresh trader per example: rules do not leak
    for fields in rules:
        world.rule(**fields)
    if shipping:
        world.rule(usage="shipping", method="fixed_amount", value=D("3.00"))
    order = world.order(lines)
    items = list(OrderItem.objects.filter(order=order))
    adjustments = list(ItemAdjustment.objects.filter(order=order))

    for item in items:
        reductions = sum(
            (a.amount for a in adjustments if a.item_id == item.pk and a.usage == "discount"),
            D(0),
        )
        assert D(0) <= item.total_product + reductions <= item.total_product
    for usage_total in ("total_adjustment", "total_shipping", "total_tax", "total_shipping_tax"):
        assert getattr(order, usage_total) == sum((getattr(i, usage_total) for i in items), D(0))
    for order_adjustment in OrderAdjustment.objects.filter(order=order):
        assert order_adjustment.amount == sum(
            (
                a.amount
                for a in adjustments
                if (a.usage, a.rule_id, a.sequence)
                == (order_adjustment.usage, order_adjustment.rule_id, order_adjustment.sequence)
            ),
            D(0),
        )
    assert order.grand_total == (
        order.total_product
        + order.total_adjustment
        + order.total_shipping
        + order.total_tax
        + order.total_shipping_tax
    )
    assert order.total_adjustment == sum((a.amount for a in adjustments if a.usage in {
        "discount", "surcharge"}), D(0))  # fmt: skip
    before = snapshot(order)
    recompute(order)
    assert snapshot(order) == before
