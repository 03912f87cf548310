"""config/sql.py against real PostgreSQL: each builder's statement writes what it says, in the
statements it says, with columns and types taken from the models."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.db import close_old_connections, connection, transaction
from django.db.models import F, JSONField
from django.utils import timezone

from config import sql
from inventory.models import Reservation, Stock
from orders.models import Order, OrderEvent, OrderItem, SubOrder
from sessions_app.models import SaleSession
from tests.factories import OrderFactory, OrderItemFactory, SaleSessionFactory
from tests.inventory.factories import StockFactory

pytestmark = pytest.mark.django_db


def test_update_rows_gives_each_row_its_values_in_one_statement(django_assert_num_queries):
    order = OrderFactory()
    items = [OrderItemFactory(order=order) for _ in range(3)]
    rows = [
        {"id": item.pk, "total_tax": Decimal(n), "inventory_status": "B", "sub_order_id": None}
        for n, item in enumerate(items, start=1)
    ]
    now = timezone.now()

    with django_assert_num_queries(1):
        returned = sql.run(
            sql.update_rows(
                OrderItem,
                rows,
                ["total_tax", "inventory_status", "sub_order_id"],
                also={"updated_at": now},
                returning=["id"],
            )
        )

    assert sorted(pk for (pk,) in returned) == sorted(item.pk for item in items)
    for n, item in enumerate(items, start=1):
        item.refresh_from_db()
        assert (item.total_tax, item.inventory_status, item.updated_at) == (Decimal(n), "B", now)


def test_update_rows_adapts_values_by_their_fields():
    """A JSON field's dict is stored as JSON; a sub-order keyed by its primary key."""
    order = OrderFactory()
    sub_order = SubOrder.objects.create(order=order)

    sql.run(
        sql.update_rows(
            SubOrder,
            [{"id": sub_order.pk, "quantity_by_unit": {"kg": "2.5"}, "item_count": 4}],
            ["quantity_by_unit", "item_count"],
        )
    )

    sub_order.refresh_from_db()
    assert (sub_order.quantity_by_unit, sub_order.item_count) == ({"kg": "2.5"}, 4)


def test_add_to_rows_is_relative_and_skips_zero_deltas():
    stocks = [StockFactory(on_hand=Decimal("10"), reserved=Decimal("1")) for _ in range(3)]
    deltas = {stocks[0].pk: Decimal("2"), stocks[1].pk: Decimal("-1"), stocks[2].pk: 0}

    sql.run(sql.add_to_rows(Stock, deltas, ["reserved", "on_hand"]))

    assert [
        (stock.reserved, stock.on_hand)
        for stock in Stock.objects.filter(pk__in=[s.pk for s in stocks]).order_by("pk")
    ] == [
        (Decimal("3"), Decimal("12")),
        (Decimal("0"), Decimal("9")),
        (Decimal("1"), Decimal("10")),
    ]
    assert sql.add_to_rows(Stock, {stocks[0].pk: 0}, ["reserved"]) is None


def test_insert_rows_returns_the_new_primary_keys_in_order(django_assert_num_queries):
    order = OrderFactory()
    items = [OrderItemFactory(order=order) for _ in range(2)]
    stocks = [StockFactory(product=item.product) for item in items]
    expires = timezone.now() + timedelta(minutes=5)
    rows = [
        {
            "order_item_id": item.pk,
            "order_id": order.pk,
            "stock_id": stocks[n].pk,
            "offer_id": None,
            "quantity": Decimal("1.5") + n,
            "expires_at": expires,
            "created_at": timezone.now(),
        }
        for n, item in enumerate(items)
    ]

    with django_assert_num_queries(1):
        pks = sql.run(sql.insert_rows(Reservation, rows, list(rows[0]), returning_pk=True))

    reservations = Reservation.objects.in_bulk([pk for (pk,) in pks])
    assert [reservations[pk].order_item_id for (pk,) in pks] == [item.pk for item in items]
    assert [reservations[pk].quantity for (pk,) in pks] == [Decimal("1.5"), Decimal("2.5")]
    assert [reservations[pk].stock_id for (pk,) in pks] == [stock.pk for stock in stocks]


