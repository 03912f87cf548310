"""How a producer order travels to its producer's platform through the outbox.

First a POST to the producer's DFC `Orders` collection (status Held, with the sale session);
then a PUT of the whole graph to the order's @id on every change; a PUT with status Complete
once the session has closed. Lines the partner knows carry its @ids; the partner's response
gives @ids to new lines.

No duplicate orders at the partner: the creating POST carries an Idempotency-Key stable for the
producer order (never its version), but real partners (OFN, FDC) ignore that header. So once a
POST has been started without a clear answer (a timeout, a reset connection, a 5xx, a worker
that died), the next attempt first reads the producer's `Orders` collection and looks for the
order number Larder sent: found, the order is amended there with a PUT; only a confirmed
absence (a 2xx list without it) POSTs again; no clear answer retries later.
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from config.money import money
from orders.models import ProducerOrder, ProducerOrderLine
from platforms.dfc import uris
from platforms.dfc.jsonld import read
from platforms.dfc.parse import parse_order
from platforms.dfc.render import producer_order_document, producer_order_number
from platforms.exceptions import DfcParseError, PartnerUnsure
from platforms.outbox.delivery_adapters import delivery_adapter
from platforms.outbox.services import (
    OutboundRequest,
    outbox_subject_attempted,
)

logger = logging.getLogger(__name__)


def orders_collection_url(producer) -> str:
    return delivery_adapter(producer.platform).collection_url(producer)


class ProducerOrderDelivery:
    def build(self, message) -> OutboundRequest | None:
        producer_order = (
            ProducerOrder.objects.select_related(
                "sales_session__trader__platform",
                "trader__platform",
                "producer__platform",
                "customer_order",
            )
            .filter(pk=message.subject_id)
            .first()
        )
        if producer_order is None:
            return None
        adapter = delivery_adapter(producer_order.producer.platform)
        lines = list(producer_order.lines.select_related("product__producer__platform"))
        partner_state = producer_order.partner_state
        if producer_order.remote_id:
            if partner_state == ProducerOrder.PartnerState.CANCELLED:
                return None  # the partner has cancelled it: nothing more to say
            if (
                partner_state == ProducerOrder.PartnerState.COMPLETED
                and not adapter.accepts_changes_after_complete
            ):
                logger.warning(
                    "producer order %s: %s takes no change after Complete; not sent",
                    producer_order.pk,
                    adapter.label,
                )
                return None
            method, url = "PUT", producer_order.remote_id
            if producer_order.is_cancelled and adapter.cancel_method == "DELETE":
                method = "DELETE"
        elif not lines or producer_order.is_cancelled:
            # Never sent, and nothing to order or cancelled before it left: the partner needs
            # to hear nothing.
            return None
        else:
            method, url = "POST", adapter.collection_url(producer_order.producer)
        body = None
        if method != "DELETE":
            adapter.check_lines(producer_order, lines)
            body = adapter.shape(
                producer_order_document(producer_order, lines), producer_order=producer_order
            )
        key = f"{settings.LARDER_PLATFORM_SLUG}:producer-order:{producer_order.pk}"
        key = f"{key}:create" if method == "POST" else f"{key}:v{producer_order.version}"
        if method == "DELETE":
            key = f"{key}:cancel"
        return OutboundRequest(
            method=method,
            url=url,
            body=body,
            content_type=adapter.content_type,
            # Creating: one key for the producer order's life. Amending: one per version.
            idempotency_key=key,
            # We own the producer order's content: overwrite whatever version the partner has.
            context={
                "version": producer_order.version,
                "if_match": "*",
                "order_state": producer_order.order_state,
                "order_number": producer_order_number(producer_order),
                # An earlier POST may have created the order without our hearing of it.
                "look_up_first": method == "POST"
                and outbox_subject_attempted(message, method="POST"),
                "lists_orders_by_number": adapter.lists_orders_by_number,
            },
        )

    def prepare(self, message, request: OutboundRequest, client) -> OutboundRequest:
        """Before a POST that may repeat an earlier one, find the order at the partner by its
        order number: PUT to it if it is there, POST only if the partner's list says it is not.
        Runs outside any transaction (it calls the partner); raises PartnerUnsure."""
        if not request.context.get("look_up_first"):
            return request
        if not request.context.get("lists_orders_by_number", True):
            # OFN has no orders list; FDC's carries no order number. POSTing again could make
            # a second order: wait for a person to find it there (and set its @id) instead.
            raise PartnerUnsure(
                "an earlier POST may have reached the partner, which cannot be asked for the "
                "order by its number: check there and set the order's @id, then retry"
            )
        response = client.get(request.url)
        if not 200 <= response.status < 300 or response.body is None:
            raise PartnerUnsure(f"{request.url} answered {response.status}")
        found = orders_by_number(response.body).get(request.context["order_number"])
        if found is None:
            return request  # confirmed absent: create it
        logger.info("producer order %s: found at the partner, amending it", message.subject_id)
        return OutboundRequest(
            method="PUT",
            url=found,
            body=request.body,
            idempotency_key=f"{request.idempotency_key}:found",
            context={**request.context, "look_up_first": False},
        )

    def acknowledge(self, message, request: OutboundRequest, response) -> None:
        producer_order = (
            ProducerOrder.objects.select_for_update(of=("self",))
            .select_related("producer__platform")
            .get(pk=message.subject_id)
        )
        adapter = delivery_adapter(producer_order.producer.platform)
        producer_order.partner_state = _state_accepted(request)
        producer_order.partner_message = ""
        update_fields = ["updated_at", "partner_state", "partner_message"]
        parsed = None
        if response.body:
            try:
                parsed = parse_order(response.body)
            except DfcParseError as error:
                logger.warning(
                    "producer order %s: unreadable partner response (%s)",
                    producer_order.pk,
                    error.code,
                )
        if parsed and parsed.id and parsed.id.startswith(("http://", "https://")):
            if producer_order.remote_id != parsed.id:
                producer_order.remote_id = parsed.id
                update_fields.append("remote_id")
        current = producer_order.version == request.context["version"]
        if parsed:
            line_disagrees = self._remember_lines(producer_order, parsed, adapter)
            # The partner is the seller: its discount is the one that applies. Keep it beside
            # the expected one and flag a difference to the trader, never adopt it silently.
            producer_order.partner_discount = _money_or_none(parsed.discount)
            update_fields.append("partner_discount")
            if current:
                producer_order.discount_disagrees = line_disagrees or (
                    producer_order.partner_discount is not None
                    and producer_order.partner_discount != producer_order.total_discount
                )
                update_fields.append("discount_disagrees")
        if current:
            producer_order.status = ProducerOrder.Status.WAITING_REMOTE_FULFILMENT
            update_fields.append("status")
        producer_order.save(update_fields=update_fields)

    def _remember_lines(self, producer_order, parsed, adapter) -> bool:
        """Keep the partner's @ids and discounts of the lines; True when a line's discount
        differs from the one expected."""
        lines = list(producer_order.lines.select_related("product__producer__platform"))
        by_product = {
            adapter.product_key(uris.supplied_product_uri(line.product)): line for line in lines
        }
        changed = []
        disagrees = False
        for parsed_line in parsed.lines:
            line = by_product.get(adapter.product_key(parsed_line.offer.offered_item or ""))
            if line is None:
                continue
            remote_id = line.remote_id
            if parsed_line.id and parsed_line.id.startswith(("http://", "https://")):
                remote_id = parsed_line.id
            partner_discount = _money_or_none(parsed_line.discount)
            if (remote_id, partner_discount) != (line.remote_id, line.partner_discount):
                line.remote_id, line.partner_discount = remote_id, partner_discount
                changed.append(line)
            disagrees |= partner_discount is not None and partner_discount != line.discount
        if changed:
            ProducerOrderLine.objects.bulk_update(changed, ["remote_id", "partner_discount"])
        return disagrees

    def refused(self, message, request: OutboundRequest, response) -> None:
        """The partner refused the producer order (409 or 422: it cannot supply it), in the
        transaction that dead-letters the message. After that commits, the customer orders
        whose items it could not supply move to L (orders.services.low_inventory.
        producer_order_refused), apart from the outbox so a failure there never undoes the
        dead letter."""
        from orders.services.low_inventory import producer_order_refused

        producer_order_id, status, body = message.subject_id, response.status, response.body
        ProducerOrder.objects.filter(pk=producer_order_id).update(
            partner_state=ProducerOrder.PartnerState.REFUSED,
            partner_message=partner_words(body, status),
        )
        logger.warning(
            "producer order %s: refused by the partner (HTTP %s)", producer_order_id, status
        )

        def low_inventory() -> None:
            try:
                producer_order_refused(
                    producer_order_id=producer_order_id, status_code=status, body=body
                )
            except Exception:  # noqa: BLE001 - logged; customer service still sees the dead letter
                logger.exception("producer order %s: refusal not applied", producer_order_id)

        transaction.on_commit(low_inventory)

    def give_up(self, message) -> None:
        logger.warning(
            "producer order %s: delivery dead-lettered (%s)", message.subject_id, message.last_error
        )


def orders_by_number(document: dict) -> dict[str, str]:
    """{orderNumber: @id} of the orders in a partner's `Orders` collection, read by the one
    JSON-LD reader (platforms.dfc.jsonld). A list Larder cannot read proves nothing about
    absence: PartnerUnsure, so the delivery is retried rather than POSTed twice."""
    try:
        graph = read(document)
    except DfcParseError as error:
        raise PartnerUnsure(f"unreadable Orders list ({error.code})") from error
    found: dict[str, str] = {}
    for order in graph.typed("Order"):
        number = graph.literal(order, "orderNumber")
        if number is not None and not order["@id"].startswith("_:"):
            found.setdefault(str(number), order["@id"])
    return found


def _state_accepted(request: OutboundRequest) -> str:
    if request.method == "DELETE":
        return ProducerOrder.PartnerState.CANCELLED
    if request.context.get("order_state") == ProducerOrder.OrderState.COMPLETE:
        return ProducerOrder.PartnerState.COMPLETED
    return ProducerOrder.PartnerState.ACCEPTED


def partner_words(body, status: int) -> str:
    """The partner's own explanation of a refusal, in words: a problem document's detail or
    title, OFN's `error`, FDC's `message`; else the status code."""
    if isinstance(body, dict):
        for name in ("detail", "error", "message", "title"):
            if isinstance(body.get(name), str) and body[name].strip():
                return body[name].strip()[:500]
    return f"HTTP {status} without an explanation"


def _money_or_none(value) -> Decimal | None:
    return None if value is None else money(value)


handler = ProducerOrderDelivery()
