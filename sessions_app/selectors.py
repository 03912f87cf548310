"""Reads of sales sessions and their offers."""

from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, Expression, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from sessions_app.models import CategoryOffer, Offer

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class CategoryOfferFields(TypedDict):
    """What customer_offers_qs annotates each offer with."""

    category_price: Decimal
    offered_to_id: int | None


def session_offers_qs(*, session_id: "int | Expression") -> QuerySet[Offer]:
    """A session's offers with their product, producer, platform and stock: one query."""
    return (
        Offer.objects.filter(session_id=session_id, product__is_active=True)
        .select_related("product__producer__platform", "product__stock")
        .order_by("product__name", "pk")
    )


def customer_offers_qs(
    *, session_id: "int | Expression", category_id: "int | Expression | None"
) -> "QuerySet[WithAnnotations[Offer, CategoryOfferFields]]":
    """The session's offers a customer of `category_id` (None: no category) may buy, each
    annotated with `category_price` (the category's own price, else the offer's) and
    `offered_to_id` (the category whose offer it is, else None): public offers the category is
    not refused, and non-public ones made available to it. One query. The session and the
    category may be expressions, e.g. columns of the row a lateral read joins
    (config.sql.outer): a NULL category there finds no category offer, as None does."""
    # Unordered: one row per (offer, category) at most, and the model's ordering would join
    # the offer's session, product and producer into every sub-select to sort that one row.
    category_offers = CategoryOffer.objects.filter(
        offer=OuterRef("pk"), category_id=category_id
    ).order_by()
    visible = (Q(is_public=True) & ~Exists(category_offers.filter(is_available=False))) | Exists(
        category_offers.filter(is_available=True)
    )
    return (
        session_offers_qs(session_id=session_id)
        .filter(visible)
        .annotate(
            category_price=Coalesce(
                Subquery(category_offers.filter(is_available=True).values("price")[:1]),
                F("price"),
            ),
            offered_to_id=Subquery(
                category_offers.filter(is_available=True).values("category_id")[:1]
            ),
        )
    )