def test_insert_new_writes_what_a_model_save_would(django_assert_num_queries):
    """Only the columns that differ from the defaults are given; the others take the fields'
    defaults, the auto_now columns the given time, exactly as an instance saved would."""
    order = OrderFactory()
    saved = OrderItemFactory(order=order, quantity=Decimal("2"), unit_price=Decimal("3.10"))
    given = {
        name: getattr(saved, name)
        for name in (
            "order_id", "sales_session_id", "product_id", "product_name", "producer_id",
            "producer_platform_id", "quantity", "unit_price", "total_product",
        )
    }  # fmt: skip
    now = timezone.now()

    with django_assert_num_queries(1):
        ((pk,),) = sql.run(sql.insert_new(OrderItem, [given], now=now, returning_pk=True))

    def columns(item):
        return {
            f.attname: getattr(item, f.attname)
            for f in OrderItem._meta.concrete_fields
            if f.attname not in ("id", "created_at", "updated_at")
        }

    new = OrderItem.objects.get(pk=pk)
    assert columns(new) == columns(OrderItem.objects.get(pk=saved.pk))
    assert (new.created_at, new.updated_at) == (now, now)


def test_a_value_every_row_shares_is_sent_once():
    """Inserted and updated rows sharing a value (their order, a status) carry it once in the
    statement, not in an array of one per row; the rows written are the same."""
    order = OrderFactory()
    items = [OrderItemFactory(order=order) for _ in range(3)]
    now = timezone.now()
    rows = [
        {"id": item.pk, "inventory_status": "B", "total_tax": Decimal(n), "updated_at": now}
        for n, item in enumerate(items)
    ]

    statement = sql.update_rows(OrderItem, rows, ["inventory_status", "total_tax", "updated_at"])
    sql.run(statement)

    assert statement.sql.count("[]") == 2  # the primary keys and total_tax
    for n, item in enumerate(items):
        item.refresh_from_db()
        assert (item.inventory_status, item.total_tax, item.updated_at) == ("B", n, now)

    events = [
        {"order_id": order.pk, "kind": "note", "message": f"Note {n}", "data": {"n": 1}}
        for n in range(3)
    ]
    statement = sql.insert_new(OrderEvent, events, now=now, returning_pk=True)
    pks = [pk for (pk,) in sql.run(statement)]

    json_columns = sum(isinstance(f, JSONField) for f in OrderEvent._meta.concrete_fields)
    assert statement.sql.count("[]") == 1 + json_columns  # the messages; JSON is never shared
    written = OrderEvent.objects.in_bulk(pks)
    assert [written[pk].message for pk in pks] == ["Note 0", "Note 1", "Note 2"]
    assert {(e.order_id, e.kind, e.created_at, e.data["n"]) for e in written.values()} == {
        (order.pk, "note", now, 1)
    }


def test_insert_new_with_inserts_a_row_and_rows_referring_to_it_in_one_statement(
    django_assert_num_queries,
):
    """One new order (its number left to its sequence, db_default) and two events referring
    to it: one statement, returning the columns asked for (the primary key, the number the
    database gave, the generated grand total); the instance marked saved as save() leaves it."""
    template = OrderFactory()
    order = Order(
        trader_id=template.trader_id,
        currency="EUR",
        sales_session_id=template.sales_session_id,
        customer_note="leave at the door",
    )
    now = timezone.now()
    order.created_at = order.updated_at = now
    row = sql.new_instance_row(order)
    assert not {"id", "number", "grand_total"} & set(row)
    events = [{"kind": "note", "message": f"Note {n}"} for n in range(2)]
    returned = ("pk", "number", "grand_total")

    with django_assert_num_queries(1):
        (values,) = sql.run(
            sql.insert_new_with(
                Order,
                row,
                now=now,
                returning=returned,
                referring=[sql.Referring(OrderEvent, events, "order_id")],
            )
        )
    sql.new_instance_saved(order, dict(zip(returned, values, strict=True)))

    assert (order.number > template.number, order.grand_total) == (True, 0)
    assert not order._state.adding
    written = Order.objects.get(pk=order.pk)
    assert (written.number, written.customer_note, written.created_at) == (
        order.number,
        "leave at the door",
        now,
    )
    assert (written.approval_reasons, written.payment_status) == ([], "unpaid")
    assert sorted(OrderEvent.objects.filter(order=order).values_list("message", "created_at")) == [
        ("Note 0", now),
        ("Note 1", now),
    ]


