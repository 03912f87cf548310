"""The order's payment history: one row per call to a payment provider or payment received."""

from django.db import models
from django.db.models import Q

from orders.models.orders import Order


class PaymentTransaction(models.Model):
    """One call to a payment provider (or one payment received by hand), with its amount and
    outcome: the order's payment history. A refund is a row of kind `refund` with its
    reason."""

    class Kind(models.TextChoices):
        AUTHORIZE = "authorize", "authorization"
        REAUTHORIZE = "reauthorize", "re-authorization"
        CAPTURE = "capture", "capture"
        VOID = "void", "void"
        REFUND = "refund", "refund"
        RECEIVED = "received", "payment received"

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", "succeeded"
        REVIEW = "review", "needs review"
        FAILED = "failed", "failed"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=40)
    reference = models.CharField(max_length=120, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    message = models.CharField(max_length=500, blank=True)
    actor_label = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_gte_0"),
            models.CheckConstraint(
                condition=~Q(kind="refund") | ~Q(reason=""), name="refund_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.outcome})"
