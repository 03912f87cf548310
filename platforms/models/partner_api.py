"""The partner API: credentials partners call Larder with, stored idempotent responses, and
what Larder knows of the orders partners placed."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from platforms.models.tenancy import Enterprise, Platform


class ApiScope(models.TextChoices):
    """What a partner credential may do: read or write, orders or catalog."""

    ORDERS_READ = "orders:read", _("read orders")
    ORDERS_WRITE = "orders:write", _("place and change orders")
    CATALOG_READ = "catalog:read", _("read the catalogue, sessions and stock")
    CATALOG_WRITE = "catalog:write", _("change the catalogue")


class ApiCredential(models.Model):
    """A bearer token a partner platform calls Larder's API with.

    Only a prefix (to find the row) and a SHA-256 hash of the token are stored: the token itself
    is shown once, when issued (platforms.services.credentials.api_credential_issue).
    """

    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="credentials", verbose_name=_("platform")
    )
    name = models.CharField(
        max_length=120,
        help_text=_("What the token is for, e.g. 'OFN backorders'."),
        verbose_name=_("name"),
    )
    token_prefix = models.CharField(
        max_length=16, unique=True, editable=False, verbose_name=_("token prefix")
    )
    token_hash = models.CharField(max_length=64, editable=False, verbose_name=_("token hash"))
    scopes = ArrayField(
        models.CharField(max_length=20, choices=ApiScope.choices),
        default=list,
        verbose_name=_("scopes"),
    )
    enterprises = models.ManyToManyField(
        Enterprise,
        blank=True,
        related_name="+",
        help_text=_("The local enterprises this token may act for; none selected means all."),
        verbose_name=_("enterprises"),
    )
    requires_if_match = models.BooleanField(
        default=False,
        help_text=_(
            "Refuse (428) a PUT without If-Match. Off by default: OFN's and FDC's clients "
            "never send it; when sent, If-Match is always checked."
        ),
        verbose_name=_("requires If-Match"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    class Meta:
        verbose_name = _("API credential")
        verbose_name_plural = _("API credentials")
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

    platform = models.ForeignKey(
        Platform, on_delete=models.CASCADE, related_name="+", verbose_name=_("platform")
    )
    key = models.CharField(max_length=255, verbose_name=_("key"))
    method = models.CharField(max_length=6, verbose_name=_("method"))
    path = models.CharField(max_length=500, verbose_name=_("path"))
    body_hash = models.CharField(max_length=64, verbose_name=_("body hash"))
    status_code = models.PositiveSmallIntegerField(verbose_name=_("status code"))
    # The body as JSON, zlib-compressed (platforms.partner_api.idempotency): never queried, only
    # replayed. A 1,000-line order's reply is 1.2 MB of JSON and 30 KB so; written as jsonb it
    # was ~10 % of that POST's time (PostgreSQL parsing and compressing it, docs/performance.md
    # "Partner writes").
    response_content = models.BinaryField(null=True, blank=True, verbose_name=_("response body"))
    response_headers = models.JSONField(
        default=dict, blank=True, verbose_name=_("response headers")
    )
    created_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("created at")
    )

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
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
        "orders.Order",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="partner_order",
        verbose_name=_("order"),
    )
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="+", verbose_name=_("platform")
    )
    seller = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("seller")
    )
    remote_id = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("The order's @id on the partner's platform."),
        verbose_name=_("remote ID"),
    )
    remote_number = models.CharField(max_length=120, blank=True, verbose_name=_("remote number"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("partner order")
        verbose_name_plural = _("partner orders")
        indexes = [models.Index(fields=["platform", "seller"])]

    def __str__(self) -> str:
        return f"{self.order_id} from {self.platform} via {self.seller}"
