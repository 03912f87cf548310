"""What a producer's own staff see: their producer orders with lines, totals and delivery,
their part of the bulk report, pick lists with order numbers instead of customers' names."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from orders.models import ProducerOrder
from orders.producer_orders.reports import producer_order_pdf
from orders.producer_orders.services import producer_orders_refresh
from platforms.models import Role
from platforms.tenancy.memberships import membership_grant
from tests.factories import (
    CustomerFactory,
    OrderFactory,
    OrderItemFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session_orders():
    session = SaleSessionFactory(aggregate_by_weight=True)
    farm = ProducerFactory(name="Moorland Meats")
    dairy = ProducerFactory(name="Crème de la Crème")
    mince = ProductFactory(
        producer=farm, name="Beef mince", weight_kg=Decimal("0.5"), pack_weight_kg=Decimal("10")
    )
    brie = ProductFactory(producer=dairy, name="Brie de Meaux €")
    flour = ProductFactory(
        producer=farm, name="Flour", unit_of_measure="g", nominal_quantity=Decimal("500")
    )
    order = OrderFactory(
        trader=session.trader,
        sales_session=session,
        status="C",
        customer=CustomerFactory(trader=session.trader, name="Ada Lovelace"),
    )
    OrderItemFactory(order=order, product=mince, quantity=Decimal("27"), unit_price=Decimal("6.8"))
    OrderItemFactory(order=order, product=brie, quantity=Decimal("2"), unit_price=Decimal("9.5"))
    OrderItemFactory(order=order, product=flour, quantity=Decimal("3"), unit_price=Decimal("2"))
    producer_orders_refresh(session_id=session.pk)
    return session, farm, order


@pytest.fixture
def grower(django_user_model, session_orders):
    _, farm, _ = session_orders
    user = django_user_model.objects.create_user("grower", password="pw")
    membership_grant(user=user, enterprise=farm, role=Role.PRODUCER_STAFF)
    return user


def test_producer_staff_see_their_order_with_lines_total_and_delivery(
    client, grower, session_orders
):
    _, farm, _ = session_orders
    producer_order = ProducerOrder.objects.get(producer=farm)
    client.force_login(grower)

    body = client.get(
        reverse("admin:orders_producerorder_change", args=[producer_order.pk])
    ).content.decode()

    assert "Beef mince" in body  # the lines, though the role has no permission on lines
    assert f"{producer_order.total_product} EUR" in body
    assert "On this platform — nothing to send" in body
    listing = client.get(reverse("admin:orders_producerorder_changelist")).content.decode()
    assert "Moorland Meats" in listing
    assert "Crème de la Crème" not in listing


def test_producer_staff_get_their_part_of_the_bulk_report(client, grower, session_orders):
    session, _, _ = session_orders
    client.force_login(grower)
    url = reverse("admin:orders_producerorder_bulk_report", args=[session.pk])

    response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    assert "Beef mince" in body
    assert "Brie de Meaux" not in body
    assert "Brie de Meaux" not in client.get(url, {"format": "csv"}).content.decode()
    # A session where they have no producer order stays hidden.
    other = SaleSessionFactory()
    assert client.get(
        reverse("admin:orders_producerorder_bulk_report", args=[other.pk])
    ).status_code in (302, 404)


def test_pick_lists_name_customers_to_the_trader_only(client, grower, staff_user, session_orders):
    _, farm, order = session_orders
    producer_order = ProducerOrder.objects.get(producer=farm)
    url = reverse("admin:orders_producerorder_pick_list", args=[producer_order.pk])

    client.force_login(grower)
    body = client.get(url).content.decode()
    assert f"order {order.number}" in body
    assert "Ada Lovelace" not in body

    client.force_login(staff_user)
    assert "Ada Lovelace" in client.get(url).content.decode()


def test_the_csv_unit_says_what_one_ordered_unit_is(client, staff_user, session_orders):
    _, farm, _ = session_orders
    client.force_login(staff_user)
    by_weight = ProducerOrder.objects.get(producer=farm)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("admin:orders_producerorder_csv", args=[by_weight.pk])
                ).content.decode()
            )
        )
    )
    # Three 500 g bags are "3 × 500 g", never "3 g".
    assert [(row[0], row[2], row[7]) for row in rows[1:3]] == [
        ("Beef mince", "piece", "27.000"),
        ("Flour", "500 g", "3.000"),
    ]
    brie = ProducerOrder.objects.exclude(producer=farm).get()
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("admin:orders_producerorder_csv", args=[brie.pk])
                ).content.decode()
            )
        )
    )
    assert (rows[1][0], rows[1][2]) == ("Brie de Meaux €", "piece")


def test_the_pdf_embeds_a_unicode_font_for_euro_signs_and_accents(session_orders):
    _, farm, _ = session_orders
    dairy_order = ProducerOrder.objects.exclude(producer=farm).get()

    pdf = producer_order_pdf(producer_order_id=dairy_order.pk, show_customers=False)

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Pick list — Crème de la Crème" in text
    assert "Brie de Meaux €" in text
    assert "19.00 €" in text  # 2 × 9.50, with the euro sign (a Latin-1 core font printed "?")
    assert "2 × piece" in text
    assert "Ada Lovelace" not in text  # producer staff's copy: order numbers only
