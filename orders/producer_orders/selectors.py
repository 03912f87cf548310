"""Reads of producer orders beyond their rows: the state of their delivery to the producer's
platform (the outbox), in words."""

from typing import TYPE_CHECKING, TypedDict, cast

from orders.models import ProducerOrder
from platforms.models import OutboxMessage
from platforms.outbox.delivery_words import delivery_explanation, delivery_is_failing


class _Delivery(TypedDict):
    """What producer_orders_attach_deliveries sets on each producer order."""

    delivery_state: str
    delivery_error: str
    delivery_attempts: int
    delivery_message_id: int | None
    delivery_failing: bool
    delivery_explanation: str


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    ProducerOrderWithDelivery = WithAnnotations[ProducerOrder, _Delivery]


def producer_orders_attach_deliveries(
    producer_orders: list[ProducerOrder],
) -> "list[ProducerOrderWithDelivery]":
    """Each producer order's latest outbox message: `delivery_state` (none, local, pending,
    delivered, dead), `delivery_error`, `delivery_attempts`, `delivery_message_id`,
    `delivery_failing` (any failed attempt) and `delivery_explanation` in words. One query.
    Returns the same list, typed with those attributes."""
    delivered = cast("list[ProducerOrderWithDelivery]", producer_orders)  # set below
    keys = {f"producer-order:{p.pk}": p for p in delivered}
    latest: dict[str, OutboxMessage] = {}
    if keys:
        for sent in (
            OutboxMessage.objects.filter(subject_key__in=list(keys))
            .only("pk", "subject_key", "state", "last_error", "attempts", "next_attempt_at")
            .order_by("pk")
        ):
            latest[sent.subject_key] = sent
    for key, producer_order in keys.items():
        message = latest.get(key)
        local = producer_order.producer.platform.is_local
        producer_order.delivery_state = message.state if message else ("local" if local else "none")
        producer_order.delivery_error = message.last_error if message else ""
        producer_order.delivery_attempts = message.attempts if message else 0
        producer_order.delivery_message_id = message.pk if message else None
        producer_order.delivery_failing = delivery_is_failing(
            state=producer_order.delivery_state,
            attempts=producer_order.delivery_attempts,
            last_error=producer_order.delivery_error,
        )
        producer_order.delivery_explanation = delivery_explanation(
            platform_name=producer_order.producer.platform.name,
            state=producer_order.delivery_state,
            attempts=producer_order.delivery_attempts,
            last_error=producer_order.delivery_error,
            next_attempt_at=message.next_attempt_at if message else None,
        )
    return delivered
