"""What building a query with the ORM costs beside running it, for the hot paths' statements
that config/sql.py compiles once or builds from the models (docs/performance.md, "One SQL
mechanism"). A pytest module run by hand, not by `make test` (outside testpaths):

    .venv/bin/pytest bench/sql_build_timing.py -s -q --reuse-db

Each line: the mean of 500 calls on a 3-item cart, inside one transaction.
"""

import time

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from config import sql
from inventory.lock_objects import stock_qs_select_for_update, stock_rows_lock
from inventory.models import Reservation
from inventory.services.reservations import reservations_make_firm
from orders.models import Order, OrderItem
from orders.services.approval_rules import approval_reasons_for
from orders.services.checkout import order_and_session_lock
from orders.services.payments import _items_state
from sessions_app.models import SaleSession
from tests.factories import SaleSessionFactory
from tests.inventory.factories import cart_with, offer_with_stock

pytestmark = pytest.mark.django_db

CALLS = 500


def _mean_us(work) -> float:
    work()
    start = time.perf_counter()
    for _ in range(CALLS):
        work()
    return (time.perf_counter() - start) / CALLS * 1e6


def _lock_queryset(order_id: int):
    return Order.objects.filter(pk=order_id, sales_session__state__isnull=False).annotate(
        session_state=F("sales_session__state"),
        session_begins_at=F("sales_session__begins_at"),
        session_ends_at=F("sales_session__ends_at"),
    )


def test_orm_build_cost(capsys):
    session = SaleSessionFactory()
    offers = [offer_with_stock(session, on_hand="50") for _ in range(3)]
    order = Order.objects.get(pk=cart_with(session, [(o, "2") for o in offers]).pk)
    products = [offer.product_id for offer in offers]
    lock = sql.lock_with_shared(_lock_queryset(order.pk), shared=[SaleSession])

    def run(statement):
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.params)
            cursor.fetchall()

    def items_state_orm():
        OrderItem.objects.filter(order_id=order.pk).aggregate(
            expired=Count("pk", filter=Q(reservation__expires_at__lte=timezone.now())),
            backordered=Count("pk", filter=Q(inventory_status="B")),
        )

    figures = {
        "order + session lock: statement only": lambda: run(lock),
        "order + session lock: ORM built each call": lambda: sql.instances(
            Order, sql.lock_with_shared(_lock_queryset(order.pk), shared=[SaleSession])
        ),
        "order + session lock: compiled once (sql.once)": lambda: order_and_session_lock(
            order_id=order.pk
        ),
        "stock lock: ORM": lambda: list(
            stock_qs_select_for_update(products).values_list(
                "pk", "on_hand", "reserved", "is_unlimited"
            )
        ),
        "stock lock: sql.lock_rows": lambda: stock_rows_lock(products),
        "items state: ORM aggregate built each call": items_state_orm,
        "items state: compiled once": lambda: _items_state(order.pk),
        "approval rule: compiled once": lambda: approval_reasons_for(order),
        "firm reservations: ORM update built each call": lambda: Reservation.objects.filter(
            order_id=order.pk, expires_at__isnull=False
        ).update(expires_at=None),
        "firm reservations: compiled once": lambda: reservations_make_firm(order_id=order.pk),
    }
    with capsys.disabled(), transaction.atomic():
        print()
        for label, work in figures.items():
            print(f"{label}: {_mean_us(work):.0f} µs")
