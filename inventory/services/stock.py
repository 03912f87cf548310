"""Setting a product's stock on this platform."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from config.models import WorkRequest
from config.work import work_request
from inventory.exceptions import StockBelowReserved
from inventory.lock_objects import stock_qs_select_for_update
from inventory.models import Stock


def stock_rows_ensure(product_ids) -> None:
    """Create missing Stock rows (unknown stock) without racing a concurrent creator."""
    Stock.objects.bulk_create(
        [Stock(product_id=pk) for pk in sorted(set(product_ids))], ignore_conflicts=True
    )


def backorders_allocate_request(product_ids) -> None:
    """Stock arrived: owe the backorder task a try of the waiting orders (a WorkRequest in the
    caller's transaction, queued after commit)."""
    product_ids = sorted(set(product_ids))
    if product_ids:
        work_request(kind=WorkRequest.Kind.BACKORDERS_ALLOCATE, product_ids=product_ids)


@transaction.atomic
def stock_set(*, product_id: int, on_hand: Decimal | None, is_unlimited: bool = False) -> Stock:
    """Set what is on hand (None: not counted; `is_unlimited` says whether that means
    unlimited or unknown). The row is locked; on hand below what orders already hold raises
    StockBelowReserved and writes nothing. More stock wakes the backorder task after commit."""
    stock_rows_ensure([product_id])
    stock = stock_qs_select_for_update([product_id]).get()
    if on_hand is not None:
        on_hand = Decimal(on_hand)
        if on_hand < stock.reserved:
            raise StockBelowReserved(
                gettext(
                    "%(reserved)s of this product are held by orders; on hand cannot be "
                    "%(on_hand)s."
                )
                % {"reserved": stock.reserved, "on_hand": on_hand}
            )
    before = stock.available
    stock.on_hand = None if is_unlimited else on_hand
    stock.is_unlimited = is_unlimited
    stock.refreshed_at = timezone.now()
    stock.save(update_fields=["on_hand", "is_unlimited", "refreshed_at", "updated_at"])
    if stock.available is None or before is None or stock.available > before:
        backorders_allocate_request([product_id])
    return stock
