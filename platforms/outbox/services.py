"""The outbox: requests owed to partner platforms, written with the change, sent after commit.

Guarantees
- `outbox_enqueue` writes (or reuses) a pending row in the caller's transaction, so a change and
  the duty to tell the partner commit or roll back together; after commit a task is queued to
  send it at once (best effort: beat's sweep sends whatever is due).
- `outbox_message_send` works in three steps: (1) a short transaction claims the message
  (`SELECT … FOR UPDATE SKIP LOCKED`, a lease in `locked_until`), renders the request (a
  creating POST is recorded as an attempt "sending" before it goes), then commits; (2) the
  partner is called outside any transaction, with this worker's database connection closed;
  (3) a new short transaction records the outcome if the lease is still ours. Two workers
  never send one message at once; a worker that dies mid-call leaves a lease that expires, and
  the message is sent again.
- A handler may look at the partner before sending (`prepare`): a producer order whose
  creating POST may have reached the partner is first looked up there, so a partner that
  ignores Idempotency-Key still ends with one order.
- Messages of one subject go one at a time, oldest first; the body is rendered from the
  subject's latest state at send time, so only the latest state travels.
- 2xx: delivered. 408, 429, 5xx, timeouts and connection errors: retried with exponential
  backoff and jitter, scheduled in the database (`next_attempt_at`, swept by beat), for up to
  OUTBOX_RETRY_WINDOW_SECONDS. 409 and 422 (the partner refuses): the handler's `refused`,
  then a dead letter. Any other 4xx: dead letter at once.
- Logs name the message, subject and status code, never a body or a header value.
"""

import json
import logging
import random
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from config.exceptions import OutboundUnreachable
from config.http import http_request
from config.work import task_queue_on_commit
from platforms.exceptions import CredentialsUnavailable, PartnerUnsure, UndeliverableMessage
from platforms.models import DeliveryAttempt, OutboxMessage
from platforms.outbox.partner_auth import (
    access_token,
    access_token_forget,
    reauthenticate_statuses,
    uses_client_credentials,
)
from platforms.outbox.signing import signature_headers

logger = logging.getLogger(__name__)


class DeliveryHandler(Protocol):
    """What renders and acknowledges one kind of message; the subject's own app provides it
    (named in HANDLERS, looked up when a message is sent: the outbox imports no app above it)."""

    def build(self, message: OutboxMessage) -> "OutboundRequest | None": ...

    def prepare(
        self, message: OutboxMessage, request: "OutboundRequest", client: Any
    ) -> "OutboundRequest": ...

    def acknowledge(
        self, message: OutboxMessage, request: "OutboundRequest", response: Any
    ) -> None: ...

    def refused(
        self, message: OutboxMessage, request: "OutboundRequest", response: Any
    ) -> None: ...

    def give_up(self, message: OutboxMessage) -> None: ...


# What renders and acknowledges each kind of message (kept beside the subject's own app).
HANDLERS: dict[str, str] = {
    OutboxMessage.Kind.PRODUCER_ORDER: "orders.producer_orders.delivery.handler",
    OutboxMessage.Kind.CUSTOMER_ORDER: "orders.services.remote_fulfilment.handler",
}
SEND_TASK = "platforms.tasks.outbox_send_task"
RETRYABLE_STATUSES = frozenset({408, 429})
# The partner understood the request and refuses it (e.g. it cannot supply the order).
REFUSAL_STATUSES = frozenset({409, 422})


@dataclass
class OutboundRequest:
    method: str
    url: str
    body: dict | None  # None: a request without a body (e.g. OFN's DELETE)
    idempotency_key: str
    context: dict = field(default_factory=dict)
    # Each partner kind reads its own (platforms/outbox/delivery_adapters.py).
    content_type: str = "application/ld+json"


@dataclass
class OutboundResponse:
    status: int
    body: dict | None
    retry_after: int | None = None


def outbox_enqueue(*, platform, kind: str, subject_key: str, subject_id: int) -> None:
    """Owe `platform` the latest state of one subject. Call inside the transaction of the change."""
    outbox_enqueue_many(kind=kind, subjects=[(platform, subject_key, subject_id)])


