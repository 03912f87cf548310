"""Reads of stock.

"Still available" is decided here and nowhere else: the storefront's offers, the session
dashboard, the DFC catalogue and offers, and a reservation that grows all ask
`available_quantity`.
"""

from decimal import Decimal
from typing import Any, Protocol


class CountedStock(Protocol):
    """A stock row as the rule reads it: inventory.models.Stock, or a locked row."""

    @property
    def available(self) -> Decimal | None: ...


class LimitedOffer(Protocol):
    """An offer as the rule reads it: sessions_app.models.Offer, or a locked row."""

    @property
    def remaining(self) -> Decimal | None: ...


def available_quantity(
    *, stock: CountedStock | None, offer: LimitedOffer | None = None
) -> Decimal | None:
    """What may still be sold: the producer's stock (on hand − reserved, never below zero)
    when it is counted, and the offer's own session limitation (what is left of it) when it
    has one, whichever is smaller. None when neither limits it: no stock row, stock unknown
    or unlimited, and no limitation."""
    limits: list[Decimal] = []
    if stock is not None and stock.available is not None:
        limits.append(max(stock.available, Decimal(0)))
    if offer is not None and offer.remaining is not None:
        limits.append(Decimal(offer.remaining))
    return min(limits) if limits else None


def product_stock(product: Any) -> Any:
    """The product's stock row, or None when it has none (a reverse one-to-one, loaded with
    `select_related("stock")` by the callers that list many)."""
    return getattr(product, "stock", None)


def offer_available(offer: Any) -> Decimal | None:
    """What a customer may still take of an offer (`available_quantity` of its product's
    stock and its own limitation)."""
    return available_quantity(stock=product_stock(offer.product), offer=offer)
