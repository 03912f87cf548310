from django.utils.translation import gettext_lazy as _

from config.exceptions import ApplicationError, Conflict


class InsufficientStock(Conflict):
    """One error for the whole order: every short item is listed, and nothing was reserved."""

    code = "insufficient-stock"
    title = _("Not enough stock")

    def __init__(self, shortages: list[dict]):
        self.shortages = shortages
        listed = "; ".join(
            f"{s['product_name']}: {s['requested']} asked, {s['available']} available"
            for s in shortages
        )
        super().__init__(f"Insufficient stock for {listed}.", extra={"short_items": shortages})


class StockBelowReserved(Conflict):
    code = "stock-below-reserved"
    title = _("Stock cannot fall below what orders hold")


class CatalogUnavailable(ApplicationError):
    """The producer's platform did not return a readable DFC catalogue."""

    code = "catalog-unavailable"
    title = _("The producer's catalogue could not be read")
    status = 502