def test_insert_new_gives_a_database_default_for_all_rows_or_none():
    template = OrderFactory()
    rows = [
        {"trader_id": template.trader_id, "currency": "EUR", "number": 10**9 + n} for n in range(2)
    ]
    now = timezone.now()
    pks = [pk for (pk,) in sql.run(sql.insert_new(Order, rows, now=now, returning_pk=True))]
    assert sorted(Order.objects.filter(pk__in=pks).values_list("number", flat=True)) == [
        10**9,
        10**9 + 1,
    ]
    with pytest.raises(ValueError, match="number"):
        sql.insert_new(Order, [rows[0], {"trader_id": template.trader_id}], now=now)


def test_insert_new_refuses_a_row_without_a_required_value():
    with pytest.raises(KeyError):
        sql.insert_new(OrderItem, [{"product_name": "Eggs"}], now=timezone.now())


def test_values_sent_as_they_are_only_where_the_field_would_send_them_unchanged():
    """Plain ints, strings, finite decimals and aware datetimes of Django's own fields go as
    they are, in the array's text form; anything else goes through the field (a JSON field's
    dict, a naive time, a decimal NaN, which the field refuses), as a list."""
    price, sku = OrderItem._meta.get_field("unit_price"), OrderItem._meta.get_field("product_sku")
    assert sql._column_values(price, [Decimal("1.50"), None, Decimal("2")]) == "{1.50,NULL,2}"
    assert sql._column_values(sku, ["a", "b"]) == '{"a","b"}'
    with pytest.raises(Exception, match="NaN|nan|decimal"):
        sql._column_values(price, [Decimal("NaN")])
    data = OrderEvent._meta.get_field("data")
    assert sql._column_values(data, [{"a": 1}])[0] != {"a": 1}  # adapted as JSON


# Strings PostgreSQL's array input would misread unless quoted and escaped.
AWKWARD_TEXT = [
    'say "cheese"',
    "back\\slash\\",
    "a,b",
    "{braces}",
    "NULL",
    "",
    "  spaced  ",
    "line\nbreak",
    "tab\tand ' quote",
    "Crème brûlée — 5 €",
    '\\"',
]


def test_rows_written_through_the_arrays_text_form_read_back_as_they_were_sent():
    """update_rows and insert_rows send plain values in the array's text form: awkward text,
    None, decimals in every notation, datetimes at any offset and booleans come back equal."""
    order = OrderFactory()
    items = [OrderItemFactory(order=order) for _ in AWKWARD_TEXT]
    base = timezone.now().replace(microsecond=123456)
    prices = [Decimal("1E+1"), Decimal("-0.50"), Decimal("0.000"), Decimal("12345678.99")]
    rows = [
        {
            "id": item.pk,
            "product_name": text,
            "total_adjustment": prices[n % len(prices)],
            "inventory_unknown": n % 2 == 0,
            "shipped_at": None
            if n % 3 == 0
            else base.astimezone(
                timezone.get_fixed_timezone(timedelta(hours=n - 5, minutes=30 * (n % 2)))
            ),
        }
        for n, (item, text) in enumerate(zip(items, AWKWARD_TEXT, strict=True))
    ]
    names = ["product_name", "total_adjustment", "inventory_unknown", "shipped_at"]
    statement = sql.update_rows(OrderItem, rows, names)
    assert all(isinstance(param, str) for param in statement.params)  # no list dumped
    sql.run(statement)

    written = OrderItem.objects.in_bulk([item.pk for item in items])
    for row in rows:
        item = written[row["id"]]
        assert [getattr(item, name) for name in names] == [row[name] for name in names]

    template = sql.new_instance_row(OrderItem.objects.get(pk=items[0].pk))
    new = [{k: v for k, v in row.items() if k != "id"} for row in rows]
    inserted = [{**template, **row} for row in new]
    statement = sql.insert_rows(OrderItem, inserted, list(inserted[0]), returning_pk=True)
    pks = [pk for (pk,) in sql.run(statement)]
    copies = OrderItem.objects.in_bulk(pks)
    for pk, row in zip(pks, new, strict=True):
        assert [getattr(copies[pk], name) for name in names] == [row[name] for name in names]


