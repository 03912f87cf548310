"""`Idempotency-Key` on POST and PUT: a replay returns the first response, never repeats the change.

The key is looked up under a transaction-scoped advisory lock on (platform, key), so two requests
with the same key run one after the other; the record is written in the same transaction as the
change, so either both are kept or neither is. Only successful (2xx) responses are kept: a
refused request changed nothing, and sending it again is a new attempt. Records are kept
LARDER_IDEMPOTENCY_RETENTION_DAYS (a beat task purges older ones): a key replayed later is a
new request.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.response import Response

from platforms.exceptions import IdempotencyKeyInvalid, IdempotencyKeyReused
from platforms.models import IdempotencyRecord, Platform

MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("ETag", "Location", "Content-Type")


def body_fingerprint(data) -> str:
    """SHA-256 of the parsed body in canonical JSON: key order and spacing do not matter."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock_key(platform_id: int, key: str) -> int:
    digest = hashlib.sha256(f"idempotency:{platform_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _kept_headers(response: Response) -> dict:
    headers = {name: response[name] for name in REPLAYED_HEADERS if name in response}
    if response.content_type:
        headers["Content-Type"] = response.content_type
    return headers


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.status_code)
    for name, value in record.response_headers.items():
        if name != "Content-Type":
            response[name] = value
    if "Content-Type" in record.response_headers:
        response.content_type = record.response_headers["Content-Type"]
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent_call(*, request, platform: Platform, handler: Callable[[], Response]) -> Response:
    """Run `handler` (which performs the change and returns the response) at most once per
    Idempotency-Key. Without the header the handler simply runs."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return handler()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid(
            f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters."
        )
    fingerprint = body_fingerprint(request.data)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(platform.pk, key)])
        record = IdempotencyRecord.objects.filter(platform=platform, key=key).first()
        if record is not None:
            if (record.method, record.path, record.body_hash) != (
                request.method,
                request.path,
                fingerprint,
            ):
                raise IdempotencyKeyReused(
                    f"Idempotency-Key {key!r} was first used for {record.method} {record.path} "
                    "with another body; use a new key for a new request.",
                    extra={"first_method": record.method, "first_path": record.path},
                )
            return _replay(record)
        response = handler()
        if 200 <= response.status_code < 300:
            IdempotencyRecord.objects.create(
                platform=platform,
                key=key,
                method=request.method,
                path=request.path[:500],
                body_hash=fingerprint,
                status_code=response.status_code,
                response_body=response.data,
                response_headers=_kept_headers(response),
            )
        return response


def idempotency_records_purge(*, older_than_days: int | None = None) -> int:
    """Delete records older than the retention period (LARDER_IDEMPOTENCY_RETENTION_DAYS);
    returns how many. One DELETE; safe to run twice or concurrently."""
    days = (
        settings.LARDER_IDEMPOTENCY_RETENTION_DAYS if older_than_days is None else older_than_days
    )
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