def _not_leased(now) -> Q:
    return Q(locked_until__isnull=True) | Q(locked_until__lt=now)


def outbox_enqueue_many(*, kind: str, subjects: list[tuple]) -> list[int]:
    """Owe each (platform, subject_key, subject_id) the latest state of its subject, in the
    caller's transaction, in two statements whatever the count.

    A pending message for the same subject that no worker is sending (no live lease, no row
    lock) is reused (its body is rendered at send time anyway); otherwise a new one queues
    behind the one in flight. After commit, a send is queued for each.
    """
    now = timezone.now()
    keys = [subject_key for _, subject_key, _ in subjects]
    reusable = {
        message.subject_key: message.pk
        for message in OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(_not_leased(now), subject_key__in=keys, state=OutboxMessage.State.PENDING)
        .order_by("pk")
        .only("pk", "subject_key")
    }
    created = OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                platform=platform,
                kind=kind,
                subject_key=subject_key,
                subject_id=subject_id,
                next_attempt_at=now,
            )
            for platform, subject_key, subject_id in subjects
            if subject_key not in reusable
        ]
    )
    message_ids = [*reusable.values(), *(message.pk for message in created)]
    for message_id in message_ids:
        task_queue_on_commit(SEND_TASK, message_id=message_id)
    return message_ids


def _older_pending() -> Exists:
    """An older pending message about the same subject exists: this one waits its turn."""
    return Exists(
        OutboxMessage.objects.filter(
            subject_key=OuterRef("subject_key"),
            platform_id=OuterRef("platform_id"),
            state=OutboxMessage.State.PENDING,
            pk__lt=OuterRef("pk"),
        )
    )


def outbox_subject_attempted(message: OutboxMessage, *, method: str) -> bool:
    """Whether a `method` request about this message's subject was ever started (whatever
    came of it): a handler's clue that an earlier attempt may have reached the partner."""
    return DeliveryAttempt.objects.filter(
        message__platform_id=message.platform_id,
        message__subject_key=message.subject_key,
        method=method,
    ).exists()


def _http(method: str, url: str, headers: dict, data: bytes | None) -> OutboundResponse:
    """One call through Larder's HTTP client (config/http.py); no answer raises
    OutboundUnreachable, recorded as the attempt's error."""
    answer = http_request(
        method,
        url,
        headers=headers,
        content=data,
        timeout=settings.OUTBOX_REQUEST_TIMEOUT_SECONDS,
    )
    retry_after = answer.retry_after_seconds() if answer.status >= 400 else None
    return OutboundResponse(
        status=answer.status, body=answer.json_object(), retry_after=retry_after
    )


def backoff_delay(attempts: int, retry_after: int | None = None) -> float:
    """Exponential backoff with jitter: base·2^(n−1), capped, times a random 0.5–1.0."""
    base = settings.OUTBOX_BACKOFF_BASE_SECONDS
    delay = min(settings.OUTBOX_BACKOFF_MAX_SECONDS, base * 2 ** max(attempts - 1, 0))
    delay *= random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not security
    return max(delay, retry_after or 0)


@dataclass
class _Claim:
    message: OutboxMessage
    request: OutboundRequest
    handler: DeliveryHandler
    lease_until: object
    attempt: DeliveryAttempt | None


