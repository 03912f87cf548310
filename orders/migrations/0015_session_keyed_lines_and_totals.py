"""A session's lines are read by the session, and its dashboard from running totals.

- orders_orderitem.sales_session_id: the order's session, copied at insert (backfilled here),
  kept the order's by a composite foreign key (order_id, sales_session_id) → orders_order (id,
  sales_session_id) ON UPDATE CASCADE, over the new unique (sales_session_id, id) of the orders,
  which replaces the orders' index on sales_session_id alone; a NULL beside an order's session
  (which a foreign key lets through) is refused by the items' totals trigger. Indexed with the
  producer: the refresh and the close read one session's lines, never every session's.
- The items' index on producer alone goes: (producer, order) leads with it.
- Session totals (orders/models/session_totals.py): statement-level triggers on orders_order and
  orders_orderitem insert the change of each total a statement moves; filled here from the
  orders for every session.

Live statuses are orders.statuses.LIVE_ORDER_STATUSES as of this migration, in the SQL function
orders_live_statuses() (tests/orders/test_session_totals.py checks they still agree).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LIVE = "{I,W,M,A,B,L,E,C,R,S,D,F,G}"

# The items' totals and their orders per producer, from `signed`: the changed lines, +1 for a
# row as it is now, -1 for a row as it was. Only lines of live orders in a session count; an
# order counts for a producer while it has one of its lines (the lines of the pairs changed,
# counted now, and before: now less the change).
ITEM_DELTAS = """
WITH live AS (
    SELECT s.*, o.sales_session_id AS session_id
    FROM signed s JOIN orders_order o ON o.id = s.order_id
    WHERE o.sales_session_id IS NOT NULL AND o.status = ANY (orders_live_statuses())
),
products AS (
    INSERT INTO orders_sessionproducttotal (
        sales_session_id, product_id, producer_id, product_name, unit_of_measure, lines,
        quantity, actual_quantity, revenue, backordered, without_inventory, compacted)
    SELECT session_id, product_id, producer_id, product_name, unit_of_measure, sum(sign),
           sum(sign * quantity), sum(sign * actual_quantity), sum(sign * total_product),
           coalesce(sum(sign) FILTER (WHERE inventory_status = 'BO'), 0),
           coalesce(sum(sign) FILTER (WHERE inventory_unknown), 0), false
    FROM live
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(sign) <> 0 OR sum(sign * quantity) <> 0 OR sum(sign * actual_quantity) <> 0
        OR sum(sign * total_product) <> 0
        OR coalesce(sum(sign) FILTER (WHERE inventory_status = 'BO'), 0) <> 0
        OR coalesce(sum(sign) FILTER (WHERE inventory_unknown), 0) <> 0
),
pairs AS (
    SELECT p.session_id, p.producer_id, p.change,
           (SELECT count(*) FROM orders_orderitem i
             WHERE i.order_id = p.order_id AND i.producer_id = p.producer_id) AS now
    FROM (SELECT session_id, order_id, producer_id, sum(sign) AS change
          FROM live GROUP BY 1, 2, 3) p
)
INSERT INTO orders_sessionproducertotal (sales_session_id, producer_id, orders, compacted)
SELECT session_id, producer_id, sum((now > 0)::int - (now - change > 0)::int), false
FROM pairs
GROUP BY 1, 2
HAVING sum((now > 0)::int - (now - change > 0)::int) <> 0
"""

# An item's session is its order's: the composite foreign key checks a set one, this a NULL.
ITEM_SESSION_CHECK = """
PERFORM 1 FROM new_rows n JOIN orders_order o ON o.id = n.order_id
 WHERE n.sales_session_id IS DISTINCT FROM o.sales_session_id;
IF FOUND THEN
    RAISE EXCEPTION 'an order item''s sales_session_id is its order''s'
        USING ERRCODE = 'check_violation', CONSTRAINT = 'orderitem_session_is_orders';
END IF;
"""

# The orders' totals per status, currency and quarter of placing, from `signed`.
ORDER_DELTAS = """
INSERT INTO orders_sessionordertotal (
    sales_session_id, status, currency, placed_at, orders, revenue, compacted)
SELECT sales_session_id, status, currency,
       date_bin('15 minutes', placed_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), sum(sign),
       sum(sign * grand_total), false
