"""Telling the customer what happened to their order (approval denied, items unavailable,
order cancelled by staff).

The lifecycle services decide *that* the customer is told and record it as a
`customer_notice` event in their transaction; the e-mail itself (words, language, template)
belongs to the back-office notification service. The hook: after commit, the function named
by LARDER_CUSTOMER_NOTIFIER (a dotted path, called with `order_id`, `notice`, `message`) is
called when set; unset, the event is the record and nothing is sent.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from config.actors import Actor
from orders.events import order_event
from orders.models import Order, OrderEvent

logger = logging.getLogger(__name__)


def customer_notice(*, order: Order, actor: Actor, notice: str, message: str) -> None:
    """Record that the customer is to be told `notice` (e.g. `approval_denied`), and send it
    after commit through the configured notifier."""
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.CUSTOMER_NOTICE,
        message=f"Customer to be told ({notice}): {message}",
        data={"notice": notice, "message": message},
    )
    path = getattr(settings, "LARDER_CUSTOMER_NOTIFIER", "")
    if not path:
        return
    notifier = import_string(path)
    order_id = order.pk

    def send() -> None:
        try:
            notifier(order_id=order_id, notice=notice, message=message)
        except Exception:  # noqa: BLE001 - a mail failure never undoes the order's change
            logger.exception("customer notice %s for order %s failed", notice, order_id)

    transaction.on_commit(send)
