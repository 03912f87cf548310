"""E-mails to customers about their order: confirmation, change, cancellation, payment problem,
ready for pickup.

`customer_notification_queue` records the e-mail in the order's history inside the caller's
transaction and queues `orders.tasks.customer_notification_send_task` after commit (ids only);
the task renders the message in the customer's language and sends it with Django's mail
backend (the console in development, SMTP in production), retrying on mail-server errors.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from config.actors import Actor
from config.work import task_queue, task_queue_on_commit
from orders.events import EventText, event_text_fields, order_event
from orders.exceptions import CustomerHasNoEmail, NotificationKindUnknown
from orders.models import Order, OrderEvent

# kind → the subject line (translated at send time, in the customer's language).
NOTIFICATION_SUBJECTS = {
    "confirmation": _("Your order %(number)s is confirmed"),
    "changed": _("Your order %(number)s was changed"),
    "cancelled": _("Your order %(number)s is cancelled"),
    "payment_problem": _("A problem with the payment of order %(number)s"),
    "ready_for_pickup": _("Your order %(number)s is ready"),
    "approval_denied": _("Your order %(number)s was not approved"),
    "items_unavailable": _("Some items of your order %(number)s are unavailable"),
}


def customer_notification_queue(
    *, order: Order, kind: str, actor: Actor, note: str = ""
) -> OrderEvent | None:
    """Owe the order's customer an e-mail of `kind`, with an optional `note` from staff (the
    reason of a cancellation). Writes a `note` event ("E-mail queued") in the caller's
    transaction and queues the send after commit, so a rolled-back change sends nothing.
    Returns None, writing nothing, when the customer has no e-mail address."""
    if kind not in NOTIFICATION_SUBJECTS:
        raise NotificationKindUnknown(
            gettext("There is no customer e-mail “%(kind)s”.") % {"kind": kind}
        )
    customer = order.customer
    if customer is None or not customer.email:
        return None
    event = order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.NOTE,
        message=EventText(gettext_noop("E-mail to the customer queued: %(kind)s"), {"kind": kind}),
        data={"notification": kind, "to": customer.email, "note": note[:500], "sent_at": None},
    )
    # The event row is the durable record (sent_at stays empty until the e-mail goes).
    task_queue_on_commit("orders.tasks.customer_notification_send_task", event_id=event.pk)
    return event


@transaction.atomic
def order_customer_notify(*, order_id: int, kind: str, actor: Actor, note: str = "") -> OrderEvent:
    """Staff tell the customer something now (ready for pickup, a payment problem): the
    e-mail is recorded and queued as `customer_notification_queue` does. CustomerHasNoEmail
    (nothing written) when there is no address to write to."""
    order = Order.objects.select_related("customer").get(pk=order_id)
    event = customer_notification_queue(order=order, kind=kind, actor=actor, note=note)
    if event is None:
        raise CustomerHasNoEmail(
            gettext("Order %(number)s's customer has no e-mail address.") % {"number": order.number}
        )
    return event


def customer_notification_request(*, order_id: int, kind: str) -> None:
    """For hot paths (checkout): queue, after commit, a task that records and sends the
    e-mail in its own transaction — no statement is added to the caller's."""
    if kind not in NOTIFICATION_SUBJECTS:
        raise NotificationKindUnknown(
            gettext("There is no customer e-mail “%(kind)s”.") % {"kind": kind}
        )
    task_queue_on_commit(
        "orders.tasks.customer_notification_queue_task", order_id=order_id, kind=kind
    )


@transaction.atomic
def customer_notification_queue_once(*, order_id: int, kind: str, actor: Actor) -> bool:
    """Queue the `kind` e-mail unless the order's history already has one (a task delivered
    twice queues one e-mail). Locks the order row so two runs serialise."""
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("customer").get(pk=order_id)
    )
    if order.events.filter(kind=OrderEvent.Kind.NOTE, data__notification=kind).exists():
        return False
    return customer_notification_queue(order=order, kind=kind, actor=actor) is not None


