"""The pure pricing engine: spreading, rounding, and properties over random orders and rules."""

from collections import defaultdict
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from discounts.models import REDUCING_USAGES, Usage
from discounts.services.engine import Band, Line, Rule, money, price_order, spread


def test_money_rounds_half_up_away_from_zero():
    assert money(D("0.105")) == D("0.11")
    assert money(D("-0.105")) == D("-0.11")
    assert money(D("0.104999")) == D("0.10")


def test_spread_gives_the_remainder_to_the_last_item():
    # 10.00 / 3 = 3.333 → 3.33, 3.33, and 10.00 − 6.66 = 3.34
    assert spread(D("10.00"), [D(1), D(1), D(1)]) == [D("3.33"), D("3.33"), D("3.34")]


def test_spread_never_leaves_the_last_item_negative():
    # 0.15 over ten equal items: 0.015 rounds up to 0.02 nine times = 0.18 > 0.15; the
    # overshoot is taken back from the earlier items, last first, so nothing goes below zero.
    shares = spread(D("0.15"), [D(1)] * 10)
    assert sum(shares) == D("0.15")
    assert min(shares) >= 0
    assert shares[-1] == D("0.00")


def test_spread_respects_caps():
    # 0.02 over three 0.01 items: 0.0067 → 0.01, 0.01, remainder 0.00: within the caps.
    assert spread(D("0.02"), [D("0.01")] * 3, [D("0.01")] * 3) == [D("0.01"), D("0.01"), D(0)]
    # An amount near the whole: 1.00 + 0.01 → the last item cannot take more than 0.01.
    shares = spread(D("1.00"), [D("1.00"), D("0.01")], [D("1.00"), D("0.01")])
    assert shares == [D("0.99"), D("0.01")]


def test_spread_with_no_weight_spreads_evenly():
    assert spread(D("1.00"), [D(0), D(0)]) == [D("0.50"), D("0.50")]


def test_two_percentages_on_net_and_on_non_discounted_price():
    line = Line(id=1, quantity=D(1), unit_price=D("100.00"), total_product=D("100.00"))
    for basis, expected in (("non_discounted", D("-20.00")), ("net", D("-19.00"))):
        rules = [
            Rule(id=i, name="10%", usage="discount", method="percentage", value=D(10), priority=i,
                 price_basis=basis)
            for i in (1, 2)
        ]  # fmt: skip
        pricing = price_order([line], rules)
        assert pricing.line_totals[1].total_adjustment == expected, basis


# --- properties ------------------------------------------------------------------------------

amounts = st.decimals(min_value=D("0.01"), max_value=D("250.00"), places=2)
quantities = st.integers(min_value=1, max_value=25).map(D)


@st.composite
def lines_strategy(draw):
    count = draw(st.integers(min_value=1, max_value=8))
    lines = []
    for index in range(count):
        quantity = draw(quantities)
        unit_price = draw(st.decimals(min_value=D("0.00"), max_value=D("40.00"), places=2))
        lines.append(
            Line(
                id=index + 1,
                quantity=quantity,
                unit_price=unit_price,
                total_product=money(quantity * unit_price),
                weight=quantity * D("0.250"),
                product_id=draw(st.sampled_from([1, 2, 3])),
                producer_id=draw(st.sampled_from([10, 11])),
                tax_category_id=draw(st.sampled_from([None, 100])),
                tax_rate=draw(st.sampled_from([D(0), D("5.50"), D(20)])),
                shipping_mode_id=draw(st.sampled_from([None, 50])),
                shipping_tax_category_id=100,
                shipping_tax_rate=D(20),
            )
        )
    return lines


