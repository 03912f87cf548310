"""Worked examples: each order priced through the real services, each figure worked out by hand
in the comment beside it. Totals are (products, adjustments, shipping, tax, shipping tax,
grand total); `items` lists each item's total_adjustment when it matters."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from orders.models import OrderItem
from orders.services.coupons import order_coupon_apply
from tests.discounts.conftest import order_figures
from tests.factories import CouponFactory, SaleSessionFactory

pytestmark = pytest.mark.django_db

EXAMPLES = {
    # 3 × 40.00 = 120.00 ≥ 100 → 5% of 120.00 = 6.00 off → 114.00
    "5% over 100 EUR, met": dict(
        rules=[dict(value=5, minimum_order_total=D("100"))],
        lines=[dict(quantity=3, unit_price="40.00")],
        totals=("120.00", "-6.00", "0.00", "0.00", "0.00", "114.00"),
    ),
    # 2 × 40.00 = 80.00 < 100 → no discount
    "5% over 100 EUR, not met": dict(
        rules=[dict(value=5, minimum_order_total=D("100"))],
        lines=[dict(quantity=2, unit_price="40.00")],
        totals=("80.00", "0.00", "0.00", "0.00", "0.00", "80.00"),
    ),
    # line 1: 10 × 2.50 = 25.00, 10 ≥ 10 → 2.50 off; line 2: 9 × 2.50 = 22.50, 9 < 10 → none
    # 47.50 − 2.50 = 45.00
    "bulk 10% on a line of 10 or more": dict(
        rules=[dict(scope="item", value=10, minimum_quantity=D("10"))],
        lines=[dict(quantity=10, unit_price="2.50"), dict(quantity=9, unit_price="2.50")],
        totals=("47.50", "-2.50", "0.00", "0.00", "0.00", "45.00"),
        items=["-2.50", "0.00"],
    ),
    # non-discounted basis: both 10% of 100.00 → 10.00 + 10.00 = 20% off → 80.00
    "two 10% discounts on the non-discounted price": dict(
        rules=[
            dict(value=10, price_basis="non_discounted", priority=1),
            dict(value=10, price_basis="non_discounted", priority=2),
        ],
        lines=[dict(quantity=1, unit_price="100.00")],
        totals=("100.00", "-20.00", "0.00", "0.00", "0.00", "80.00"),
    ),
    # net basis: 10% of 100.00 = 10.00, then 10% of 90.00 = 9.00 → 19% off → 81.00
    "two 10% discounts on the net price": dict(
        rules=[dict(value=10, priority=1), dict(value=10, priority=2)],
        lines=[dict(quantity=1, unit_price="100.00")],
        totals=("100.00", "-19.00", "0.00", "0.00", "0.00", "81.00"),
    ),
    # 10% item discount: 105.00 → 94.50; threshold after discounts: 94.50 < 100 → no 5%
    "threshold stated after other discounts": dict(
        rules=[
            dict(scope="item", value=10, priority=1),
            dict(value=5, minimum_order_total=D("100"), threshold_basis="net", priority=2),
        ],
        lines=[dict(quantity=1, unit_price="105.00")],
        totals=("105.00", "-10.50", "0.00", "0.00", "0.00", "94.50"),
    ),
    # threshold before discounts: 105.00 ≥ 100 qualifies; 5% of the net 94.50 = 4.725 → 4.73
    # −10.50 − 4.73 = −15.23 → 89.77
    "threshold stated before other discounts": dict(
        rules=[
            dict(scope="item", value=10, priority=1),
            dict(
                value=5,
                minimum_order_total=D("100"),
                threshold_basis="non_discounted",
                priority=2,
            ),
        ],
        lines=[dict(quantity=1, unit_price="105.00")],
        totals=("105.00", "-15.23", "0.00", "0.00", "0.00", "89.77"),
    ),
    # 10.00 off the order over three 10.00 items: 10 × 10/30 = 3.333 → 3.33, 3.33,
    # the last takes the remainder 10.00 − 6.66 = 3.34 → 30.00 − 10.00 = 20.00
    "fixed amount spread, remainder to the last item": dict(
        rules=[dict(method="fixed_amount", value=D("10.00"))],
        lines=[dict(quantity=1, unit_price="10.00")] * 3,
        totals=("30.00", "-10.00", "0.00", "0.00", "0.00", "20.00"),
        items=["-3.33", "-3.33", "-3.34"],
    ),
    # 5% of 10.00 = 0.50 over 3.33, 3.33, 3.34: 0.50 × 3.33/10 = 0.1665 → 0.17, 0.17,
    # last 0.50 − 0.34 = 0.16 → 9.50
    "percentage spread in proportion": dict(
        rules=[dict(value=5)],
        lines=[
            dict(quantity=1, unit_price="3.33"),
            dict(quantity=1, unit_price="3.33"),
            dict(quantity=1, unit_price="3.34"),
        ],
        totals=("10.00", "-0.50", "0.00", "0.00", "0.00", "9.50"),
        items=["-0.17", "-0.17", "-0.16"],
    ),
    # 3 × 0.35 = 1.05; 10% = 0.105 → half up 0.11 → 0.94
    "rounding half up, once per adjustment": dict(
        rules=[dict(scope="item", value=10)],
        lines=[dict(quantity=3, unit_price="0.35")],
        totals=("1.05", "-0.11", "0.00", "0.00", "0.00", "0.94"),
    ),
    # bulk price: 12 × 3.00 = 36.00 at 2.50 a unit from 12 → 30.00, i.e. 6.00 off
    "fixed replacement price for a bulk line": dict(
        rules=[
            dict(
                scope="product",
                product="bread",
                method="fixed_price",
                value=D("2.50"),
                minimum_quantity=D("12"),
            )
        ],
        lines=[dict(product="bread", quantity=12, unit_price="3.00")],
        totals=("36.00", "-6.00", "0.00", "0.00", "0.00", "30.00"),
    ),
    # 1.00 off each unit of one product: 4 × 3.00 = 12.00 − 4 × 1.00 = 8.00; the other line
    # (2 × 5.00) is another product → 18.00
    "fixed amount per unit on one product": dict(
        rules=[dict(scope="product", product="jam", method="fixed_amount", value=D("1.00"))],
        lines=[
            dict(product="jam", quantity=4, unit_price="3.00"),
            dict(product="honey", quantity=2, unit_price="5.00"),
        ],
        totals=("22.00", "-4.00", "0.00", "0.00", "0.00", "18.00"),
        items=["-4.00", "0.00"],
    ),
    # 10% on producer y's items only: 20.00 → 2.00 off; producer x's 10.00 untouched
    "producer scope": dict(
        rules=[dict(scope="producer", producer="y", value=10)],
        lines=[
            dict(product="a", producer="x", quantity=1, unit_price="10.00"),
            dict(product="b", producer="y", quantity=2, unit_price="10.00"),
        ],
        totals=("30.00", "-2.00", "0.00", "0.00", "0.00", "28.00"),
        items=["0.00", "-2.00"],
    ),
    # exclusive 20% first (priority 1): 50.00 → 10.00 off; the 10% order rule finds the item
    # closed → 40.00
    "an exclusive rule keeps later rules off": dict(
        rules=[
            dict(scope="item", value=20, priority=1, is_exclusive=True),
            dict(value=10, priority=2),
        ],
        lines=[dict(quantity=1, unit_price="50.00")],
        totals=("50.00", "-10.00", "0.00", "0.00", "0.00", "40.00"),
    ),
    # 10% first: 5.00 off; the exclusive 20% comes later and the item is touched → 45.00
    "an exclusive rule does not combine with earlier ones": dict(
        rules=[
            dict(value=10, priority=1),
            dict(scope="item", value=20, priority=2, is_exclusive=True),
        ],
        lines=[dict(quantity=1, unit_price="50.00")],
        totals=("50.00", "-5.00", "0.00", "0.00", "0.00", "45.00"),
    ),
    # VAT 20% on the discounted price: 2 × 10.00 = 20.00 − 2.00 = 18.00 → tax 3.60 → 21.60
    "a discount lowers the taxable amount": dict(
        rules=[dict(value=10)],
        lines=[dict(quantity=2, unit_price="10.00", taxed=True)],
        totals=("20.00", "-2.00", "0.00", "3.60", "0.00", "21.60"),
    ),
    # the discount's rule is exempt from the VAT category: tax on 20.00 = 4.00 → 22.00
    "an exempt discount leaves the taxable amount": dict(
        rules=[dict(value=10, exempt=True)],
        lines=[dict(quantity=2, unit_price="10.00", taxed=True)],
        totals=("20.00", "-2.00", "0.00", "4.00", "0.00", "22.00"),
    ),
    # weight 12 × 0.500 = 6.0 kg ≥ 5 → band 6.00; shipping tax 20% of 6.00 = 1.20
    # 12.00 + 6.00 + 1.20 = 19.20
    "shipping by weight, with shipping tax": dict(
        rules=[
            dict(
                usage="shipping",
                method="fixed_amount",
                scale=("weight", [("0", "4.00"), ("5", "6.00")]),
            )
        ],
        lines=[dict(quantity=12, unit_price="1.00", shipped=True)],
        totals=("12.00", "0.00", "6.00", "0.00", "1.20", "19.20"),
    ),
    # 2 + 3 = 5 units ≥ 5 → 3.00 for the mode, spread by quantity: 3 × 2/5 = 1.20, last 1.80;
    # the unshipped line pays none. shipping tax: 0.24 + 0.36 = 0.60
    "shipping by quantity, one charge per mode": dict(
        rules=[
            dict(
                usage="shipping",
                method="fixed_amount",
                scale=("quantity", [("1", "5.00"), ("5", "3.00")]),
            )
        ],
        lines=[
            dict(quantity=2, unit_price="1.00", shipped=True),
            dict(quantity=3, unit_price="1.00", shipped=True),
            dict(quantity=4, unit_price="1.00"),
        ],
        totals=("9.00", "0.00", "3.00", "0.00", "0.60", "12.60"),
    ),
    # two 10% (net) → 81.00; price scale by the NON-discounted price: 100.00 ≥ 100 → free
    "shipping looked up by the non-discounted price": dict(
        rules=[
            dict(value=10, priority=1),
            dict(value=10, priority=2),
            dict(
                usage="shipping",
                method="fixed_amount",
                price_basis="non_discounted",
                scale=("price", [("0", "5.00"), ("81", "2.00"), ("100", "0.00")]),
            ),
        ],
        lines=[dict(quantity=1, unit_price="100.00", shipped=True)],
        totals=("100.00", "-19.00", "0.00", "0.00", "0.00", "81.00"),
    ),
    # two 10% on the net price → 81.00 (19% off); scale by the NET price: 81.00 → 2.00,
    # shipping tax 0.40 → 83.40
    "shipping looked up by the net price, 19% off": dict(
        rules=[
            dict(value=10, priority=1),
            dict(value=10, priority=2),
            dict(
                usage="shipping",
                method="fixed_amount",
                scale=("price", [("0", "5.00"), ("81", "2.00"), ("100", "0.00")]),
            ),
        ],
        lines=[dict(quantity=1, unit_price="100.00", shipped=True)],
        totals=("100.00", "-19.00", "2.00", "0.00", "0.40", "83.40"),
    ),
    # two 10% on the non-discounted price → 80.00 (20% off); net lookup 80.00 < 81 → 5.00,
    # shipping tax 1.00 → 86.00
    "shipping looked up by the net price, 20% off": dict(
        rules=[
            dict(value=10, priority=1, price_basis="non_discounted"),
            dict(value=10, priority=2, price_basis="non_discounted"),
            dict(
                usage="shipping",
                method="fixed_amount",
                scale=("price", [("0", "5.00"), ("81", "2.00"), ("100", "0.00")]),
            ),
        ],
        lines=[dict(quantity=1, unit_price="100.00", shipped=True)],
        totals=("100.00", "-20.00", "5.00", "0.00", "1.00", "86.00"),
    ),
    # a sales-tax rule sets 10% for producer y's items: tax on 10.00 = 1.00; the other taxed
    # item keeps its category's 20%: 2.00 → 20.00 + 3.00 = 23.00
    "a sales tax rule overrides the category rate": dict(
        rules=[dict(usage="sales_tax", scope="producer", producer="y", value=10, currency="")],
        lines=[
            dict(product="a", producer="x", quantity=1, unit_price="10.00", taxed=True),
            dict(product="b", producer="y", quantity=1, unit_price="10.00", taxed=True),
        ],
        totals=("20.00", "0.00", "0.00", "3.00", "0.00", "23.00"),
    ),
    # the surcharge comes after the taxes: VAT 20% of 10.00 = 2.00; +1.50 → 13.50
    "a surcharge comes last and is not taxed": dict(
        rules=[dict(usage="surcharge", method="fixed_amount", value=D("1.50"))],
        lines=[dict(quantity=1, unit_price="10.00", taxed=True)],
        totals=("10.00", "1.50", "0.00", "2.00", "0.00", "13.50"),
    ),
    # coupon 5.00 off first: 50.00 → 45.00; then the 10% discount on the net: 4.50 → 40.50
    "the coupon applies before discounts": dict(
        rules=[dict(value=10)],
        coupon=dict(method="fixed_amount", value=D("5.00")),
        lines=[dict(quantity=1, unit_price="50.00")],
        totals=("50.00", "-9.50", "0.00", "0.00", "0.00", "40.50"),
    ),
    # a 5.00 GBP rule does not apply to a EUR order
    "a rule in another currency does not apply": dict(
        rules=[dict(method="fixed_amount", value=D("5.00"), currency="GBP")],
        lines=[dict(quantity=1, unit_price="50.00")],
        totals=("50.00", "0.00", "0.00", "0.00", "0.00", "50.00"),
    ),
    # the rule's window ended yesterday
    "an expired rule does not apply": dict(
        rules=[dict(value=10, valid_until="yesterday")],
        lines=[dict(quantity=1, unit_price="50.00")],
        totals=("50.00", "0.00", "0.00", "0.00", "0.00", "50.00"),
    ),
    # a fixed 80.00 off a 50.00 order is capped at 50.00: the order cannot go below zero
    "a discount never takes an item below zero": dict(
        rules=[dict(method="fixed_amount", value=D("80.00"))],
        lines=[dict(quantity=1, unit_price="20.00"), dict(quantity=1, unit_price="30.00")],
        totals=("50.00", "-50.00", "0.00", "0.00", "0.00", "0.00"),
        items=["-20.00", "-30.00"],
    ),
}


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_worked_example(world, name):
    example = EXAMPLES[name]
    for fields in example["rules"]:
        fields = dict(fields)
        if fields.get("valid_until") == "yesterday":
            fields["valid_until"] = timezone.now() - timedelta(days=1)
        world.rule(**fields)
    order = world.order(example["lines"])
    if "coupon" in example:
        coupon_rule = world.rule(usage="coupon", **example["coupon"])
        coupon = CouponFactory(rule=coupon_rule, code="WELCOME")
        order_coupon_apply(order_id=order.pk, code="welcome", actor=world.actor)
        order.refresh_from_db()

    assert order_figures(order) == tuple(D(value) for value in example["totals"])
    if "items" in example:
        adjustments = list(
            OrderItem.objects.filter(order=order)
            .order_by("pk")
            .values_list("total_adjustment", flat=True)
        )
        assert adjustments == [D(value) for value in example["items"]]
    if "coupon" in example:
        coupon.refresh_from_db()
        assert coupon.times_used == 1


def test_session_condition_and_session_scope(world):
    this_week = SaleSessionFactory(trader=world.trader)
    last_week = SaleSessionFactory(trader=world.trader)
    world.rule(value=10, sales_session=last_week)  # another session's: does not qualify
    world.rule(value=5, sales_session=this_week)  # this session's order rule: 5% of 40.00
    order = world.order([dict(quantity=4, unit_price="10.00")], sales_session=this_week)
    # 40.00 − 2.00 = 38.00
    assert (order.total_adjustment, order.grand_total) == (D("-2.00"), D("38.00"))
