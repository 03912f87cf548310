"""The pricing engine: pure functions over plain data, no database.

`price_order` applies a trader's calculation rules to an order's lines in WebSphere Commerce's
calculation order: coupons, discounts, shipping, sales tax, shipping tax, then surcharges.
discounts/services/pricing.py loads the data, calls it and writes what it returns.

Money is rounded in one place, `money` (half up to the cent): every amount a rule computes is
rounded once, when it is computed. An amount computed for the whole order (an order-scope
rule, a shipping charge for a group of items) is rounded once and then spread over the items
by `spread`, which gives each item its rounded share and the last item the remainder, so the
items add up exactly to the order figure.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict

from config.money import money
from discounts.models import (
    REDUCING_USAGES,
    Method,
    PriceBasis,
    Scope,
    ShippingScale,
    Usage,
)

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


USAGE_TOTALS: dict[str, str] = {
    Usage.COUPON: "total_adjustment",
    Usage.DISCOUNT: "total_adjustment",
    Usage.SURCHARGE: "total_adjustment",
    Usage.SHIPPING: "total_shipping",
    Usage.SALES_TAX: "total_tax",
    Usage.SHIPPING_TAX: "total_shipping_tax",
}


def percent_of(base: Decimal, percent: Decimal) -> Decimal:
    return money(base * percent / HUNDRED)


@dataclass(frozen=True)
class Line:
    """What pricing needs to know of an order item."""

    id: int
    quantity: Decimal
    unit_price: Decimal
    total_product: Decimal  # quantity × unit price, rounded by orders.services.items.line_total
    weight: Decimal = ZERO  # quantity × the product's unit weight, kg
    product_id: int | None = None
    producer_id: int | None = None
    session_id: int | None = None  # the session of the item's offer
    tax_category_id: int | None = None
    tax_rate: Decimal = ZERO
    shipping_mode_id: int | None = None
    shipping_tax_category_id: int | None = None
    shipping_tax_rate: Decimal = ZERO


@dataclass(frozen=True)
class Band:
    from_value: Decimal
    charge: Decimal


@dataclass(frozen=True)
class Rule:
    """A calculation rule as the engine sees it (see discounts.models.CalculationRule)."""

    id: int
    name: str
    usage: str
    method: str
    scope: str = Scope.ORDER
    value: Decimal = ZERO
    product_id: int | None = None
    producer_id: int | None = None
    session_id: int | None = None
    shipping_mode_id: int | None = None
    scale_lookup: str | None = None  # ShippingScale.Lookup, when the rule has a scale
    bands: tuple[Band, ...] = ()
    minimum_order_total: Decimal | None = None
    threshold_basis: str = PriceBasis.NON_DISCOUNTED
    minimum_quantity: Decimal | None = None
    price_basis: str = PriceBasis.NET
    priority: int = 100
    is_exclusive: bool = False
    exempt_tax_category_ids: frozenset[int] = frozenset()
    coupon_id: int | None = None  # for a coupon rule: the coupon that brought it in


@dataclass(frozen=True, kw_only=True)
class OrderAdjustment:
    """One rule's (or one tax rate's) effect on the order: the sum of its item adjustments."""

    usage: str
    amount: Decimal
    description: str
    sequence: int
    rule_id: int | None = None
    coupon_id: int | None = None
    tax_category_id: int | None = None


class _AdjustmentFields(TypedDict):
    """What an order adjustment and its item adjustments have in common."""

    usage: str
    description: str
    sequence: int
    rule_id: int | None
    coupon_id: int | None
    tax_category_id: int | None


@dataclass(frozen=True, kw_only=True)
class Adjustment(OrderAdjustment):
    """The same effect on one line."""

    line_id: int


@dataclass
class LineTotals:
    """An item's totals, named as on OrderItem."""

    total_adjustment: Decimal = ZERO
    total_shipping: Decimal = ZERO
    total_tax: Decimal = ZERO
    total_shipping_tax: Decimal = ZERO


@dataclass
class Pricing:
    item_adjustments: list[Adjustment] = field(default_factory=list)
    order_adjustments: list[OrderAdjustment] = field(default_factory=list)
    line_totals: dict[int, LineTotals] = field(default_factory=dict)


