"""The order's payment history: one row per call to a payment provider or payment received."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.models.orders import Order


class PaymentTransaction(models.Model):
    """One call to a payment provider (or one payment received by hand), with its amount and
    outcome: the order's payment history. A refund is a row of kind `refund` with its
    reason."""

    class Kind(models.TextChoices):
        AUTHORIZE = "authorize", _("authorization")
        REAUTHORIZE = "reauthorize", _("re-authorization")
        CAPTURE = "capture", _("capture")
        VOID = "void", _("void")
        REFUND = "refund", _("refund")
        RECEIVED = "received", _("payment received")

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("succeeded")
        REVIEW = "review", _("needs review")
        FAILED = "failed", _("failed")

    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, related_name="payments", verbose_name=_("order")
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, verbose_name=_("kind"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, verbose_name=_("outcome"))
    amount = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    method = models.CharField(max_length=40, verbose_name=_("method"))
    reference = models.CharField(max_length=120, blank=True, verbose_name=_("reference"))
    reason = models.CharField(max_length=500, blank=True, verbose_name=_("reason"))
    message = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("The text in English, as written when it happened."),
        verbose_name=_("message"),
    )
    # The text to translate when shown (orders.events.row_text), as on order events: its
    # untranslated message id and parameters. Empty on rows written before, and on a
    # provider's own answer: those show `message`.
    message_id = models.CharField(
        max_length=300, blank=True, default="", verbose_name=_("message id")
    )
    message_params = models.JSONField(
        default=dict, blank=True, verbose_name=_("message parameters")
    )
    actor_label = models.CharField(max_length=120, verbose_name=_("actor label"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("payment transaction")
        verbose_name_plural = _("payment transactions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_gte_0"),
            models.CheckConstraint(
                condition=~Q(kind="refund") | ~Q(reason=""), name="refund_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency} ({self.outcome})"
