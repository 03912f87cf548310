"""Closing a sales session: its producer orders are recomputed one last time, made final
(DFC status Complete) and sent to the producers' platforms. The same service serves beat
(`sessions_close_due`), `manage.py close_session` and the admin's "Close session now"."""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config import sql
from config.actors import Actor
from orders.models import ProducerOrder
from orders.producer_orders.services import (
    producer_orders_deliver,
    producer_orders_recompute,
    session_for_refresh,
)

# progress(done, total, what): called as the work goes, for a progress bar.
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SessionCloseReport:
    """What a close did: producer orders completed, deliveries queued for partner platforms,
    and whether it finished a session left closed but not finalised."""

    producer_orders: int
    deliveries: int
    resumed: bool = False


def _unfinalised(session_id: int):
    return _not_final().filter(sales_session_id=session_id)


def _not_final():
    """Producer orders still to complete: neither Complete and finalised, nor cancelled (a
    consolidation switch cancels them; they stay cancelled)."""
    return ProducerOrder.objects.exclude(order_state=ProducerOrder.OrderState.CANCELLED).filter(
        ~Q(order_state=ProducerOrder.OrderState.COMPLETE) | Q(finalised_at__isnull=True)
    )


@transaction.atomic
def session_close(
    *, session_id: int, actor: Actor, progress: Progress | None = None
) -> SessionCloseReport | None:
    """Close a session and finalise its producer orders; None when there is nothing left to
    do (closed and finalised already).

    The session row is locked first, so two runs (beat twice, beat and the command, the admin
    button twice) serialise and the second finds it closed and does nothing. A session left
    closed with producer orders not yet Complete (closed by hand before this service owned
    the state) is finished: its unfinalised producer orders are completed. The producer orders
    are recomputed from the live customer orders, set Complete with their version bumped, and
    owed to their producers' platforms through the outbox (`progress` is called for each),
    all in this one transaction.
    """
    from sessions_app.models import SaleSession

    # The session locked FOR UPDATE by the refresh's own read of it (one statement).
    session = session_for_refresh(session_id, lock=True)
    resumed = session.state == SaleSession.State.CLOSED
    if resumed and not _unfinalised(session_id).exists():
        return None
    now = timezone.now()
    if not resumed:
        session.state = SaleSession.State.CLOSED
        session.closed_at = now
        session.save(update_fields=["state", "closed_at", "updated_at"])

    # The recompute locks every live producer order of the session in pk order and returns
    # them as they stand after it: they are completed from there, not locked and read again.
    _, locked = producer_orders_recompute(session=session)
    producer_orders = [
        p
        for p in locked
        if p.order_state != ProducerOrder.OrderState.CANCELLED
        and (
            not resumed
            or p.order_state != ProducerOrder.OrderState.COMPLETE
            or p.finalised_at is None
        )
    ]
    total = len(producer_orders) + 1
    if progress:
        progress(1, total, "producer orders recomputed")
    for producer_order in producer_orders:
        producer_order.order_state = ProducerOrder.OrderState.COMPLETE
        producer_order.finalised_at = now
        # A producer on this platform reads its order in the admin: it holds the final
        # state (G) from this statement on; the others' wait for the outbox (F).
        producer_order.status = (
            ProducerOrder.Status.WAITING_REMOTE_FULFILMENT
            if producer_order.producer.platform.is_local
            else ProducerOrder.Status.READY_FOR_REMOTE_FULFILMENT
        )
    # One UPDATE for every producer order, whatever their number and platforms.
    sql.run(
        sql.update_rows(
            ProducerOrder,
            [{"id": p.pk, "status": p.status} for p in producer_orders],
            ["status"],
            also={
                "order_state": ProducerOrder.OrderState.COMPLETE,
                "finalised_at": now,
                "updated_at": now,
            },
            add={"version": 1},
        )
        if producer_orders
        else None
    )
    for producer_order in producer_orders:
        producer_order.version += 1
    # Owed to their producers all at once: one outbox write for those on other platforms
    # (those read here hold their final state already), however many producers (the
    # progress below reports them one by one).
    producer_orders_deliver(producer_orders=producer_orders)
    deliveries = 0
    for done, producer_order in enumerate(producer_orders, start=2):
        remote = not producer_order.producer.platform.is_local
        deliveries += remote
        if progress:
            progress(
                done,
                total,
                f"{producer_order.producer.name}: completed"
                + (", delivery queued" if remote else " (reads it here)"),
            )
    return SessionCloseReport(
        producer_orders=len(producer_orders), deliveries=deliveries, resumed=resumed
    )


def sessions_close_due(*, actor: Actor) -> list[int]:
    """Close every open session past its end, and finish any closed session whose producer
    orders are not all final, each in its own transaction (a late run catches up on all of
    them). Returns the ids it closed or finished."""
    from sessions_app.models import SaleSession

    due = SaleSession.objects.filter(
        Q(state=SaleSession.State.OPEN, ends_at__lte=timezone.now())
        | Q(state=SaleSession.State.CLOSED, pk__in=_unfinalised_sessions())
    ).order_by("ends_at", "pk")
    return [
        pk for pk in due.values_list("pk", flat=True) if session_close(session_id=pk, actor=actor)
    ]


def session_needs_close(session) -> bool:
    """Whether "Close session now" has work to do: the session is not closed, or closed with
    producer orders not yet final."""
    from sessions_app.models import SaleSession

    return session.state != SaleSession.State.CLOSED or _unfinalised(session.pk).exists()


def _unfinalised_sessions():
    return ProducerOrder.objects.filter(
        ~Q(order_state=ProducerOrder.OrderState.COMPLETE) | Q(finalised_at__isnull=True)
    ).values("sales_session_id")
