"""Staff notes on an order's history (what the customer said on the phone, what was agreed)."""

from django.db import transaction
from django.utils.translation import gettext

from config.actors import Actor
from orders.events import order_event
from orders.exceptions import NoteEmpty
from orders.models import Order, OrderEvent

NOTE_MAX_LENGTH = 500


@transaction.atomic
def order_note_add(*, order_id: int, text: str, actor: Actor) -> OrderEvent:
    """Add a staff note to the order's history, in any status (a cancelled order's history
    still takes notes). The note is trimmed and cut to 500 characters; an empty one raises
    NoteEmpty and writes nothing. The order itself is not changed (its version stays)."""
    text = text.strip()
    if not text:
        raise NoteEmpty(gettext("Write the note before adding it."))
    order = Order.objects.only("pk").get(pk=order_id)
    return order_event(
        order=order,
        actor=actor,
        kind=OrderEvent.Kind.NOTE,
        message=text[:NOTE_MAX_LENGTH],
        data={"staff_note": True},
    )
