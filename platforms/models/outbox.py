"""The outbox: requests owed to partner platforms and each attempt to deliver them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from platforms.models.tenancy import Platform


class OutboxMessage(models.Model):
    """A request owed to a partner platform, written in the same transaction as the change.

    A Celery worker sends it after commit, holding a lease (`locked_until`) while it calls the
    partner (platforms/outbox/services.py). The body is rendered from
    the subject's latest state at send time, so only the latest state travels; messages that
    share a `subject_key` go one at a time, oldest first.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        DEAD = "dead", _("dead letter")

    class Kind(models.TextChoices):
        PRODUCER_ORDER = "producer_order", _("producer order (DFC)")
        CUSTOMER_ORDER = "customer_order", _("customer order for remote fulfilment (DFC)")

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="outbox", verbose_name=_("platform")
    )
    kind = models.CharField(max_length=30, choices=Kind.choices, verbose_name=_("kind"))
    subject_key = models.CharField(
        max_length=80,
        help_text=_("What the message is about, e.g. producer-order:12."),
        verbose_name=_("subject key"),
    )
    subject_id = models.BigIntegerField(verbose_name=_("subject ID"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, verbose_name=_("state")
    )
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    # A worker sending it holds it until then (platforms/outbox/services.py): no other worker
    # sends it, and a worker that died lets it go when this passes.
    locked_until = models.DateTimeField(null=True, blank=True, verbose_name=_("locked until"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    # What was last sent, for the admin and for audit (anonymised by construction).
    method = models.CharField(max_length=6, blank=True, verbose_name=_("method"))
    url = models.URLField(max_length=500, blank=True, verbose_name=_("URL"))
    idempotency_key = models.CharField(
        max_length=120, blank=True, verbose_name=_("idempotency key")
    )
    body = models.JSONField(null=True, blank=True, verbose_name=_("body"))

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["subject_key", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject_key} → {self.platform} ({self.state})"


class DeliveryAttempt(models.Model):
    message = models.ForeignKey(
        OutboxMessage,
        on_delete=models.CASCADE,
        related_name="attempts_log",
        verbose_name=_("message"),
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration (ms)"))
    method = models.CharField(max_length=6, verbose_name=_("method"))
    url = models.URLField(max_length=500, verbose_name=_("URL"))
    status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("status code")
    )
    error = models.CharField(max_length=500, blank=True, verbose_name=_("error"))
    # sending (the call is under way, or its worker died: then "lost" at the next claim),
    # delivered, retry, dead, lease-lost.
    outcome = models.CharField(max_length=10, verbose_name=_("outcome"))

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message", "started_at"]

    def __str__(self) -> str:
        return f"{self.method} {self.url} → {self.status_code or self.error}"