class PartnerClient:
    """Signed requests to one platform, on behalf of one message (no database use)."""

    def __init__(self, platform, key: str):
        self.platform = platform
        self.key = key

    def headers(self, body: bytes) -> dict:
        headers = {
            "Accept": "application/ld+json, application/json",
            **signature_headers(
                secret=self.platform.signing_secret,
                message_id=self.key,
                timestamp=int(time.time()),
                body=body,
            ),
        }
        return headers

    def _call(self, method: str, url: str, headers: dict, data: bytes | None):
        """One request with the platform's credentials; a client-credentials token the
        partner refuses (401; 403 for the FDC app) is renewed once and the request repeated
        (the partner did nothing with a request it did not authenticate)."""
        response = _http(method, url, {**headers, **self._authorization()}, data)
        if uses_client_credentials(self.platform) and response.status in (
            reauthenticate_statuses(self.platform)
        ):
            access_token_forget(self.platform)
            response = _http(method, url, {**headers, **self._authorization(renew=True)}, data)
        return response

    def _authorization(self, *, renew: bool = False) -> dict:
        token = access_token(self.platform, renew=renew)
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, url: str) -> OutboundResponse:
        return self._call("GET", url, self.headers(b""), None)

    def send(self, request: OutboundRequest) -> OutboundResponse:
        body = b""
        if request.body is not None:
            body = json.dumps(request.body, separators=(",", ":"), sort_keys=True).encode()
        headers = {**self.headers(body), "Idempotency-Key": request.idempotency_key}
        if request.body is not None:
            headers["Content-Type"] = request.content_type
        if request.method == "PUT" and request.context.get("if_match"):
            headers["If-Match"] = request.context["if_match"]
        return self._call(
            request.method, request.url, headers, body if request.body is not None else None
        )


def outbox_message_send(*, message_id: int) -> str:
    """Send one due message; returns what happened: delivered, retry, dead, waiting, skipped
    (not due, gone, or another worker's), or lease-lost (this worker took too long and
    another one took the message over: its outcome counts)."""
    claim = _claim(message_id)
    if isinstance(claim, str):
        return claim
    # No database connection is held while the partner takes its time (a pooler or another
    # worker gets it); inside a caller's transaction (tests) there is nothing to release.
    if not connection.in_atomic_block:
        connection.close()
    started, clock = timezone.now(), time.monotonic()
    client = PartnerClient(claim.message.platform, claim.request.idempotency_key)
    request, response, error = claim.request, None, ""
    try:
        request = claim.handler.prepare(claim.message, request, client)
        response = client.send(request)
    except PartnerUnsure as unsure:
        error = f"look-up: {unsure}"[:500]
    except CredentialsUnavailable as unavailable:
        error = f"credentials: {unavailable}"[:500]
    except OutboundUnreachable as unreachable:
        error = str(unreachable)[:500]
    duration_ms = int((time.monotonic() - clock) * 1000)
    return _record(claim, request, response, error, started, duration_ms)


@transaction.atomic
def _claim(message_id: int) -> "_Claim | str":
    now = timezone.now()
    message = (
        OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("platform")
        .annotate(waits=_older_pending())
        .filter(_not_leased(now), pk=message_id, state=OutboxMessage.State.PENDING)
        .first()
    )
    if message is None:
        return "skipped"  # delivered, dead, or being sent by another worker
    if message.next_attempt_at > now:
        return "skipped"
    if message.waits:
        return "waiting"
    handler: DeliveryHandler = import_string(HANDLERS[message.kind])
    try:
        request = handler.build(message)
    except UndeliverableMessage as reason:
        message.state = OutboxMessage.State.DEAD
        message.last_error = str(reason)[:500]
        message.save(update_fields=["state", "last_error", "updated_at"])
        logger.warning("outbox: message %s is undeliverable: %s", message.pk, reason)
        return "dead"
    if request is None:  # nothing left to say (e.g. subject gone): done
        message.state = OutboxMessage.State.DELIVERED
        message.delivered_at = timezone.now()
        message.save(update_fields=["state", "delivered_at", "updated_at"])
        return "delivered"
    if message.locked_until is not None:
        # An expired lease: its worker died (or lost it), and its attempt never came back.
        DeliveryAttempt.objects.filter(message=message, outcome="sending").update(outcome="lost")
    message.locked_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    message.save(update_fields=["locked_until", "updated_at"])
    attempt = None
    if request.method == "POST":
        # A create is recorded before it is sent: if this worker dies, the next attempt knows
        # the partner may hold the order already (the handler looks it up before a new POST).
        attempt = DeliveryAttempt.objects.create(
            message=message, started_at=now, method="POST", url=request.url, outcome="sending"
        )
    return _Claim(message, request, handler, message.locked_until, attempt)


