"""Badges and quantities for back-office templates: `{% load order_display %}`."""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join

from orders.events import order_event_text, row_text, stored_texts_render
from orders.models import OrderEvent
from orders.status_labels import TONES, badge_for

register = template.Library()

# Units whose quantity is a count: shown as a bare number ("47", not "47 piece").
COUNT_UNITS = frozenset({"", "piece", "pieces", "unit", "units"})


@register.simple_tag
def badge_styles():
    """The badge tones' CSS, from `orders.status_labels.TONES` (the one place of colours)."""
    return format_html_join(
        " ",
        ".badge-{} {{ color: {}; background: {}; }}",
        ((tone, text, background) for tone, (text, background) in TONES.items()),
    )


@register.filter
def event_text(event: OrderEvent) -> str:
    """`{{ event|event_text }}`: a history line in the reader's language (one door:
    orders.events.order_event_text)."""
    return order_event_text(event)


@register.filter
def row_message(row) -> str:
    """`{{ payment|row_message }}`: a payment transaction's message in the reader's language
    (one door: orders.events.row_text)."""
    return row_text(row)


@register.filter
def stored_texts(texts) -> str:
    """`{{ order.approval_reasons|stored_texts }}`: stored texts in the reader's language,
    separated by "; " (one door: orders.events.stored_texts_render)."""
    return stored_texts_render(texts)


@register.filter
def badge(code, kind: str = "order"):
    """`{{ order.status|badge:"order" }}`: the status in words, coloured, with its code as a
    small secondary mark (`kind`: order, inventory, fulfilment, payment, producer_order,
    delivery)."""
    found = badge_for(kind, code or "")
    return format_html(
        '<span class="badge badge-{}" title="{}">{}<small class="badge-code">{}</small></span>',
        found.tone,
        found.hint,
        found.label,
        code if kind in {"order", "inventory", "producer_order"} else "",
    )


def plain_number(value: Decimal) -> Decimal:
    """The number without trailing zeros and without an exponent: 47, 2.5, 0.25."""
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


@register.filter
def qty(value, unit: str = ""):
    """A quantity without trailing zeros, localized, with its unit unless it is a count:
    47, 2.5 kg, 6 l (never 47.000)."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value
    text = number_format(plain_number(number), use_l10n=True)
    return text if (unit or "") in COUNT_UNITS else f"{text} {unit}"
