"""One function per kind of order event; each writes a row inside the caller's transaction.

An event's text is translated when it is shown, not when it is written: the writers take an
`EventText` (an untranslated message id, marked with `gettext_noop` so that `make messages`
finds it, and its parameters) and store the id and parameters beside the English text;
`stored_text_render` is the one function that renders a stored text, in the active language
(the agent's on the order page, the customer's in an e-mail): an event's (`order_event_text`),
a payment transaction's message (`row_text`), an order's approval reasons (kept in a JSON list
in their stored form, `stored_text`; `stored_texts_render`). Texts written by a person (a
note, a cancellation reason), answers of other systems and rows written before stay as they
were written.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_noop

from config import sql
from config.actors import Actor
from orders.models import Order, OrderEvent
from orders.status_labels import order_status_quoted

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventText:
    """A history text to translate when shown: `msgid` (English, with `%(name)s`
    placeholders, marked with gettext_noop) and its parameters: strings, numbers, a status
    (`status_param`, shown as its label) or another EventText (a reason written by Larder)."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, label: "str | Promise") -> "EventText":
        """A lazily translated label (a choice's, say) as a text translated when shown."""
        with translation.override("en"):
            return cls(str(label))

    def stored(self) -> dict[str, Any]:
        return {name: _stored(value) for name, value in self.params.items()}


def status_param(code: str) -> dict[str, str]:
    """A status as an EventText parameter: shown as its label in the reader's language."""
    return {"status": code}


def texts_param(texts: "Sequence[EventText | str]", separator: str = "; ") -> dict[str, Any]:
    """Several texts as one EventText parameter, shown one after the other in the reader's
    language (approval reasons: "; ", as their own texts may hold commas)."""
    return {"texts": list(texts), "separator": separator}


