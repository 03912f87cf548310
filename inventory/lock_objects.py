"""Row locks on stock, always taken in primary-key order so two transactions never deadlock.

The global lock order is: the order row, then offers (pk order), then stock rows (pk order).
"""

from django.db.models import QuerySet

from config import sql
from inventory.models import Stock


def stock_qs_select_for_update(product_ids) -> QuerySet[Stock]:
    return Stock.objects.select_for_update().filter(pk__in=product_ids).order_by("pk")


def stock_rows_lock(product_ids) -> list[tuple]:
    """Lock the stock rows of `product_ids` in pk order; (product id, on hand, reserved,
    is unlimited) for each."""
    return sql.lock_rows(Stock, product_ids, ["on_hand", "reserved", "is_unlimited"])
