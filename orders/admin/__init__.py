"""The orders app's admin, one module per subject; Django's autodiscovery imports this.

- orders: customer orders (the order page, edit panel, business actions, bulk actions),
  customers, addresses, approval rules and queue, requisition lists, quick-order profiles
- consolidation: the session and enterprise consolidation pages (producer orders per session
  or per customer order)
- stock: inventory's stock and product admin re-registered with the low-inventory flow (a
  count or a withdrawal moves the orders it shorts to L)
- orders.producer_orders.admin: producer orders, pick lists, the bulk report
"""

from orders.admin import consolidation, orders, stock
from orders.producer_orders import admin as producer_orders

__all__ = ["consolidation", "orders", "producer_orders", "stock"]
