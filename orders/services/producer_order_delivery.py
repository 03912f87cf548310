"""How a producer order travels to its producer's platform through the outbox.

First a POST to the producer's DFC `Orders` collection (status Held, with the sale session);
then a PUT of the whole graph to the order's @id on every change; a PUT with status Complete
once the session has closed. Lines the partner knows carry its @ids; the partner's response
gives @ids to new lines.
"""

import logging

from django.conf import settings

from orders.models import ProducerOrder, ProducerOrderLine
from platforms.dfc import uris
from platforms.dfc.parse import parse_order
from platforms.dfc.render import producer_order_document
from platforms.exceptions import DfcParseError
from platforms.outbox import OutboundRequest, UndeliverableMessage

logger = logging.getLogger(__name__)


def orders_collection_url(producer) -> str:
    if not producer.remote_id:
        raise UndeliverableMessage(
            f"Producer {producer.slug} has no DFC @id on its platform: set it to deliver orders."
        )
    return producer.remote_id.rstrip("/") + "/Orders"


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
        lines = list(producer_order.lines.select_related("product__producer__platform"))
        if producer_order.remote_id:
            method, url = "PUT", producer_order.remote_id
        elif not lines:
            return None  # never sent and nothing to order: the partner needs to hear nothing
        else:
            method, url = "POST", orders_collection_url(producer_order.producer)
        return OutboundRequest(
            method=method,
            url=url,
            body=producer_order_document(producer_order, lines),
            idempotency_key=(
                f"{settings.LARDER_PLATFORM_SLUG}:producer-order:{producer_order.pk}"
                f":v{producer_order.version}:{method}"
            ),
            # We own the producer order's content: overwrite whatever version the partner has.
            context={"version": producer_order.version, "if_match": "*"},
        )

    def acknowledge(self, message, request: OutboundRequest, response) -> None:
        producer_order = ProducerOrder.objects.select_for_update().get(pk=message.subject_id)
        update_fields = ["updated_at"]
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
        if parsed:
            self._remember_line_ids(producer_order, parsed)
        if producer_order.version == request.context["version"]:
            producer_order.status = ProducerOrder.Status.WAITING_REMOTE_FULFILMENT
            update_fields.append("status")
        producer_order.save(update_fields=update_fields)

    def _remember_line_ids(self, producer_order, parsed) -> None:
        lines = list(producer_order.lines.select_related("product__producer__platform"))
        by_product_uri = {uris.supplied_product_uri(line.product): line for line in lines}
        changed = []
        for parsed_line in parsed.lines:
            line = by_product_uri.get(parsed_line.offer.offered_item or "")
            if line and parsed_line.id and parsed_line.id.startswith(("http://", "https://")):
                if line.remote_id != parsed_line.id:
                    line.remote_id = parsed_line.id
                    changed.append(line)
        if changed:
            ProducerOrderLine.objects.bulk_update(changed, ["remote_id"])

    def give_up(self, message) -> None:
        logger.warning(
            "producer order %s: delivery dead-lettered (%s)", message.subject_id, message.last_error
        )


handler = ProducerOrderDelivery()
