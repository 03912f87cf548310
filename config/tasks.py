"""Thin Celery tasks of the project-wide pieces; safe to run twice."""

from celery import shared_task

from config.work import work_requests_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True)
def work_requests_sweep_task() -> int:
    """Beat: queue again the work requests whose task was lost or never sent."""
    return work_requests_sweep()
