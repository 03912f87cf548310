"""The partner API: credentials partners call Larder with, stored idempotent responses, and
what Larder knows of the orders partners placed."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q

from platforms.models.tenancy import Enterprise, Platform


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
