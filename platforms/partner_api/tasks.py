"""Thin Celery tasks of the partner API; safe to run twice. Each keeps the name it was
registered under (beat names it)."""

from celery import shared_task

from platforms.partner_api.idempotency import idempotency_records_purge


@shared_task(
    name="platforms.tasks.idempotency_records_purge_task",
    acks_late=True,
    reject_on_worker_lost=True,
)
def idempotency_records_purge_task() -> int:
    return idempotency_records_purge()
