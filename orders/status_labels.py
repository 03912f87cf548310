"""What every status means to a person: a label in plain words and a badge colour, in one place.

The letters (WebSphere's ORDERS.STATUS, the item inventory codes) stay the data; screens, filters,
e-mails and the dashboard show these words, with the letter as a small secondary mark for those
who know it. `tests/orders/test_status_labels.py` checks that every status has one.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import PaymentStatus, ProducerOrder
from orders.statuses import FulfilmentStatus, InventoryStatus, OrderStatus

S = OrderStatus

# Badge tones, each a (text, background) colour pair with at least 4.5:1 contrast.
TONES: dict[str, tuple[str, str]] = {
    "neutral": ("#333333", "#e8e8e8"),
    "info": ("#0b4f79", "#dcecf8"),
    "success": ("#1d5b22", "#dcf1dc"),
    "warning": ("#6b4500", "#fdefc8"),
    "danger": ("#8a1c1c", "#fbdddd"),
    "muted": ("#555555", "#f4f4f4"),
}


@dataclass(frozen=True)
class Badge:
    label: str | Promise
    tone: str
    hint: str | Promise = ""


ORDER_STATUS_BADGES: dict[str, Badge] = {
    S.PENDING: Badge(_("Cart — not submitted yet"), "muted", _("The customer is still shopping.")),
    S.SUBMITTED: Badge(
        _("Submitted — payment later"),
        "info",
        _("Pays at pickup or on invoice; stock is reserved."),
    ),
    S.WAITING_APPROVAL: Badge(
        _("Waiting for approval"), "warning", _("Someone allowed to approve must decide.")
    ),
    S.APPROVAL_DENIED: Badge(_("Approval denied"), "danger"),
    S.PAYMENT_INITIATED: Badge(
        _("Payment started"), "info", _("Waiting for the payment provider's answer.")
    ),
    S.PAYMENT_REVIEW: Badge(
        _("Waiting for payment review"),
        "warning",
        _("The card payment needs a person to accept or decline it."),
    ),
    S.BACKORDERED: Badge(
        _("Backordered — waiting for stock"),
        "warning",
        _("Some items wait for stock; the order goes on when they arrive."),
    ),
    S.LOW_INVENTORY: Badge(
        _("Short of stock — needs action"),
        "danger",
        _("An item became unavailable: edit the order, substitute or cancel the item."),
    ),
    S.CSR_EDIT: Badge(
        _("Being edited by customer service"),
        "warning",
        _("Locked to one agent until the edit is committed or rolled back."),
    ),
    S.COMPLETE: Badge(
        _("Paid — ready to release"), "success", _("Payment authorized for the full amount.")
    ),
    S.RELEASED: Badge(_("Released — being prepared"), "info"),
    S.SHIPPED: Badge(_("Shipped"), "success"),
    S.DEPOSITED: Badge(_("Shipped — payment captured"), "success"),
    S.CANCELLED: Badge(_("Cancelled"), "neutral"),
    S.TEMPORARY: Badge(
        _("Backup copy (during an edit)"),
        "muted",
        _("The order as it was before a customer-service edit."),
    ),
    S.READY_FOR_REMOTE_FULFILMENT: Badge(_("Ready for the partner to fulfil"), "info"),
    S.WAITING_REMOTE_FULFILMENT: Badge(_("With the partner for fulfilment"), "info"),
    S.PRIVATE_REQUISITION_LIST: Badge(_("Private shopping list"), "muted"),
    S.SHAREABLE_REQUISITION_LIST: Badge(_("Shared shopping list"), "muted"),
    S.QUICK_ORDER_PROFILE: Badge(_("Quick-order profile"), "muted"),
}

INVENTORY_STATUS_BADGES: dict[str, Badge] = {
    InventoryStatus.NOT_ALLOCATED: Badge(_("Not reserved"), "muted"),
    InventoryStatus.ALLOCATED: Badge(_("Reserved"), "success"),
    InventoryStatus.BACKORDERED: Badge(_("Backordered"), "warning"),
    InventoryStatus.FULFILLED: Badge(_("Fulfilled"), "success"),
}
# An item accepted without a reservation because its producer publishes no stock.
NO_STOCK_PUBLISHED = Badge(
    _("No stock published"),
    "warning",
    _("Accepted without a reservation: confirm with the producer."),
)

FULFILMENT_STATUS_BADGES: dict[str, Badge] = {
    FulfilmentStatus.UNFULFILLED: Badge(_("Not fulfilled yet"), "muted"),
    FulfilmentStatus.HELD: Badge(_("Held"), "info"),
    FulfilmentStatus.FULFILLED: Badge(_("Fulfilled"), "success"),
    FulfilmentStatus.CANCELLED: Badge(_("Cancelled"), "neutral"),
}

PAYMENT_STATUS_BADGES: dict[str, Badge] = {
    PaymentStatus.UNPAID: Badge(_("Not paid"), "warning"),
    PaymentStatus.DEFERRED: Badge(_("Pays at pickup / on invoice"), "info"),
    PaymentStatus.REVIEW: Badge(_("Payment under review"), "warning"),
    PaymentStatus.AUTHORIZED: Badge(_("Paid (authorized)"), "success"),
    PaymentStatus.DUE: Badge(
        _("Payment due — more than authorized"),
        "danger",
        _("The order now costs more than the payment covers: re-authorize or ask the customer."),
    ),
    PaymentStatus.PAID: Badge(_("Paid (received)"), "success"),
    PaymentStatus.CAPTURED: Badge(_("Paid (captured)"), "success"),
    PaymentStatus.CAPTURE_FAILED: Badge(
        _("Capture failed — needs action"),
        "danger",
        _("Try the capture again or contact the customer."),
    ),
    PaymentStatus.REFUNDED: Badge(_("Refunded"), "neutral"),
    PaymentStatus.VOIDED: Badge(_("Payment voided"), "neutral"),
}

PRODUCER_ORDER_STATUS_BADGES: dict[str, Badge] = {
    ProducerOrder.Status.READY_FOR_REMOTE_FULFILMENT: Badge(
        _("Changed — not yet with the producer"), "warning"
    ),
    ProducerOrder.Status.WAITING_REMOTE_FULFILMENT: Badge(
        _("Producer has the latest version"), "success"
    ),
}

# The state of a producer order's latest delivery to its platform (dashboard, order page).
DELIVERY_STATE_BADGES: dict[str, Badge] = {
    "none": Badge(_("Not sent yet"), "muted"),
    "local": Badge(_("On this platform — nothing to send"), "muted"),
    "pending": Badge(_("Queued"), "info"),
    "failing": Badge(_("Failing — retrying"), "danger"),
    "delivered": Badge(_("Delivered"), "success"),
    "dead": Badge(_("Failed — stopped retrying"), "danger"),
}

BADGES_BY_KIND: dict[str, dict[str, Badge]] = {
    "order": ORDER_STATUS_BADGES,
    "inventory": INVENTORY_STATUS_BADGES,
    "fulfilment": FULFILMENT_STATUS_BADGES,
    "payment": PAYMENT_STATUS_BADGES,
    "producer_order": PRODUCER_ORDER_STATUS_BADGES,
    "delivery": DELIVERY_STATE_BADGES,
    "stock_unknown": {"unknown": NO_STOCK_PUBLISHED},
}

# Orders that wait on a person of the trader.
NEEDS_ATTENTION_STATUSES = (
    S.PAYMENT_REVIEW,
    S.WAITING_APPROVAL,
    S.LOW_INVENTORY,
    S.BACKORDERED,
    S.CSR_EDIT,
)
# What an agent filters the order list by: what needs attention first, then the others in
# the table's order; no backups, lists or profiles (they are not orders anyone waits on).
ORDER_FILTER_STATUSES = NEEDS_ATTENTION_STATUSES + tuple(
    status
    for status in S
    if status not in NEEDS_ATTENTION_STATUSES
    and status
    not in (
        S.TEMPORARY,
        S.PRIVATE_REQUISITION_LIST,
        S.SHAREABLE_REQUISITION_LIST,
        S.QUICK_ORDER_PROFILE,
    )
)


def badge_for(kind: str, code: str) -> Badge:
    """The badge of `code` in `kind` (order, inventory, fulfilment, payment, producer_order,
    delivery); an unknown code shows as itself, neutral, rather than failing a page."""
    return BADGES_BY_KIND[kind].get(code) or Badge(code or "—", "neutral")


def order_status_label(code: str) -> str:
    return str(badge_for("order", code).label)


def order_status_quoted(code: str) -> str:
    """One status's label, quoted for a sentence: “Paid — ready to release” (« … » in
    French: the quotes are the language's)."""
    return gettext("“%(status)s”") % {"status": order_status_label(code)}


def order_statuses_in_words(statuses: Iterable[str]) -> str:
    """The labels of `statuses` for a sentence a person reads, in the table's order, each
    quoted: “Submitted — payment later”, “Waiting for approval” or “Approval denied”. Built
    from the table, so a refusal naming the statuses an action needs follows it."""
    wanted = set(statuses)
    return get_text_list(
        [order_status_quoted(status) for status in ORDER_STATUS_BADGES if status in wanted]
    )
