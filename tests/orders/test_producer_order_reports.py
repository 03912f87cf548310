import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import ProducerOrder
from orders.producer_orders.reports import session_bulk_report
from orders.producer_orders.services import producer_orders_refresh
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
def producer_order():
    session = SaleSessionFactory()
    farm = ProducerFactory(name="Moorland Meats")
    mince = ProductFactory(
        producer=farm, name="Beef mince", weight_kg=Decimal("0.5"), pack_weight_kg=Decimal("10")
    )
    for name, quantity in (("Ada Lovelace", "12"), ("Alan Turing", "15")):
        order = OrderFactory(
            trader=session.trader,
            sales_session=session,
            status="C",
            customer=CustomerFactory(trader=session.trader, name=name),
        )
        OrderItemFactory(
            order=order, product=mince, quantity=Decimal(quantity), unit_price=Decimal("6.80")
        )
    producer_orders_refresh(session_id=session.pk)
    return ProducerOrder.objects.get(producer=farm)


def test_bulk_report_rounds_weight_up_to_whole_packs(producer_order):
    (row,) = session_bulk_report(session_id=producer_order.sales_session_id)
    # 27 × 0.5 kg = 13.5 kg → 2 packs of 10 kg = 20 kg, 6.5 kg surplus
    assert (row.customer_quantity, row.weight_kg, row.packs, row.packed_kg, row.surplus_kg) == (
        Decimal("27"),
        Decimal("13.500"),
        2,
        Decimal("20"),
        Decimal("6.500"),
    )


def test_pick_list_csv_pdf_and_bulk_report_pages(client, staff_user, producer_order):
    client.force_login(staff_user)

    page = client.get(reverse("admin:orders_producerorder_pick_list", args=[producer_order.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    for text in ("Beef mince", "Ada Lovelace", "Alan Turing"):
        assert text in body

    exported = client.get(reverse("admin:orders_producerorder_csv", args=[producer_order.pk]))
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert (rows[1][0], rows[1][3], rows[1][7]) == ("Beef mince", "27.000", "27.000")
    assert rows[-1] == ["total", "", "", "", "", "", "", "", "", "183.60"]  # 27 × 6.80

    pdf = client.get(reverse("admin:orders_producerorder_pdf", args=[producer_order.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")

    report_url = reverse(
        "admin:orders_producerorder_bulk_report", args=[producer_order.sales_session_id]
    )
    assert "6.5" in client.get(report_url).content.decode()
    report_csv = client.get(report_url, {"format": "csv"}).content.decode()
    assert "Moorland Meats,Beef mince,27.000,13.500,10.000,2,20.000,6.500" in report_csv

    listing = client.get(reverse("admin:orders_producerorder_changelist"))
    assert "pick list" in listing.content.decode()


def test_exports_need_a_staff_login(client, producer_order):
    response = client.get(reverse("admin:orders_producerorder_csv", args=[producer_order.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_pick_list_groups_customer_items_by_pickup_point(client, staff_user):
    from orders.models import OrderItem
    from orders.producer_orders.reports import (
        pick_rows_by_fulfilment_centre,
        producer_order_pick_list,
    )
    from tests.factories import FulfilmentCentreFactory

    session = SaleSessionFactory()
    farm = ProducerFactory()
    eggs = ProductFactory(producer=farm, name="Eggs")
    barn = FulfilmentCentreFactory(trader=session.trader, name="The barn")
    square = FulfilmentCentreFactory(trader=session.trader, name="Market square")
    numbers = {}
    for name, centre in (("Ada", barn), ("Bea", square), ("Cy", barn), ("Di", None)):
        order = OrderFactory(
            trader=session.trader,
            sales_session=session,
            status="C",
            customer=CustomerFactory(trader=session.trader, name=name),
        )
        numbers[name] = order.number
        item = OrderItemFactory(order=order, product=eggs)
        OrderItem.objects.filter(pk=item.pk).update(fulfilment_centre=centre)
    producer_orders_refresh(session_id=session.pk)
    producer_order = ProducerOrder.objects.get(producer=farm)

    _, rows = producer_order_pick_list(producer_order_id=producer_order.pk)
    groups = [
        (str(centre) if centre else None, [item.order.customer.name for item in items])
        for centre, items in pick_rows_by_fulfilment_centre(rows)
    ]
    assert groups == [("Market square", ["Bea"]), ("The barn", ["Ada", "Cy"]), (None, ["Di"])]

    client.force_login(staff_user)
    body = client.get(
        reverse("admin:orders_producerorder_pick_list", args=[producer_order.pk])
    ).content.decode()
    assert body.index("Market square (pickup point)") < body.index("The barn (pickup point)")
    assert "No pickup point or delivery zone chosen" in body
