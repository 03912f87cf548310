"""Platforms (web shop systems) and the enterprises (traders, producers) that trade on them."""

import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

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
        LARDER = "larder", "Larder"
        OFN = "ofn", "Open Food Network"
        SHOPIFY_FDC = "shopify_fdc", "Shopify with the FDC app"
        OTHER = "other", "Other DFC platform"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LARDER)
    is_local = models.BooleanField(
        default=False, help_text="True for this Larder instance itself; exactly one row is local."
    )
    base_url = models.URLField(
        blank=True, help_text="Root of the platform's DFC API, e.g. https://hub.example/api/dfc/"
    )
    # The three secrets are stored encrypted (platforms/encryption.py) and write-only in the
    # admin.
    signing_secret = EncryptedTextField(
        default=new_signing_secret,
        help_text="Signs what Larder sends this platform (Standard Webhooks, HMAC-SHA256). "
        "Stored encrypted.",
    )
    customer_hash_secret = EncryptedTextField(
        default=new_hash_secret,
        help_text="Keys the hash that stands for a customer in what this platform receives. "
        "Stored encrypted.",
    )
    outbound_token = EncryptedTextField(
        blank=True,
        help_text="Bearer token this platform gave Larder for calling its API (any length). "
        "Stored encrypted. Unused when a token URL is set.",
    )
    # OAuth2 client credentials at the partner's OIDC issuer (platforms/partner_auth.py).
    oidc_token_url = models.URLField(
        max_length=500,
        blank=True,
        help_text="The partner's OAuth2/OIDC token endpoint; set, Larder asks it for access "
        "tokens (client credentials) instead of sending a static token.",
    )
    oidc_client_id = models.CharField(max_length=200, blank=True)
    oidc_client_secret = EncryptedTextField(blank=True, help_text="Stored encrypted.")
    oidc_scope = models.CharField(
        max_length=300, blank=True, help_text="Space-separated scopes to ask for, if any."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        TRADER = "trader", "Trader"
        PRODUCER = "producer", "Producer"

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="enterprises")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=160)
    slug = models.SlugField(max_length=80, unique=True)
    remote_id = models.URLField(
        blank=True, help_text="The enterprise's DFC @id on its own platform, when remote."
    )
    # Trader options for producer orders (overridable per sales session).
    consolidate_per_producer = models.BooleanField(
        default=True, help_text="Keep one producer order per sales session and producer."
    )
    aggregate_by_weight = models.BooleanField(
        default=False,
        help_text="Sum each product's weight over the session, rounded up to whole packs.",
    )
    # A producer's own wish (some suppliers want one order per session, others one per
    # customer order); empty = each trader's choice. See orders.selectors.consolidation_resolve.
    producer_consolidation = models.BooleanField(
        null=True,
        blank=True,
        help_text="As a producer: one producer order per sales session (yes) or one per "
        "customer order (no). Empty: the trader's choice. A session's override wins.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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


class OutboxMessage(models.Model):
    """A request owed to a partner platform, written in the same transaction as the change.

    A Celery worker sends it after commit, holding a lease (`locked_until`) while it calls the
    partner (platforms/outbox.py). The body is rendered from
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
    # A worker sending it holds it until then (platforms/outbox.py): no other worker sends it,
    # and a worker that died lets it go when this passes.
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


class ApiScope(models.TextChoices):
    """What a partner credential may do: read or write, orders or catalog."""

    ORDERS_READ = "orders:read", "read orders"
    ORDERS_WRITE = "orders:write", "place and change orders"
    CATALOG_READ = "catalog:read", "read the catalogue, sessions and stock"
    CATALOG_WRITE = "catalog:write", "change the catalogue"


class ApiCredential(models.Model):
    """A bearer token a partner platform calls Larder's API with.

    Only a prefix (to find the row) and a SHA-256 hash of the token are stored: the token itself
    is shown once, when issued (platforms.services.credentials.api_credential_issue).
    """

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="credentials")
    name = models.CharField(
        max_length=120, help_text="What the token is for, e.g. 'OFN backorders'."
    )
    token_prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    scopes = ArrayField(models.CharField(max_length=20, choices=ApiScope.choices), default=list)
    enterprises = models.ManyToManyField(
        Enterprise,
        blank=True,
        related_name="+",
        help_text="The local enterprises this token may act for; none selected means all.",
    )
    requires_if_match = models.BooleanField(
        default=False,
        help_text="Refuse (428) a PUT without If-Match. Off by default: OFN's and FDC's clients "
        "never send it; when sent, If-Match is always checked.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["platform", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(token_hash__regex=r"^[0-9a-f]{64}$"), name="credential_hash_is_sha256"
            ),
            models.CheckConstraint(
                condition=Q(scopes__contained_by=list(ApiScope.values)),
                name="credential_scopes_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} · {self.name} ({self.token_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The first response to a POST or PUT sent with an `Idempotency-Key`, written in the same
    transaction as the change, so a replay returns it and never repeats the change."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=6)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "key"], name="one_response_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.method} {self.path} [{self.key}]"


class PartnerOrder(models.Model):
    """What Larder knows of an order a partner placed through the DFC API beyond the order
    itself: which local enterprise sold it (the `Enterprises/{slug}` it lives under) and the
    partner's own @id and number for it."""

    order = models.OneToOneField(
        "orders.Order", on_delete=models.CASCADE, primary_key=True, related_name="partner_order"
    )
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+")
    seller = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    remote_id = models.CharField(
        max_length=500, blank=True, help_text="The order's @id on the partner's platform."
    )
    remote_number = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["platform", "seller"])]

    def __str__(self) -> str:
        return f"{self.order_id} from {self.platform} via {self.seller}"


# --- Back-office roles -------------------------------------------------------------------


class Role(models.TextChoices):
    TRADER_STAFF = "trader_staff", "trader staff"
    CUSTOMER_SERVICE = "customer_service", "customer service"
    PRODUCER_STAFF = "producer_staff", "producer staff"


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
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        "platforms.Enterprise", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "enterprise"]
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="one_role_per_enterprise")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.enterprise}"
