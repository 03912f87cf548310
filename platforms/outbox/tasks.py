"""Thin Celery tasks of the outbox: ids in, one service call; safe to run twice. Each keeps
the name it was registered under (beat, routes and queued messages name it)."""

from celery import shared_task

from platforms.outbox.services import outbox_deliver_due, outbox_message_send, outbox_purge

IDEMPOTENT = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="platforms.tasks.outbox_send_task", **IDEMPOTENT)
def outbox_send_task(*, message_id: int) -> str:
    outcome = outbox_message_send(message_id=message_id)
    if outcome == "delivered":
        # Messages queued behind this one (same subject) may go now rather than at the sweep.
        outbox_deliver_due()
    return outcome


@shared_task(name="platforms.tasks.outbox_deliver_due_task", **IDEMPOTENT)
def outbox_deliver_due_task() -> dict:
    return outbox_deliver_due()


@shared_task(name="platforms.tasks.outbox_purge_task", **IDEMPOTENT)
def outbox_purge_task() -> int:
    return outbox_purge()
