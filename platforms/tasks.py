"""Thin Celery tasks for the outbox and the partner API: ids in, one service call; safe to
run twice."""

from celery import shared_task

from platforms.idempotency import idempotency_records_purge
from platforms.outbox import outbox_deliver_due, outbox_message_send, outbox_purge

IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(**IDEMPOTENT)
def outbox_send_task(*, message_id: int) -> str:
    outcome = outbox_message_send(message_id=message_id)
    if outcome == "delivered":
        # Messages queued behind this one (same subject) may go now rather than at the sweep.
        outbox_deliver_due()
    return outcome


@shared_task(**IDEMPOTENT)
def outbox_deliver_due_task() -> dict:
    return outbox_deliver_due()


@shared_task(**IDEMPOTENT)
def outbox_purge_task() -> int:
    return outbox_purge()


@shared_task(**IDEMPOTENT)
def idempotency_records_purge_task() -> int:
    return idempotency_records_purge()
