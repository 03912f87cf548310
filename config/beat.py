"""Celery beat that needs no local folder and is safe to start twice, on any machine.

The schedule is settings.CELERY_BEAT_SCHEDULE, held in memory (Celery's base Scheduler: no
schedule file). Before each tick, the beat renews a lease row in the database
(SchedulerLease "beat", timed by the database's clock); only the holder sends due tasks. A
second beat, started by mistake or as a standby on another machine, sends nothing until the
holder stops renewing for LARDER_BEAT_LEASE_SECONDS; then it takes over. The periodic tasks are
idempotent sweeps anyway, so a takeover that repeats one run does no harm.
"""

import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from celery.beat import Scheduler
from django.conf import settings
from django.db import close_old_connections
from django.db.models import DateTimeField, ExpressionWrapper, Q
from django.db.models.functions import Now

logger = logging.getLogger(__name__)

LEASE_NAME = "beat"


def scheduler_lease_hold(*, holder: str, seconds: int, name: str = LEASE_NAME) -> bool:
    """Take or renew the lease `name` for `holder`; True when `holder` holds it now.

    The row exists once (primary key); the UPDATE matches only when the lease is ours or has
    expired, and PostgreSQL re-checks that condition after a concurrent UPDATE commits, so two
    beats racing for an expired lease cannot both win.
    """
    from config.models import SchedulerLease

    until = ExpressionWrapper(Now() + timedelta(seconds=seconds), output_field=DateTimeField())
    SchedulerLease.objects.bulk_create(
        [SchedulerLease(name=name, holder="", expires_at=datetime(1970, 1, 1, tzinfo=UTC))],
        ignore_conflicts=True,
    )
    return bool(
        SchedulerLease.objects.filter(Q(holder=holder) | Q(expires_at__lt=Now()), name=name).update(
            holder=holder, expires_at=until
        )
    )


def scheduler_lease_release(*, holder: str, name: str = LEASE_NAME) -> None:
    from config.models import SchedulerLease

    SchedulerLease.objects.filter(name=name, holder=holder).update(expires_at=Now())


class SingletonScheduler(Scheduler):
    """Celery's in-memory scheduler, sending only while this process holds the lease."""

    def __init__(self, *args, **kwargs):
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leading: bool | None = None  # unknown until the first tick
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs) -> float:
        lease = settings.LARDER_BEAT_LEASE_SECONDS
        close_old_connections()
        try:
            leading = scheduler_lease_hold(holder=self.holder, seconds=lease)
        except Exception:  # noqa: BLE001 - the database is away: send nothing, try again soon
            logger.warning("beat: cannot reach the database to renew its lease; sending nothing")
            leading = False
        if leading != self.leading:
            logger.warning(
                "beat %s: %s", self.holder, "sends the schedule" if leading else "stands by"
            )
            self.leading = leading
        renew_within = lease / 3
        if not leading:
            return renew_within
        return min(super().tick(*args, **kwargs), renew_within)

    def close(self) -> None:
        if self.leading:
            try:
                scheduler_lease_release(holder=self.holder)
            except Exception:  # noqa: BLE001 - the lease expires on its own
                logger.warning("beat: could not release its lease; it expires on its own")
        super().close()
