"""The outbox: requests owed to partner platforms and each attempt to deliver them."""

from django.db import models

from platforms.models.tenancy import Platform


class OutboxMessage(models.Model):
    """A request owed to a partner platform, written in the same transaction as the change.

    A Celery worker sends it after commit, holding a lease (`locked_until`) while it calls the
    partner (platforms/outbox/services.py). The body is rendered from
    the subject's latest state at send time, so only the latest state travels; messages that
    share a `subject_key` go one at a time, oldest first.
    """

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        DELIVERED = "delivered", "delivered"
        DEAD = "dead", "dead letter"

    class Kind(models.TextChoices):
        PRODUCER_ORDER = "producer_order", "producer order (DFC)"
        CUSTOMER_ORDER = "customer_order", "customer order for remote fulfilment (DFC)"

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="outbox")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    subject_key = models.CharField(
        max_length=80, help_text="What the message is about, e.g. producer-order:12."
    )
    subject_id = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A worker sending it holds it until then (platforms/outbox/services.py): no other worker
    # sends it, and a worker that died lets it go when this passes.
    locked_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # What was last sent, for the admin and for audit (anonymised by construction).
    method = models.CharField(max_length=6, blank=True)
    url = models.URLField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=120, blank=True)
    body = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["subject_key", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_key} → {self.platform} ({self.state})"


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="attempts_log"
    )
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    method = models.CharField(max_length=6)
    url = models.URLField(max_length=500)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # sending (the call is under way, or its worker died: then "lost" at the next claim),
    # delivered, retry, dead, lease-lost.
    outcome = models.CharField(max_length=10)

    class Meta:
        ordering = ["message", "started_at"]

    def __str__(self) -> str:
        return f"{self.method} {self.url} → {self.status_code or self.error}"
