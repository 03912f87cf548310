"""The one door through which an order's status changes."""

from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone
from django.utils.translation import gettext

from config import sql
from config.actors import Actor
from config.exceptions import NotFound
from orders.events import EventText, order_status_changed_event
from orders.exceptions import InvalidTransition
from orders.lock_objects import order_qs_select_for_update
from orders.models import Order, OrderItem
from orders.status_labels import order_status_quoted
from orders.statuses import OrderStatus, allowed_targets


def order_lock(*, order_id: int, related: tuple[str, ...] = ()) -> Order:
    """Lock the order row (SELECT ... FOR UPDATE) inside the caller's transaction; `related`:
    foreign keys read in the same query (their rows are not locked)."""
    try:
        return order_qs_select_for_update().select_related(*related).get(pk=order_id)
    except Order.DoesNotExist as error:
        raise NotFound(gettext("Order %(order)s does not exist.") % {"order": order_id}) from error


def check_transition(order: Order, to_status: str) -> None:
    """Raise InvalidTransition unless the table (and the edit rule) allows this move."""
    if to_status not in allowed_targets(order.status):
        raise InvalidTransition(
            order_number=order.number, from_status=order.status, to_status=to_status
        )
    if order.status == OrderStatus.CSR_EDIT and to_status != OrderStatus.CANCELLED:
        if to_status != order.status_before_edit:
            raise InvalidTransition(
                order_number=order.number,
                from_status=order.status,
                to_status=to_status,
                reason=gettext("an edit returns the order to %(status)s")
                % {"status": order_status_quoted(order.status_before_edit)},
            )


@transaction.atomic
def order_status_change(
    *, order_id: int, to_status: str, actor: Actor, reason: "str | EventText" = ""
) -> Order:
    """Move an order to `to_status`.

    Guarantees: the order row is locked for the rest of the caller's transaction; the move is
    checked against orders.statuses.TRANSITIONS (InvalidTransition otherwise, nothing written);
    the items' status follows the order's; a status_changed event records the actor; the
    version (ETag) is bumped. Stock, payment and partner side effects belong to the callers
    (placement, cancellation, editing services), which call this inside their transaction.
    """
    order = order_lock(order_id=order_id)
    return order_status_move(order=order, to_status=to_status, actor=actor, reason=reason)


@sql.once
def _items_status_update(order_id: int, status: str, now) -> sql.Statement | None:
    items = OrderItem.objects.filter(order_id=order_id)
    return sql.update_where(items, {"status": status, "updated_at": now})


def order_status_move(
    *,
    order: Order,
    to_status: str,
    actor: Actor,
    reason: "str | EventText" = "",
    also: dict | None = None,
    events: list | None = None,
) -> Order:
    """The same move for an order whose row the caller's transaction has already locked
    (SELECT ... FOR UPDATE, in this transaction), with the same guarantees: for hot paths
    that hold the lock already (payment), so the row is neither locked again nor wrapped in
    a savepoint. `also`: other order fields the caller sets with the move (its payment), in
    the same UPDATE. Two statements: the order and its items (RETURNING the new version, no
    re-read), the event; one when the caller passes `events`, a list the unsaved event is
    appended to, for it to write with others (orders.events.order_events_write). A caller
    that runs the move's own writes with its others uses `order_status_move_writes`."""
    written: list = [] if events is None else events
    move = order_status_move_writes(
        order=order, to_status=to_status, actor=actor, reason=reason, also=also, events=written
    )
    ((order.version,),) = sql.run(move.items, move.order)
    if events is None:
        written[-1].save(force_insert=True)
    return order


class StatusMove(NamedTuple):
    """A checked move's writes, not yet run (`order_status_move_writes`)."""

    items: sql.Statement | None  # the items follow the order (None: it is merely edited)
    order: sql.Statement  # the order's UPDATE, RETURNING its new version (one row)


def order_status_move_writes(
    *,
    order: Order,
    to_status: str,
    actor: Actor,
    reason: "str | EventText" = "",
    also: dict | None = None,
    events: list,
) -> StatusMove:
    """order_status_move's writes as statements, for a hot path that runs them with its
    other writes in one round trip (config.sql.run_joined; payment by invoice): the same
    check (InvalidTransition, nothing built) and the same rows. The order instance takes the
    move's values at once and its status-changed event is appended to `events` unsaved; the
    caller runs both statements in this transaction, under the order's lock, and sets
    `order.version` from the order statement's RETURNING row. Never with another write of
    the same order or items in that round trip (a row is written once per statement)."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("order_status_move runs inside the locking transaction")
    check_transition(order, to_status)
    from_status = order.status
    now = timezone.now()

    changes: dict[str, Any] = {"status": to_status, "updated_at": now}
    if to_status == OrderStatus.CSR_EDIT:
        changes["status_before_edit"] = from_status
    elif from_status == OrderStatus.CSR_EDIT:
        changes |= {"status_before_edit": "", "locked_by": None, "locked_at": None}
    if from_status == OrderStatus.PENDING and order.placed_at is None:
        changes["placed_at"] = now
    changes |= also or {}
    # Items follow the order, except while it is merely being edited: in the same round trip
    # (the two touch different tables). RETURNING: the bumped version, without a re-read.
    move = StatusMove(
        items=_items_status_update(order.pk, to_status, now)
        if to_status != OrderStatus.CSR_EDIT
        else None,
        order=sql.update_rows(
            Order,
            [{"id": order.pk, **changes}],
            list(changes),
            add={"version": 1},
            returning=["version"],
        ),
    )
    for name, value in changes.items():
        setattr(order, name, value)
    events.append(
        order_status_changed_event(
            order=order,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            save=False,
        )
    )
    return move