FROM signed
WHERE sales_session_id IS NOT NULL AND status <> ALL ('{T,Q}'::text[])
GROUP BY 1, 2, 3, 4
HAVING sum(sign) <> 0 OR sum(sign * grand_total) <> 0
"""

# An order that became live in a session brings its lines' totals (+1), one that stopped being
# live takes them (-1).
ORDER_MOVES = """
WITH moved AS (
    SELECT n.id, n.sales_session_id AS session_id, 1 AS sign
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.sales_session_id IS NOT NULL AND n.status = ANY (orders_live_statuses())
      AND NOT (o.status = ANY (orders_live_statuses())
               AND o.sales_session_id IS NOT DISTINCT FROM n.sales_session_id)
    UNION ALL
    SELECT o.id, o.sales_session_id, -1
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE o.sales_session_id IS NOT NULL AND o.status = ANY (orders_live_statuses())
      AND NOT (n.status = ANY (orders_live_statuses())
               AND o.sales_session_id IS NOT DISTINCT FROM n.sales_session_id)
),
products AS (
    INSERT INTO orders_sessionproducttotal (
        sales_session_id, product_id, producer_id, product_name, unit_of_measure, lines,
        quantity, actual_quantity, revenue, backordered, without_inventory, compacted)
    SELECT m.session_id, i.product_id, i.producer_id, i.product_name, i.unit_of_measure,
           sum(m.sign), sum(m.sign * i.quantity), sum(m.sign * i.actual_quantity),
           sum(m.sign * i.total_product),
           coalesce(sum(m.sign) FILTER (WHERE i.inventory_status = 'BO'), 0),
           coalesce(sum(m.sign) FILTER (WHERE i.inventory_unknown), 0), false
    FROM moved m JOIN orders_orderitem i ON i.order_id = m.id
    GROUP BY 1, 2, 3, 4, 5
)
INSERT INTO orders_sessionproducertotal (sales_session_id, producer_id, orders, compacted)
SELECT session_id, producer_id, sum(sign), false
FROM (SELECT DISTINCT m.session_id, m.id, m.sign, i.producer_id
      FROM moved m JOIN orders_orderitem i ON i.order_id = m.id) d
GROUP BY 1, 2
HAVING sum(sign) <> 0
"""

SIGNED = {
    "INSERT": "SELECT 1 AS sign, * FROM new_rows",
    "DELETE": "SELECT -1 AS sign, * FROM old_rows",
    "UPDATE": "SELECT 1 AS sign, * FROM new_rows UNION ALL SELECT -1 AS sign, * FROM old_rows",
}
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
}


def _with_signed(event: str, sql: str) -> str:
    """`sql` over the statement's signed rows (a WITH of its own, or one more CTE of it)."""
    signed = f"signed AS ({SIGNED[event]})"
    if sql.lstrip().startswith("WITH"):
        return sql.replace("WITH", f"WITH {signed},", 1)
    return f"WITH {signed} {sql}"


def _function(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
        f"BEGIN\n{body};\nRETURN NULL;\nEND\n$fn$"
    )


def _trigger(table: str, name: str, event: str) -> str:
    # Every UPDATE fires it (PostgreSQL takes no column list beside transition tables): one
    # that moves no total (an item's status following its order's, say) inserts nothing.
    return (
        f"CREATE TRIGGER {name}_{event.lower()} AFTER {event} ON {table} "
        f"REFERENCING {TRANSITIONS[event]} FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {name}_{event.lower()}()"
    )


def _triggers() -> list[str]:
    sql = [
        "CREATE FUNCTION orders_live_statuses() RETURNS text[] LANGUAGE sql IMMUTABLE "
        f"PARALLEL SAFE AS $$ SELECT '{LIVE}'::text[] $$"
    ]
    for event in ("INSERT", "UPDATE", "DELETE"):
        check = ITEM_SESSION_CHECK if event != "DELETE" else ""
        sql += [
            _function(
                f"orders_orderitem_totals_{event.lower()}", check + _with_signed(event, ITEM_DELTAS)
            ),
            _trigger("orders_orderitem", "orders_orderitem_totals", event),
        ]
        order_body = _with_signed(event, ORDER_DELTAS)
        if event == "UPDATE":
            order_body += ";\n" + ORDER_MOVES
        sql += [
            _function(f"orders_order_totals_{event.lower()}", order_body),
            _trigger("orders_order", "orders_order_totals", event),
        ]
    return sql


def _triggers_drop() -> list[str]:
    sql = []
    for event in ("insert", "update", "delete"):
        for table in ("orders_orderitem", "orders_order"):
            sql += [
                f"DROP TRIGGER {table}_totals_{event} ON {table}",
                f"DROP FUNCTION {table}_totals_{event}()",
            ]
    return [*sql, "DROP FUNCTION orders_live_statuses()"]


