"""Tenancy: platforms (web shop systems), the enterprises (traders, producers) that trade on
them, and the back-office memberships (user, enterprise, role)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from platforms.encryption import EncryptedTextField


def new_signing_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of 32 random bytes."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_hash_secret() -> str:
    return secrets.token_hex(32)


class Platform(models.Model):
    """A web shop system: this Larder instance, another Larder, OFN, a Shopify shop with FDC."""

    class Kind(models.TextChoices):
        LARDER = "larder", _("Larder")
        OFN = "ofn", _("Open Food Network")
        SHOPIFY_FDC = "shopify_fdc", _("Shopify with the FDC app")
        OTHER = "other", _("Other DFC platform")

    name = models.CharField(max_length=120, verbose_name=_("name"))
    slug = models.SlugField(max_length=60, unique=True, verbose_name=_("slug"))
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.LARDER, verbose_name=_("kind")
    )
    is_local = models.BooleanField(
        default=False,
        help_text=_("True for this Larder instance itself; exactly one row is local."),
        verbose_name=_("this Larder"),
    )
    base_url = models.URLField(
        blank=True,
        help_text=_("Root of the platform's DFC API, e.g. https://hub.example/api/dfc/"),
        verbose_name=_("base URL"),
    )
    # The three secrets are stored encrypted (platforms/encryption.py) and write-only in the
    # admin.
    signing_secret = EncryptedTextField(
        default=new_signing_secret,
        help_text=_(
            "Signs what Larder sends this platform (Standard Webhooks, HMAC-SHA256). "
            "Stored encrypted."
        ),
        verbose_name=_("signing secret"),
    )
    customer_hash_secret = EncryptedTextField(
        default=new_hash_secret,
        help_text=_(
            "Keys the hash that stands for a customer in what this platform receives. "
            "Stored encrypted."
        ),
        verbose_name=_("customer hash secret"),
    )
    outbound_token = EncryptedTextField(
        blank=True,
        help_text=_(
            "Bearer token this platform gave Larder for calling its API (any length). "
            "Stored encrypted. Unused when a token URL is set."
        ),
        verbose_name=_("outbound token"),
    )
    # OAuth2 client credentials at the partner's OIDC issuer (platforms/outbox/partner_auth.py).
    oidc_token_url = models.URLField(
        max_length=500,
        blank=True,
        help_text=_(
            "The partner's OAuth2/OIDC token endpoint; set, Larder asks it for access "
            "tokens (client credentials) instead of sending a static token."
        ),
        verbose_name=_("OIDC token URL"),
    )
    oidc_client_id = models.CharField(max_length=200, blank=True, verbose_name=_("OIDC client ID"))
    oidc_client_secret = EncryptedTextField(
        blank=True, help_text=_("Stored encrypted."), verbose_name=_("OIDC client secret")
    )
    oidc_scope = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Space-separated scopes to ask for, if any."),
        verbose_name=_("OIDC scope"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_local"], condition=Q(is_local=True), name="one_local_platform"
            ),
            models.CheckConstraint(
                condition=Q(is_local=True) | ~Q(base_url=""), name="remote_platform_has_base_url"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """A business on a platform: a Trader (hub selling to customers) or a Producer."""

    class Kind(models.TextChoices):
        TRADER = "trader", _("Trader")
        PRODUCER = "producer", _("Producer")

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("platform")
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    name = models.CharField(max_length=160, verbose_name=_("name"))
    slug = models.SlugField(max_length=80, unique=True, verbose_name=_("slug"))
    remote_id = models.URLField(
        blank=True,
        help_text=_("The enterprise's DFC @id on its own platform, when remote."),
        verbose_name=_("remote ID"),
    )
    # Trader options for producer orders (overridable per sales session).
    consolidate_per_producer = models.BooleanField(
        default=True,
        help_text=_("Keep one producer order per sales session and producer."),
        verbose_name=_("consolidate per producer"),
    )
    aggregate_by_weight = models.BooleanField(
        default=False,
        help_text=_("Sum each product's weight over the session, rounded up to whole packs."),
        verbose_name=_("aggregate by weight"),
    )
    # A producer's own wish (some suppliers want one order per session, others one per
    # customer order); empty = each trader's choice. See orders.selectors.consolidation_resolve.
    producer_consolidation = models.BooleanField(
        null=True,
        blank=True,
        help_text=_(
            "As a producer: one producer order per sales session (yes) or one per "
            "customer order (no). Empty: the trader's choice. A session's override wins."
        ),
        verbose_name=_("producer consolidation"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        indexes = [models.Index(fields=["platform", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_trader(self) -> bool:
        return self.kind == self.Kind.TRADER

    @property
    def is_remote(self) -> bool:
        return not self.platform.is_local


# --- Back-office roles -------------------------------------------------------------------


class Role(models.TextChoices):
    TRADER_STAFF = "trader_staff", _("trader staff")
    CUSTOMER_SERVICE = "customer_service", _("customer service")
    PRODUCER_STAFF = "producer_staff", _("producer staff")


# The Django group each role's members belong to (created by migration platforms/0006).
ROLE_GROUPS = {
    Role.TRADER_STAFF: "Trader staff",
    Role.CUSTOMER_SERVICE: "Customer service",
    Role.PRODUCER_STAFF: "Producer staff",
}


class Membership(models.Model):
    """A staff user working for one enterprise: a trader's staff or customer-service agent
    sees that trader's data; a producer's staff sees that producer's producer orders."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    enterprise = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("enterprise"),
    )
    role = models.CharField(max_length=20, choices=Role.choices, verbose_name=_("role"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="one_role_per_enterprise")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.enterprise}"
