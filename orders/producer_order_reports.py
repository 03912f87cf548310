"""Reads and renderings of producer orders for the people who pack and order: the pick list,
CSV and PDF exports, and a session's bulk report by weight."""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from config.money import line_total
from orders.models import OrderItem, ProducerOrder, ProducerOrderLine
from orders.services.producer_orders import (
    LIVE_ORDER_STATUSES,
    producer_order_line_fields,
    session_live_totals,
    wholesale_rows,
)


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
        OrderItem.objects.filter(
            order__sales_session_id=producer_order.sales_session_id,
            order__status__in=LIVE_ORDER_STATUSES,
            producer_id=producer_order.producer_id,
        )
        .select_related("order__customer", "product")
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


CSV_HEADER = [
    "product",
    "sku",
    "unit",
    "customer quantity",
    "weight kg",
    "packs",
    "surplus kg",
    "quantity ordered",
    "unit price",
    "line total",
]


def producer_order_csv(*, producer_order_id: int) -> str:
    producer_order, rows = producer_order_pick_list(producer_order_id=producer_order_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in rows:
        line = row.line
        writer.writerow(
            [
                line.product.name,
                line.product.sku,
                line.product.unit_of_measure,
                line.customer_quantity,
                line.weight_kg if line.weight_kg is not None else "",
                line.packs if line.packs is not None else "",
                line.surplus_kg if line.surplus_kg is not None else "",
                line.quantity,
                line.unit_price,
                line_total(line.quantity, line.unit_price),
            ]
        )
    writer.writerow(["total", "", "", "", "", "", "", "", "", producer_order.total_product])
    return out.getvalue()


def producer_order_pdf(*, producer_order_id: int) -> bytes:
    from fpdf import FPDF

    producer_order, rows = producer_order_pick_list(producer_order_id=producer_order_id)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(
        0, 8, _latin(f"Pick list - {producer_order.producer.name}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(
        0,
        6,
        _latin(
            f"{producer_order.trader.name} - {producer_order.sales_session.name} - "
            f"{producer_order.get_order_state_display()} - version {producer_order.version}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    widths = (70, 25, 25, 20, 25, 25)
    pdf.set_font("Helvetica", "B", 9)
    for width, title in zip(
        widths, ("Product", "Customers", "Weight kg", "Packs", "Ordered", "Total"), strict=True
    ):
        pdf.cell(width, 7, title, border=1)
    pdf.ln()
    for row in rows:
        line = row.line
        pdf.set_font("Helvetica", "", 9)
        cells = (
            line.product.name[:40],
            f"{line.customer_quantity:f}",
            "" if line.weight_kg is None else f"{line.weight_kg:f}",
            "" if line.packs is None else str(line.packs),
            f"{line.quantity:f}",
            f"{line_total(line.quantity, line.unit_price)}",
        )
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 6, _latin(value), border=1)
        pdf.ln()
        pdf.set_font("Helvetica", "I", 8)
        for item in row.allocations:
            customer = item.order.customer.name if item.order.customer else "-"
            pdf.cell(
                0,
                5,
                _latin(f"    order {item.order.number}  {customer}  x {item.quantity:f}"),
                new_x="LMARGIN",
                new_y="NEXT",
            )
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(
        0,
        8,
        f"Total {producer_order.total_product} {producer_order.currency}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())


def _latin(text: str) -> str:
    # The core PDF fonts are Latin-1: keep what they can draw, replace the rest.
    return text.encode("latin-1", "replace").decode("latin-1")


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


def session_bulk_report(*, session_id: int) -> list[BulkRow]:
    """Per product of the session: the customers' total weight, rounded up to whole packs,
    and the surplus the trader will have to sell — whether or not the session sends its
    producer orders by weight (OFN's bulk co-op report, per producer and product). A retail
    product bought as a wholesale one shows as that wholesale product (its packs are what
    is ordered when aggregating); one without a wholesale product is marked, as a producer
    order would order it by the retail unit."""
    from inventory.models import Product

    totals = session_live_totals(session_id, None)
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
