"""The one door through which an order's status changes."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.actors import Actor
from config.exceptions import NotFound
from orders.events import order_status_changed_event
from orders.exceptions import InvalidTransition
from orders.lock_objects import order_qs_select_for_update
from orders.models import Order, OrderItem
from orders.statuses import OrderStatus, allowed_targets


def order_lock(*, order_id: int) -> Order:
    """Lock the order row (SELECT ... FOR UPDATE) inside the caller's transaction."""
    try:
        return order_qs_select_for_update().get(pk=order_id)
    except Order.DoesNotExist as error:
        raise NotFound(f"Order {order_id} does not exist.") from error


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
                reason=f"an edit returns the order to {order.status_before_edit}",
            )


@transaction.atomic
def order_status_change(*, order_id: int, to_status: str, actor: Actor, reason: str = "") -> Order:
    """Move an order to `to_status`.

    Guarantees: the order row is locked for the rest of the caller's transaction; the move is
    checked against orders.statuses.TRANSITIONS (InvalidTransition otherwise, nothing written);
    the items' status follows the order's; a status_changed event records the actor; the
    version (ETag) is bumped. Stock, payment and partner side effects belong to the callers
    (placement, cancellation, editing services), which call this inside their transaction.
    """
    order = order_lock(order_id=order_id)
    check_transition(order, to_status)
    from_status = order.status

    order.status = to_status
    update_fields = ["status", "version", "updated_at"]
    if to_status == OrderStatus.CSR_EDIT:
        order.status_before_edit = from_status
        update_fields.append("status_before_edit")
    elif from_status == OrderStatus.CSR_EDIT:
        order.status_before_edit = ""
        order.locked_by = None
        order.locked_at = None
        update_fields += ["status_before_edit", "locked_by", "locked_at"]
    if from_status == OrderStatus.PENDING and order.placed_at is None:
        order.placed_at = timezone.now()
        update_fields.append("placed_at")
    order.version = F("version") + 1
    order.save(update_fields=update_fields)
    order.refresh_from_db(fields=["version", "updated_at"])

    if to_status != OrderStatus.CSR_EDIT:
        # Items follow the order, except while it is merely being edited.
        OrderItem.objects.filter(order_id=order.pk).update(
            status=to_status, updated_at=timezone.now()
        )
    order_status_changed_event(
        order=order, actor=actor, from_status=from_status, to_status=to_status, reason=reason
    )
    return order
