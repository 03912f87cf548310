"""A session's running totals, kept by the database: what the session dashboard shows, read in
a few hundred rows whatever the number of orders and lines.

Triggers on orders_order and orders_orderitem (migration 0015) insert, for each statement that
changes a session's orders or the lines of its live orders, the change of every total it
moves: rows are deltas, and a total is the SUM of its key's rows. Writers only ever insert, so
concurrent checkouts never wait on a totals row; orders.services.session_totals compacts a
session's rows into one per key (beat, every minute) and rebuilds them from the orders when
asked. `compacted` is false on the triggers' rows, true on the compaction's.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orders.statuses import OrderStatus


class _SessionTotal(models.Model):
    sales_session = models.ForeignKey(
        "sessions_app.SaleSession",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("sales session"),
    )
    compacted = models.BooleanField(
        default=False,
        verbose_name=_("compacted"),
        help_text=_("Written by a compaction (one row per key), not by a trigger."),
    )

    class Meta:
        abstract = True
        # The sessions with rows to compact (orders.services.session_totals).
        indexes = [
            models.Index(
                fields=["sales_session"],
                condition=Q(compacted=False),
                name="%(class)s_pending",
            ),
        ]


class _ProducerTotal(_SessionTotal):
    producer = models.ForeignKey(
        "platforms.Enterprise",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("producer"),
    )

    class Meta(_SessionTotal.Meta):
        abstract = True


class SessionProductTotal(_ProducerTotal):
    """Lines of the session's live orders (orders.statuses.LIVE_ORDER_STATUSES) per product,
    as the lines name it (name and unit snapshotted at the order)."""

    product = models.ForeignKey(
        "inventory.Product",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("product"),
    )
    product_name = models.CharField(max_length=200, verbose_name=_("product name"))
    unit_of_measure = models.CharField(max_length=8, verbose_name=_("unit of measure"))
    lines = models.IntegerField(verbose_name=_("lines"))
    quantity = models.DecimalField(max_digits=20, decimal_places=3, verbose_name=_("quantity"))
    actual_quantity = models.DecimalField(
        max_digits=32, decimal_places=6, verbose_name=_("actual quantity")
    )
    revenue = models.DecimalField(max_digits=20, decimal_places=2, verbose_name=_("revenue"))
    backordered = models.IntegerField(
        verbose_name=_("backordered lines"), help_text=_("Lines in inventory status backordered.")
    )
    without_inventory = models.IntegerField(
        verbose_name=_("lines without inventory"),
        help_text=_("Lines accepted without stock counted."),
    )

    class Meta(_ProducerTotal.Meta):
        verbose_name = _("session product total")
        verbose_name_plural = _("session product totals")

    def __str__(self) -> str:
        return f"session {self.sales_session_id}: {self.lines} lines of {self.product_name}"


class SessionProducerTotal(_ProducerTotal):
    """Live orders of the session with at least one line of the producer."""

    orders = models.IntegerField(verbose_name=_("orders"))

    class Meta(_ProducerTotal.Meta):
        verbose_name = _("session producer total")
        verbose_name_plural = _("session producer totals")

    def __str__(self) -> str:
        return f"session {self.sales_session_id}: {self.orders} orders of {self.producer_id}"


class SessionOrderTotal(_SessionTotal):
    """The session's orders (carts too, but not backups or quick-order profiles) per status,
    currency and quarter of an hour of placing (UTC; every time zone's offset is whole
    quarters; none for a cart)."""

    status = models.CharField(max_length=1, choices=OrderStatus.choices, verbose_name=_("status"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    placed_at = models.DateTimeField(
        null=True,
        blank=True,
        verbose_name=_("placed in the quarter from"),
        help_text=_("Start of the quarter of an hour the orders were placed in."),
    )
    orders = models.IntegerField(verbose_name=_("orders"))
    revenue = models.DecimalField(max_digits=20, decimal_places=2, verbose_name=_("revenue"))

    class Meta(_SessionTotal.Meta):
        verbose_name = _("session order total")
        verbose_name_plural = _("session order totals")

    def __str__(self) -> str:
        return f"session {self.sales_session_id}: {self.orders} orders in {self.status}"