def _stored(value: Any) -> Any:
    if isinstance(value, EventText):
        return {"msgid": value.msgid, "params": value.stored()}
    if isinstance(value, list | tuple):
        return [_stored(element) for element in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {name: _stored(element) for name, element in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _rendered(value: Any) -> Any:
    if isinstance(value, list):  # several parts: approval reasons, allocations
        return ", ".join(str(_rendered(element)) for element in value)
    if isinstance(value, dict) and "texts" in value:
        return stored_texts_render(value["texts"], value.get("separator", "; "))
    if isinstance(value, dict) and "status" in value:
        return order_status_quoted(value["status"])
    if isinstance(value, dict) and "msgid" in value:
        return _text(value["msgid"], value.get("params") or {})
    return value


def _text(msgid: str, params: Mapping[str, Any]) -> str:
    rendered = {name: _rendered(value) for name, value in params.items()}
    try:
        return gettext(msgid) % rendered if rendered else gettext(msgid)
    except (KeyError, TypeError, ValueError):
        # A catalogue whose translation lost a placeholder: the English, never a broken page.
        logger.warning("event text %r does not format in %s", msgid, translation.get_language())
        return msgid % rendered if rendered else msgid


def stored_text(message: "str | EventText") -> "str | dict[str, Any]":
    """A text's stored form, for a JSON column (an order's approval reasons): an EventText as
    its message id and parameters ({"msgid", "params"}), a written text as it is."""
    return _stored(message) if isinstance(message, EventText) else message


def stored_text_render(stored: Any) -> str:
    """The one door to show a stored text in the active language: a stored EventText
    ({"msgid", "params"}) translated, anything else (what a person typed, another system
    answered, or a row written before texts were kept as ids) as it was written."""
    if isinstance(stored, Mapping) and stored.get("msgid"):
        return _text(stored["msgid"], stored.get("params") or {})
    return "" if stored is None else str(stored)


def stored_texts_render(texts: Any, separator: str = "; ") -> str:
    """Several stored texts (an order's approval reasons) in the active language, one after
    the other; a single text (a row written otherwise) is shown alone."""
    if not isinstance(texts, list):
        return stored_text_render(texts)
    return separator.join(stored_text_render(text) for text in texts)


def event_text_render(message: "str | EventText") -> str:
    """A text for a history line or a message, in the active language (what a person typed,
    or another system answered, as it is)."""
    return stored_text_render(stored_text(message))


def row_text(row: Any) -> str:
    """The text of a row holding `message` (English, as written), `message_id` and
    `message_params` (event_text_fields: an order event, a payment transaction) in the active
    language. Rows written before texts were kept as ids show their stored English text."""
    if not row.message_id:
        return row.message
    return stored_text_render({"msgid": row.message_id, "params": row.message_params})


def order_event_text(event: OrderEvent) -> str:
    """The event's text in the active language: the one door to show a history line (order
    page, event list, e-mails)."""
    return row_text(event)


def event_text_fields(message: "str | EventText") -> dict[str, Any]:
    """The text columns (of an event, a payment transaction) for `message`: the English text
    (what was written), and for an EventText its id and parameters (what is translated when
    shown; row_text)."""
    if isinstance(message, EventText):
        params = message.stored()
        with translation.override("en"):
            english = _text(message.msgid, params)
        return {"message": english[:500], "message_id": message.msgid, "message_params": params}
    return {"message": message[:500]}


def _label(actor: Actor) -> str:
    # A user name may be longer (150) than the label column (120).
    return actor.label[: OrderEvent._meta.get_field("actor_label").max_length]


def _unsaved(order: Order, actor: Actor, kind: str, **fields: Any) -> OrderEvent:
    event = OrderEvent(
        order=order, kind=kind, actor=actor.user, actor_label=_label(actor), **fields
    )
    event.created_at = timezone.now()
    return event


def _event(order: Order, actor: Actor, kind: str, **fields: Any) -> OrderEvent:
    event = _unsaved(order, actor, kind, **fields)
    event.save(force_insert=True)
    return event


def order_created_event(*, order: Order, actor: Actor, save: bool = True) -> OrderEvent:
    """`save=False`: the event unsaved, for order_events_write to insert with others."""
    return (_event if save else _unsaved)(
        order,
        actor,
        OrderEvent.Kind.CREATED,
        to_status=order.status,
        **event_text_fields(
            EventText(
                gettext_noop("Order created in %(status)s"), {"status": status_param(order.status)}
            )
        ),
    )


def order_status_changed_event(
    *,
    order: Order,
    actor: Actor,
    from_status: str,
    to_status: str,
    reason: "str | EventText" = "",
    save: bool = True,
) -> OrderEvent:
    """`reason`: typed by a person (kept as typed) or an EventText; without one the text is
    the move, in words."""
    text = reason or EventText(
        gettext_noop("%(from)s → %(to)s"),
        {"from": status_param(from_status), "to": status_param(to_status)},
    )
    return (_event if save else _unsaved)(
        order,
        actor,
        OrderEvent.Kind.STATUS_CHANGED,
        from_status=from_status,
        to_status=to_status,
        **event_text_fields(text),
    )


def order_event(
    *,
    order: Order,
    actor: Actor,
    kind: str,
    message: "str | EventText",
    data: dict | None = None,
    save: bool = True,
) -> OrderEvent:
    """Any other event: item and address edits, pricing, payment, stock, notes. `message`: an
    EventText, or a text typed by a person (kept as typed). `save=False`: the event unsaved,
    for order_events_write to insert with others."""
    return (_event if save else _unsaved)(
        order, actor, kind, data=data or {}, **event_text_fields(message)
    )


def order_event_row(
    *, order: Order, actor: Actor, kind: str, message: "str | EventText", data: dict, created_at
) -> dict:
    """order_event's row, for order_events_statement, without a model instance: for the
    events of a write of many lines (one per line)."""
    return {
        "order_id": order.pk,
        "kind": kind,
        "actor_id": actor.user.pk if actor.user else None,
        "actor_label": _label(actor),
        "from_status": "",
        "to_status": "",
        "message_id": "",
        "message_params": {},
        **event_text_fields(message),
        "data": data,
        "created_at": created_at,
    }


def order_events_statement(events: Sequence[OrderEvent | dict]) -> sql.Statement | None:
    """The insert of unsaved events (built with save=False, or rows of order_event_row) as a
    statement, for a service to run in one round trip with its other writes (config.sql.run);
    None without events. The events are not given their primary keys."""
    if not events:
        return None
    names = [field.attname for field in _EVENT_FIELDS]
    return sql.insert_rows(
        OrderEvent,
        [
            event if isinstance(event, dict) else {name: getattr(event, name) for name in names}
            for event in events
        ],
        names,
    )


_EVENT_FIELDS = [field for field in OrderEvent._meta.concrete_fields if not field.primary_key]


def order_events_write(events: list[OrderEvent]) -> None:
    """Insert unsaved events (built with save=False) in one statement, whatever their number:
    a change of many items writes its events at once."""
    if events:
        OrderEvent.objects.bulk_create(events)
