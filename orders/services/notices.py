"""Telling the customer what happened to their order (approval denied, items unavailable,
order cancelled by staff).

The lifecycle services decide *that* the customer is told and record it as a
`customer_notice` event in their transaction; the e-mail itself (words, language, template)
belongs to the back-office notification service. The hook: the function named by
LARDER_CUSTOMER_NOTIFIER (a dotted path, called with `order_id`, `notice`, `message`) is owed a
call, as a WorkRequest written in the service's transaction (config/work.py): a worker makes it
after commit, a failure is retried, and a broker outage only delays it. Unset, the event is the
record and nothing is sent.
"""

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from config.actors import Actor
from config.models import WorkRequest
from config.work import work_request
from orders.events import EventText, order_event
from orders.models import Order, OrderEvent


def customer_notice(*, order: Order, actor: Actor, notice: str, message: str) -> None:
    """Record that the customer is to be told `notice` (e.g. `approval_denied`), and owe the
    configured notifier a call after commit (a WorkRequest)."""
    order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.CUSTOMER_NOTICE,
        message=EventText(
            gettext_noop("Customer to be told (%(notice)s): %(message)s"),
            {"notice": notice, "message": message},
        ),
        data={"notice": notice, "message": message},
    )
    if getattr(settings, "LARDER_CUSTOMER_NOTIFIER", ""):
        work_request(
            kind=WorkRequest.Kind.CUSTOMER_NOTICE, order_id=order.pk, notice=notice, message=message
        )


def customer_notice_send(*, order_id: int, notice: str, message: str) -> None:
    """Call the configured notifier (a worker does, once the change has committed). A failure
    is raised: the work request records it and is tried again later."""
    path = getattr(settings, "LARDER_CUSTOMER_NOTIFIER", "")
    if path:
        import_string(path)(order_id=order_id, notice=notice, message=message)
