"""A session's running totals (orders/models/session_totals.py): compacting the rows the
database's triggers insert, and rebuilding them from the orders.

The triggers keep the totals exact at every commit; these only change how many rows hold them.
Each statement below deletes and inserts in one snapshot (a data-modifying WITH), so a
transaction committing meanwhile is counted exactly once: either its rows are among those
deleted and summed, or they stay beside the result.
"""

from django.db import connection, transaction

from orders.models import SessionOrderTotal, SessionProducerTotal, SessionProductTotal

# Per table: its key columns and its summed columns.
_TABLES = {
    SessionProductTotal._meta.db_table: (
        "sales_session_id, product_id, producer_id, product_name, unit_of_measure",
        ("lines", "quantity", "actual_quantity", "revenue", "backordered", "without_inventory"),
    ),
    SessionProducerTotal._meta.db_table: ("sales_session_id, producer_id", ("orders",)),
    SessionOrderTotal._meta.db_table: (
        "sales_session_id, status, currency, placed_at",
        ("orders", "revenue"),
    ),
}

# Each table's rows from the session's orders (the triggers' arithmetic, from scratch).
_FROM_ORDERS = {
    SessionProductTotal._meta.db_table: """
        SELECT i.sales_session_id, i.product_id, i.producer_id, i.product_name,
               i.unit_of_measure, count(*), sum(i.quantity), sum(i.actual_quantity),
               sum(i.total_product), count(*) FILTER (WHERE i.inventory_status = 'BO'),
               count(*) FILTER (WHERE i.inventory_unknown), true
        FROM orders_orderitem i JOIN orders_order o ON o.id = i.order_id
        WHERE i.sales_session_id = %(session)s AND o.sales_session_id = %(session)s
          AND o.status = ANY (orders_live_statuses())
        GROUP BY 1, 2, 3, 4, 5""",
    SessionProducerTotal._meta.db_table: """
        SELECT i.sales_session_id, i.producer_id, count(DISTINCT i.order_id), true
        FROM orders_orderitem i JOIN orders_order o ON o.id = i.order_id
        WHERE i.sales_session_id = %(session)s AND o.sales_session_id = %(session)s
          AND o.status = ANY (orders_live_statuses())
        GROUP BY 1, 2""",
    SessionOrderTotal._meta.db_table: """
        SELECT sales_session_id, status, currency,
               date_bin('15 minutes', placed_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'),
               count(*), sum(grand_total), true
        FROM orders_order
        WHERE sales_session_id = %(session)s AND status <> ALL ('{T,Q}'::text[])
        GROUP BY 1, 2, 3, 4""",
}


def _columns(table: str) -> str:
    key, sums = _TABLES[table]
    return f"{key}, {', '.join(sums)}, compacted"


@transaction.atomic
def session_totals_compact(*, session_id: int) -> int:
    """One row per key for the session (keys whose totals are all zero go): three statements.
    Returns the rows left."""
    left = 0
    with connection.cursor() as cursor:
        for table, (key, sums) in _TABLES.items():
            summed = ", ".join(f"sum({name})" for name in sums)
            nonzero = " OR ".join(f"sum({name}) <> 0" for name in sums)
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} WHERE sales_session_id = %s RETURNING *) "
                f"INSERT INTO {table} ({_columns(table)}) "
                f"SELECT {key}, {summed}, true FROM gone GROUP BY {key} HAVING {nonzero}",
                [session_id],
            )
            left += cursor.rowcount
    return left


@transaction.atomic
def session_totals_rebuild(*, session_id: int) -> None:
    """The session's totals computed again from its orders and lines, compacted: for a session
    whose rows were written with the triggers off (a bulk load under
    session_replication_role = replica), or to check the triggers' arithmetic."""
    with connection.cursor() as cursor:
        for table, select in _FROM_ORDERS.items():
            cursor.execute(
                f"WITH gone AS (DELETE FROM {table} WHERE sales_session_id = %(session)s) "
                f"INSERT INTO {table} ({_columns(table)}) {select}",
                {"session": session_id},
            )


def session_totals_compact_due() -> list[int]:
    """Compact every session with rows the triggers inserted since its last compaction, each
    in its own transaction (beat, every minute). Returns their ids."""
    pending = sorted(
        {
            session_id
            for model in (SessionProductTotal, SessionProducerTotal, SessionOrderTotal)
            for session_id in model.objects.filter(compacted=False)
            .values_list("sales_session_id", flat=True)
            .distinct()
        }
    )
    for session_id in pending:
        session_totals_compact(session_id=session_id)
    return pending
