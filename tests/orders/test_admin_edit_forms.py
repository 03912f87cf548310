"""The customer-service edit panel through its forms (orders/admin/forms.py): what a person
types is checked by the step's form, the change is made by the step's service, and a refusal
is shown on the field it is about, on the order page again (400), with nothing written."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.admin.forms import EDIT_STEPS
from orders.models import Order
from tests.factories import (
    AddressFactory,
    CalculationRuleFactory,
    CouponFactory,
    SaleSessionFactory,
)
from tests.inventory.factories import customer_of, offer_with_stock, placed_with, stock_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def editing(client, staff_user, system_actor):
    """An order of 3 sourdough loaves (10 each), under an edit held by the logged-in agent."""
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="10", product__name="Sourdough loaf")
    customer = customer_of(session, name="Ada Lovelace", email="ada@example.org")
    order = placed_with(session, [(offer, "3")], customer=customer, actor=system_actor)
    client.force_login(staff_user)
    assert _post(client, order, "begin").status_code == 302
    return order, offer


def _post(client, order, step, **data):
    return client.post(reverse("admin:orders_order_edit_step", args=[order.pk, step]), data)


def _field_errors(body: str, html_id: str) -> list[str]:
    """The error messages rendered for one widget (Django's `<ul … id="<id>_error">`)."""
    found = re.search(rf'<ul class="errorlist" id="{re.escape(html_id)}_error">(.*?)</ul>', body)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def _unchanged(order, offer, *, quantity="3", reserved="3"):
    order.refresh_from_db()
    item = order.items.get()
    assert (item.quantity, stock_of(offer).reserved) == (Decimal(quantity), Decimal(reserved))


def test_a_quantity_that_is_no_number_is_shown_on_its_field(client, editing):
    order, offer = editing
    item = order.items.get()
    events = order.events.count()

    response = _post(client, order, "quantity", item=item.pk, quantity="three")

    assert response.status_code == 400
    body = response.content.decode()
    field = f"edit-quantity-{item.pk}-quantity"
    assert _field_errors(body, field) == ["Enter a number."]
    widget = re.search(rf'<input [^>]*id="{field}"[^>]*>', body).group(0)
    assert 'aria-invalid="true"' in widget
    assert 'value="three"' in widget
    assert f'form="edit-quantity-{item.pk}"' in widget
    assert "The form was incomplete or not a number." not in body
    _unchanged(order, offer)
    assert order.events.count() == events


def test_a_quantity_the_service_refuses_is_shown_on_its_field_too(client, editing):
    order, offer = editing
    item = order.items.get()

    zero = _post(client, order, "quantity", item=item.pk, quantity="0")
    too_many = _post(client, order, "quantity", item=item.pk, quantity="11")

    field = f"edit-quantity-{item.pk}-quantity"
    assert zero.status_code == too_many.status_code == 400
    assert _field_errors(zero.content.decode(), field) == [
        "Quantity must be greater than zero, got 0."
    ]
    [short] = _field_errors(too_many.content.decode(), field)
    assert "Sourdough loaf" in short
    assert "available" in short
    _unchanged(order, offer)


def test_a_step_s_other_refusals_are_shown_on_their_fields(client, editing):
    order, offer = editing
    extra = offer_with_stock(SaleSessionFactory(), product__name="Elsewhere")  # other session

    add = _post(client, order, "add", offer=extra.pk, quantity="1").content.decode()
    discount = _post(client, order, "discount", value="5", kind="amount", reason=" ").content
    coupon = _post(client, order, "coupon", code="NOPE").content.decode()

    assert _field_errors(add, "edit-add-offer") == [
        "Not an offer of this order&#x27;s sales session."
    ]
    assert _field_errors(discount.decode(), "edit-discount-reason") == [
        "A manual discount needs a reason."
    ]
    assert "No coupon" in " ".join(_field_errors(coupon, "edit-coupon-code"))
    huge = _post(client, order, "discount", value="1e30", kind="amount", reason="big")
    assert huge.status_code == 400
    assert _field_errors(huge.content.decode(), "edit-discount-value") == [
        "Ensure that there are no more than 12 digits in total."
    ]
    _unchanged(order, offer)


def test_an_item_that_is_not_the_order_s_is_refused_above_the_form(client, editing, system_actor):
    order, offer = editing
    other = placed_with(order.sales_session, [(offer, "1")], actor=system_actor)

    response = _post(client, order, "remove", item=other.items.get().pk)

    assert response.status_code == 400
    errors = response.content.decode().split('id="edit-errors"')[1].split("</ul>")[0]
    assert "This item is no longer on the order." in errors
    _unchanged(order, offer, reserved="4")


def test_every_step_works_end_to_end_through_the_admin(client, editing, mailoutbox):
    order, offer = editing
    item = order.items.get()
    home = AddressFactory(customer=order.customer, line1="7 Mill Lane")
    rye = offer_with_stock(order.sales_session, on_hand="5", product__name="Rye bread")
    coupon = CouponFactory(
        trader=order.trader,
        code="SPRING",
        rule=CalculationRuleFactory(
            trader=order.trader, usage="coupon", method="fixed_amount", value=Decimal("2")
        ),
    )
    steps = [
        ("quantity", {"item": item.pk, "quantity": "4"}),
        ("add", {"offer": rye.pk, "quantity": "2"}),
        ("addresses", {"billing_address": home.pk, "shipping_address": ""}),
        ("ship_to", {"item": item.pk, "shipping_address": home.pk}),
        ("coupon", {"code": "spring"}),
        ("coupon_remove", {"code": coupon.code}),
        ("discount", {"value": "10", "kind": "percent", "reason": "late delivery"}),
        ("note", {"note": "Called: leave it at the back door"}),
        ("notify_ready", {}),
        ("notify_payment", {}),
    ]
    for step, data in steps:
        response = _post(client, order, step, **data)
        assert response.status_code == 302, (step, response.content.decode()[-2000:])
    rule = order.manual_rules.get()
    assert _post(client, order, "discount_remove", rule=rule.pk).status_code == 302
    rye_item = order.items.get(product_name="Rye bread")
    assert _post(client, order, "remove", item=rye_item.pk).status_code == 302
    assert {step for step, _ in steps} | {"discount_remove", "remove"} == set(EDIT_STEPS)

    order.refresh_from_db()
    assert order.billing_address == home
    assert order.items.get().quantity == Decimal("4")
    assert order.sub_orders.get().shipping_address == home
    assert not order.coupon_redemptions.exists()
    assert not order.manual_rules.filter(is_active=True).exists()
    assert order.events.filter(kind="note", data__staff_note=True).exists()
    assert set(
        order.events.filter(data__has_key="notification").values_list(
            "data__notification", flat=True
        )
    ) == {"ready_for_pickup", "payment_problem"}
    assert stock_of(offer).reserved == Decimal("4")
    assert stock_of(rye).reserved == Decimal("0")
    assert _post(client, order, "commit").status_code == 302
    assert Order.objects.get(pk=order.pk).status == "C"


def test_the_panel_s_widgets_come_from_the_forms_and_carry_no_inline_style(client, editing):
    order, _ = editing
    body = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    panel = body[body.index('id="order-edit"') : body.index('id="order-items"')]

    for html_id in ("edit-add-offer", "edit-addresses-billing_address", "edit-coupon-code"):
        assert f'id="{html_id}"' in panel
    assert 'id="edit-discount-reason"' in panel
    assert "required" in panel
    assert "style=" not in panel
    assert "orders/order_page.css" in body
