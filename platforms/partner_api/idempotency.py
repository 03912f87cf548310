"""`Idempotency-Key` on POST and PUT: a replay returns the first response, never repeats the change.

The hot lookup is in the "api" cache (Redis in production; config/settings/base.py), not the
database: a key already answered is a marker there (method, path, body fingerprint), so a
reuse with another request is refused and a replay is read from its record without a lookup
first. Two requests with one key run one after the other: the first claims the key with an
atomic `cache.add`, the second waits for the marker (then replays) or for the claim to go (the
first failed: it runs in its turn). The record itself (`IdempotencyRecord`, its body as
compressed JSON) is written in the same transaction as the change, under a unique (platform,
key) constraint, so the database still decides when the cache has lost a marker or a claim
expired: a second change finds the first's record, rolls back and replays it. Only
successful (2xx) responses are kept: a refused request changed nothing, and sending it again
is a new attempt. Records are kept LARDER_IDEMPOTENCY_RETENTION_DAYS (a beat task purges
older ones; the markers expire with them): a key replayed later is a new request.
"""

import hashlib
import json
import time
import zlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.response import Response

from platforms.exceptions import IdempotencyKeyInvalid, IdempotencyKeyReused
from platforms.models import IdempotencyRecord, Platform

MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("ETag", "Location", "Content-Type")
UNIQUE_CONSTRAINT = "one_response_per_key"
# How long a claim on a key lasts: longer than any request runs (a 5,000-line order takes
# seconds). A process that dies holding one delays its key's next attempt this long at most.
CLAIM_SECONDS = 60
CLAIM_POLL_SECONDS = 0.02


def body_fingerprint(data) -> str:
    """SHA-256 of the parsed body in canonical JSON: key order and spacing do not matter."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_cache_key(platform_id: int, key: str) -> str:
    # Hashed: any printable key of up to 255 characters makes a short, safe cache key.
    return f"idempotency:{platform_id}:{hashlib.sha256(key.encode()).hexdigest()}"


def _kept_headers(response: Response) -> dict:
    headers = {name: response[name] for name in REPLAYED_HEADERS if name in response}
    if response.content_type:
        headers["Content-Type"] = response.content_type
    return headers


def _check_same_request(seen: tuple[str, str, str], request, fingerprint: str, key: str) -> None:
    method, path, body_hash = seen
    if (method, path, body_hash) != (request.method, request.path[:500], fingerprint):
        raise IdempotencyKeyReused(
            gettext(
                "Idempotency-Key “%(key)s” was first used for %(method)s %(path)s with "
                "another body; use a new key for a new request."
            )
            % {"key": key, "method": method, "path": path},
            extra={"first_method": method, "first_path": path},
        )


def _packed(data) -> bytes:
    """A response's data as the record keeps it: JSON, zlib-compressed (level 1: 1.3 ms for a
    1,000-line order's 1.2 MB, to 30 KB)."""
    return zlib.compress(json.dumps(data, cls=DjangoJSONEncoder).encode(), 1)


def _unpacked(content) -> object:
    return None if content is None else json.loads(zlib.decompress(bytes(content)))


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(_unpacked(record.response_content), status=record.status_code)
    for name, value in record.response_headers.items():
        if name != "Content-Type":
            response[name] = value
    if "Content-Type" in record.response_headers:
        response.content_type = record.response_headers["Content-Type"]
    response["Idempotent-Replayed"] = "true"
    return response


def _remember(cache_key: str, record_fields: tuple[str, str, str]) -> None:
    timeout = settings.LARDER_IDEMPOTENCY_RETENTION_DAYS * 86400
    caches["api"].set(cache_key, record_fields, timeout=timeout)


def _is_key_taken(error: IntegrityError) -> bool:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == UNIQUE_CONSTRAINT


def _run_once(*, request, platform, key, fingerprint, cache_key, handler) -> Response | None:
    """Run the change and write its record in one transaction. None when the key's record
    already exists (the cache had lost its marker): the change is rolled back."""
    try:
        with transaction.atomic():
            response = handler()
            if 200 <= response.status_code < 300:
                IdempotencyRecord.objects.create(
                    platform=platform,
                    key=key,
                    method=request.method,
                    path=request.path[:500],
                    body_hash=fingerprint,
                    status_code=response.status_code,
                    response_content=_packed(response.data),
                    response_headers=_kept_headers(response),
                )
    except IntegrityError as error:
        if not _is_key_taken(error):
            raise
        return None
    if 200 <= response.status_code < 300:
        _remember(cache_key, (request.method, request.path[:500], fingerprint))
    return response


def _replay_recorded(*, request, platform, key, fingerprint, cache_key) -> Response | None:
    record = IdempotencyRecord.objects.filter(platform=platform, key=key).first()
    if record is None:  # the marker outlived its record (purged, or its transaction undone)
        return None
    seen = (record.method, record.path, record.body_hash)
    _remember(cache_key, seen)
    _check_same_request(seen, request, fingerprint, key)
    return _replay(record)


def idempotent_call(*, request, platform: Platform, handler: Callable[[], Response]) -> Response:
    """Run `handler` (which performs the change and returns the response) at most once per
    Idempotency-Key, in a transaction (the write services join it without a savepoint of
    their own). Without the header the handler simply runs, in its transaction."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        with transaction.atomic():
            return handler()
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise IdempotencyKeyInvalid(
            gettext("An Idempotency-Key is 1 to %(limit)s printable characters.")
            % {"limit": MAX_KEY_LENGTH}
        )
    cache = caches["api"]
    found = {
        "request": request,
        "platform": platform,
        "key": key,
        "fingerprint": body_fingerprint(request.data),
        "cache_key": idempotency_cache_key(platform.pk, key),
    }
    claim_key = found["cache_key"] + ":claim"
    give_up_at = time.monotonic() + CLAIM_SECONDS
    while True:
        seen = cache.get(found["cache_key"])
        if seen is not None:
            _check_same_request(seen, request, found["fingerprint"], key)
            replay = _replay_recorded(**found)
            if replay is not None:
                return replay
            cache.delete(found["cache_key"])
        if cache.add(claim_key, 1, timeout=CLAIM_SECONDS):
            break
        if time.monotonic() > give_up_at:
            break  # the claim's holder is gone or stuck: the record's constraint decides
        time.sleep(CLAIM_POLL_SECONDS)
    try:
        while True:
            response = _run_once(**found, handler=handler) or _replay_recorded(**found)
            if response is not None:
                return response
    finally:
        # Should the claim have expired and been taken by another request meanwhile, this
        # frees it early: that request runs at once, and the record's constraint still
        # keeps the change single.
        cache.delete(claim_key)


def idempotency_records_purge(*, older_than_days: int | None = None) -> int:
    """Delete records older than the retention period (LARDER_IDEMPOTENCY_RETENTION_DAYS);
    returns how many. One DELETE; safe to run twice or concurrently."""
    days = (
        settings.LARDER_IDEMPOTENCY_RETENTION_DAYS if older_than_days is None else older_than_days
    )
    cutoff = timezone.now() - timedelta(days=days)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
