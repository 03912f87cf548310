"""Re-pricing through order_totals_recompute: when it runs, what it writes, how many queries."""

from datetime import timedelta
from decimal import Decimal as D

import factory
import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from discounts.models import CalculationRule, ItemAdjustment, OrderAdjustment
from discounts.selectors import order_discount_totals
from discounts.services import engine
from discounts.services.pricing import pricing_rules_for_order
from orders.models import Order, OrderItem
from orders.services.coupons import order_coupon_apply
from orders.services.items import order_item_add, order_item_quantity_change, order_item_remove
from orders.services.status import order_lock
from orders.services.totals import order_item_rows_priced, order_totals_recompute
from platforms.models import PartnerOrder
from tests.discounts.conftest import PricingWorld, order_figures
from tests.factories import (
    AddressFactory,
    CouponFactory,
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    TraderFactory,
)

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
        # the items with the rules (with their coupon, bands and exempt categories, one JSON
        # value); one statement that rewrites the adjustments and writes the items, sub-orders
        # and order
        with django_assert_num_queries(2):
            order_totals_recompute(order=order)
    assert ItemAdjustment.objects.filter(order=order).count() > lines  # every usage wrote rows
    assert order.total_tax > 0
    assert order.total_shipping_tax > 0


# The engine's fields a rule's row gives under the same name.
_SAME_NAMED = (
    *("id", "name", "usage", "method", "scope", "value", "product_id", "producer_id"),
    *("shipping_mode_id", "minimum_order_total", "threshold_basis", "minimum_quantity"),
    *("price_basis", "priority", "is_exclusive"),
)


def _engine_rule(rule: CalculationRule, coupon_id: int | None = None) -> engine.Rule:
    """The rule as the engine should get it, from the ORM's values of its stored row."""
    rule = CalculationRule.objects.get(pk=rule.pk)
    scale = rule.shipping_scale
    bands = scale.bands.order_by("from_value") if scale else []
    return engine.Rule(
        **{name: getattr(rule, name) for name in _SAME_NAMED},
        session_id=rule.sales_session_id,
        scale_lookup=scale.lookup if scale else None,
        bands=tuple(engine.Band(band.from_value, band.charge) for band in bands),
        exempt_tax_category_ids=frozenset(rule.exempt_tax_categories.values_list("pk", flat=True)),
        coupon_id=coupon_id,
    )


def _typed(rule: engine.Rule) -> list:
    """Every field of a rule with its exact type and text (Decimal("5.00") is not "5")."""

    def typed(value):
        if isinstance(value, tuple | frozenset):
            return (type(value), sorted(typed(v) for v in value))
        if isinstance(value, engine.Band):
            return (typed(value.from_value), typed(value.charge))
        return (type(value).__name__, repr(value))

    return [(name, typed(getattr(rule, name))) for name in engine.Rule.__dataclass_fields__]


def test_the_rules_read_with_the_items_are_the_stored_rules_with_their_types(world):
    now = timezone.now()
    welcome = world.rule(usage="coupon", method="fixed_amount", value=D("5.00"), name="Welcome")
    coupon = CouponFactory(rule=welcome, code="WELCOME5")
    world.rule(usage="coupon", value=5)  # no coupon of it applied: not read
    expected = [
        world.rule(
            usage="shipping",
            method="fixed_amount",
            scale=("weight", [("10.5", "8.00"), ("0", "4")]),
            priority=1,
        ),
        world.rule(
            scope="item",
            value=D("12.5"),
            minimum_quantity=D("3"),
            minimum_order_total=D("20"),
            is_exclusive=True,
            exempt=True,
            priority=2,
        ),
        world.rule(usage="sales_tax", value=D("10"), currency=""),  # any currency
        world.rule(value=3, valid_from=now - timedelta(days=1), valid_until=now + timedelta(1)),
    ]
    world.rule(value=1, currency="USD")  # another currency
    world.rule(value=2, valid_until=now - timedelta(seconds=1))  # over
    world.rule(value=2, valid_from=now + timedelta(days=1))  # not yet
    world.rule(value=4, is_active=False)
    TraderFactory().calculation_rules.create(  # another trader's
        name="theirs", usage="discount", method="percentage", value=5
    )
    order = world.order([dict(quantity=2, unit_price="10.00", shipped=True)])
    expected.append(world.rule(value=D("7"), name="Sorry for the wait", order=order))
    world.rule(value=8, order=world.order([dict(quantity=1, unit_price="1.00")]))  # another's
    order_coupon_apply(order_id=order.pk, code="WELCOME5", actor=world.actor)

    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        items, rules = order_item_rows_priced(order=locked)
        alone = pricing_rules_for_order(order=locked, now=timezone.now())

    assert [row["id"] for row in items] == [order.items.get().pk]
    assert "pricing_rules" not in items[0]
    want = sorted(
        [*map(_engine_rule, expected), _engine_rule(welcome, coupon.pk)],
        key=lambda rule: (rule.priority, rule.id),
    )
    assert rules is not None
    assert [_typed(rule) for rule in rules] == [_typed(rule) for rule in want]
    assert rules == want == alone
    assert rules[0].bands == (
        engine.Band(D("0.000"), D("4.00")),
        engine.Band(D("10.500"), D("8.00")),
    )

    # A partner's DFC order is priced by the rules of the local enterprise that sold it.
    hub_order = OrderFactory(trader=TraderFactory(), customer=None, currency="EUR")
    OrderItemFactory(order=hub_order)
    PartnerOrder.objects.create(order=hub_order, platform=PlatformFactory(), seller=world.trader)
    with transaction.atomic():
        _, seller_rules = order_item_rows_priced(order=order_lock(order_id=hub_order.pk))
    assert seller_rules is not None
    assert {rule.id for rule in seller_rules} == {rule.pk for rule in expected[:4]}


def test_an_order_without_items_or_not_priced_reads_no_rules(world, django_assert_num_queries):
    world.rule(value=5)
    order = world.order([])
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        with django_assert_num_queries(1):
            assert order_item_rows_priced(order=order) == ([], [])
    # The engine prices nothing without lines, whatever the rules.
    everything = [
        engine.Rule(id=n, name="r", usage=usage, method="percentage", value=D("10"))
        for n, usage in enumerate(["coupon", "discount", "shipping", "sales_tax", "surcharge"])
    ]
    pricing = engine.price_order([], everything)
    assert (pricing.item_adjustments, pricing.order_adjustments) == ([], [])
    Order.objects.filter(pk=order.pk).update(status="C")
    order.refresh_from_db()
    assert order_item_rows_priced(order=order) == ([], None)


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
