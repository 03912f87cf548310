"""Orders as a spreadsheet (CSV and XLSX, one row per item) and as packing slips, for the
admin's bulk actions. Reads only; the rows come from one query whatever the selection."""

import io

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from config.csv_files import csv_text
from orders.models import OrderItem
from orders.status_labels import badge_for
from orders.templatetags.order_display import plain_number

COLUMNS = (
    gettext_noop("order"),
    gettext_noop("status"),
    gettext_noop("payment"),
    gettext_noop("placed at"),
    gettext_noop("customer"),
    gettext_noop("e-mail"),
    gettext_noop("phone"),
    gettext_noop("session"),
    gettext_noop("product"),
    gettext_noop("producer"),
    gettext_noop("quantity"),
    gettext_noop("unit"),
    gettext_noop("unit price"),
    gettext_noop("line total"),
    gettext_noop("order total"),
    gettext_noop("currency"),
)


def order_export_rows(orders: QuerySet) -> list[list]:
    """One row per item of the given orders (in order number, then item order), with the
    order's status and payment in words. One query."""
    items = (
        OrderItem.objects.filter(order__in=orders.values("pk"))
        .select_related("order__customer", "order__sales_session", "producer")
        .order_by("order__number", "pk")
    )
    rows = []
    for item in items:
        order = item.order
        customer = order.customer
        placed = (
            timezone.localtime(order.placed_at).strftime("%Y-%m-%d %H:%M")
            if order.placed_at
            else ""
        )
        rows.append(
            [
                order.number,
                str(badge_for("order", order.status).label),
                str(badge_for("payment", order.payment_status).label),
                placed,
                customer.name if customer else "",
                customer.email if customer else "",
                customer.phone if customer else "",
                order.sales_session.name if order.sales_session else "",
                item.product_name,
                item.producer.name,
                plain_number(item.quantity),
                item_unit(item),
                item.unit_price,
                item.total_product,
                order.grand_total,
                order.currency,
            ]
        )
    return rows


def item_unit(item: OrderItem) -> str:
    """What one unit of the item is: "piece", or "500 g" for a 500 g bag."""
    if item.unit_of_measure == "piece" and item.nominal_quantity == 1:
        return _("piece")
    return f"{plain_number(item.nominal_quantity):f} {item.unit_of_measure}"


def orders_csv(orders: QuerySet) -> str:
    return csv_text([_(column) for column in COLUMNS], order_export_rows(orders))


def orders_xlsx(orders: QuerySet) -> bytes:
    """The same rows as the CSV in an Excel workbook, numbers as numbers, money to the cent."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Orders")
    sheet.append([_(column) for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    money_columns = {COLUMNS.index(name) for name in ("unit price", "line total", "order total")}
    for row in order_export_rows(orders):
        sheet.append(row)
        for index in money_columns:
            sheet.cell(row=sheet.max_row, column=index + 1).number_format = "0.00"
    sheet.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKLMNOP",
        (9, 24, 20, 16, 22, 26, 16, 20, 26, 20, 9, 10, 10, 10, 11, 8),
        strict=True,
    ):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