@st.composite
def rule_strategy(draw, rule_id):
    usage = draw(st.sampled_from(["coupon", "discount", "discount", "shipping", "surcharge"]))
    scope = draw(st.sampled_from(["order", "item", "product", "producer"]))
    methods = ["percentage", "fixed_amount"]
    if usage in ("coupon", "discount") and scope != "order":
        methods.append("fixed_price")
    method = draw(st.sampled_from(methods))
    value = (
        draw(st.decimals(min_value=D(0), max_value=D(100), places=2))
        if method == "percentage"
        else draw(amounts)
    )
    bands = ()
    lookup = None
    if usage == "shipping" and draw(st.booleans()):
        lookup = draw(st.sampled_from(["quantity", "weight", "price"]))
        starts = sorted(draw(st.sets(st.integers(0, 120), min_size=1, max_size=4)))
        bands = tuple(Band(D(s), draw(st.decimals(D(0), D(30), places=2))) for s in starts)
    return Rule(
        id=rule_id,
        name=f"rule {rule_id}",
        usage=usage,
        method=method,
        scope=scope,
        value=value,
        product_id=draw(st.sampled_from([1, 2, 3])),
        producer_id=draw(st.sampled_from([10, 11])),
        shipping_mode_id=50,
        scale_lookup=lookup,
        bands=bands,
        minimum_order_total=draw(st.one_of(st.none(), amounts)),
        threshold_basis=draw(st.sampled_from(["net", "non_discounted"])),
        minimum_quantity=draw(st.one_of(st.none(), quantities)),
        price_basis=draw(st.sampled_from(["net", "non_discounted"])),
        priority=draw(st.integers(0, 5)),
        is_exclusive=draw(st.booleans()),
        exempt_tax_category_ids=draw(st.sampled_from([frozenset(), frozenset({100})])),
    )


@st.composite
def orders_strategy(draw):
    lines = draw(lines_strategy())
    count = draw(st.integers(min_value=0, max_value=6))
    rules = [draw(rule_strategy(rule_id)) for rule_id in range(1, count + 1)]
    return lines, rules


@settings(max_examples=400, deadline=None)
@given(orders_strategy())
def test_properties_of_any_pricing(order):
    lines, rules = order
    pricing = price_order(lines, rules)

    reductions: dict[int, D] = defaultdict(D)
    by_rule_items: dict[tuple, D] = defaultdict(D)
    for adjustment in pricing.item_adjustments:
        assert adjustment.amount == money(adjustment.amount)  # rounded to the cent
        if adjustment.usage in REDUCING_USAGES:
            assert adjustment.amount < 0
            reductions[adjustment.line_id] += adjustment.amount
        else:
            assert adjustment.amount > 0
        key = (adjustment.usage, adjustment.rule_id, adjustment.sequence)
        by_rule_items[key] += adjustment.amount

    # 0 <= discounted <= original on every line
    for line in lines:
        discounted = line.total_product + reductions[line.id]
        assert D(0) <= discounted <= line.total_product

    # item adjustments add up exactly to the order adjustments, rule by rule
    by_rule_order = {(a.usage, a.rule_id, a.sequence): a.amount for a in pricing.order_adjustments}
    assert by_rule_items == by_rule_order

    # each line's totals are its adjustments summed by usage
    for line in lines:
        totals = pricing.line_totals[line.id]
        mine = [a for a in pricing.item_adjustments if a.line_id == line.id]

        def total(usages, mine=mine):
            return sum((a.amount for a in mine if a.usage in usages), D(0))

        assert totals.total_adjustment == total({Usage.COUPON, Usage.DISCOUNT, Usage.SURCHARGE})
        assert totals.total_shipping == total({Usage.SHIPPING})
        assert totals.total_tax == total({Usage.SALES_TAX})
        assert totals.total_shipping_tax == total({Usage.SHIPPING_TAX})
        if line.shipping_mode_id is None:
            assert totals.total_shipping == 0

    # deterministic: the same input prices the same
    assert price_order(lines, rules) == pricing


def test_session_scope_takes_only_the_items_offered_in_that_session():
    # 10% on items offered in session 7: the first line (session 7) 1.00 off, the other none
    lines = [
        Line(id=1, quantity=D(1), unit_price=D(10), total_product=D("10.00"), session_id=7),
        Line(id=2, quantity=D(1), unit_price=D(10), total_product=D("10.00"), session_id=8),
    ]
    rule = Rule(
        id=1, name="Session", usage="discount", method="percentage", scope="session",
        value=D(10), session_id=7,
    )  # fmt: skip
    pricing = price_order(lines, [rule], order_session_id=8)
    assert [pricing.line_totals[i].total_adjustment for i in (1, 2)] == [D("-1.00"), D(0)]