def spread(
    amount: Decimal, weights: Sequence[Decimal], caps: Sequence[Decimal] | None = None
) -> list[Decimal]:
    """Split `amount` (>= 0, already rounded) over lines in proportion to `weights`.

    Every line but the last gets its share rounded by `money`; the last gets the remainder, so
    the parts add up to `amount` exactly. With `caps` (the most each line can take, their sum at
    least `amount`), a remainder that would push the last line past its cap or below zero is
    moved back onto the earlier lines, last first, so every share stays within [0, cap].
    """
    count = len(weights)
    total_weight = sum(weights, ZERO)
    if count == 0 or amount == 0:
        return [ZERO] * count
    if total_weight <= 0:
        weights, total_weight = [Decimal(1)] * count, Decimal(count)
    shares = [money(amount * weight / total_weight) for weight in weights[:-1]]
    shares.append(amount - sum(shares, ZERO))
    if caps is not None:
        shares = [min(share, cap) for share, cap in zip(shares, caps, strict=True)]
        excess = amount - sum(shares, ZERO)
        for index in reversed(range(count)):
            if excess <= 0:
                break
            take = min(excess, caps[index] - shares[index])
            shares[index] += take
            excess -= take
    deficit = -min(shares[-1], ZERO)
    shares[-1] += deficit
    for index in reversed(range(count - 1)):
        if deficit <= 0:
            break
        take = min(deficit, shares[index])
        shares[index] -= take
        deficit -= take
    return shares


