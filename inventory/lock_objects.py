"""Row locks on stock, always taken in primary-key order so two transactions never deadlock.

The global lock order is: the order row, then offers (pk order), then stock rows (pk order).
"""

from django.db import connection
from django.db.models import QuerySet

from inventory.models import Stock

# Plain SQL for the checkout's hot path: the same lock as stock_qs_select_for_update, without
# building the ORM query (longer than the lock itself takes) on every reservation.
_STOCK_ROWS_LOCK_SQL = """
    SELECT product_id, on_hand, reserved, is_unlimited FROM inventory_stock
    WHERE product_id = ANY(%s) ORDER BY product_id FOR UPDATE
"""


def stock_qs_select_for_update(product_ids) -> QuerySet[Stock]:
    return Stock.objects.select_for_update().filter(pk__in=product_ids).order_by("pk")


def stock_rows_lock(product_ids) -> list[tuple]:
    """Lock the stock rows of `product_ids` in pk order; (product id, on hand, reserved,
    is unlimited) for each."""
    with connection.cursor() as cursor:
        cursor.execute(_STOCK_ROWS_LOCK_SQL, [sorted(set(product_ids))])
        return cursor.fetchall()
