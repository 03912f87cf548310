"""Sales sessions (DFC SaleSession, OFN order cycle) and the offers they list."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SaleSession(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    trader = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="sale_sessions",
        verbose_name=_("trader"),
    )
    name = models.CharField(max_length=160, verbose_name=_("name"))
    begins_at = models.DateTimeField(verbose_name=_("begins at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.DRAFT, verbose_name=_("state")
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    # Per-session overrides of the trader's producer-order options; empty = the trader's choice.
    consolidate_per_producer = models.BooleanField(
        null=True, blank=True, verbose_name=_("consolidate per producer")
    )
    aggregate_by_weight = models.BooleanField(
        null=True, blank=True, verbose_name=_("aggregate by weight")
    )
    remote_id = models.URLField(max_length=500, blank=True, verbose_name=_("remote ID"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("sale session")
        verbose_name_plural = _("sale sessions")
        ordering = ["-begins_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("begins_at")), name="session_ends_after_begin"
            ),
        ]
        indexes = [models.Index(fields=["state", "ends_at"])]

    def __str__(self) -> str:
        return self.name

    def accepts_orders(self, now=None) -> bool:
        return session_accepts_orders(
            state=self.state, begins_at=self.begins_at, ends_at=self.ends_at, now=now
        )


def session_accepts_orders(*, state: str, begins_at, ends_at, now=None) -> bool:
    """Open, begun and not yet ended: a session past its end takes no order, even before the
    task that closes it has run."""
    now = now or timezone.now()
    return state == SaleSession.State.OPEN and begins_at <= now < ends_at


class Offer(models.Model):
    """A product offered in a session at a price (value, currency, VAT rate)."""

    session = models.ForeignKey(
        SaleSession, on_delete=models.CASCADE, related_name="offers", verbose_name=_("session")
    )
    product = models.ForeignKey(
        "inventory.Product",
        on_delete=models.PROTECT,
        related_name="offers",
        verbose_name=_("product"),
    )
    price = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("price"))
    currency = models.CharField(max_length=3, default="EUR", verbose_name=_("currency"))
    vat_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("Percent, e.g. 5.50"),
        verbose_name=_("VAT rate"),
    )
    stock_limitation = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Most this session may sell; empty means no limit of its own."),
        verbose_name=_("stock limitation"),
    )
    allows_backorder = models.BooleanField(default=False, verbose_name=_("allows backorder"))
    is_public = models.BooleanField(
        default=True,
        help_text=_(
            "Offered to every customer. When off, only to the customer categories given "
            "an available category offer."
        ),
        verbose_name=_("is public"),
    )
    quantity_reserved = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        default=0,
        help_text=_("Held by this session's orders against the stock limitation."),
        verbose_name=_("quantity reserved"),
    )
    remote_id = models.URLField(max_length=500, blank=True, verbose_name=_("remote ID"))

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["session", "product__name"]
        constraints = [
            models.UniqueConstraint(fields=["session", "product"], name="one_offer_per_product"),
            models.CheckConstraint(condition=Q(price__gte=0), name="offer_price_gte_0"),
            models.CheckConstraint(
                condition=Q(quantity_reserved__gte=0), name="offer_quantity_reserved_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(vat_rate__gte=0) & Q(vat_rate__lte=100), name="offer_vat_rate_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} @ {self.price} {self.currency}"

    @property
    def remaining(self):
        """What the session may still sell, or None without a limitation of its own."""
        if self.stock_limitation is None:
            return None
        return max(self.stock_limitation - self.quantity_reserved, 0)


class CustomerCategory(models.Model):
    """A trader's contract with a group of its customers (members, wholesale buyers, staff…):
    the offers made to it carry their own price and availability (DFC CustomerCategory, an
    Offer's offeredTo)."""

    trader = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.PROTECT,
        related_name="customer_categories",
        verbose_name=_("trader"),
    )
    code = models.SlugField(max_length=40, verbose_name=_("code"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    description = models.CharField(max_length=300, blank=True, verbose_name=_("description"))

    class Meta:
        verbose_name = _("customer category")
        ordering = ["trader", "name"]
        verbose_name_plural = _("customer categories")
        constraints = [
            models.UniqueConstraint(fields=["trader", "code"], name="one_category_code_per_trader")
        ]

    def __str__(self) -> str:
        return self.name


class CategoryOffer(models.Model):
    """An offer as made to one customer category: its own price (empty: the offer's) and
    whether the category may buy it at all."""

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="category_offers", verbose_name=_("offer")
    )
    category = models.ForeignKey(
        CustomerCategory,
        on_delete=models.CASCADE,
        related_name="category_offers",
        verbose_name=_("category"),
    )
    price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, verbose_name=_("price")
    )
    is_available = models.BooleanField(default=True, verbose_name=_("is available"))

    class Meta:
        verbose_name = _("category offer")
        verbose_name_plural = _("category offers")
        ordering = ["offer", "category"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "category"], name="one_offer_per_category"),
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gte=0),
                name="category_offer_price_gte_0",
                violation_error_message=_("A price cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer} for {self.category}"