@transaction.atomic
def customer_notice_send(*, order_id: int, notice: str, message: str) -> bool:
    """The lifecycle services' notifier (settings.LARDER_CUSTOMER_NOTIFIER), called after the
    commit of a change the customer must hear of (approval denied, items unavailable…): the
    e-mail of that kind, with `message` as the team's note, recorded and queued as any other.
    False, writing nothing, for a notice without an e-mail of its own or a customer without
    an address."""
    if notice not in NOTIFICATION_SUBJECTS:
        return False
    order = Order.objects.select_related("customer").get(pk=order_id)
    event = customer_notification_queue(
        order=order, kind=notice, actor=Actor.system("customer e-mail"), note=message
    )
    return event is not None


def customer_language(order: Order) -> str:
    """The customer's language if the customer has one, else the site's."""
    return getattr(order.customer, "language", "") or settings.LANGUAGE_CODE


def customer_notification_render(*, order: Order, kind: str, note: str = "") -> dict[str, str]:
    """Subject, text and HTML of one e-mail, in the customer's language."""
    with translation.override(customer_language(order)):
        context = {
            "order": order,
            "items": list(order.items.order_by("pk")),
            "customer": order.customer,
            "trader": order.trader,
            "note": note,
        }
        return {
            "subject": str(NOTIFICATION_SUBJECTS[kind] % {"number": order.number}),
            "text": render_to_string(f"orders/email/{kind}.txt", context),
            "html": render_to_string(f"orders/email/{kind}.html", context),
        }


def customer_notification_send(*, event_id: int) -> bool:
    """Send the e-mail an event queued, once: the event row is locked while it is sent and
    stamped `sent_at` with it; a second run finds it sent and returns False. A mail-server
    error rolls back (the task retries it); the history says "E-mail sent" when it went."""
    with transaction.atomic():
        event = (
            OrderEvent.objects.select_for_update(of=("self",))
            .select_related("order__customer", "order__trader")
            .get(pk=event_id)
        )
        if event.data.get("sent_at"):
            return False
        order, kind = event.order, event.data["notification"]
        rendered = customer_notification_render(
            order=order, kind=kind, note=event.data.get("note", "")
        )
        message = EmailMultiAlternatives(
            subject=rendered["subject"],
            body=rendered["text"],
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[event.data["to"]],
        )
        message.attach_alternative(rendered["html"], "text/html")
        message.send()
        event.data = {**event.data, "sent_at": timezone.now().isoformat()}
        text = EventText(
            gettext_noop("E-mail sent to the customer: %(subject)s"),
            {"subject": rendered["subject"]},
        )
        fields = event_text_fields(text)
        for name, value in fields.items():
            setattr(event, name, value)
        event.save(update_fields=["data", *fields])
    return True


# A queued e-mail's task is given this long before the sweep takes it for lost.
NOTIFICATION_SETTLE = timedelta(minutes=10)
# How far back the sweep looks; older e-mails are not worth sending late.
NOTIFICATION_HORIZON = timedelta(days=1)
NOTIFICATION_SWEEP_LIMIT = 500


def customer_notifications_sweep(*, now=None) -> dict[str, int]:
    """Beat: nothing a lost broker message drops stays unsent. Re-queues the send of every
    e-mail recorded in an order's history but not sent after NOTIFICATION_SETTLE, and the
    confirmation of every order placed in that window whose history has none (checkout queues
    it after commit without a row of its own). Both tasks are idempotent: a sent e-mail is not
    sent again, a confirmation already recorded is not recorded twice. Queuing is best effort
    (a broker still down is retried at the next sweep)."""
    now = now or timezone.now()
    window = (now - NOTIFICATION_HORIZON, now - NOTIFICATION_SETTLE)
    unsent = list(
        OrderEvent.objects.filter(
            kind=OrderEvent.Kind.NOTE,
            created_at__range=window,
            data__has_key="notification",
            data__sent_at=None,
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:NOTIFICATION_SWEEP_LIMIT]
    )
    for event_id in unsent:
        task_queue("orders.tasks.customer_notification_send_task", event_id=event_id)
    unconfirmed = list(
        Order.objects.filter(placed_at__range=window, customer__email__gt="")
        .exclude(events__kind=OrderEvent.Kind.NOTE, events__data__notification="confirmation")
        .order_by("pk")
        .values_list("pk", flat=True)[:NOTIFICATION_SWEEP_LIMIT]
    )
    for order_id in unconfirmed:
        task_queue(
            "orders.tasks.customer_notification_queue_task", order_id=order_id, kind="confirmation"
        )
    return {"unsent": len(unsent), "unconfirmed": len(unconfirmed)}