@transaction.atomic
def _record(claim: _Claim, request, response, error, started, duration_ms) -> str:
    status = response.status if response is not None else None
    attempt_fields = {
        "started_at": started,
        "duration_ms": duration_ms,
        "method": request.method,
        "url": request.url,
        "status_code": status,
        "error": error,
    }

    def attempt_record(outcome: str) -> None:
        fields = {**attempt_fields, "outcome": outcome}
        if claim.attempt is None:
            DeliveryAttempt.objects.create(message_id=claim.message.pk, **fields)
        else:
            DeliveryAttempt.objects.filter(pk=claim.attempt.pk).update(**fields)

    message = (
        OutboxMessage.objects.select_for_update(of=("self",))
        .select_related("platform")
        .get(pk=claim.message.pk)
    )
    if message.locked_until != claim.lease_until:
        logger.warning("outbox: message %s: lease lost before the answer came", message.pk)
        attempt_record("lease-lost")
        return "lease-lost"
    handler = claim.handler
    message.locked_until = None
    message.attempts += 1
    message.method, message.url = request.method, request.url
    message.idempotency_key, message.body = request.idempotency_key, request.body
    if status is not None and 200 <= status < 300:
        outcome = "delivered"
        handler.acknowledge(message, request, response)
        message.state = OutboxMessage.State.DELIVERED
        message.delivered_at = timezone.now()
        message.last_error = ""
    else:
        retryable = status is None or status in RETRYABLE_STATUSES or status >= 500
        expired = timezone.now() - message.created_at > timedelta(
            seconds=settings.OUTBOX_RETRY_WINDOW_SECONDS
        )
        message.last_error = error or f"HTTP {status}"
        if retryable and not expired:
            outcome = "retry"
            delay = backoff_delay(message.attempts, response.retry_after if response else None)
            message.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        else:
            outcome = "dead"
            message.state = OutboxMessage.State.DEAD
            if status in REFUSAL_STATUSES:
                handler.refused(message, request, response)
            handler.give_up(message)
    message.save()
    attempt_record(outcome)
    logger.info(
        "outbox: message %s (%s) %s %s → %s",
        message.pk,
        message.subject_key,
        request.method,
        status if status is not None else "no response",
        outcome,
    )
    return outcome


def outbox_due_ids(*, limit: int = 100) -> list[int]:
    """Pending messages that are due and first in line for their subject."""
    return list(
        OutboxMessage.objects.filter(
            _not_leased(timezone.now()),
            state=OutboxMessage.State.PENDING,
            next_attempt_at__lte=timezone.now(),
        )
        .filter(~_older_pending())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def outbox_deliver_due(*, limit: int = 100, rounds: int = 10) -> dict[str, int]:
    """Send every due message (the beat sweep), round after round while messages behind a
    just-delivered one become first in line. Returns counts per outcome."""
    counts: dict[str, int] = {}
    for _ in range(rounds):
        progressed = False
        for message_id in outbox_due_ids(limit=limit):
            outcome = outbox_message_send(message_id=message_id)
            counts[outcome] = counts.get(outcome, 0) + 1
            progressed |= outcome in ("delivered", "retry", "dead")
        if not progressed:
            break
    return counts


@transaction.atomic
def outbox_message_retry(*, message_id: int) -> OutboxMessage:
    """Send a dead or waiting message again now (the admin's "retry")."""
    message = OutboxMessage.objects.select_for_update().get(pk=message_id)
    if message.state == OutboxMessage.State.DELIVERED:
        return message
    message.state = OutboxMessage.State.PENDING
    message.next_attempt_at = timezone.now()
    message.created_at = timezone.now()  # a fresh retry window
    message.save(update_fields=["state", "next_attempt_at", "created_at", "updated_at"])
    task_queue_on_commit(SEND_TASK, message_id=message_id)
    return message


def outbox_purge(*, older_than_days: int | None = None) -> int:
    """Delete delivered messages past the retention period; returns how many."""
    days = settings.OUTBOX_RETENTION_DAYS if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    _, per_model = OutboxMessage.objects.filter(
        state=OutboxMessage.State.DELIVERED, delivered_at__lt=cutoff
    ).delete()
    return per_model.get(OutboxMessage._meta.label, 0)