def test_update_and_delete_where_are_the_orms_statements_run_together(
    django_assert_num_queries,
):
    order = OrderFactory()
    kept, gone = OrderItemFactory(order=order), OrderItemFactory(order=order)

    with django_assert_num_queries(1):
        ((version,),) = sql.run(
            sql.delete_where(OrderItem.objects.filter(pk=gone.pk, order_id=order.pk)),
            sql.update_where(
                OrderItem.objects.filter(order_id=order.pk).exclude(pk=gone.pk), {"status": "C"}
            ),
            sql.update_where(
                Order.objects.filter(pk=order.pk),
                {"version": F("version") + 1, "status": "C"},
                returning=["version"],
            ),
        )

    order.refresh_from_db()
    assert (order.version, order.status) == (version, "C")
    assert list(OrderItem.objects.filter(order=order).values_list("pk", "status")) == [
        (kept.pk, "C")
    ]


def test_run_joined_gives_several_statements_returning_rows_side_by_side(
    django_assert_num_queries,
):
    order = OrderFactory()
    item = OrderItemFactory(order=order)
    now = timezone.now()

    with django_assert_num_queries(1):
        version, event_id = sql.run_joined(
            sql.update_where(OrderItem.objects.filter(order_id=order.pk), {"status": "C"}),
            returning=[
                sql.update_where(
                    Order.objects.filter(pk=order.pk),
                    {"version": F("version") + 1},
                    returning=["version"],
                ),
                sql.insert_new(
                    OrderEvent,
                    [{"order_id": order.pk, "kind": "note", "message": "x"}],
                    now=now,
                    returning_pk=True,
                ),
            ],
        )

    order.refresh_from_db()
    item.refresh_from_db()
    assert (order.version, item.status) == (version, "C")
    assert OrderEvent.objects.get(pk=event_id).message == "x"


def test_run_joined_refuses_a_statement_returning_more_than_one_row():
    order = OrderFactory()
    OrderItemFactory(order=order), OrderItemFactory(order=order)

    with pytest.raises(ValueError, match="2 rows"), transaction.atomic():
        sql.run_joined(
            returning=[
                sql.update_where(
                    OrderItem.objects.filter(order_id=order.pk), {"status": "C"}, returning=["id"]
                )
            ]
        )


def test_statements_that_can_match_nothing_are_none_and_skipped():
    assert sql.delete_where(OrderItem.objects.filter(pk__in=[])) is None
    assert sql.update_where(OrderItem.objects.filter(pk__in=[]), {"status": "C"}) is None
    assert sql.run(None, None) == []
    assert sql.run_rowcount(None) == 0


def test_a_column_that_is_not_the_models_own_is_refused():
    with pytest.raises(FieldDoesNotExist):
        sql.update_rows(Order, [], ["items"])


def test_select_dicts_keys_rows_by_their_labels():
    rows = sql.select_dicts('SELECT 1 AS "a", %(b)s::text AS "offer__price"', {"b": "x"})
    assert rows == [{"a": 1, "offer__price": "x"}]


def test_named_placeholders_become_positional_in_the_order_of_the_text():
    statement = sql.named("SELECT %(a)s::int + %(b)s::int - %(a)s::int AS n", {"b": 2, "a": 5})
    assert statement == sql.Statement("SELECT %s::int + %s::int - %s::int AS n", (5, 2, 5))
    assert sql.select_dicts(statement.sql, statement.params) == [{"n": 2}]


