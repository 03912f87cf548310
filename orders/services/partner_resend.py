"""Sending an order's producer orders to the partner platforms again (the admin's "resend")."""

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from orders.events import EventText, order_event
from orders.exceptions import NothingToResend
from orders.models import OrderEvent, ProducerOrder
from orders.producer_orders.services import (
    producer_orders_deliver,
    producer_orders_refresh,
)
from orders.services.status import order_lock
from orders.status_labels import order_status_quoted
from orders.statuses import LIVE_ORDER_STATUSES, OrderStatus

RESENDABLE_STATUSES = frozenset(LIVE_ORDER_STATUSES | {OrderStatus.CANCELLED})


def order_is_resendable(order) -> bool:
    return order.sales_session_id is not None and order.status in RESENDABLE_STATUSES


@transaction.atomic
def order_resend_to_partners(*, order_id: int, actor: Actor) -> list[int]:
    """Re-queue, through the outbox, the producer orders this order touches.

    Guarantees: the order row is locked; the producer orders of the order's session and
    producers are recomputed (`producer_orders_refresh`, which queues those that changed);
    each one's dead outbox messages are retried (`outbox_message_retry`) and the others are
    owed their latest state again (`producer_orders_deliver`: a new or reused pending message
    for a remote producer). A `note` event lists them. Returns the producer order ids.
    NothingToResend when the order is a cart, a backup or outside any session.
    """
    from platforms.models import OutboxMessage
    from platforms.outbox.services import outbox_message_retry

    order = order_lock(order_id=order_id)
    session_id = order.sales_session_id
    if session_id is None or not order_is_resendable(order):
        raise NothingToResend(
            gettext(
                "Order %(number)s is %(status)s or outside any sales session: it has no "
                "producer orders to send."
            )
            % {"number": order.number, "status": order_status_quoted(order.status)}
        )
    producer_ids = sorted(set(order.items.values_list("producer_id", flat=True)))
    if not producer_ids:
        raise NothingToResend(gettext("Order %(number)s has no items.") % {"number": order.number})
    refreshed = set(producer_orders_refresh(session_id=session_id, producer_ids=producer_ids))
    producer_orders = list(
        ProducerOrder.objects.filter(
            sales_session_id=order.sales_session_id, producer_id__in=producer_ids
        )
        .select_related("producer__platform")
        .order_by("pk")
    )
    dead = list(
        OutboxMessage.objects.filter(
            subject_key__in=[f"producer-order:{p.pk}" for p in producer_orders],
            state=OutboxMessage.State.DEAD,
        ).order_by("pk")
    )
    for message in dead:
        outbox_message_retry(message_id=message.pk)
    retried = {message.subject_id for message in dead}
    producer_orders_deliver(
        producer_orders=[
            p for p in producer_orders if p.pk not in refreshed and p.pk not in retried
        ]
    )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.NOTE,
        message=EventText(
            gettext_noop("Producer orders sent again: %(producers)s"),
            {"producers": ", ".join(str(p.producer) for p in producer_orders)},
        ),
        data={"producer_orders": [p.pk for p in producer_orders], "retried": sorted(retried)},
    )
    return [p.pk for p in producer_orders]
