"""/api/dfc/Enterprises/{slug}/…: the DFC JSON-LD endpoints partners use (OFN's backorder
client, the FDC apps, another Larder's outbox).

Thin views: the enterprise and every object come from platforms.partner_api.selectors, scoped to the
calling platform (a foreign id is 404); writes go to orders.services.partner_orders; JSON-LD is read
by platforms.dfc.parse and written by orders.dfc_graphs.
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

from django.db.models import Model
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.exceptions import NotFound
from config.parsers import DepthLimitedJSONParser
from discounts.selectors import order_discount_totals, shipping_rules_by_mode
from orders import dfc_graphs as graphs
from orders.services.partner_orders import (
    PartnerOrderState,
    partner_order_create,
    partner_order_update,
)
from orders.versions import etag
from platforms.dfc.parse import parse_order
from platforms.dfc.render import document
from platforms.partner_api import selectors
from platforms.partner_api.apis.base import (
    COMMON_ERRORS,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    WRITE_ERRORS,
    PartnerApi,
    PartnerPagination,
    if_match_versions,
)
from platforms.partner_api.idempotency import idempotent_call

JSON_LD = "application/ld+json"
M = TypeVar("M", bound=Model)


class JsonLdRenderer(JSONRenderer):
    media_type = JSON_LD
    format = "jsonld"


class JsonLdParser(DepthLimitedJSONParser):
    media_type = JSON_LD


DFC_DOCUMENT = {
    "type": "object",
    "description": "A JSON-LD document in the DFC 1.16 context.",
    "properties": {
        "@context": {"type": "string"},
        "@graph": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["@context", "@graph"],
}
DFC_REQUEST = {
    "type": "object",
    "description": "A JSON-LD graph holding one dfc-b:Order with its OrderLines (nested or in "
    "@graph), in any DFC context real clients send.",
}
LIST_PARAMETERS = [
    *(
        OpenApiParameter(name, str, enum=list(table))
        for name, (table, _) in graphs.STATE_FILTERS.items()
    ),
    OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": 10**12 - 1}),
    OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": 10**12 - 1}),
]


def _ok(description: str, code: int = 200) -> dict:
    return {(code, JSON_LD): DFC_DOCUMENT}


class DfcApi(PartnerApi):
    renderer_classes = [JsonLdRenderer, JSONRenderer]
    parser_classes = [JsonLdParser, DepthLimitedJSONParser]

    def seller(self):
        return selectors.partner_enterprise_get(
            credential=self.credential, slug=self.kwargs["slug"]
        )

    def graph(self, body: dict, *, code: int = 200, headers: dict | None = None) -> Response:
        return Response(body, status=code, headers=headers, content_type=JSON_LD)


class DfcOrderMixin(DfcApi):
    def order(self, seller):
        order = (
            selectors.partner_seller_orders_qs(credential=self.credential, seller=seller)
            .filter(pk=self.kwargs["order_id"])
            .first()
        )
        if order is None:
            raise NotFound(gettext("No order %(order)s here.") % {"order": self.kwargs["order_id"]})
        return order

    def order_response(self, order, seller, *, code: int = 200) -> Response:
        order = selectors.partner_seller_orders_qs(credential=self.credential, seller=seller).get(
            pk=order.pk
        )
        return self.state_response(order, list(order.items.all()), seller, code=code)

    def written_response(self, state: PartnerOrderState, seller, *, code: int = 200) -> Response:
        """The reply to a write: from what the write knows when it re-priced the order (no
        second read), else read again."""
        if state.items is None:
            return self.order_response(state.order, seller, code=code)
        return self.state_response(
            state.order, state.items, seller, line_discounts=state.line_discounts, code=code
        )

    def state_response(
        self, order, items, seller, *, line_discounts=None, code: int = 200
    ) -> Response:
        if line_discounts is None:
            line_discounts = {item.pk: -item.discount + Decimal("0.00") for item in items}
        body = graphs.order_document(
            order,
            items,
            seller=seller,
            discount=sum(line_discounts.values(), Decimal("0.00")),
            line_discounts=line_discounts,
        )
        headers = {"ETag": etag(order.version)}
        if code == status.HTTP_201_CREATED:
            headers["Location"] = body["@graph"][0]["@id"]
        return self.graph(body, code=code, headers=headers)


class DfcOrdersApi(DfcOrderMixin, DfcApi):
    """GET the caller's orders with this enterprise (filtered by DFC state, paginated; the
    next and previous pages are in the `Link` header). POST a new order (Held)."""

    @extend_schema(
        parameters=LIST_PARAMETERS,
        responses={**_ok("Orders"), **COMMON_ERRORS},
    )
    def get(self, request, slug: str):
        seller = self.seller()
        states = {name: request.query_params.get(name) for name in graphs.STATE_FILTERS}
        unknown = {
            name: f"One of {', '.join(graphs.STATE_FILTERS[name][0])}."
            for name, value in states.items()
            if value is not None and value not in graphs.STATE_FILTERS[name][0]
        }
        if unknown:
            raise ValidationError(unknown)
        orders = selectors.partner_seller_orders_qs(
            credential=self.credential, seller=seller, states=states
        )
        paginator = PartnerPagination()
        page = paginator.paginate_queryset(orders.order_by("-number"), request, view=self)
        links = [
            f'<{url}>; rel="{rel}"'
            for url, rel in (
                (paginator.get_next_link(), "next"),
                (paginator.get_previous_link(), "prev"),
            )
            if url
        ]
        headers = {"X-Total-Count": str(paginator.count)}
        if links:
            headers["Link"] = ", ".join(links)
        entries = [
            (order, list(order.items.all()), seller, *selectors.order_discounts(order))
            for order in page or ()
        ]
        return self.graph(graphs.orders_document(entries), headers=headers)

    @extend_schema(
        request={JSON_LD: DFC_REQUEST, "application/json": DFC_REQUEST},
        parameters=[IDEMPOTENCY_KEY],
        responses={**_ok("The order placed", 201), **WRITE_ERRORS},
    )
    def post(self, request, slug: str):
        seller = self.seller()
        parsed = parse_order(request.data)

        def place() -> Response:
            state = partner_order_create(credential=self.credential, seller=seller, parsed=parsed)
            return self.written_response(state, seller, code=status.HTTP_201_CREATED)

        return idempotent_call(request=request, platform=self.platform, handler=place)


class DfcOrderApi(DfcOrderMixin, DfcApi):
    """GET one order; PUT its whole graph (If-Match checked when sent)."""

    @extend_schema(responses={**_ok("The order"), **COMMON_ERRORS})
    def get(self, request, slug: str, order_id: int):
        seller = self.seller()
        return self.order_response(self.order(seller), seller)

    @extend_schema(
        request={JSON_LD: DFC_REQUEST, "application/json": DFC_REQUEST},
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={**_ok("The order as it now is"), **WRITE_ERRORS},
    )
    def put(self, request, slug: str, order_id: int):
        seller = self.seller()
        parsed = parse_order(request.data)
        expected = if_match_versions(request, required=self.credential.requires_if_match)

        def amend() -> Response:
            state = partner_order_update(
                credential=self.credential,
                seller=seller,
                orders=selectors.partner_seller_orders_qs(
                    credential=self.credential, seller=seller
                ),
                order_id=order_id,
                expected_version=expected,
                parsed=parsed,
            )
            return self.written_response(state, seller)

        return idempotent_call(request=request, platform=self.platform, handler=amend)


class DfcOrderLinesApi(DfcOrderMixin, DfcApi):
    @extend_schema(responses={**_ok("The lines"), **COMMON_ERRORS})
    def get(self, request, slug: str, order_id: int):
        seller = self.seller()
        order = self.order(seller)
        _, line_discounts = order_discount_totals(order)
        nodes = []
        for item in order.items.all():
            nodes += graphs.order_line_document(
                order, item, seller=seller, line_discount=line_discounts.get(item.pk)
            )["@graph"]
        return self.graph(document(nodes), headers={"ETag": etag(order.version)})


class DfcOrderLineApi(DfcOrderMixin, DfcApi):
    @extend_schema(responses={**_ok("A line"), **COMMON_ERRORS})
    def get(self, request, slug: str, order_id: int, line_id: int):
        seller = self.seller()
        order = self.order(seller)
        item = next((i for i in order.items.all() if i.pk == line_id), None)
        if item is None:
            raise NotFound(
                gettext("Order %(order)s has no line %(line)s.")
                % {"order": order_id, "line": line_id}
            )
        _, line_discounts = order_discount_totals(order)
        return self.graph(
            graphs.order_line_document(
                order, item, seller=seller, line_discount=line_discounts.get(item.pk)
            )
        )


class DfcCatalogApi(DfcApi):
    scope_subject = "catalog"


def _one(items: Iterable[M], pk: int, what: str) -> M:
    found = next((item for item in items if item.pk == pk), None)
    if found is None:
        raise NotFound(gettext("No %(what)s %(pk)s here.") % {"what": what, "pk": pk})
    return found


class DfcSuppliedProductsApi(DfcCatalogApi):
    """The catalogue as OFN reads it: each SuppliedProduct with its CatalogItem and Offers."""

    @extend_schema(responses={**_ok("Products"), **COMMON_ERRORS})
    def get(self, request, slug: str, pk: int | None = None):
        seller = self.seller()
        products = selectors.partner_products_of(credential=self.credential, seller=seller)
        chosen = list(products) if pk is None else [_one(products.filter(pk=pk), pk, "product")]
        entries = [(product, product.open_offers) for product in chosen]
        return self.graph(document(graphs.catalogue_nodes(entries, seller)))


class DfcCatalogItemsApi(DfcCatalogApi):
    @extend_schema(responses={**_ok("Catalog items"), **COMMON_ERRORS})
    def get(self, request, slug: str, pk: int | None = None):
        seller = self.seller()
        products = selectors.partner_products_of(credential=self.credential, seller=seller)
        chosen = (
            list(products) if pk is None else [_one(products.filter(pk=pk), pk, "catalog item")]
        )
        entries = [(product, product.open_offers) for product in chosen]
        return self.graph(document(graphs.catalogue_nodes(entries, seller)))


class DfcOffersApi(DfcCatalogApi):
    @extend_schema(responses={**_ok("Offers"), **COMMON_ERRORS})
    def get(self, request, slug: str, pk: int | None = None):
        seller = self.seller()
        offers = selectors.partner_offers_of(credential=self.credential, seller=seller)
        chosen = list(offers) if pk is None else [_one(offers.filter(pk=pk), pk, "offer")]
        by_product: dict = {}
        for offer in chosen:
            by_product.setdefault(offer.product_id, (offer.product, []))[1].append(offer)
        return self.graph(document(graphs.catalogue_nodes(by_product.values(), seller)))


class DfcSaleSessionsApi(DfcCatalogApi):
    @extend_schema(responses={**_ok("Sessions"), **COMMON_ERRORS})
    def get(self, request, slug: str, pk: int | None = None):
        seller = self.seller()
        sessions = selectors.partner_sessions_of(credential=self.credential, seller=seller)
        chosen = (
            list(sessions) if pk is None else [_one(sessions.filter(pk=pk), pk, "sale session")]
        )
        fees = shipping_rules_by_mode(trader_ids={s.trader_id for s in chosen})
        nodes: dict[str, dict] = {}
        for session in chosen:
            for node in graphs.sale_session_nodes(session, seller, session.seller_offers, fees):
                nodes.setdefault(node["@id"], node)
        return self.graph(document(list(nodes.values())))


class DfcEnterpriseApi(DfcCatalogApi):
    @extend_schema(responses={**_ok("Enterprise"), **COMMON_ERRORS})
    def get(self, request, slug: str):
        seller = self.seller()
        products = selectors.partner_products_of(credential=self.credential, seller=seller)
        return self.graph(document([graphs.enterprise_node(seller, products)]))


@extend_schema(exclude=True)
class DfcSalesSessionAliasApi(DfcSaleSessionsApi):
    """`SalesSession/…`, the spelling docs/domain.md notes from the FDC apps' paths."""
