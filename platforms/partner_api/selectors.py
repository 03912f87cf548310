"""What a partner platform may see. Every partner endpoint starts from one of these querysets,
so an id belonging to another platform is simply not found (404), never forbidden (403)."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from config.exceptions import NotFound
from discounts.models import FulfilmentWindow
from inventory.models import Product, Stock
from orders.models import Order, OrderItem, ProducerOrder, ProducerOrderLine, SubOrder
from orders.statuses import OrderStatus
from platforms.models import ApiCredential, Enterprise
from platforms.partner_api.permissions import credential_enterprise_ids
from sessions_app.models import CategoryOffer, Offer, SaleSession

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Discount(TypedDict):
    discount: Decimal


class _OpenOffers(TypedDict):
    open_offers: list[Offer]


class _SessionOffers(TypedDict):
    seller_offers: list[Offer]
    open_windows: list[FulfilmentWindow]


# Never shown to partners: backup copies, profiles and requisition lists are not orders.
HIDDEN_ORDER_STATUSES = (
    OrderStatus.TEMPORARY,
    OrderStatus.QUICK_ORDER_PROFILE,
    OrderStatus.PRIVATE_REQUISITION_LIST,
    OrderStatus.SHAREABLE_REQUISITION_LIST,
)


def _placed_by(credential: ApiCredential, order: str = "") -> Q:
    """Orders the calling platform placed through the API (origin_platform is itself), with
    one of the local enterprises the credential may act for when it is limited to some."""
    condition = Q(**{f"{order}origin_platform_id": credential.platform_id})
    allowed = credential_enterprise_ids(credential)
    if allowed is not None:
        condition &= Q(**{f"{order}partner_order__seller_id__in": allowed})
    return condition


def partner_orders_qs(*, credential: ApiCredential) -> QuerySet[Order]:
    """Orders the calling platform placed through the API, within the credential's
    enterprises."""
    return (
        Order.objects.filter(_placed_by(credential))
        .exclude(status__in=HIDDEN_ORDER_STATUSES)
        .select_related("trader__platform", "sales_session__trader")
    )


def partner_order_detail_qs(*, credential: ApiCredential) -> QuerySet[Order]:
    items = OrderItem.objects.select_related("producer", "producer_platform").order_by("pk")
    return partner_orders_qs(credential=credential).prefetch_related(
        Prefetch("items", queryset=items), Prefetch("sub_orders", queryset=SubOrder.objects.all())
    )


def partner_order_items_qs(*, credential: ApiCredential) -> QuerySet[OrderItem]:
    return (
        OrderItem.objects.filter(_placed_by(credential, "order__"))
        .exclude(order__status__in=HIDDEN_ORDER_STATUSES)
        .select_related("producer", "producer_platform")
    )


def partner_sub_orders_qs(*, credential: ApiCredential) -> QuerySet[SubOrder]:
    return SubOrder.objects.filter(_placed_by(credential, "order__")).exclude(
        order__status__in=HIDDEN_ORDER_STATUSES
    )


def _enterprise_filter(credential: ApiCredential, field: str) -> Q:
    """Local enterprises (limited to the credential's list, if it has one)."""
    allowed = credential_enterprise_ids(credential)
    condition = Q(**{f"{field}__platform__is_local": True})
    if allowed is not None:
        condition &= Q(**{f"{field}_id__in": allowed})
    return condition


def partner_sessions_qs(*, credential: ApiCredential) -> QuerySet[SaleSession]:
    """Sessions of local traders, and the local records of the caller's own hubs' sessions
    (made when its orders arrived); never another partner's."""
    return SaleSession.objects.filter(
        _enterprise_filter(credential, "trader") | Q(trader__platform_id=credential.platform_id)
    ).select_related("trader")


def partner_session_detail_qs(*, credential: ApiCredential) -> QuerySet[SaleSession]:
    offers = Offer.objects.select_related("product__producer").order_by("pk")
    return partner_sessions_qs(credential=credential).prefetch_related(
        Prefetch("offers", queryset=offers)
    )


def partner_products_qs(*, credential: ApiCredential) -> QuerySet[Product]:
    """Active products of local producers the credential may act for."""
    return Product.objects.filter(
        _enterprise_filter(credential, "producer"), is_active=True
    ).select_related("producer")


def partner_stock_qs(*, credential: ApiCredential) -> QuerySet[Stock]:
    """Stock of the products the credential may see (local, active)."""

    return Stock.objects.filter(
        product__in=partner_products_qs(credential=credential)
    ).select_related("product__producer")


def partner_offers_qs(*, credential: ApiCredential) -> QuerySet[Offer]:
    return Offer.objects.filter(
        _enterprise_filter(credential, "product__producer"), product__is_active=True
    ).select_related("product__producer", "session__trader")


def partner_producer_orders_qs(*, credential: ApiCredential) -> QuerySet[ProducerOrder]:
    """What this Larder's traders order from the caller's producers (those traders the
    credential may act for, when it is limited to some)."""
    lines = ProducerOrderLine.objects.select_related("product").order_by("pk")
    condition = Q(producer__platform_id=credential.platform_id)
    allowed = credential_enterprise_ids(credential)
    if allowed is not None:
        condition &= Q(trader_id__in=allowed)
    return (
        ProducerOrder.objects.filter(condition)
        .select_related("producer", "trader", "sales_session")
        .prefetch_related(Prefetch("lines", queryset=lines))
    )


def partner_enterprise_get(*, credential: ApiCredential, slug: str) -> Enterprise:
    """The local enterprise of a DFC path, if the credential may act for it (404 otherwise)."""
    enterprise = (
        Enterprise.objects.filter(_enterprise_filter_self(credential), slug=slug)
        .select_related("platform")
        .first()
    )
    if enterprise is None:
        raise NotFound(gettext("No enterprise “%(slug)s” here.") % {"slug": slug})
    return enterprise


def _enterprise_filter_self(credential: ApiCredential) -> Q:
    allowed = credential_enterprise_ids(credential)
    condition = Q(platform__is_local=True)
    if allowed is not None:
        condition &= Q(pk__in=allowed)
    return condition


def _items_with_discount() -> QuerySet[OrderItem]:
    """Items with `discount`: their coupons and discounts as a positive amount, in one query
    for any number of orders (the bulk form of discounts.selectors.order_discount_totals)."""
    from discounts.models import REDUCING_USAGES

    return (
        OrderItem.objects.select_related("product__producer", "offer")
        .annotate(
            discount=Coalesce(
                Sum("adjustments__amount", filter=Q(adjustments__usage__in=list(REDUCING_USAGES))),
                Value(Decimal("0.00")),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
        .order_by("pk")
    )


def partner_seller_orders_qs(
    *, credential: ApiCredential, seller: Enterprise, states: dict[str, Any] | None = None
) -> QuerySet[Order]:
    """The caller's DFC orders with one of Larder's enterprises, ready to render: trader,
    session, items with product and discount, in three queries whatever their number.
    `states`: DFC list filters, e.g. {"orderState": "Held"} (orders.dfc_graphs)."""
    from orders.dfc_graphs import STATE_FILTERS

    orders = partner_orders_qs(credential=credential).filter(partner_order__seller=seller)
    for name, value in (states or {}).items():
        if value is not None:
            table, field = STATE_FILTERS[name]
            orders = orders.filter(**{f"{field}__in": list(table[value])})
    return orders.prefetch_related(Prefetch("items", queryset=_items_with_discount()))


def order_discounts(order: Order) -> tuple[Decimal, dict[int, Decimal]]:
    """(order discount, {item id: discount}) from items loaded by partner_seller_orders_qs."""
    # The items' Prefetch (_items_with_discount) annotated them.
    items = cast("list[WithAnnotations[OrderItem, _Discount]]", list(order.items.all()))
    per_item = {item.pk: -item.discount + Decimal("0.00") for item in items}
    return sum(per_item.values(), Decimal("0.00")), per_item


def category_offers_prefetch() -> "Prefetch[Any]":
    """An offer's `available_category_offers`: the customer categories that may buy it, each
    with its own price (DFC: an Offer offeredTo a CustomerCategory)."""
    return Prefetch(
        "category_offers",
        queryset=CategoryOffer.objects.filter(is_available=True)
        .select_related("category__trader")
        .order_by("category__code"),
        to_attr="available_category_offers",
    )


def partner_offers_of(*, credential: ApiCredential, seller: Enterprise) -> QuerySet[Offer]:
    """The seller's offers in sessions that take orders, with what live stock needs and the
    customer categories they are made to."""
    return (
        partner_offers_qs(credential=credential)
        .filter(Q(product__producer=seller) | Q(session__trader=seller))
        .filter(session__state=SaleSession.State.OPEN)
        .select_related("product__stock", "product__producer", "session__trader")
        .prefetch_related(category_offers_prefetch())
        .order_by("pk")
    )


def partner_products_of(
    *, credential: ApiCredential, seller: Enterprise
) -> "QuerySet[WithAnnotations[Product, _OpenOffers]]":
    """The seller's products, each with `open_offers`: its offers in open sessions."""
    offers = (
        Offer.objects.filter(session__state=SaleSession.State.OPEN)
        .select_related("session__trader")
        .prefetch_related(category_offers_prefetch())
        .order_by("pk")
    )
    return (
        partner_products_qs(credential=credential)
        .filter(producer=seller)
        .select_related("stock", "producer")
        .prefetch_related(Prefetch("offers", queryset=offers, to_attr="open_offers"))
        .order_by("pk")
    )


def partner_sessions_of(
    *, credential: ApiCredential, seller: Enterprise
) -> "QuerySet[WithAnnotations[SaleSession, _SessionOffers]]":
    """Sessions where the seller trades: its own, and those listing its products; each with
    the seller's offers (and the customer categories they are made to) and the trader's
    pickup points and delivery zones open in it (`open_windows`, their centres)."""
    offers = (
        Offer.objects.filter(Q(product__producer=seller) | Q(session__trader=seller))
        .prefetch_related(category_offers_prefetch())
        .order_by("pk")
    )
    windows = (
        FulfilmentWindow.objects.filter(centre__is_active=True)
        .select_related("centre__trader")
        .order_by("opens_at", "pk")
    )
    return (
        partner_sessions_qs(credential=credential)
        .filter(Q(trader=seller) | Q(offers__product__producer=seller))
        .distinct()
        .select_related("trader")
        .prefetch_related(
            Prefetch("offers", queryset=offers, to_attr="seller_offers"),
            Prefetch("fulfilment_windows", queryset=windows, to_attr="open_windows"),
        )
        .order_by("pk")
    )