# Every session's totals from its orders, compacted (orders.services.session_totals rebuilds one).
TOTALS_FILL = [
    """
    INSERT INTO orders_sessionproducttotal (
        sales_session_id, product_id, producer_id, product_name, unit_of_measure, lines,
        quantity, actual_quantity, revenue, backordered, without_inventory, compacted)
    SELECT o.sales_session_id, i.product_id, i.producer_id, i.product_name, i.unit_of_measure,
           count(*), sum(i.quantity), sum(i.actual_quantity), sum(i.total_product),
           count(*) FILTER (WHERE i.inventory_status = 'BO'),
           count(*) FILTER (WHERE i.inventory_unknown), true
    FROM orders_orderitem i JOIN orders_order o ON o.id = i.order_id
    WHERE o.sales_session_id IS NOT NULL AND o.status = ANY (orders_live_statuses())
    GROUP BY 1, 2, 3, 4, 5
    """,
    """
    INSERT INTO orders_sessionproducertotal (sales_session_id, producer_id, orders, compacted)
    SELECT o.sales_session_id, i.producer_id, count(DISTINCT o.id), true
    FROM orders_orderitem i JOIN orders_order o ON o.id = i.order_id
    WHERE o.sales_session_id IS NOT NULL AND o.status = ANY (orders_live_statuses())
    GROUP BY 1, 2
    """,
    """
    INSERT INTO orders_sessionordertotal (
        sales_session_id, status, currency, placed_at, orders, revenue, compacted)
    SELECT sales_session_id, status, currency,
           date_bin('15 minutes', placed_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), count(*),
           sum(grand_total), true
    FROM orders_order
    WHERE sales_session_id IS NOT NULL AND status <> ALL ('{T,Q}'::text[])
    GROUP BY 1, 2, 3, 4
    """,
]


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("discounts", "0007_verbose_names"),
        ("inventory", "0004_verbose_names"),
        ("orders", "0014_verbose_names"),
        ("platforms", "0013_verbose_names"),
        ("sessions_app", "0004_verbose_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SessionOrderTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "compacted",
                    models.BooleanField(
                        default=False,
                        help_text="Written by a compaction (one row per key), not by a trigger.",
                        verbose_name="compacted",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("P", "P · pending (cart)"),
                            ("I", "I · submitted, not paid"),
                            ("W", "W · waiting approval"),
                            ("N", "N · approval denied"),
                            ("M", "M · payment initiated"),
                            ("A", "A · payment authorization needs review"),
                            ("B", "B · backordered"),
                            ("L", "L · low inventory"),
                            ("E", "E · customer-service edit"),
                            ("C", "C · complete (payment authorized)"),
                            ("R", "R · released to fulfilment"),
                            ("S", "S · shipped"),
                            ("D", "D · deposited (payment captured)"),
                            ("X", "X · cancelled"),
                            ("T", "T · temporary backup of an order under edit"),
                            ("F", "F · ready for remote fulfilment"),
                            ("G", "G · waiting for remote fulfilment"),
                            ("Y", "Y · private requisition list"),
                            ("Z", "Z · shareable requisition list"),
                            ("Q", "Q · quick-order profile"),
                        ],
                        max_length=1,
                        verbose_name="status",
                    ),
                ),
                ("currency", models.CharField(max_length=3, verbose_name="currency")),
                (
                    "placed_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="Start of the quarter of an hour the orders were placed in.",
                        null=True,
                        verbose_name="placed in the quarter from",
                    ),
                ),
                ("orders", models.IntegerField(verbose_name="orders")),
                (
                    "revenue",
                    models.DecimalField(decimal_places=2, max_digits=20, verbose_name="revenue"),
                ),
            ],
            options={
                "verbose_name": "session order total",
                "verbose_name_plural": "session order totals",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="SessionProducerTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "compacted",
                    models.BooleanField(
                        default=False,
                        help_text="Written by a compaction (one row per key), not by a trigger.",
                        verbose_name="compacted",
                    ),
                ),
                ("orders", models.IntegerField(verbose_name="orders")),
            ],
            options={
                "verbose_name": "session producer total",
                "verbose_name_plural": "session producer totals",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="SessionProductTotal",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "compacted",
                    models.BooleanField(
                        default=False,
                        help_text="Written by a compaction (one row per key), not by a trigger.",
                        verbose_name="compacted",
                    ),
                ),
                ("product_name", models.CharField(max_length=200, verbose_name="product name")),
                ("unit_of_measure", models.CharField(max_length=8, verbose_name="unit of measure")),
                ("lines", models.IntegerField(verbose_name="lines")),
                (
                    "quantity",
                    models.DecimalField(decimal_places=3, max_digits=20, verbose_name="quantity"),
                ),
                (
                    "actual_quantity",
                    models.DecimalField(
                        decimal_places=6, max_digits=32, verbose_name="actual quantity"
                    ),
                ),
                (
                    "revenue",
                    models.DecimalField(decimal_places=2, max_digits=20, verbose_name="revenue"),
                ),
                (
                    "backordered",
                    models.IntegerField(
                        help_text="Lines in inventory status backordered.",
                        verbose_name="backordered lines",
                    ),
                ),
                (
                    "without_inventory",
                    models.IntegerField(
                        help_text="Lines accepted without stock counted.",
                        verbose_name="lines without inventory",
                    ),
                ),
            ],
            options={
                "verbose_name": "session product total",
                "verbose_name_plural": "session product totals",
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="orderitem",
            name="sales_session",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                help_text="The order's session (the database keeps it so).",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="sessions_app.salesession",
                verbose_name="sales session",
            ),
        ),
        migrations.RunSQL(
            "UPDATE orders_orderitem i SET sales_session_id = o.sales_session_id "
            "FROM orders_order o WHERE o.id = i.order_id AND o.sales_session_id IS NOT NULL",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="order",
            name="sales_session",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="orders",
                to="sessions_app.salesession",
                verbose_name="sales session",
            ),
        ),
        migrations.AlterField(
            model_name="orderitem",
            name="producer",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="platforms.enterprise",
                verbose_name="producer",
            ),
        ),
        migrations.AddIndex(
            model_name="orderitem",
            index=models.Index(
                fields=["sales_session", "producer"], name="orderitem_session_producer"
            ),
        ),
        migrations.AddConstraint(
            model_name="order",
            constraint=models.UniqueConstraint(
                fields=("sales_session", "id"), name="order_session_key"
            ),
        ),
        migrations.AddField(
            model_name="sessionordertotal",
            name="sales_session",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="sessions_app.salesession",
                verbose_name="sales session",
            ),
        ),
        migrations.AddField(
            model_name="sessionproducertotal",
            name="producer",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="platforms.enterprise",
                verbose_name="producer",
            ),
        ),
        migrations.AddField(
            model_name="sessionproducertotal",
            name="sales_session",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="sessions_app.salesession",
                verbose_name="sales session",
            ),
        ),
        migrations.AddField(
            model_name="sessionproducttotal",
            name="producer",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="platforms.enterprise",
                verbose_name="producer",
            ),
        ),
        migrations.AddField(
            model_name="sessionproducttotal",
            name="product",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="inventory.product",
                verbose_name="product",
            ),
        ),
        migrations.AddField(
            model_name="sessionproducttotal",
            name="sales_session",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="sessions_app.salesession",
                verbose_name="sales session",
            ),
        ),
        migrations.AddIndex(
            model_name="sessionordertotal",
            index=models.Index(
                condition=models.Q(("compacted", False)),
                fields=["sales_session"],
                name="sessionordertotal_pending",
            ),
        ),
        migrations.AddIndex(
            model_name="sessionproducertotal",
            index=models.Index(
                condition=models.Q(("compacted", False)),
                fields=["sales_session"],
                name="sessionproducertotal_pending",
            ),
        ),
        migrations.AddIndex(
            model_name="sessionproducttotal",
            index=models.Index(
                condition=models.Q(("compacted", False)),
                fields=["sales_session"],
                name="sessionproducttotal_pending",
            ),
        ),
        migrations.RunSQL(
            "ALTER TABLE orders_orderitem ADD CONSTRAINT orderitem_session_is_orders "
            "FOREIGN KEY (order_id, sales_session_id) "
            "REFERENCES orders_order (id, sales_session_id) ON UPDATE CASCADE",
            reverse_sql="ALTER TABLE orders_orderitem DROP CONSTRAINT orderitem_session_is_orders",
        ),
        migrations.RunSQL(sql=_triggers(), reverse_sql=_triggers_drop()),
        migrations.RunSQL(sql=TOTALS_FILL, reverse_sql=migrations.RunSQL.noop),
    ]
