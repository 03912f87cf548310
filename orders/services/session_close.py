"""Closing a sales session: its producer orders are recomputed one last time, made final
(DFC status Complete) and sent to the producers' platforms."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from config.actors import Actor
from orders.models import ProducerOrder
from orders.services.producer_orders import producer_orders_deliver, producer_orders_refresh


def _lock_session(session_id: int):
    from sessions_app.models import SaleSession

    return SaleSession.objects.select_for_update().get(pk=session_id)


@transaction.atomic
def session_close(
    *, session_id: int, actor: Actor, progress: Callable[[ProducerOrder], None] | None = None
) -> bool:
    """Close a session and finalise its producer orders. Returns False if it was closed already.

    The session row is locked first, so two runs (beat twice, beat and the command) serialise
    and the second finds it closed and does nothing. The producer orders are recomputed from
    the live customer orders, set Complete with their version bumped, and owed to their
    producers' platforms through the outbox, all in this one transaction.
    """
    from sessions_app.models import SaleSession

    session = _lock_session(session_id)
    if session.state == SaleSession.State.CLOSED:
        return False
    now = timezone.now()
    session.state = SaleSession.State.CLOSED
    session.closed_at = now
    session.save(update_fields=["state", "closed_at", "updated_at"])

    producer_orders_refresh(session_id=session_id)
    producer_orders = list(
        ProducerOrder.objects.select_for_update(of=("self",))
        .select_related("producer__platform")
        .filter(sales_session_id=session_id)
        .exclude(order_state=ProducerOrder.OrderState.CANCELLED)
        .order_by("pk")
    )
    ProducerOrder.objects.filter(pk__in=[p.pk for p in producer_orders]).update(
        order_state=ProducerOrder.OrderState.COMPLETE,
        version=F("version") + 1,
        status=ProducerOrder.Status.READY_FOR_REMOTE_FULFILMENT,
        finalised_at=now,
        updated_at=now,
    )
    for producer_order in producer_orders:
        producer_order.status = ProducerOrder.Status.READY_FOR_REMOTE_FULFILMENT
    producer_orders_deliver(producer_orders=producer_orders)
    for producer_order in producer_orders:
        if progress:
            progress(producer_order)
    return True


def sessions_close_due(*, actor: Actor) -> list[int]:
    """Close every open session past its end, each in its own transaction (a late run catches
    up on all of them). Returns the ids it closed."""
    from sessions_app.models import SaleSession

    due = SaleSession.objects.filter(
        state=SaleSession.State.OPEN, ends_at__lte=timezone.now()
    ).order_by("ends_at", "pk")
    return [
        pk for pk in due.values_list("pk", flat=True) if session_close(session_id=pk, actor=actor)
    ]
