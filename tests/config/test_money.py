"""One rounding rule everywhere: half up to the currency's minor unit (config/money.py).

0.5 × 2.25 = 1.125 must read 1.13 on the customer's line, on the producer order, in the pick
list's CSV and PDF and on a manual discount; half-even rounding would give 1.12."""

import csv
import io
from decimal import Decimal

import pytest

from config.actors import Actor
from config.money import line_total, minor_unit, money
from orders.models import OrderItem, ProducerOrder
from orders.producer_orders.reports import producer_order_csv, producer_order_pdf
from orders.producer_orders.services import producer_orders_refresh
from orders.services.edit_changes import order_manual_discount_add
from orders.services.editing import order_edit_begin
from orders.services.items import order_item_add
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.inventory.factories import offer_with_stock, placed_with

HALF = Decimal("0.5")
PRICE = Decimal("2.25")


def test_money_rounds_half_up_to_the_minor_unit():
    assert money(Decimal("1.125")) == Decimal("1.13")
    assert money(Decimal("-1.125")) == Decimal("-1.13")
    assert money(Decimal("1.124999")) == Decimal("1.12")
    assert money(Decimal("2.5"), "JPY") == Decimal("3")
    assert money(Decimal("0.0005"), "KWD") == Decimal("0.001")
    assert minor_unit("eur") == Decimal("0.01")
    assert line_total(HALF, PRICE) == Decimal("1.13")


@pytest.mark.django_db
def test_half_a_unit_at_2_25_is_1_13_on_the_item_the_producer_order_and_its_exports():
    session = SaleSessionFactory()
    producer = ProducerFactory(name="Orchard Farm")
    cheese = ProductFactory(producer=producer, name="Comté by weight", unit_of_measure="kg")
    order = OrderFactory(
        trader=session.trader,
        sales_session=session,
        customer=CustomerFactory(trader=session.trader),
        status="P",
    )
    order_item_add(
        order_id=order.pk,
        product=cheese,
        quantity=HALF,
        unit_price=PRICE,
        actor=Actor.system("test"),
    )
    item = OrderItem.objects.get(order=order)
    assert item.total_product == Decimal("1.13")

    order.__class__.objects.filter(pk=order.pk).update(status="C")
    producer_orders_refresh(session_id=session.pk)
    producer_order = ProducerOrder.objects.get(producer=producer)
    assert producer_order.total_product == Decimal("1.13")

    rows = list(csv.reader(io.StringIO(producer_order_csv(producer_order_id=producer_order.pk))))
    assert rows[1][-1] == "1.13"
    assert rows[-1][-1] == "1.13"

    pdf = producer_order_pdf(producer_order_id=producer_order.pk)
    assert b"1.13" in _pdf_text(pdf)
    assert b"1.12" not in _pdf_text(pdf)


@pytest.mark.django_db
def test_a_manual_discount_of_1_125_is_1_13(django_user_model, system_actor):
    session = SaleSessionFactory()
    offer = offer_with_stock(session, on_hand="10")
    order = placed_with(session, [(offer, "2")], actor=system_actor)
    agent = Actor.for_user(django_user_model.objects.create_user("agent", password="pw"))
    order_edit_begin(order_id=order.pk, actor=agent)

    rule = order_manual_discount_add(
        order_id=order.pk, amount=Decimal("1.125"), reason="bruised", actor=agent
    )

    assert rule.value == Decimal("1.13")


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF's text as a reader extracts it (the font is embedded as a subset, so the
    content streams hold glyph ids, not characters)."""
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).encode()
