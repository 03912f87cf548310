"""The orders app's models, one module per subject (Zulip's zerver/models/ style); Django and
callers import them from here.

- customers: Customer, Address, Consent, ApprovalRule
- orders: Order, SubOrder, OrderItem, OrderEvent, PaymentStatus, and the order-backed lists
  QuickOrderProfile and OrderAwaitingApproval
- requisition_lists: RequisitionList
- payments: PaymentTransaction
- producer_orders: ProducerOrder, ProducerOrderLine
- session_totals: SessionOrderTotal, SessionProducerTotal, SessionProductTotal (kept by the
  database's triggers)
"""

from orders.models.customers import Address, ApprovalRule, Consent, Customer
from orders.models.orders import (
    Order,
    OrderAwaitingApproval,
    OrderEvent,
    OrderItem,
    PaymentStatus,
    QuickOrderProfile,
    SubOrder,
)
from orders.models.payments import PaymentTransaction
from orders.models.producer_orders import ProducerOrder, ProducerOrderLine
from orders.models.requisition_lists import RequisitionList
from orders.models.session_totals import (
    SessionOrderTotal,
    SessionProducerTotal,
    SessionProductTotal,
)

__all__ = [
    "Address",
    "ApprovalRule",
    "Consent",
    "Customer",
    "Order",
    "OrderAwaitingApproval",
    "OrderEvent",
    "OrderItem",
    "PaymentStatus",
    "PaymentTransaction",
    "ProducerOrder",
    "ProducerOrderLine",
    "QuickOrderProfile",
    "RequisitionList",
    "SessionOrderTotal",
    "SessionProducerTotal",
    "SessionProductTotal",
    "SubOrder",
]
