"""How each kind of partner platform accepts a producer order: one adapter per Platform.kind.

The outbox (platforms/outbox/services.py) stays the one mechanism for every partner (leases,
retries, durable rows, the look-up before a repeated POST); the producer-order handler asks the
producer's platform's adapter for the URLs, the content type, the body's shape, how to read
the reply and which changes the partner still takes. Rules read in the partners' code:

Open Food Network (openfoodfoundation/openfoodnetwork, pull request #14423, still open, head
7825353686: engines/dfc_provider/config/routes.rb, app/controllers/dfc_provider/
orders_controller.rb and application_controller.rb, app/services/order_builder.rb,
app/services/authorization_control.rb, spec/requests/orders_spec.rb,
spec/fixtures/files/fdc-send-backorder.json)
- `resources :enterprises … resources :orders, only: [:show, :create, :update, :destroy]`:
  lower-case `/api/dfc/enterprises/{id}/orders[/{id}]`; no index, so no list to look in.
- The body is read whatever its content type (`DfcIo.import(request.body)`).
- `OrderBuilder.line_item_attributes`: `line.offer.offeredItem.split('/supplied_products/')`
  — offeredItem must be a plain string whose tail is the variant id; lines absent from a PUT
  are destroyed; `line.quantity <= 0` is skipped (a number, compared); Spree quantities are
  whole. `set_order_state`: Held checks the order out, Complete sets completed_at.
- `destroy` cancels the order (204): that is how a producer order is cancelled there.
- create answers 201 with `OrderBuilder.build` alone (the Order node: @id, Held, no lines);
  update answers 200 the same way.

FDC Shopify producer app (Food-Data-Collaboration/shopify-dfc-producer-app, 6305250dc7:
web/app.js, web/middleware/checkUserAccessPermissions.js, web/fdc-modules/orders/index.js,
controllers/create-order.js, controllers/update-order.js, controllers/shopify/orders.js,
controllers/shopify/ids.js, dfc/dfc-order.js)
- `/api/dfc/Enterprises/:EnterpriseName/Orders` with `express.text({type: '*/json'})`: only
  a `*/json` content type is read (application/ld+json leaves the body empty → 500).
- `extract`: the TypeScript connector imports the graph; exactly one Order ("Order missing"),
  as many OrderLines in the graph as the Order's lines, and on POST exactly one SaleSession
  whose endDate `new Date()` can read (the draft order's reservation date).
- `dfcLineToShopifyLine`: the variant id is the last path segment of the offer's offeredItem
  (a SuppliedProduct node the connector resolves in the graph); quantity goes to Shopify's
  integer field.
- update: the Order's @id must end in the URL's id (else 400); Complete completes the draft
  order, which Shopify refuses a second time (nothing after Complete).
- Both answer 200 (POST too) with the Order, its lines, offers and SuppliedProducts under the
  app's own URLs. An inactive (expired) token is 403 "token expired", not 401.

Larder and plain DFC: Larder's own API (orders/services/partner_orders.py) — `Orders` with a
capital, application/ld+json, offeredItem as a node reference, decimal quantities, a list of
orders by number, 201 with the whole order.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext

from platforms.exceptions import UndeliverableMessage
from platforms.models import Platform

OFFERED_ITEM = "dfc-b:offeredItem"


@dataclass(frozen=True)
class DeliveryAdapter:
    kind: str
    orders_segment: str = "Orders"
    content_type: str = "application/ld+json"
    offered_item_as_string: bool = False
    offered_item_marker: str = ""  # what the product's partner @id must contain, if anything
    whole_quantities: bool = False
    post_needs_sale_session: bool = False
    lists_orders_by_number: bool = True
    cancel_method: str = "PUT"
    accepts_changes_after_complete: bool = True
    # Statuses meaning the access token is refused (FDC answers 403 for an expired token).
    reauthenticate_statuses: frozenset = frozenset({401})
    product_key_by_last_segment: bool = False
    # The partner reads the product's own @id on its side: no order leaves without that link.
    requires_product_links: bool = False

    def collection_url(self, producer) -> str:
        if not producer.remote_id:
            raise UndeliverableMessage(
                gettext(
                    "Producer %(slug)s has no DFC @id on its platform: set it to deliver orders."
                )
                % {"slug": producer.slug}
            )
        return f"{producer.remote_id.rstrip('/')}/{self.orders_segment}"

    def check_lines(self, producer_order, lines) -> None:
        """Refuse, before anything is sent, a producer order this kind could never take."""
        for line in lines:
            product = line.product
            if self.requires_product_links and not product.remote_id:
                raise UndeliverableMessage(
                    gettext(
                        "Product '%(product)s' has no link to the partner's product (its "
                        "@id on %(platform)s): set it to deliver orders."
                    )
                    % {"product": product.name, "platform": producer_order.producer.platform.name}
                )
            if self.offered_item_marker and self.offered_item_marker not in product.remote_id:
                raise UndeliverableMessage(
                    gettext(
                        "Product '%(product)s' is linked to %(remote_id)s, which does not "
                        "name a variant the way %(label)s reads it "
                        "(…%(marker)s{variant id})."
                    )
                    % {
                        "product": product.name,
                        "remote_id": product.remote_id,
                        "label": self.label,
                        "marker": self.offered_item_marker,
                    }
                )
            if self.whole_quantities and line.quantity != line.quantity.to_integral_value():
                raise UndeliverableMessage(
                    gettext(
                        "%(label)s takes whole quantities only: '%(product)s' is ordered "
                        "%(quantity)s."
                    )
                    % {"label": self.label, "product": product.name, "quantity": line.quantity}
                )

    @property
    def label(self) -> str:
        return Platform.Kind(self.kind).label

    def shape(self, document: dict, *, producer_order) -> dict:
        """The shared DFC graph as this kind reads it: every blank node named under Larder's
        public URL (stable for the producer order's life), offeredItem and quantities in the
        form the kind's reader takes."""
        base = producer_order_uri(producer_order)
        names = {}
        for node in document["@graph"]:
            node_id = node.get("@id", "")
            if node_id == "_:order":
                names[node_id] = base
            elif node_id.startswith("_:line-"):
                names[node_id] = f"{base}/OrderLines/{node_id.removeprefix('_:line-')}"
            elif node_id.startswith("_:offer-"):
                names[node_id] = f"{base}/Offers/{node_id.removeprefix('_:offer-')}"
        graph = [_renamed(node, names) for node in document["@graph"]]
        for node in graph:
            if node.get("@type") == "dfc-b:Offer" and self.offered_item_as_string:
                node[OFFERED_ITEM] = node[OFFERED_ITEM]["@id"]
                node.pop("dfc-b:offers", None)
            if node.get("@type") == "dfc-b:OrderLine" and self.whole_quantities:
                node["dfc-b:quantity"] = int(Decimal(str(node["dfc-b:quantity"])))
        return {**document, "@graph": graph}

    def product_key(self, iri: str) -> str:
        """How a line of the partner's reply is matched to the product it concerns."""
        return iri.rstrip("/").rsplit("/", 1)[-1] if self.product_key_by_last_segment else iri


def _renamed(value, names: dict):
    if isinstance(value, dict):
        return {
            key: names.get(item, item) if key == "@id" else _renamed(item, names)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_renamed(item, names) for item in value]
    return value


def producer_order_uri(producer_order) -> str:
    """The producer order's own @id under Larder's public URL (never a blank node)."""
    return (
        f"{settings.LARDER_PUBLIC_URL.rstrip('/')}/api/dfc/Enterprises/"
        f"{producer_order.trader.slug}/ProducerOrders/{producer_order.pk}"
    )


ADAPTERS = {
    Platform.Kind.LARDER: DeliveryAdapter(kind=Platform.Kind.LARDER),
    Platform.Kind.OTHER: DeliveryAdapter(kind=Platform.Kind.OTHER),
    Platform.Kind.OFN: DeliveryAdapter(
        kind=Platform.Kind.OFN,
        orders_segment="orders",
        content_type="application/json",
        offered_item_as_string=True,
        offered_item_marker="/supplied_products/",
        whole_quantities=True,
        lists_orders_by_number=False,
        cancel_method="DELETE",
        requires_product_links=True,
    ),
    Platform.Kind.SHOPIFY_FDC: DeliveryAdapter(
        kind=Platform.Kind.SHOPIFY_FDC,
        content_type="application/json",
        whole_quantities=True,
        post_needs_sale_session=True,
        # GET …/Orders exists, but its orders carry no orderNumber to find ours by.
        lists_orders_by_number=False,
        accepts_changes_after_complete=False,
        reauthenticate_statuses=frozenset({401, 403}),
        product_key_by_last_segment=True,
        requires_product_links=True,
    ),
}


def delivery_adapter(platform) -> DeliveryAdapter:
    """The adapter for a platform's kind (plain DFC for a kind without its own)."""
    return ADAPTERS.get(platform.kind, ADAPTERS[Platform.Kind.OTHER])
