"""Row locks on stock, always taken in primary-key order so two transactions never deadlock.

The global lock order is: the order row, then offers (pk order), then stock rows (pk order).
"""

from django.db.models import QuerySet

from inventory.models import Stock


def stock_qs_select_for_update(product_ids) -> QuerySet[Stock]:
    return Stock.objects.select_for_update().filter(pk__in=product_ids).order_by("pk")
