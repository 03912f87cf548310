"""Builders for pricing tests: an order built through the real item services, priced by them."""

from decimal import Decimal

import pytest

from discounts.models import CalculationRule, ShippingScale, ShippingScaleBand
from orders.services.items import order_create, order_item_add
from tests.factories import (
    CustomerFactory,
    ProducerFactory,
    ProductFactory,
    ShippingModeFactory,
    TaxCategoryFactory,
    TraderFactory,
)


class PricingWorld:
    """A trader with named products, producers, a 20% VAT category and a shipping mode whose
    charges carry 20% shipping tax; `order()` builds a cart through order_item_add."""

    def __init__(self, actor) -> None:
        self.actor = actor
        self.trader = TraderFactory()
        self.customer = CustomerFactory(trader=self.trader)
        self.vat = TaxCategoryFactory(rate=Decimal("20.00"))
        self.shipping_vat = TaxCategoryFactory(rate=Decimal("20.00"))
        self.mode = ShippingModeFactory(tax_category=self.shipping_vat)
        self.producers: dict[str, object] = {}
        self.products: dict[str, object] = {}

    def producer(self, key: str):
        if key not in self.producers:
            self.producers[key] = ProducerFactory()
        return self.producers[key]

    def product(self, key: str, *, taxed: bool = False, weight_kg=Decimal("0.500"), producer="x"):
        if key not in self.products:
            self.products[key] = ProductFactory(
                producer=self.producer(producer),
                tax_category=self.vat if taxed else None,
                weight_kg=weight_kg,
            )
        return self.products[key]

    def rule(self, **fields) -> CalculationRule:
        """A rule of this trader; `product`/`producer` may be keys, `scale` a
        (lookup, [(from_value, charge), ...]) pair, `exempt=True` exempts it from the VAT
        categories."""
        fields = dict(fields)
        exempt = fields.pop("exempt", False)
        if isinstance(fields.get("product"), str):
            fields["product"] = self.product(fields["product"])
        if isinstance(fields.get("producer"), str):
            fields["producer"] = self.producer(fields["producer"])
        scale = fields.pop("scale", None)
        if scale:
            lookup, bands = scale
            fields["shipping_scale"] = ShippingScale.objects.create(
                trader=self.trader, name="scale", lookup=lookup
            )
            for from_value, charge in bands:
                ShippingScaleBand.objects.create(
                    scale=fields["shipping_scale"],
                    from_value=Decimal(from_value),
                    charge=Decimal(charge),
                )
        if fields.get("usage") == "shipping":
            fields.setdefault("shipping_mode", self.mode)
        fields.setdefault("name", f"{fields.get('usage', 'discount')} {fields.get('value')}")
        fields.setdefault("currency", "EUR")
        fields.setdefault("scope", "order")
        fields.setdefault("method", "percentage")
        fields.setdefault("usage", "discount")
        rule = CalculationRule(trader=self.trader, **fields)
        rule.full_clean()
        rule.save()
        if exempt:
            rule.exempt_tax_categories.add(self.vat, self.shipping_vat)
        return rule

    def order(self, lines, *, currency="EUR", sales_session=None):
        order = order_create(
            trader=self.trader,
            currency=currency,
            customer=self.customer,
            sales_session=sales_session,
            actor=self.actor,
        )
        for line in lines:
            line = dict(line)
            product = self.product(
                line.pop("product", f"p{len(self.products)}"),
                taxed=line.pop("taxed", False),
                weight_kg=line.pop("weight_kg", Decimal("0.500")),
                producer=line.pop("producer", "x"),
            )
            shipped = line.pop("shipped", False)
            order_item_add(
                order_id=order.pk,
                product=product,
                quantity=Decimal(line.pop("quantity")),
                unit_price=Decimal(line.pop("unit_price")),
                shipping_mode=self.mode if shipped else None,
                actor=self.actor,
                **line,
            )
        order.refresh_from_db()
        return order


def order_figures(order) -> tuple:
    """(products, adjustments, shipping, tax, shipping tax, grand total) of an order."""
    return (
        order.total_product,
        order.total_adjustment,
        order.total_shipping,
        order.total_tax,
        order.total_shipping_tax,
        order.grand_total,
    )


@pytest.fixture
def world(system_actor) -> PricingWorld:
    return PricingWorld(system_actor)