def test_a_read_as_json_comes_back_as_select_dicts_would_give_it():
    read = sql.Statement(
        "SELECT * FROM (VALUES (2, 'b', %s::numeric(12,2), NULL::numeric(12,3), true,"
        " ARRAY[1.500, 20]::numeric(14,3)[], ARRAY[]::bigint[]),"
        " (1, 'a', 0::numeric(12,2), 3::numeric(12,3), false, ARRAY[]::numeric[],"
        " ARRAY[7, 9]::bigint[])) v(id, name, value, quantity, flag, starts, ids)",
        (Decimal("10.5"),),
    )
    direct = sql.select_dicts(f"{read.sql} ORDER BY id", read.params)
    carried = sql.rows_as_json(read, order_by="r.id")
    ((text,),) = sql.run(sql.Statement(f"SELECT {carried.sql}", carried.params))
    rows = sql.json_rows(text)

    assert rows == direct
    typed = [[(type(value), str(value)) for value in row.values()] for row in rows]
    assert typed == [[(type(value), str(value)) for value in row.values()] for row in direct]
    assert rows[0]["value"].as_tuple().exponent == -2  # 0.00: the column's scale
    empty = sql.rows_as_json(sql.Statement(f"{read.sql} WHERE false", read.params), order_by="r.id")
    assert sql.run(sql.Statement(f"SELECT {empty.sql}", empty.params)) == [("[]",)]


def _in_another_transaction(work) -> threading.Thread:
    def target():
        try:
            with transaction.atomic():
                work()
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_lock_with_shared_locks_the_row_for_update_and_the_joined_row_for_share():
    """While one transaction holds the order FOR UPDATE and its session FOR SHARE, another may
    share the session but not update it, nor lock the order."""
    order = OrderFactory(sales_session=SaleSessionFactory())
    queryset = Order.objects.filter(pk=order.pk, sales_session__state__isnull=False).annotate(
        session_state=F("sales_session__state")
    )
    seen: dict[str, object] = {}

    def probe():
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        for name, statement in (
            ("share", "SELECT 1 FROM sessions_app_salesession WHERE id = %s FOR SHARE"),
            ("update", "SELECT 1 FROM sessions_app_salesession WHERE id = %s FOR UPDATE"),
            ("order", "SELECT 1 FROM orders_order WHERE id = %s FOR UPDATE"),
        ):
            key = order.sales_session_id if name != "order" else order.pk
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(statement, [key])
                seen[name] = "free"
            except Exception as error:  # the lock timeout
                seen[name] = type(error).__name__

    with transaction.atomic():
        (locked,) = sql.instances(Order, sql.lock_with_shared(queryset, shared=[SaleSession]))
        assert (locked.pk, locked.session_state) == (order.pk, order.sales_session.state)
        _in_another_transaction(probe).join()

    assert seen["share"] == "free"
    assert seen["update"] == seen["order"] == "OperationalError"


def test_lock_with_shared_refuses_a_table_the_queryset_does_not_inner_join():
    with transaction.atomic(), pytest.raises(ValueError, match="not inner-joined"):
        sql.lock_with_shared(Order.objects.filter(pk=1), shared=[SaleSession])


@pytest.mark.django_db(transaction=True)
def test_advisory_xact_lock_is_held_until_the_transaction_ends():
    seen = {}

    def probe():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                sql.advisory_xact_lock("larder-test", 7).params,
            )
            seen["taken"] = cursor.fetchone()[0]

    with transaction.atomic():
        sql.run(sql.advisory_xact_lock("larder-test", 7))
        _in_another_transaction(probe).join()
    assert seen["taken"] is False
    _in_another_transaction(probe).join()
    assert seen["taken"] is True


def test_lock_rows_returns_the_rows_in_primary_key_order_as_the_orm_would():
    stocks = [StockFactory(on_hand=Decimal(n)) for n in (3, 1, 2)]
    pks = [stock.pk for stock in reversed(stocks)]

    with transaction.atomic():
        locked = sql.lock_rows(Stock, pks + pks[:1], ["on_hand", "reserved", "is_unlimited"])
        orm = list(
            Stock.objects.select_for_update()
            .filter(pk__in=pks)
            .order_by("pk")
            .values_list("pk", "on_hand", "reserved", "is_unlimited")
        )
    assert locked == orm
    assert [row[0] for row in locked] == sorted(pks)


def test_once_compiles_the_orm_once_and_substitutes_each_calls_arguments(
    django_assert_num_queries,
):
    built = []

    @sql.once
    def statement(order_id, status, now):
        built.append(order_id)
        return sql.update_where(
            OrderItem.objects.filter(order_id=order_id), {"status": status, "updated_at": now}
        )

    orders = [OrderFactory() for _ in range(2)]
    items = [OrderItemFactory(order=order) for order in orders]
    later = timezone.now() + timedelta(days=1)

    with django_assert_num_queries(1):
        assert sql.run_rowcount(statement(orders[0].pk, "C", later)) == 1
    sql.run_rowcount(statement(orders[1].pk, "B", later))

    assert len(built) == 1  # with stand-ins, the first time only
    assert [
        (i.status, i.updated_at)
        for i in OrderItem.objects.filter(pk__in=[i.pk for i in items]).order_by("order_id")
    ] == [
        ("C", later),
        ("B", later),
    ]


