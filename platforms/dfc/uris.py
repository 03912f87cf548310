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
