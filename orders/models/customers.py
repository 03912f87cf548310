"""Customers, their addresses and consents, and the approval rules their orders go through."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Customer(models.Model):
    """A person buying from a trader. Personal data never leaves this platform."""

    trader = models.ForeignKey(
        "platforms.Enterprise", on_delete=models.PROTECT, related_name="customers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    name = models.CharField(max_length=160)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    needs_approval = models.BooleanField(
        default=False, help_text="Every order of this customer waits for approval (W)."
    )
    session_spending_limit = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Orders taking the customer's total in one sales session above this wait "
        "for approval (W). Empty: no limit.",
    )
    category = models.ForeignKey(
        "sessions_app.CustomerCategory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        help_text="The contract the trader's offers are made under (members, wholesale…).",
    )
    erased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the personal data were erased (GDPR)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session_spending_limit__isnull=True) | Q(session_spending_limit__gte=0),
                name="customer_spending_limit_gte_0",
            ),
            models.UniqueConstraint(
                fields=["trader", "user"],
                condition=Q(user__isnull=False),
                name="one_customer_per_trader_and_user",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApprovalRule(models.Model):
    """A trader's approval rule: orders over `order_total_over` wait for approval (W) at
    submission, as do orders of customers flagged `needs_approval` or above their spending
    limit per session (orders/services/approval.py)."""

    trader = models.OneToOneField(
        "platforms.Enterprise", on_delete=models.CASCADE, related_name="approval_rule"
    )
    is_active = models.BooleanField(default=True)
    order_total_over = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Orders whose total is above this amount wait for approval. Empty: no threshold.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(order_total_over__isnull=True) | Q(order_total_over__gte=0),
                name="approval_threshold_gte_0",
            )
        ]

    def __str__(self) -> str:
        return f"Approval rule of {self.trader}"


class Consent(models.Model):
    """A consent given or withdrawn by an account holder: an append-only record (GDPR art. 7)."""

    class Purpose(models.TextChoices):
        TERMS = "terms", "terms of sale"
        PRIVACY = "privacy", "privacy notice"
        MARKETING = "marketing", "marketing e-mails"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    granted = models.BooleanField()
    policy_version = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=20, default="account")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["user", "purpose", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.purpose}: {'granted' if self.granted else 'withdrawn'}"


class Address(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="addresses"
    )
    name = models.CharField(max_length=160)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postcode = models.CharField(max_length=20)
    country = models.CharField(max_length=2, default="GB")
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.postcode} {self.city}"