def test_once_builds_afresh_for_arguments_it_cannot_stand_in_for():
    order = OrderFactory(sales_session=None)
    OrderFactory(sales_session=SaleSessionFactory())

    @sql.once
    def statement(session_id):
        return sql.select(Order.objects.filter(sales_session_id=session_id).values_list("pk"))

    assert order.pk in [pk for (pk,) in sql.run(statement(None))]


def test_select_and_instances_read_an_orm_queryset_with_its_annotations():
    order = OrderFactory()
    (read,) = sql.instances(
        Order, sql.select(Order.objects.filter(pk=order.pk).annotate(twice=F("version") * 2))
    )
    assert (read.pk, read.number, read.twice) == (order.pk, order.number, 2 * order.version)
    assert sql.instances(Order, sql.select(Order.objects.filter(pk__in=[]))) == []


def test_with_lateral_reads_one_row_beside_each_locked_row_in_one_statement(
    django_assert_num_queries,
):
    order, other = OrderFactory(), OrderFactory()
    locked = sql.select(Order.objects.filter(pk=order.pk).select_for_update())
    assert locked is not None

    def beside(pk):  # a read of another order's number, by a column of the locked row
        read = sql.select(
            Order.objects.filter(pk=pk, trader_id=sql.outer("trader_id")).values(
                other_number=F("number")
            )
        )
        assert read is not None
        return read

    with transaction.atomic(), django_assert_num_queries(1):
        ((read, values),) = sql.instances_and_values(
            Order, sql.with_lateral(locked, beside(other.pk))
        )
    assert read.pk == order.pk
    assert read.number == order.number
    expected = other.number if other.trader_id == order.trader_id else None
    assert values == {"other_number": expected}
    with transaction.atomic():
        ((_, values),) = sql.instances_and_values(Order, sql.with_lateral(locked, beside(0)))
    assert values == {"other_number": None}  # found nothing: the locked row all the same


def test_insert_one_writes_only_where_its_condition_holds_and_ctes_read_earlier_returnings(
    django_assert_num_queries,
):
    order = OrderFactory()
    now = timezone.now()

    def statement():
        none_yet = sql.exists(SubOrder.objects.filter(order_id=order.pk), negated=True)
        return sql.with_ctes(
            {
                "first": sql.insert_one(
                    SubOrder, {"order_id": order.pk}, now=now, where=none_yet, returning=["pk"]
                ),
                "second": sql.insert_one(
                    OrderEvent,
                    {"order_id": order.pk, "kind": OrderEvent.Kind.NOTE},
                    now=now,
                    computed={"message": sql.Statement("(SELECT count(*) FROM first)::text")},
                    returning=["*"],
                ),
            },
            sql.Statement("SELECT (SELECT id FROM first), message, created_at FROM second"),
        )

    with django_assert_num_queries(1):
        ((first, message, created_at),) = sql.run(statement())
    assert message == "1"
    assert created_at == now
    assert SubOrder.objects.get(pk=first).quantity_by_unit == {}  # the fields' defaults
    ((again, message, _),) = sql.run(statement())  # the sub-order exists: "first" writes none
    assert again is None
    assert message == "0"
    assert SubOrder.objects.filter(order=order).count() == 1


def test_exists_and_subquery_of_a_queryset_that_matches_nothing_are_constants():
    assert sql.exists(Order.objects.filter(pk__in=[])) == sql.Statement("false")
    assert sql.exists(Order.objects.filter(pk__in=[]), negated=True) == sql.Statement("true")
    assert sql.subquery(Order.objects.filter(pk__in=[]).values("pk")) == sql.Statement("NULL")
    with pytest.raises(KeyError):
        sql.insert_one(SubOrder, {}, now=timezone.now())  # its order is required
