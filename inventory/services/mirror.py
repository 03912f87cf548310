"""Mirroring the stock of a producer on another platform from its DFC catalogue.

The producer's platform publishes its CatalogItems (DFC `dfc-b:CatalogItem`, each
`references` a SuppliedProduct and carries a `stockLimitation`; negative means unlimited).
A product here is matched by its `remote_id`, which may be either @id.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from config.exceptions import OutboundUnreachable
from config.http import http_request
from inventory.exceptions import CatalogUnavailable
from inventory.lock_objects import stock_qs_select_for_update
from inventory.models import Product, Stock
from inventory.services.stock import backorders_allocate_request, stock_rows_ensure
from platforms.dfc.jsonld import Graph, decimal_value, read
from platforms.exceptions import DfcParseError

FETCH_TIMEOUT_SECONDS = 15


def _catalogue_graph(document) -> Graph:
    """The catalogue through the one JSON-LD reader (platforms.dfc.jsonld); unreadable is
    CatalogUnavailable."""
    try:
        return read(document)
    except DfcParseError as error:
        raise CatalogUnavailable(f"unreadable DFC catalogue: {error.message}") from error


def catalog_stock_levels(document) -> dict[str, Decimal | None]:
    """@id → stockLimitation for every CatalogItem of a DFC catalogue, keyed by the
    CatalogItem's @id and by the @id of the SuppliedProduct it belongs to — found from either
    side (CatalogItem `references`, or SuppliedProduct `referencedBy` as FDC writes it).
    None: the item publishes no stock. Read by the one JSON-LD reader (platforms.dfc.jsonld);
    an unreadable document is CatalogUnavailable."""
    graph = _catalogue_graph(document)
    items: dict[str, Decimal | None] = {}
    levels: dict[str, Decimal | None] = {}
    for node in graph.typed("CatalogItem"):
        values = graph.literals(node, "stockLimitation")
        try:
            level = decimal_value(values[0], "stockLimitation") if values else None
        except DfcParseError:
            level = None
        items[node["@id"]] = level
        for key in [node["@id"], *graph.refs(node, "references")]:
            if not key.startswith("_:"):
                levels[key] = level
    for product in graph.typed("SuppliedProduct"):
        for item in graph.refs(product, "referencedBy"):
            if item in items and not product["@id"].startswith("_:"):
                levels[product["@id"]] = items[item]
    return levels


def catalog_offer_discounts(document) -> dict[str, Decimal]:
    """@id → the `dfc-b:discount` of an Offer (per unit, as FDC's API describes Offers), keyed
    by the Offer's @id, by the SuppliedProduct it offers (`offeredItem` or `offers`) and by
    the product a CatalogItem that lists it (`offeredThrough`) references. Offers without a
    discount are left out. Read by the one JSON-LD reader; unreadable is CatalogUnavailable."""
    graph = _catalogue_graph(document)
    discounts: dict[str, Decimal] = {}
    for node in graph.typed("Offer"):
        values = graph.literals(node, "discount")
        try:
            discount = decimal_value(values[0], "discount") if values else None
        except DfcParseError:
            discount = None
        if discount is None or discount < 0:
            continue
        for key in (node["@id"], graph.first_ref(node, "offeredItem", "offers")):
            if key and not key.startswith("_:"):
                discounts[key] = discount
    for node in graph.typed("CatalogItem"):
        found = [discounts[o] for o in graph.refs(node, "offeredThrough") if o in discounts]
        references = graph.first_ref(node, "references")
        if found and references and references not in discounts:
            discounts[references] = found[0]
    return discounts


def producer_catalog_url(producer) -> str:
    """The producer's CatalogItems collection on its platform."""
    if producer.remote_id:
        return producer.remote_id.rstrip("/") + "/CatalogItems"
    return producer.platform.base_url.rstrip("/") + f"/Enterprises/{producer.slug}/CatalogItems"


def catalog_fetch(url: str, *, token: str = ""):
    """GET a DFC catalogue; `token` is the bearer token the partner gave this platform."""
    if not url.startswith(("http://", "https://")):
        raise CatalogUnavailable(f"{url}: only http(s) catalogues are read.")
    headers = {"Accept": "application/ld+json, application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        answer = http_request("GET", url, headers=headers, timeout=FETCH_TIMEOUT_SECONDS)
    except OutboundUnreachable as error:
        raise CatalogUnavailable(f"{url}: {error}") from error
    if not answer.ok:
        raise CatalogUnavailable(f"{url}: HTTP {answer.status}")
    try:
        return answer.json()
    except ValueError as error:
        raise CatalogUnavailable(f"{url}: {error}") from error


@dataclass
class MirrorResult:
    url: str
    known: list[int] = field(default_factory=list)
    unlimited: list[int] = field(default_factory=list)
    unknown: list[int] = field(default_factory=list)


def stock_mirror_refresh(*, producer_id: int) -> MirrorResult:
    """Read the producer's catalogue over HTTP (outside any transaction), then, in one
    transaction, set the mirror of every product with a `remote_id`: stockLimitation ≥ 0 is
    on hand, negative is unlimited, absent (or the product missing from the catalogue) is
    unknown. Stock rows are locked in pk order; on hand never drops below what this
    platform's orders already hold (the shortfall stays visible in remote_stock_limitation).
    More stock wakes the backorder task after commit."""
    from platforms.models import Enterprise

    producer = Enterprise.objects.select_related("platform").get(pk=producer_id)
    url = producer_catalog_url(producer)
    catalogue = catalog_fetch(url, token=producer.platform.outbound_token)
    levels = catalog_stock_levels(catalogue)
    result = MirrorResult(url=url)
    with transaction.atomic():
        products = dict(
            Product.objects.filter(producer_id=producer_id)
            .exclude(remote_id="")
            .values_list("pk", "remote_id")
        )
        _catalog_discounts_set(products, catalog_offer_discounts(catalogue))
        stock_rows_ensure(products)
        held = _held_for_us(list(products))
        now = timezone.now()
        more_stock = []
        changed = []
        for stock in stock_qs_select_for_update(list(products)):
            level = levels.get(products[stock.pk])
            before = stock.available
            stock.is_remote_mirror = True
            stock.refreshed_at = stock.updated_at = now
            stock.remote_stock_limitation = level
            if level is None:
                stock.on_hand, stock.is_unlimited = None, False
                result.unknown.append(stock.pk)
            elif level < 0:
                stock.on_hand, stock.is_unlimited = None, True
                result.unlimited.append(stock.pk)
            else:
                # The partner's stockLimitation is what it can still sell; what it already
                # holds for our delivered Held producer orders is ours on top of that.
                on_hand = level + held.get(stock.pk, 0)
                stock.on_hand, stock.is_unlimited = max(on_hand, stock.reserved), False
                result.known.append(stock.pk)
            if before is not None and (stock.available is None or stock.available > before):
                more_stock.append(stock.pk)
            changed.append(stock)
        Stock.objects.bulk_update(
            changed,
            [
                "on_hand",
                "is_unlimited",
                "is_remote_mirror",
                "remote_stock_limitation",
                "refreshed_at",
                "updated_at",
            ],
        )
        backorders_allocate_request(more_stock)
    return result


def _catalog_discounts_set(products: dict[int, str], discounts: dict[str, Decimal]) -> None:
    """Keep each product's catalogue discount per unit (None when its offer states none), so
    the producer orders state the discount Larder expects. One statement when any changed."""
    current = dict(
        Product.objects.filter(pk__in=list(products)).values_list("pk", "catalog_discount")
    )
    changed = [
        Product(pk=pk, catalog_discount=discounts.get(remote_id))
        for pk, remote_id in products.items()
        if current.get(pk) != discounts.get(remote_id)
    ]
    if changed:
        Product.objects.bulk_update(changed, ["catalog_discount"])


def _held_for_us(product_ids: list[int]) -> dict[int, Decimal]:
    """Per product, the customer quantity of our producer orders the partner has accepted and
    holds while the session is open (Held, with the partner's @id): one GROUP BY."""
    from django.db.models import Sum

    from orders.models import ProducerOrder, ProducerOrderLine

    rows = (
        ProducerOrderLine.objects.filter(
            product_id__in=product_ids,
            producer_order__order_state=ProducerOrder.OrderState.HELD,
        )
        .exclude(producer_order__remote_id="")
        .values("product_id")
        .annotate(quantity=Sum("customer_quantity"))
    )
    return {row["product_id"]: row["quantity"] for row in rows}


def remote_producer_ids() -> list[int]:
    """Producers on other platforms that have products with a remote @id."""
    return sorted(
        set(
            Product.objects.filter(producer__platform__is_local=False)
            .exclude(remote_id="")
            .values_list("producer_id", flat=True)
        )
    )
