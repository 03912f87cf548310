"""Rules and coupons refuse bad values (form errors in the admin, constraints in the database);
the admin manages them; the order page shows the pricing; the codec's selector sums discounts."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from discounts.models import CalculationRule, Coupon
from discounts.selectors import order_discount_totals
from orders.services.coupons import order_coupon_apply
from tests.factories import CalculationRuleFactory, CouponFactory, ProducerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (dict(value=D("-5")), "cannot be negative"),
        (dict(value=D("120")), "A percentage is at most 100"),
        (dict(method="fixed_amount", currency=""), "needs a currency"),
        (dict(currency="eur"), "three-letter ISO code"),
        (dict(scope="product"), "Product scope needs a product"),
        (dict(method="fixed_price", scope="order"), "not on the order as a whole"),
        (dict(usage="shipping"), "names its shipping mode"),
        (dict(minimum_order_total=D("100"), currency=""), "minimum order total"),
    ],
)
def test_bad_rule_is_a_validation_error_and_a_database_error(fields, message):
    rule = CalculationRuleFactory.build(trader=CalculationRuleFactory().trader, **fields)
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert message in str(error.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        rule.save()
    assert CalculationRule.objects.count() == 1  # only the factory's trader-making rule


def test_rule_belongs_to_a_trader():
    producer = ProducerFactory()
    rule = CalculationRuleFactory.build(trader=producer)
    with pytest.raises(ValidationError, match="Rules belong to a trader"):
        rule.full_clean()


def test_coupon_code_is_unique_per_trader_whatever_the_case():
    coupon = CouponFactory(code="SUMMER")
    duplicate = Coupon(trader=coupon.trader, rule=coupon.rule, code="summer")
    with pytest.raises(ValidationError, match="already has a coupon with this code"):
        duplicate.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()


def test_coupon_needs_a_coupon_rule():
    rule = CalculationRuleFactory(usage="discount")
    with pytest.raises(ValidationError, match="usage is coupon"):
        Coupon(trader=rule.trader, rule=rule, code="X").full_clean()


def post_rule_form(client, **fields):
    """Submit the admin's add-rule form: a 10% order discount unless `fields` say otherwise."""
    form = {
        "trader": CalculationRuleFactory().trader.pk,
        "name": "Rule",
        "usage": "discount",
        "method": "percentage",
        "value": "10",
        "currency": "EUR",
        "scope": "order",
        "threshold_basis": "non_discounted",
        "price_basis": "net",
        "priority": "100",
        "is_active": "on",
    }
    return client.post(reverse("admin:discounts_calculationrule_add"), {**form, **fields})


def test_admin_refuses_a_negative_percentage_with_a_form_error(client, staff_user):
    client.force_login(staff_user)
    response = post_rule_form(client, name="Broken", value="-5")
    assert response.status_code == 200
    assert "cannot be negative" in response.content.decode()
    assert not CalculationRule.objects.filter(name="Broken").exists()


def test_admin_creates_a_rule_and_lists_pricing_pages(client, staff_user):
    client.force_login(staff_user)
    response = post_rule_form(client, name="5% over 100", value="5", minimum_order_total="100")
    assert response.status_code == 302
    assert CalculationRule.objects.get(name="5% over 100").minimum_order_total == D("100")
    CouponFactory(code="SPRING")
    for name in ("calculationrule", "coupon", "shippingscale", "shippingmode", "taxcategory"):
        page = client.get(reverse(f"admin:discounts_{name}_changelist"))
        assert page.status_code == 200, name
    assert "SPRING" in client.get(reverse("admin:discounts_coupon_changelist")).content.decode()


def test_order_page_shows_item_adjustments_and_the_breakdown(client, staff_user, world):
    world.rule(value=10, name="Ten off")
    world.rule(usage="shipping", method="fixed_amount", value=D("3.00"), name="Van")
    order = world.order([dict(quantity=2, unit_price="10.00", taxed=True, shipped=True)])
    client.force_login(staff_user)
    body = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    # 20.00 − 2.00 = 18.00, VAT 3.60; shipping 3.00, shipping VAT 0.60 → 25.20
    for text in (
        "Ten off (discount): -2.00",
        "Van (shipping): 3.00",
        "Sales tax 20.00% (sales tax): 3.60",
        "Shipping tax 20.00% (shipping tax): 0.60",
        "Discount: Ten off</td><td>-2.00",
        "25.20",
    ):
        assert text in body, text


def test_discount_totals_for_the_dfc_codec(world):
    world.rule(value=10, priority=1)
    world.rule(usage="surcharge", method="fixed_amount", value=D("1.00"))  # not a discount
    coupon_rule = world.rule(usage="coupon", scope="item", method="fixed_amount", value=D("0.50"))
    CouponFactory(rule=coupon_rule, code="HALF")
    order = world.order(
        [dict(quantity=1, unit_price="10.00"), dict(quantity=2, unit_price="10.00")]
    )
    order_coupon_apply(order_id=order.pk, code="HALF", actor=world.actor)
    first, second = order.items.order_by("pk")

    total, per_item = order_discount_totals(order)

    # coupon first: 0.50 a unit → 0.50 and 1.00; then 10% of the net 9.50 + 19.00 = 28.50
    # = 2.85, spread 28.50 → 9.50/28.50 × 2.85 = 0.95 and 1.90
    assert per_item == {first.pk: D("1.45"), second.pk: D("2.90")}
    assert total == D("4.35")
    assert all(isinstance(value, D) for value in per_item.values())


def test_discount_totals_are_zero_without_discounts(world):
    order = world.order([dict(quantity=1, unit_price="10.00")])
    total, per_item = order_discount_totals(order)
    assert (total, list(per_item.values())) == (D("0.00"), [D("0.00")])
    assert str(total) == "0.00"
