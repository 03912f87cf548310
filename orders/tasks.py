"""Thin Celery tasks: ids in, one service call, idempotent (acknowledged late, so a worker
lost mid-task gives the message back to the broker)."""

from celery import shared_task

from config.actors import Actor
from config.work import work_request_run
from orders.producer_orders.services import producer_orders_refresh_for_order
from orders.services.backorders import backorders_allocate
from orders.services.checkout import carts_expired_release
from orders.services.gdpr import orders_personal_data_purge
from orders.services.notices import customer_notice_send
from orders.services.notifications import (
    customer_notification_queue_once,
    customer_notification_send,
    customer_notifications_sweep,
)
from orders.services.session_close import sessions_close_due
from orders.services.session_totals import session_totals_compact_due

IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**IDEMPOTENT)
def producer_orders_refresh_task(*, request_id: int) -> str:
    """A WorkRequest (config/work.py): refresh the producer orders one order touches."""
    return work_request_run(
        request_id=request_id, run=lambda params: producer_orders_refresh_for_order(**params)
    )


@shared_task(**IDEMPOTENT)
def sessions_close_due_task() -> list[int]:
    return sessions_close_due(actor=Actor.system("session-close beat"))


@shared_task(**IDEMPOTENT)
def session_totals_compact_task() -> list[int]:
    """Beat: fold the rows the totals triggers inserted into one per key, per session."""
    return session_totals_compact_due()


@shared_task(**IDEMPOTENT)
def carts_expired_release_task() -> list[int]:
    """Beat: give back the stock of submitted carts left unpaid past their reservation time."""
    return carts_expired_release(actor=Actor.system("cart-expiry beat"))


@shared_task(**IDEMPOTENT)
def backorders_allocate_task(*, request_id: int | None = None) -> list[int] | str:
    """A WorkRequest when stock arrives (its product ids), and a beat (every product):
    allocate waiting backorders."""
    actor = Actor.system("backorder task")
    if request_id is None:
        return backorders_allocate(actor=actor)
    return work_request_run(
        request_id=request_id,
        run=lambda params: backorders_allocate(actor=actor, product_ids=params["product_ids"]),
    )


@shared_task(**IDEMPOTENT)
def customer_notice_send_task(*, request_id: int) -> str:
    """A WorkRequest: tell a customer through the configured notifier (at least once)."""
    return work_request_run(
        request_id=request_id, run=lambda params: customer_notice_send(**params)
    )


@shared_task(
    **IDEMPOTENT,
    autoretry_for=(OSError,),  # smtplib.SMTPException is an OSError: connection, refusal
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def customer_notification_send_task(*, event_id: int) -> bool:
    """Send one queued customer e-mail (idempotent: a sent one is not sent again)."""
    return customer_notification_send(event_id=event_id)


@shared_task(**IDEMPOTENT, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def customer_notification_queue_task(*, order_id: int, kind: str) -> bool:
    """Queued after a checkout commits: record the customer e-mail and queue its send."""
    return customer_notification_queue_once(
        order_id=order_id, kind=kind, actor=Actor.system("customer e-mail")
    )


@shared_task(**IDEMPOTENT)
def orders_personal_data_purge_task() -> int:
    """Beat (daily): empty the notes and IP addresses of orders closed longer than
    LARDER_PERSONAL_DATA_RETENTION_DAYS."""
    return orders_personal_data_purge()


@shared_task(**IDEMPOTENT)
def customer_notifications_sweep_task() -> dict[str, int]:
    """Beat: re-queue customer e-mails whose task a broker outage lost."""
    return customer_notifications_sweep()
