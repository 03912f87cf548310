"""The @ids Larder gives its own resources, under /api/dfc/ of its public URL."""

from django.conf import settings


def _base() -> str:
    return settings.LARDER_PUBLIC_URL.rstrip("/") + "/api/dfc"


def enterprise_uri(enterprise) -> str:
    if enterprise.remote_id and not enterprise.platform.is_local:
        return enterprise.remote_id
    return f"{_base()}/Enterprises/{enterprise.slug}"


def order_uri(enterprise, order_id: int) -> str:
    return f"{enterprise_uri(enterprise)}/Orders/{order_id}"


def order_line_uri(enterprise, order_id: int, line_id: int) -> str:
    return f"{order_uri(enterprise, order_id)}/OrderLines/{line_id}"


def sale_session_uri(session) -> str:
    return (
        session.remote_id
        or f"{_base()}/Enterprises/{session.trader.slug}/SaleSessions/{session.pk}"
    )


def supplied_product_uri(product) -> str:
    return (
        product.remote_id
        or f"{_base()}/Enterprises/{product.producer.slug}/SuppliedProducts/{product.pk}"
    )


def catalog_item_uri(product) -> str:
    return f"{_base()}/Enterprises/{product.producer.slug}/CatalogItems/{product.pk}"


def offer_uri(enterprise, offer_id: int) -> str:
    return f"{_base()}/Enterprises/{enterprise.slug}/Offers/{offer_id}"


def customer_category_uri(category) -> str:
    return f"{_base()}/Enterprises/{category.trader.slug}/CustomerCategories/{category.code}"


def category_offer_uri(enterprise, offer_id: int, category) -> str:
    """The offer as made to one customer category (its own price): a node of its own."""
    return f"{offer_uri(enterprise, offer_id)}/CustomerCategories/{category.code}"


def physical_place_uri(centre) -> str:
    return f"{_base()}/Enterprises/{centre.trader.slug}/PhysicalPlaces/{centre.code}"


def address_uri(centre) -> str:
    return f"{physical_place_uri(centre)}/Address"


def shipping_option_uri(session, window) -> str:
    return (
        f"{_base()}/Enterprises/{session.trader.slug}/SaleSessions/{session.pk}"
        f"/ShippingOptions/{window.pk}"
    )
