"""WebSphere Commerce's order status letters and the transitions Larder allows, as data.

The table follows IBM's documented flows (docs/domain.md). `order_status_change` in
orders/services/status.py is the only code that moves an order along it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    PENDING = "P", _("P · pending (cart)")
    SUBMITTED = "I", _("I · submitted, not paid")
    WAITING_APPROVAL = "W", _("W · waiting approval")
    APPROVAL_DENIED = "N", _("N · approval denied")
    PAYMENT_INITIATED = "M", _("M · payment initiated")
    PAYMENT_REVIEW = "A", _("A · payment authorization needs review")
    BACKORDERED = "B", _("B · backordered")
    LOW_INVENTORY = "L", _("L · low inventory")
    CSR_EDIT = "E", _("E · customer-service edit")
    COMPLETE = "C", _("C · complete (payment authorized)")
    RELEASED = "R", _("R · released to fulfilment")
    SHIPPED = "S", _("S · shipped")
    DEPOSITED = "D", _("D · deposited (payment captured)")
    CANCELLED = "X", _("X · cancelled")
    TEMPORARY = "T", _("T · temporary backup of an order under edit")
    READY_FOR_REMOTE_FULFILMENT = "F", _("F · ready for remote fulfilment")
    WAITING_REMOTE_FULFILMENT = "G", _("G · waiting for remote fulfilment")
    PRIVATE_REQUISITION_LIST = "Y", _("Y · private requisition list")
    SHAREABLE_REQUISITION_LIST = "Z", _("Z · shareable requisition list")
    QUICK_ORDER_PROFILE = "Q", _("Q · quick-order profile")


S = OrderStatus

# Statuses an order is created in (never reached by a transition).
INITIAL_STATUSES = frozenset(
    {
        S.PENDING,
        S.TEMPORARY,
        S.QUICK_ORDER_PROFILE,
        S.PRIVATE_REQUISITION_LIST,
        S.SHAREABLE_REQUISITION_LIST,
    }
)

# Statuses from which a customer-service agent may begin an edit; committing or rolling back
# the edit returns the order to the status it had (kept in Order.status_before_edit).
EDITABLE_STATUSES = frozenset(
    {
        S.SUBMITTED,
        S.WAITING_APPROVAL,
        S.APPROVAL_DENIED,
        S.PAYMENT_INITIATED,
        S.COMPLETE,
        S.BACKORDERED,
        S.LOW_INVENTORY,
    }
)

CANCELLABLE_STATUSES = frozenset(
    {
        S.PAYMENT_REVIEW,
        S.BACKORDERED,
        S.COMPLETE,
        S.CSR_EDIT,
        S.SUBMITTED,
        S.LOW_INVENTORY,
        S.PAYMENT_INITIATED,
        S.APPROVAL_DENIED,
        S.WAITING_APPROVAL,
    }
)

_PROCESSING_OUTCOMES = {S.PAYMENT_INITIATED, S.BACKORDERED, S.LOW_INVENTORY, S.SUBMITTED}

TRANSITIONS: dict[str, frozenset[str]] = {
    # processing a cart: payment started / backorder / low inventory / approval / pay later
    S.PENDING: frozenset(_PROCESSING_OUTCOMES | {S.WAITING_APPROVAL}),
    # approval denied, or granted and processing goes on
    S.WAITING_APPROVAL: frozenset(_PROCESSING_OUTCOMES | {S.APPROVAL_DENIED}),
    S.APPROVAL_DENIED: frozenset(),
    # L (seed 004): "a previously allocated (or backordered) item became unavailable": from
    # any placed status whose items are allocated or waiting, not yet released.
    S.SUBMITTED: frozenset({S.COMPLETE, S.LOW_INVENTORY}),
    S.PAYMENT_INITIATED: frozenset({S.COMPLETE, S.PAYMENT_REVIEW, S.LOW_INVENTORY}),
    S.PAYMENT_REVIEW: frozenset({S.BACKORDERED, S.COMPLETE}),
    S.BACKORDERED: frozenset({S.PAYMENT_INITIATED, S.COMPLETE, S.LOW_INVENTORY}),
    S.LOW_INVENTORY: frozenset({S.PAYMENT_INITIATED, S.COMPLETE}),
    S.COMPLETE: frozenset({S.RELEASED, S.READY_FOR_REMOTE_FULFILMENT, S.LOW_INVENTORY}),
    S.RELEASED: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.DEPOSITED}),
    S.DEPOSITED: frozenset(),
    S.READY_FOR_REMOTE_FULFILMENT: frozenset({S.WAITING_REMOTE_FULFILMENT}),
    S.WAITING_REMOTE_FULFILMENT: frozenset(),
    S.CSR_EDIT: frozenset(EDITABLE_STATUSES),  # back to status_before_edit only
    S.CANCELLED: frozenset(),
    S.TEMPORARY: frozenset(),
    S.PRIVATE_REQUISITION_LIST: frozenset(),
    S.SHAREABLE_REQUISITION_LIST: frozenset(),
    S.QUICK_ORDER_PROFILE: frozenset(),
}

for _status in EDITABLE_STATUSES:
    TRANSITIONS[_status] = TRANSITIONS[_status] | {S.CSR_EDIT}
for _status in CANCELLABLE_STATUSES:
    TRANSITIONS[_status] = TRANSITIONS[_status] | {S.CANCELLED}


def allowed_targets(status: str) -> frozenset[str]:
    return TRANSITIONS.get(status, frozenset())


def is_allowed(from_status: str, to_status: str) -> bool:
    return to_status in allowed_targets(from_status)


class InventoryStatus(models.TextChoices):
    NOT_ALLOCATED = "NALC", _("not allocated")
    ALLOCATED = "ALLC", _("allocated")
    BACKORDERED = "BO", _("backordered")
    FULFILLED = "FUL", _("fulfilled")


class FulfilmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", _("unfulfilled")
    HELD = "held", _("held")
    FULFILLED = "fulfilled", _("fulfilled")
    CANCELLED = "cancelled", _("cancelled")


# Customer orders that count towards producer orders: placed and not cancelled. Carts (P) and
# backups, profiles and requisition lists are not orders anyone has committed to.
LIVE_ORDER_STATUSES = frozenset(
    {
        OrderStatus.SUBMITTED,
        OrderStatus.WAITING_APPROVAL,
        OrderStatus.PAYMENT_INITIATED,
        OrderStatus.PAYMENT_REVIEW,
        OrderStatus.BACKORDERED,
        OrderStatus.LOW_INVENTORY,
        OrderStatus.CSR_EDIT,
        OrderStatus.COMPLETE,
        OrderStatus.RELEASED,
        OrderStatus.SHIPPED,
        OrderStatus.DEPOSITED,
        OrderStatus.READY_FOR_REMOTE_FULFILMENT,
        OrderStatus.WAITING_REMOTE_FULFILMENT,
    }
)
