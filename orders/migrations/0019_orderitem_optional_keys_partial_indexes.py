"""A line's optional keys (shipping address and mode, fulfilment centre, customer category,
backup of) are indexed where set only: a partner's line, which has none of them, writes 5 index
entries fewer at its insert and at each update that cannot stay on its page (HOT)."""

import django.db.models.deletion
from django.db import migrations, models

FULL_INDEXES = {
    "orders_orderitem_backup_of_id_8dd8b767": "backup_of_id",
    "orders_orderitem_customer_category_id_9015f043": "customer_category_id",
    "orders_orderitem_fulfilment_centre_id_a423c588": "fulfilment_centre_id",
    "orders_orderitem_shipping_address_id_8c13bc93": "shipping_address_id",
    "orders_orderitem_shipping_mode_id_c2062382": "shipping_mode_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("discounts", "0007_verbose_names"),
        ("inventory", "0004_verbose_names"),
        ("orders", "0018_orderitem_producer_product_statistics"),
        ("platforms", "0013_verbose_names"),
        ("sessions_app", "0004_verbose_names"),
    ]

    operations = [
        # The foreign keys lose their full index only: the constraints stay as they are (Django
        # would drop and re-add them, validating every line again).
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="orderitem",
                    name="backup_of",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text=(
                            "On a T order's item: the item it copies (a roll-back restores it "
                            "in place)."
                        ),
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="orders.orderitem",
                        verbose_name="backup of",
                    ),
                ),
                migrations.AlterField(
                    model_name="orderitem",
                    name="customer_category",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text=(
                            "The contract whose offer priced the item (empty: the public offer)."
                        ),
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="sessions_app.customercategory",
                        verbose_name="customer category",
                    ),
                ),
                migrations.AlterField(
                    model_name="orderitem",
                    name="fulfilment_centre",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="The pickup point or delivery zone the item is handed over at.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="discounts.fulfilmentcentre",
                        verbose_name="fulfilment centre",
                    ),
                ),
                migrations.AlterField(
                    model_name="orderitem",
                    name="shipping_address",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orders.address",
                        verbose_name="shipping address",
                    ),
                ),
                migrations.AlterField(
                    model_name="orderitem",
                    name="shipping_mode",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="discounts.shippingmode",
                        verbose_name="shipping mode",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "orders_orderitem" ("{column}")',
                )
                for name, column in FULL_INDEXES.items()
            ],
        ),
        migrations.AddIndex(
            model_name="orderitem",
            index=models.Index(
                condition=models.Q(("shipping_address__isnull", False)),
                fields=["shipping_address"],
                name="orderitem_shipping_address",
            ),
        ),
        migrations.AddIndex(
            model_name="orderitem",
            index=models.Index(
                condition=models.Q(("shipping_mode__isnull", False)),
                fields=["shipping_mode"],
                name="orderitem_shipping_mode",
            ),
        ),
        migrations.AddIndex(
            model_name="orderitem",
            index=models.Index(
                condition=models.Q(("fulfilment_centre__isnull", False)),
                fields=["fulfilment_centre"],
                name="orderitem_fulfilment_centre",
            ),
        ),
        migrations.AddIndex(
            model_name="orderitem",
            index=models.Index(
                condition=models.Q(("customer_category__isnull", False)),
                fields=["customer_category"],
                name="orderitem_customer_category",
            ),
        ),
        migrations.AddIndex(
            model_name="orderitem",
            index=models.Index(
                condition=models.Q(("backup_of__isnull", False)),
                fields=["backup_of"],
                name="orderitem_backup_of",
            ),
        ),
    ]
