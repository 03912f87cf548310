"""Reads and renderings of producer orders for the people who pack and order: the pick list,
CSV and PDF exports, and a session's bulk report by weight."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils.translation import gettext, gettext_noop

from config.csv_files import csv_text
from config.money import line_total
from orders.models import OrderItem, ProducerOrder, ProducerOrderLine
from orders.producer_orders.services import (
    producer_order_line_fields,
    session_live_totals,
    wholesale_rows,
)
from orders.selectors import session_live_items
from orders.templatetags.order_display import plain_number


@dataclass
class PickRow:
    line: ProducerOrderLine
    allocations: list[OrderItem]  # the live customer-order items this line serves


def producer_order_pick_list(*, producer_order_id: int) -> tuple[ProducerOrder, list[PickRow]]:
    """The producer order, its lines, and for each line the customer items it serves (3 queries)."""
    producer_order = (
        ProducerOrder.objects.select_related("sales_session", "producer__platform", "trader")
        .prefetch_related(
            Prefetch("lines", queryset=ProducerOrderLine.objects.select_related("product"))
        )
        .get(pk=producer_order_id)
    )
    items = (
        session_live_items(producer_order.sales_session_id)
        .filter(producer_id=producer_order.producer_id)
        .select_related("order__customer", "product", "fulfilment_centre")
        .order_by("product_id", "order__number")
    )
    by_product: dict[int, list[OrderItem]] = {}
    for item in items:
        by_product.setdefault(item.product_id, []).append(item)
        if producer_order.aggregate_by_weight and item.product.wholesale_product_id:
            # Bought as its wholesale product: that line serves this item.
            by_product.setdefault(item.product.wholesale_product_id, []).append(item)
    rows = [
        PickRow(line, by_product.get(line.product_id, [])) for line in producer_order.lines.all()
    ]
    return producer_order, rows


def pick_rows_by_fulfilment_centre(rows: list[PickRow]) -> list[tuple[object, list[OrderItem]]]:
    """The pick list's customer items grouped by the pickup point or delivery zone they are
    handed over at (None last: no centre chosen), each group by order number. No query."""
    groups: dict[object, list[OrderItem]] = {}
    for row in rows:
        for item in row.allocations:
            groups.setdefault(item.fulfilment_centre, []).append(item)
    ordered = sorted(groups.items(), key=lambda g: (g[0] is None, str(g[0] or "")))
    return [(centre, sorted(items, key=lambda i: i.order.number)) for centre, items in ordered]


CSV_HEADER = [
    gettext_noop("product"),
    gettext_noop("sku"),
    gettext_noop("unit"),
    gettext_noop("customer quantity"),
    gettext_noop("weight kg"),
    gettext_noop("packs"),
    gettext_noop("surplus kg"),
    gettext_noop("quantity ordered"),
    gettext_noop("unit price"),
    gettext_noop("line total"),
]


def ordered_unit(line: ProducerOrderLine) -> str:
    """What one unit of the line's ordered quantity is: a bulk pack when the line is ordered
    by weight, else one of the product's units ("piece", or "500 g" for a 500 g bag) — never
    the bare unit of measure, which would read "3 g" for three 500 g bags."""
    product = line.product
    if line.packs is not None and product.pack_weight_kg:
        return gettext("pack of %(weight)s kg") % {"weight": _number(product.pack_weight_kg)}
    if product.unit_of_measure == "piece" and product.nominal_quantity == 1:
        return gettext("piece")
    return f"{_number(product.nominal_quantity)} {product.unit_of_measure}"


CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def _money(amount: Decimal, currency: str) -> str:
    return f"{amount} {CURRENCY_SYMBOLS.get(currency, currency)}"


def _number(value: Decimal) -> str:
    return f"{plain_number(value):f}"


def producer_order_csv(*, producer_order_id: int) -> str:
    producer_order, rows = producer_order_pick_list(producer_order_id=producer_order_id)
    lines = [
        [
            row.line.product.name,
            row.line.product.sku,
            ordered_unit(row.line),
            row.line.customer_quantity,
            row.line.weight_kg,
            row.line.packs,
            row.line.surplus_kg,
            row.line.quantity,
            row.line.unit_price,
            line_total(row.line.quantity, row.line.unit_price),
        ]
        for row in rows
    ]
    total = [gettext("total"), "", "", "", "", "", "", "", "", producer_order.total_product]
    return csv_text([gettext(column) for column in CSV_HEADER], [*lines, total])


def producer_order_pdf(*, producer_order_id: int, show_customers: bool = True) -> bytes:
    """The pick list as a PDF in a Unicode font (€, accents, any Latin script). Without
    `show_customers` (for the producer's own staff) each item names its order number only."""
    import font_roboto
    from django.utils.translation import gettext as _
    from fpdf import FPDF

    producer_order, rows = producer_order_pick_list(producer_order_id=producer_order_id)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font("Roboto", "", font_roboto.Roboto)
    pdf.add_font("Roboto", "B", font_roboto.RobotoBold)
    pdf.add_font("Roboto", "I", font_roboto.RobotoItalic)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Roboto", "B", 14)
    pdf.cell(
        0,
        8,
        _("Pick list — %(producer)s") % {"producer": producer_order.producer.name},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("Roboto", "", 10)
    pdf.cell(
        0,
        6,
        f"{producer_order.trader.name} · {producer_order.sales_session.name} · "
        f"{producer_order.get_order_state_display()} · "
        + _("version %(version)s")
        % {"version": producer_order.version},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    widths = (62, 25, 22, 16, 35, 25)
    titles = (_("Product"), _("Customers"), _("Weight kg"), _("Packs"), _("Ordered"), _("Total"))
    pdf.set_font("Roboto", "B", 9)
    for width, title in zip(widths, titles, strict=True):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    for row in rows:
        line = row.line
        pdf.set_font("Roboto", "", 9)
        cells = (
            line.product.name[:40],
            _number(line.customer_quantity),
            "" if line.weight_kg is None else _number(line.weight_kg),
            "" if line.packs is None else str(line.packs),
            f"{_number(line.quantity)} × {ordered_unit(line)}",
            _money(line_total(line.quantity, line.unit_price), producer_order.currency),
        )
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 6, value, border=1)
        pdf.ln()
        pdf.set_font("Roboto", "I", 8)
        for item in row.allocations:
            who = f"  {item.order.customer.name}" if show_customers and item.order.customer else ""
            pdf.cell(
                0,
                5,
                "    ☐ "
                + _("order %(number)s") % {"number": item.order.number}
                + f"{who}  × {_number(item.quantity)}",
                new_x="LMARGIN",
                new_y="NEXT",
            )
    pdf.set_font("Roboto", "B", 10)
    pdf.cell(
        0,
        8,
        _("Total %(total)s")
        % {"total": _money(producer_order.total_product, producer_order.currency)},
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


@dataclass
class BulkRow:
    producer_name: str
    product_name: str
    customer_quantity: Decimal
    weight_kg: Decimal | None
    pack_weight_kg: Decimal | None
    packs: int | None
    packed_kg: Decimal | None
    surplus_kg: Decimal | None
    is_wholesale: bool = False  # the wholesale product retail products are bought as
    needs_wholesale: bool = False  # a retail product with no wholesale product named


def session_bulk_report(*, session_id: int, producer_ids: list[int] | None = None) -> list[BulkRow]:
    """Per product of the session: the customers' total weight, rounded up to whole packs,
    and the surplus the trader will have to sell — whether or not the session sends its
    producer orders by weight (OFN's bulk co-op report, per producer and product). A retail
    product bought as a wholesale one shows as that wholesale product (its packs are what
    is ordered when aggregating); one without a wholesale product is marked, as a producer
    order would order it by the retail unit. With `producer_ids`, only those producers' part
    (what a producer's own staff may see)."""
    from inventory.models import Product

    totals = session_live_totals(session_id, producer_ids)
    rows = [row for grouped in totals.values() for row in wholesale_rows(grouped)]
    products = Product.objects.select_related("producer").in_bulk(
        [row["product_id"] for row in rows]
    )
    report = []
    for row in rows:
        fields = producer_order_line_fields(row, packs_by_weight=True)
        product = products[row["product_id"]]
        pack = row["pack_weight_kg"]
        report.append(
            BulkRow(
                producer_name=product.producer.name,
                product_name=product.name,
                customer_quantity=fields["customer_quantity"],
                weight_kg=fields["weight_kg"],
                pack_weight_kg=pack,
                packs=fields["packs"],
                packed_kg=(fields["packs"] * pack) if fields["packs"] and pack else None,
                surplus_kg=fields["surplus_kg"],
                is_wholesale=bool(row.get("wholesale")),
                needs_wholesale=bool(row.get("needs_wholesale")),
            )
        )
    report.sort(key=lambda r: (r.producer_name, r.product_name))
    return report


BULK_CSV_HEADER = [
    gettext_noop("producer"),
    gettext_noop("product"),
    gettext_noop("customer quantity"),
    gettext_noop("weight kg"),
    gettext_noop("pack kg"),
    gettext_noop("packs"),
    gettext_noop("packed kg"),
    gettext_noop("surplus kg"),
]


def session_bulk_report_csv(rows: list[BulkRow]) -> str:
    """The bulk report (`session_bulk_report`) as CSV; what is not known is an empty cell."""
    return csv_text(
        [gettext(column) for column in BULK_CSV_HEADER],
        (
            [
                row.producer_name,
                row.product_name,
                row.customer_quantity,
                row.weight_kg,
                row.pack_weight_kg,
                row.packs,
                row.packed_kg,
                row.surplus_kg,
            ]
            for row in rows
        ),
    )
