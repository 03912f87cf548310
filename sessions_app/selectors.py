"""Reads of sales sessions and their offers."""

from django.db.models import QuerySet

from sessions_app.models import Offer


def session_offers_qs(*, session_id: int) -> QuerySet[Offer]:
    """A session's offers with their product, producer, platform and stock: one query."""
    return (
        Offer.objects.filter(session_id=session_id, product__is_active=True)
        .select_related("product__producer__platform", "product__stock")
        .order_by("product__name", "pk")
    )


def offer_available(offer: Offer):
    """What a customer may still take of an offer, or None when nothing limits it: the
    smaller of the producer's available stock and the session's own limitation."""
    limits = []
    stock = getattr(offer.product, "stock", None)
    if stock is not None and stock.is_known:
        limits.append(stock.available)
    if offer.remaining is not None:
        limits.append(offer.remaining)
    return min(limits) if limits else None
