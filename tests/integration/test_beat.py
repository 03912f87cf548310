"""Two real beat processes on one database: one sends the schedule, the other stands by and
takes over when the first dies (config/beat.py)."""

import os
import signal
import time

import pytest

from tests.integration.worker import celery_beat, own_queues

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

SENT = "Sending due task work-requests-sweep"
# Beat's tick lines are what this test counts (off by default: config/observability/logging.py).
FAST = {"LARDER_SWEEP_SECONDS": "1", "LARDER_BEAT_LEASE_SECONDS": "3", "LOG_BEAT_TICKS": "true"}


def _count(lines: list[str], text: str) -> int:
    return sum(text in line for line in list(lines))


def _wait_for(predicate, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_two_beats_send_the_schedule_once_and_the_standby_takes_over(tmp_path):
    with (
        own_queues() as prefix,
        celery_beat(prefix=prefix, **FAST) as (first, first_log),
        celery_beat(prefix=prefix, **FAST) as (second, second_log),
    ):
        _wait_for(lambda: _count(first_log, "stands by") + _count(second_log, "stands by"), 20)
        leader, leader_log, standby_log = (
            (first, first_log, second_log)
            if _count(first_log, "sends the schedule")
            else (second, second_log, first_log)
        )
        before = _count(leader_log, SENT)
        time.sleep(5)
        # One sweep a second from one beat, not two; the other sent nothing at all.
        assert 3 <= _count(leader_log, SENT) - before <= 6, "".join(leader_log[-20:])
        assert _count(standby_log, "Sending due task") == 0, "".join(standby_log[-20:])
        assert _count(standby_log, "stands by") == 1

        os.kill(leader.pid, signal.SIGKILL)  # no goodbye: its lease must expire
        took = _wait_for(lambda: _count(standby_log, SENT) >= 2, 15)
        assert _count(standby_log, "sends the schedule") == 1
        assert took < 3 + 1 + 2 + 1  # the lease, a tick, then two one-second sweeps
