"""Platforms (web shop systems) and the enterprises (traders, producers) that trade on them."""

from django.db import models
from django.db.models import Q


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
