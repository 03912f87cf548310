"""Remote fulfilment (F / G) of customer orders: a complete order is handed to a partner
that delivers for the hub (an enterprise on another DFC platform). C → F when handed over
(an outbox message owed to the partner, in the same transaction); F → G when the partner
has it (the delivery acknowledged). What travels is the order as the hub sells it — the
trader as buyer, lines, offers, prices, its sale session — and never the customer's name,
e-mail, phone, address or note (orders/dfc_graphs.py renders it)."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from config.actors import Actor
from orders.events import EventText, order_event
from orders.exceptions import NotARemoteFulfilmentPartner, PaymentDue
from orders.models import Order, OrderEvent, OrderItem, PaymentStatus
from orders.services.status import order_lock, order_status_move
from orders.statuses import OrderStatus as S
from platforms.outbox.services import OutboundRequest, outbox_enqueue

logger = logging.getLogger(__name__)


def remote_fulfilment_partners(trader_id: int):
    """The enterprises an order of this trader may be handed to: on another platform, with a
    DFC @id to send orders to."""
    from platforms.models import Enterprise

    return (
        Enterprise.objects.filter(platform__is_local=False)
        .exclude(remote_id="")
        .select_related("platform")
        .order_by("name")
    )


@transaction.atomic
def order_remote_fulfilment_hand_over(*, order_id: int, partner_id: int, actor: Actor) -> Order:
    """Hand a complete order to a remote fulfilment partner (C → F).

    The order row is locked (InvalidTransition unless C; PaymentDue while a card payment does
    not cover the total); the partner must be an enterprise on another platform with a DFC
    @id (NotARemoteFulfilmentPartner otherwise), each before anything is written. The move
    records the partner on the order, a `fulfilment` event says so, and an outbox message owes
    the partner the order (sent after commit; F → G when it is acknowledged)."""
    from platforms.models import OutboxMessage

    order = order_lock(order_id=order_id)
    if order.status == S.COMPLETE and order.payment_status == PaymentStatus.DUE:
        raise PaymentDue(
            gettext("Order %(number)s's payment does not cover its total.")
            % {"number": order.number}
        )
    partner = remote_fulfilment_partners(order.trader_id).filter(pk=partner_id).first()
    if partner is None:
        raise NotARemoteFulfilmentPartner(
            gettext(
                "Enterprise %(enterprise)s is not a partner on another platform with a DFC @id."
            )
            % {"enterprise": partner_id}
        )
    order = order_status_move(
        order=order,
        to_status=S.READY_FOR_REMOTE_FULFILMENT,
        actor=actor,
        reason=EventText(
            gettext_noop("Handed to %(partner)s for remote fulfilment"), {"partner": partner.name}
        ),
        also={"fulfilment_partner_id": partner.pk},
    )
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.FULFILMENT,
        message=EventText(
            gettext_noop("Handed to %(partner)s (%(platform)s) for remote fulfilment"),
            {"partner": partner.name, "platform": partner.platform.name},
        ),
        data={"action": "remote_fulfilment", "partner": partner.pk},
    )
    outbox_enqueue(
        platform=partner.platform,
        kind=OutboxMessage.Kind.CUSTOMER_ORDER,
        subject_key=f"customer-order:{order.pk}",
        subject_id=order.pk,
    )
    return order


class CustomerOrderDelivery:
    """The outbox handler of customer orders handed to a remote fulfilment partner."""

    def build(self, message) -> OutboundRequest | None:
        from discounts.selectors import order_discount_totals
        from orders.dfc_graphs import order_document
        from orders.producer_orders.delivery import orders_collection_url

        order = (
            Order.objects.select_related("trader__platform", "sales_session", "fulfilment_partner")
            .filter(pk=message.subject_id)
            .first()
        )
        if order is None or order.fulfilment_partner is None:
            return None
        if order.status != S.READY_FOR_REMOTE_FULFILMENT:
            return None  # acknowledged already, or no longer to fulfil remotely
        items = list(
            OrderItem.objects.filter(order_id=order.pk).select_related("product").order_by("pk")
        )
        discount, line_discounts = order_discount_totals(order)
        url = orders_collection_url(order.fulfilment_partner)  # UndeliverableMessage: dead
        return OutboundRequest(
            method="POST",
            url=url,
            body=order_document(
                order, items, seller=order.trader, discount=discount, line_discounts=line_discounts
            ),
            idempotency_key=f"{settings.LARDER_PLATFORM_SLUG}:customer-order:{order.pk}:create",
            context={"order": order.pk},
        )

    def prepare(self, message, request: OutboundRequest, client) -> OutboundRequest:
        return request

    def acknowledge(self, message, request: OutboundRequest, response) -> None:
        """The partner has the order: F → G (in the outbox's transaction)."""
        order = order_lock(order_id=message.subject_id)
        if order.status == S.READY_FOR_REMOTE_FULFILMENT:
            partner = order.fulfilment_partner
            order_status_move(
                order=order,
                to_status=S.WAITING_REMOTE_FULFILMENT,
                actor=Actor.for_platform(partner.platform) if partner else Actor.system(),
                reason=EventText(gettext_noop("The fulfilment partner has the order")),
            )

    def refused(self, message, request: OutboundRequest, response) -> None:
        logger.warning(
            "customer order %s: refused by the fulfilment partner (HTTP %s)",
            message.subject_id,
            response.status,
        )

    def give_up(self, message) -> None:
        logger.warning(
            "customer order %s: hand-over dead-lettered (%s)",
            message.subject_id,
            message.last_error,
        )


handler = CustomerOrderDelivery()
