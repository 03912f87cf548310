"""Idempotency records are kept LARDER_IDEMPOTENCY_RETENTION_DAYS, then purged by beat."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from config.celery import app
from platforms.models import IdempotencyRecord
from platforms.partner_api.tasks import idempotency_records_purge_task
from tests.factories import PlatformFactory

pytestmark = pytest.mark.django_db


def _record(platform, key: str, age: timedelta) -> IdempotencyRecord:
    record = IdempotencyRecord.objects.create(
        platform=platform,
        key=key,
        method="POST",
        path="/api/dfc/Enterprises/farm/Orders",
        body_hash="0" * 64,
        status_code=201,
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
    return record


@override_settings(LARDER_IDEMPOTENCY_RETENTION_DAYS=7)
def test_records_past_retention_are_purged_and_recent_ones_kept():
    platform = PlatformFactory()
    _record(platform, "old", timedelta(days=7, minutes=1))
    _record(platform, "older", timedelta(days=30))
    _record(platform, "recent", timedelta(days=6, hours=23))

    assert idempotency_records_purge_task.delay().get() == 2

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["recent"]
    assert idempotency_records_purge_task.delay().get() == 0


def test_beat_runs_the_purge():
    entry = settings.CELERY_BEAT_SCHEDULE["idempotency-records-purge"]

    assert entry["task"] == "platforms.tasks.idempotency_records_purge_task"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 6 * 3600.0