class _Run:
    """The state of one pricing run: the lines' net prices and the adjustments so far."""

    def __init__(
        self, lines: Sequence[Line], rules: Sequence[Rule], order_session_id: int | None
    ) -> None:
        self.lines = list(lines)
        self.rules = sorted(rules, key=lambda rule: (rule.priority, rule.id))
        # Keyed by an adjustment's rule_id: None (no rule) is exempt from nothing.
        self.exempt: dict[int | None, frozenset[int]] = {
            rule.id: rule.exempt_tax_category_ids for rule in rules
        }
        self.order_session_id = order_session_id
        self.net = {line.id: line.total_product for line in self.lines}
        self.result = Pricing(line_totals={line.id: LineTotals() for line in self.lines})
        self.sequence = 0
        # Per usage: lines touched by a rule of that usage, lines closed by an exclusive rule.
        self.touched: dict[str, set[int]] = defaultdict(set)
        self.closed: dict[str, set[int]] = defaultdict(set)

    # --- what a rule applies to ------------------------------------------------------------

    def qualifies(self, rule: Rule) -> bool:
        if rule.session_id is not None and rule.scope != Scope.SESSION:
            if rule.session_id != self.order_session_id:
                return False
        if rule.minimum_order_total is not None:
            if rule.threshold_basis == PriceBasis.NON_DISCOUNTED:
                order_total = sum((line.total_product for line in self.lines), ZERO)
            else:
                order_total = sum(self.net.values(), ZERO)
            if order_total < rule.minimum_order_total:
                return False
        if rule.minimum_quantity is not None and rule.scope == Scope.ORDER:
            if sum((line.quantity for line in self.lines), ZERO) < rule.minimum_quantity:
                return False
        return True

    def in_scope(self, rule: Rule, line: Line) -> bool:
        if rule.usage == Usage.SHIPPING and line.shipping_mode_id != rule.shipping_mode_id:
            return False
        if rule.scope == Scope.PRODUCT and line.product_id != rule.product_id:
            return False
        if rule.scope == Scope.PRODUCER and line.producer_id != rule.producer_id:
            return False
        if rule.scope == Scope.SESSION and line.session_id != rule.session_id:
            return False
        if rule.scope != Scope.ORDER and rule.minimum_quantity is not None:
            if line.quantity < rule.minimum_quantity:
                return False
        return True

    def target_lines(self, rule: Rule) -> list[Line]:
        """The lines a rule applies to: in its scope, and open to it given exclusivity within
        its usage (an exclusive rule takes only untouched items and closes them to later rules;
        at order scope it applies only if none of its items was touched)."""
        touched, closed = self.touched[rule.usage], self.closed[rule.usage]
        lines = [ln for ln in self.lines if self.in_scope(rule, ln) and ln.id not in closed]
        if rule.is_exclusive:
            if rule.scope == Scope.ORDER and any(ln.id in touched for ln in lines):
                return []
            lines = [ln for ln in lines if ln.id not in touched]
        return lines

    def base(self, rule: Rule, line: Line) -> Decimal:
        if rule.price_basis == PriceBasis.NON_DISCOUNTED:
            return line.total_product
        return self.net[line.id]

    # --- recording -------------------------------------------------------------------------

    def record(
        self,
        amounts: dict[int, Decimal],
        order_amount: Decimal,
        *,
        usage: str,
        description: str,
        rule_id: int | None = None,
        coupon_id: int | None = None,
        tax_category_id: int | None = None,
        exclusive: bool = False,
    ) -> None:
        """Record item adjustments and their order adjustment (their sum), and update the
        lines' totals and net prices."""
        amounts = {line_id: amount for line_id, amount in amounts.items() if amount != 0}
        if not amounts:
            return
        self.sequence += 1
        common: _AdjustmentFields = {
            "usage": usage,
            "description": description,
            "sequence": self.sequence,
            "rule_id": rule_id,
            "coupon_id": coupon_id,
            "tax_category_id": tax_category_id,
        }
        total_name = USAGE_TOTALS[usage]
        for line_id, amount in amounts.items():
            self.result.item_adjustments.append(
                Adjustment(line_id=line_id, amount=amount, **common)
            )
            totals = self.result.line_totals[line_id]
            setattr(totals, total_name, getattr(totals, total_name) + amount)
            if usage in REDUCING_USAGES:
                self.net[line_id] += amount
            self.touched[usage].add(line_id)
            if exclusive:
                self.closed[usage].add(line_id)
        self.result.order_adjustments.append(OrderAdjustment(amount=order_amount, **common))

    def record_rule(self, rule: Rule, amounts: dict[int, Decimal], order_amount: Decimal) -> None:
        self.record(
            amounts,
            order_amount,
            usage=rule.usage,
            description=rule.name,
            rule_id=rule.id,
            coupon_id=rule.coupon_id,
            exclusive=rule.is_exclusive,
        )

    # --- coupons, discounts, surcharges ----------------------------------------------------

    def apply_price_rule(self, rule: Rule) -> None:
        if not self.qualifies(rule):
            return
        lines = self.target_lines(rule)
        if not lines:
            return
        reducing = rule.usage in REDUCING_USAGES
        if rule.scope == Scope.ORDER:
            capacity = [self.net[line.id] for line in lines]
            if rule.method == Method.PERCENTAGE:
                amount = percent_of(sum((self.base(rule, ln) for ln in lines), ZERO), rule.value)
            else:  # FIXED_AMOUNT: for the order as a whole
                amount = money(rule.value)
            if reducing:
                amount = min(amount, sum(capacity, ZERO))
                shares = spread(amount, capacity, capacity)
            else:
                shares = spread(amount, capacity)
            sign = -1 if reducing else 1
            amounts = {ln.id: sign * share for ln, share in zip(lines, shares, strict=True)}
            self.record_rule(rule, amounts, sign * amount)
            return
        amounts = {}
        for line in lines:
            if rule.method == Method.PERCENTAGE:
                amount = percent_of(self.base(rule, line), rule.value)
            elif rule.method == Method.FIXED_AMOUNT:  # per unit
                amount = money(rule.value * line.quantity)
            else:  # FIXED_PRICE: the line costs value × quantity, unless already cheaper
                amount = max(self.net[line.id] - money(rule.value * line.quantity), ZERO)
            amounts[line.id] = -min(amount, self.net[line.id]) if reducing else amount
        self.record_rule(rule, amounts, sum(amounts.values(), ZERO))

    # --- shipping --------------------------------------------------------------------------

    def lookup_value(self, rule: Rule, lines: Sequence[Line]) -> list[Decimal]:
        if rule.scale_lookup == ShippingScale.Lookup.QUANTITY:
            return [line.quantity for line in lines]
        if rule.scale_lookup == ShippingScale.Lookup.WEIGHT:
            return [line.weight for line in lines]
        return [self.base(rule, line) for line in lines]

    def charge(self, rule: Rule, lines: Sequence[Line], values: Sequence[Decimal]) -> Decimal:
        """The charge for a group of lines: from the scale band the lookup falls in, or the
        rule's own value; a percentage is of the price (by the rule's price basis)."""
        rate = rule.value
        if rule.bands:
            looked_up = sum(values, ZERO)
            matching = [band for band in rule.bands if band.from_value <= looked_up]
            if not matching:
                return ZERO
            rate = max(matching, key=lambda band: band.from_value).charge
        if rule.method == Method.PERCENTAGE:
            return percent_of(sum((self.base(rule, line) for line in lines), ZERO), rate)
        return money(rate)

    def apply_shipping_rule(self, rule: Rule) -> None:
        if not self.qualifies(rule):
            return
        lines = self.target_lines(rule)
        if not lines:
            return
        if rule.scope == Scope.ORDER:
            # One charge for all the order's items of this shipping mode.
            values = self.lookup_value(rule, lines)
            amount = self.charge(rule, lines, values)
            shares = spread(amount, values)
            amounts = {ln.id: share for ln, share in zip(lines, shares, strict=True)}
            self.record_rule(rule, amounts, amount)
            return
        amounts = {ln.id: self.charge(rule, [ln], self.lookup_value(rule, [ln])) for ln in lines}
        self.record_rule(rule, amounts, sum(amounts.values(), ZERO))

    # --- taxes -----------------------------------------------------------------------------

    def apply_taxes(self, tax_rules: Sequence[Rule], *, shipping: bool) -> None:
        """Sales tax (shipping=False) or shipping tax per line. The rate is the first qualifying
        tax rule's (by priority), else the line's category rate. An adjustment is taxable
        unless its rule is exempt from the line's tax category (shipping: the mode's)."""
        usage = Usage.SHIPPING_TAX if shipping else Usage.SALES_TAX
        taxed_usages = {Usage.SHIPPING} if shipping else REDUCING_USAGES
        by_line: dict[int, list[Adjustment]] = defaultdict(list)
        for adjustment in self.result.item_adjustments:
            if adjustment.usage in taxed_usages:
                by_line[adjustment.line_id].append(adjustment)
        qualifying = [rule for rule in tax_rules if self.qualifies(rule)]
        # (rate rule, tax category, rate) → line → tax
        per_key: dict[tuple[int | None, int | None, Decimal], dict[int, Decimal]] = defaultdict(
            dict
        )
        for line in self.lines:
            category = line.shipping_tax_category_id if shipping else line.tax_category_id
            rate_rule = next((r for r in qualifying if self.in_scope(r, line)), None)
            if rate_rule is not None:
                rate = rate_rule.value
            else:
                rate = line.shipping_tax_rate if shipping else line.tax_rate
            base = ZERO if shipping else line.total_product
            for adjustment in by_line[line.id]:
                if category is None or category not in self.exempt.get(adjustment.rule_id, ()):
                    base += adjustment.amount
            amount = percent_of(base, rate) if base > 0 else ZERO
            if amount == 0:
                continue
            key = (rate_rule.id if rate_rule else None, category, rate)
            per_key[key][line.id] = amount
        for (rule_id, category, rate), amounts in per_key.items():
            self.record(
                amounts,
                sum(amounts.values(), ZERO),
                usage=usage,
                description=f"{'Shipping tax' if shipping else 'Sales tax'} {rate}%",
                rule_id=rule_id,
                tax_category_id=category,
            )

    def run(self) -> Pricing:
        by_usage: dict[str, list[Rule]] = defaultdict(list)
        for rule in self.rules:
            by_usage[rule.usage].append(rule)
        for rule in by_usage[Usage.COUPON] + by_usage[Usage.DISCOUNT]:
            self.apply_price_rule(rule)
        for rule in by_usage[Usage.SHIPPING]:
            self.apply_shipping_rule(rule)
        self.apply_taxes(by_usage[Usage.SALES_TAX], shipping=False)
        self.apply_taxes(by_usage[Usage.SHIPPING_TAX], shipping=True)
        for rule in by_usage[Usage.SURCHARGE]:
            self.apply_price_rule(rule)
        return self.result


def price_order(
    lines: Sequence[Line], rules: Sequence[Rule], *, order_session_id: int | None = None
) -> Pricing:
    """Price an order's lines under `rules` (already filtered to the order's trader, currency,
    date and coupons). Deterministic: the same lines and rules give the same result."""
    return _Run(lines, rules, order_session_id).run()
