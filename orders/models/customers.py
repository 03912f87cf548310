"""Customers, their addresses and consents, and the approval rules their orders go through."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A person buying from a trader. Personal data never leaves this platform."""

    trader = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("trader"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("user"),
    )
    name = models.CharField(max_length=160, verbose_name=_("name"))
    email = models.EmailField(blank=True, verbose_name=_("e-mail"))
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))
    needs_approval = models.BooleanField(
        default=False,
        help_text=_("Every order of this customer waits for approval."),
        verbose_name=_("needs approval"),
    )
    session_spending_limit = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Orders taking the customer's total in one sales session above this wait "
            "for approval. Empty: no limit."
        ),
        verbose_name=_("session spending limit"),
    )
    category = models.ForeignKey(
        "sessions_app.CustomerCategory",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        help_text=_("The contract the trader's offers are made under (members, wholesale…)."),
        verbose_name=_("category"),
    )
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the personal data were erased (GDPR)."),
        verbose_name=_("erased at"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
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
        "platforms.Enterprise",
        on_delete=models.CASCADE,
        related_name="approval_rule",
        verbose_name=_("trader"),
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    order_total_over = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Orders whose total is above this amount wait for approval. Empty: no threshold."
        ),
        verbose_name=_("order total over"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("approval rule")
        verbose_name_plural = _("approval rules")
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
        TERMS = "terms", _("terms of sale")
        PRIVACY = "privacy", _("privacy notice")
        MARKETING = "marketing", _("marketing e-mails")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="consents",
        verbose_name=_("user"),
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices, verbose_name=_("purpose"))
    granted = models.BooleanField(verbose_name=_("granted"))
    policy_version = models.CharField(max_length=40, blank=True, verbose_name=_("policy version"))
    source = models.CharField(max_length=20, default="account", verbose_name=_("source"))
    recorded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("recorded at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["user", "purpose", "recorded_at"])]

    def __str__(self) -> str:
        return f"{self.purpose}: {'granted' if self.granted else 'withdrawn'}"


class Address(models.Model):
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="addresses",
        verbose_name=_("customer"),
    )
    name = models.CharField(max_length=160, verbose_name=_("name"))
    line1 = models.CharField(max_length=200, verbose_name=_("address line 1"))
    line2 = models.CharField(max_length=200, blank=True, verbose_name=_("address line 2"))
    city = models.CharField(max_length=100, verbose_name=_("city"))
    postcode = models.CharField(max_length=20, verbose_name=_("postcode"))
    country = models.CharField(max_length=2, default="GB", verbose_name=_("country"))
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return f"{self.name}, {self.line1}, {self.postcode} {self.city}"
