import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from orders.models import Order
from tests.factories import SaleSessionFactory
from tests.inventory.factories import customer_of, offer_with_stock, placed_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orders(system_actor):
    session = SaleSessionFactory(name="Saturday market")
    bread = offer_with_stock(session, product__name="Sourdough loaf")
    flour = offer_with_stock(
        session,
        product__name="Flour",
        product__unit_of_measure="g",
        product__nominal_quantity=Decimal("500"),
    )
    ada = customer_of(session, name="Ada Lovelace", email="ada@example.org", phone="0123")
    paid = placed_with(session, [(bread, "2"), (flour, "3")], customer=ada)
    review = placed_with(session, [(bread, "1")], card="4000000000000127")
    return paid, review


def _act(client, action, orders, **extra):
    return client.post(
        reverse("admin:orders_order_changelist"),
        {"action": action, "_selected_action": [o.pk for o in orders], **extra},
    )


def test_export_csv_has_one_row_per_item_with_words_and_units(client, staff_user, two_orders):
    paid, review = two_orders
    client.force_login(staff_user)

    response = _act(client, "export_csv", [paid, review])

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["order", "status", "payment", "placed at"]
    assert [row[0] for row in rows[1:]] == [str(paid.number)] * 2 + [str(review.number)]
    bread, flour, reviewed = rows[1:]
    assert bread[1:3] == ["Paid — ready to release", "Paid (authorized)"]
    assert bread[4:7] == ["Ada Lovelace", "ada@example.org", "0123"]
    assert bread[8] == "Sourdough loaf"
    assert bread[10:16] == ["2", "piece", "10.00", "20.00", "50.00", "EUR"]
    assert flour[10:12] == ["3", "500 g"]
    assert reviewed[1] == "Waiting for payment review"


def test_export_xlsx_holds_the_same_rows_as_numbers(client, staff_user, two_orders):
    paid, review = two_orders
    client.force_login(staff_user)

    response = _act(client, "export_xlsx", [paid, review])

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "order"
    assert (sheet["A2"].value, sheet["I2"].value, sheet["K2"].value) == (
        paid.number,
        "Sourdough loaf",
        2,
    )
    assert (sheet["N2"].value, sheet["N2"].number_format) == (20, "0.00")
    assert sheet.max_row == 4


def test_bulk_release_moves_paid_orders_and_names_the_others(client, staff_user, two_orders):
    paid, review = two_orders
    client.force_login(staff_user)

    response = client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "release_selected", "_selected_action": [paid.pk, review.pk]},
        follow=True,
    )

    body = response.content.decode()
    assert f"Orders {paid.number}." in body  # through the release business action
    assert f"{review.number}: " in body  # refused, named
    assert Order.objects.get(pk=paid.pk).status == "R"
    assert Order.objects.get(pk=review.pk).status == "A"


def test_packing_slips_list_each_order_with_its_items(client, staff_user, two_orders):
    paid, review = two_orders
    client.force_login(staff_user)

    body = _act(client, "print_packing_slips", [paid, review]).content.decode()

    assert f'id="slip-{paid.number}"' in body
    assert f'id="slip-{review.number}"' in body
    assert "3 × 500 g" in body
