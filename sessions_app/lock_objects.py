"""Row locks on offers (their stock limitation), taken in primary-key order, after the order
row and before any stock row."""

from django.db.models import QuerySet

from sessions_app.models import Offer


def offer_qs_select_for_update(offer_ids) -> QuerySet[Offer]:
    return Offer.objects.select_for_update().filter(pk__in=offer_ids).order_by("pk")
