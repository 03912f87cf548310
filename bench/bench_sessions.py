"""Session-keyed work at scale: the session dashboard, the producer-order refresh and the
session close of a 10,000-order session without history and of one with a realistic history
(the same trader's 10 past sessions, 100,000 orders, closed, with their producer orders), and
of a 100,000-order session; each beside the bare SQL GROUP BY over the same session's rows
(the least any consolidation can do: the minimal server's figure).

Everything is built in SQL (INSERT … SELECT FROM generate_series), not through the ORM one row
at a time: a trader, 20 producers with 1,000 products and their stock, each session's 1,000
offers, orders placed over 24 hours in a mix of statuses (a third of them not live), 5 lines
each. Sizes scale with BENCH_SCALE (0.1: 1,000 / 10,000 orders). The database is the run's own,
dropped afterwards (bench/__main__.py); the session without history is built in a copy of it
made once migrated (same server, dropped at the end), so the two 10,000-order sessions exist
at once and are timed in turns, seconds apart. Before timing, each database is settled
(vacuumed, analysed, no autovacuum worker left, checkpointed). Every figure is a median of
REPEAT rounds, each after a warm-up.

Targets (issue 17): each of the three for the 10,000-order session within 1.2× with history
of without; the dashboard of the 100,000-order session ≤ 300 ms; a session close ≤ 2× the bare
GROUP BY over its rows. BENCH_EXPLAIN=path writes EXPLAIN (ANALYZE) of every query the
dashboard, the refresh and the GROUP BY send for the 10,000-order session with history.
"""

import os
import statistics
import time
from datetime import timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.bench_consolidation import GROUP_BY_SQL

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SMALL = int(10_000 * SCALE)
BIG = int(100_000 * SCALE)
PAST_SESSIONS = 10
PRODUCERS = 20
PRODUCTS = 1_000
LINES = 5
# Medians of 9: a figure here is tens of milliseconds, much of it a parallel query (a leader
# and two workers on two cores), and single timings on this VM swing by a third either way.
REPEAT = 9

TARGET_HISTORY = 1.2
TARGET_DASHBOARD_MS = 300
TARGET_CLOSE_OVER_GROUP_BY = 2.0

# Every order status the mix draws from: live ones (placed), carts and cancelled ones.
STATUS_MIX = ["I", "C", "C", "C", "M", "R", "S", "P", "X"]

_ORDERS_SQL = """
INSERT INTO orders_order (
    status, status_before_edit, currency, trader_id, sales_session_id, customer_note,
    payment_method, payment_reference, payment_status, amount_authorized, amount_captured,
    amount_refunded, list_name, approval_reasons, total_product, total_adjustment,
    total_shipping, total_tax, total_shipping_tax, placed_at, checked_out_at, created_at,
    updated_at, version)
SELECT s.status, '', 'EUR', %(trader)s, %(session)s, '', 'invoice', '', 'deferred', 0, 0, 0,
       '', '[]', 12.50 * %(lines)s, 0, 0, 0, 0,
       CASE WHEN s.status = 'P' THEN NULL ELSE t END, t, t, t, 2
FROM generate_series(1, %(count)s) g,
     LATERAL (SELECT (%(mix)s::text[])[1 + (g * 7 %% array_length(%(mix)s::text[], 1))]
              AS status) s,
     LATERAL (SELECT %(begins)s::timestamptz + (g %% 86400) * interval '1 second' AS t) t0
"""

_ITEMS_SQL = """
INSERT INTO orders_orderitem (
    order_id, sales_session_id, product_id, offer_id, product_name, product_sku, producer_id,
    producer_platform_id, quantity, nominal_quantity, unit_of_measure, unit_price, vat_rate,
    total_product, total_adjustment, total_shipping, total_tax, total_shipping_tax, status,
    inventory_status, inventory_unknown, fulfilment_status, unavailable_reason, created_at,
    updated_at)
SELECT o.id, o.sales_session_id, p.id, f.id, p.name, '', p.producer_id, %(platform)s, q.q, 1,
       'piece', 2.50, 5.50, 2.50 * q.q, 0, 0, 0, 0, o.status, 'ALLC', false, 'unfulfilled', '',
       o.created_at, o.created_at
FROM orders_order o
CROSS JOIN generate_series(0, %(lines)s - 1) k
JOIN LATERAL (SELECT (%(products)s::bigint[])[1 + ((o.id * 7919 + k * 211) %% %(n)s)] AS id) x
  ON true
JOIN inventory_product p ON p.id = x.id
JOIN sessions_app_offer f ON f.session_id = %(session)s AND f.product_id = p.id
CROSS JOIN LATERAL (SELECT 1 + ((o.id + k) %% 4) AS q) q
WHERE o.sales_session_id = %(session)s
"""

_OFFERS_SQL = """
INSERT INTO sessions_app_offer (session_id, product_id, price, currency, vat_rate,
    allows_backorder, is_public, quantity_reserved, remote_id)
SELECT %(session)s, p, 2.50, 'EUR', 5.50, false, true, 0, ''
FROM unnest(%(products)s::bigint[]) p
"""


def _catalog(tag: str):
    from inventory.models import Product, Stock
    from platforms.models import Enterprise, Platform

    platform, _ = Platform.objects.get_or_create(
        is_local=True, defaults={"name": "Bench Larder", "slug": "bench-larder"}
    )
    trader = Enterprise.objects.create(
        platform=platform, kind="trader", name=f"Hub {tag}", slug=f"bench-hub-{tag}"
    )
    producers = Enterprise.objects.bulk_create(
        Enterprise(
            platform=platform, kind="producer", name=f"Farm {tag}-{p}", slug=f"farm-{tag}-{p}"
        )
        for p in range(PRODUCERS)
    )
    products = Product.objects.bulk_create(
        Product(
            producer=producers[n % PRODUCERS],
            name=f"Product {tag}-{n}",
            weight_kg=Decimal("0.5"),
            pack_weight_kg=Decimal("10"),
        )
        for n in range(PRODUCTS)
    )
    Stock.objects.bulk_create(Stock(product=p, on_hand=Decimal("100000")) for p in products)
    return platform, trader, [p.pk for p in products]


def _session(platform, trader, products, orders: int, name: str, begins, state="open"):
    """A session of `orders` orders with LINES lines each, built in three statements."""
    from sessions_app.models import SaleSession

    session = SaleSession.objects.create(
        trader=trader, name=name, state=state, begins_at=begins, ends_at=begins + timedelta(days=1)
    )
    params = {
        "session": session.pk, "trader": trader.pk, "platform": platform.pk,
        "products": products, "n": len(products), "count": orders, "lines": LINES,
        "mix": STATUS_MIX, "begins": begins,
    }  # fmt: skip
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        replica = cursor.fetchone()[0]
        if replica:
            # The rows are generated consistent: skip the foreign keys' per-row checks, which
            # take minutes at COMMIT for half a million lines on a busy machine. That skips
            # the session totals' triggers too: the totals are rebuilt from the rows below.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(_OFFERS_SQL, params)
        cursor.execute(_ORDERS_SQL, params)
        cursor.execute(_ITEMS_SQL, params)
    if replica:
        from orders.services.session_totals import session_totals_rebuild

        # Statistics first: planned while PostgreSQL still believes the new session has no
        # rows, the rebuild's join of its lines to its orders ran as a nested loop filtering
        # every order for every line (quadratic: ~95 s for each 10,000-order session of the
        # history, hours for the 100,000-order one; the 09:27 run of 2026-11-30 was stopped).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE orders_order, orders_orderitem")
        session_totals_rebuild(session_id=session.pk)
    return session


_TABLES = (
    "orders_order", "orders_orderitem", "sessions_app_offer", "orders_producerorder",
    "orders_producerorderline", "inventory_product", "inventory_stock",
    "orders_sessionproducttotal", "orders_sessionproducertotal", "orders_sessionordertotal",
)  # fmt: skip


def _settle() -> None:
    """The database as production keeps it before anything is timed: the bulk-loaded tables
    vacuumed and analysed, no autovacuum worker left on them, their dirty pages written out.

    Timed right after a bulk load, autovacuum (woken by the load) and the checkpointer raced
    the measured statements for the machine's two cores: whichever session happened to be
    measured while they ran looked up to 1.6× slower, with or without history (make bench at
    14:04 on 2026-11-30: GROUP BY 49 ms without history, 31 ms with it)."""
    with connection.cursor() as cursor:
        for table in _TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'autovacuum worker'"
            )
            if not cursor.fetchone()[0]:
                break
            time.sleep(0.5)
        cursor.execute(
            "SELECT rolsuper OR pg_has_role(current_user, 'pg_checkpoint', 'MEMBER') "
            "FROM pg_roles WHERE rolname = current_user"
        )
        if cursor.fetchone()[0]:
            cursor.execute("CHECKPOINT")


def _timed(work) -> tuple[float, int]:
    """Milliseconds and statements of one call."""
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        work()
        elapsed = time.perf_counter() - started
    return elapsed * 1000, len(queries)


def _median(work) -> tuple[float, int]:
    work()  # warm-up
    runs = [_timed(work) for _ in range(REPEAT)]
    return statistics.median(r[0] for r in runs), runs[0][1]


def _group_by(session_id: int):
    from orders.statuses import LIVE_ORDER_STATUSES

    def work():
        with transaction.atomic(), connection.cursor() as cursor:
            # Over the session's rows only: through the indexes on the session and the order,
            # never a scan of every session's lines (which the planner prefers once history
            # outgrows the session, and which would flatter a slow consolidation).
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(
                GROUP_BY_SQL, {"session": session_id, "statuses": list(LIVE_ORDER_STATUSES)}
            )
            cursor.fetchall()

    return work


def _refresh(session_id: int):
    from orders.models import ProducerOrder
    from orders.producer_orders.services import producer_orders_refresh

    def work():
        # From scratch, as a first consolidation: every line is written.
        ProducerOrder.objects.filter(sales_session_id=session_id).delete()
        producer_orders_refresh(session_id=session_id)

    return work


def _dashboard(session):
    from sessions_app.dashboard_selectors import session_dashboard

    return lambda: session_dashboard(session=session)


def _dashboard_agrees(session) -> bool:
    """The dashboard's figures (read from the session's running totals) are those of a
    GROUP BY over the session's orders and lines."""
    from orders.statuses import LIVE_ORDER_STATUSES
    from sessions_app.dashboard_selectors import session_dashboard

    dashboard = session_dashboard(session=session)
    live = list(LIVE_ORDER_STATUSES)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.product_id, sum(i.quantity), sum(i.total_product) FROM orders_orderitem i "
            "JOIN orders_order o ON o.id = i.order_id "
            "WHERE o.sales_session_id = %s AND o.status = ANY(%s) GROUP BY 1",
            [session.pk, live],
        )
        products = {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*), sum(grand_total) FROM orders_order "
            "WHERE sales_session_id = %s AND status = ANY(%s) AND placed_at IS NOT NULL",
            [session.pk, live],
        )
        orders, revenue = cursor.fetchone()
    shown = {row["product_id"]: (row["quantity"], row["revenue"]) for row in dashboard.by_product}
    return shown == products and (dashboard.order_count, dashboard.revenue) == (orders, revenue)


def _close_work(session_id: int):
    """The close for good, and the same in a transaction rolled back (a close happens once)."""
    from config.actors import Actor
    from orders.services.session_close import session_close

    def close():
        session_close(session_id=session_id, actor=Actor.system("bench"))

    def close_undone():
        with transaction.atomic():
            close()
            transaction.set_rollback(True)

    return close, close_undone


def _works(session, refresh: bool = True) -> dict:
    """What is timed of a session, by figure: (the work, the work of its last round)."""
    close, close_undone = _close_work(session.pk)
    works = {
        "dashboard": (_dashboard(session),) * 2,
        "group by": (_group_by(session.pk),) * 2,
        "close": (close_undone, close),
    }
    if refresh:
        works["refresh"] = (_refresh(session.pk),) * 2
    return works


def _round(works: dict, last: bool, timings: dict) -> None:
    """One timing of each figure, after a warm-up of each (the connection may be new): the
    dashboard, the refresh from scratch, then the bare GROUP BY and the close in turn. Every
    close but the last round's is rolled back."""
    order = [name for name in ("dashboard", "refresh", "group by", "close") if name in works]
    for name in order:
        works[name][0]()
    for name in order:
        timings.setdefault(name, []).append(_timed(works[name][1 if last else 0]))


def _medians(timings: dict) -> dict:
    return {
        name: (statistics.median(r[0] for r in runs), runs[-1][1]) for name, runs in timings.items()
    }


def _measure_in_turns(sides: dict) -> dict:
    """Each side (a database and its session's works) timed REPEAT rounds, the sides in turn
    (A B B A A …), so the machine's drift over the minutes of a run weighs on both alike: the
    history ratio compares figures taken seconds apart, not minutes."""
    timings: dict = {label: {} for label in sides}
    labels = list(sides)
    for n in range(REPEAT):
        for label in labels if n % 2 == 0 else labels[::-1]:
            database, works = sides[label]
            _use(database)
            _round(works, n == REPEAT - 1, timings[label])
    return {label: _medians(found) for label, found in timings.items()}


def _explain(sessions: dict, path: str) -> None:
    """EXPLAIN ANALYZE of every query the dashboard, the refresh and the GROUP BY send."""
    from orders.producer_orders.services import producer_orders_refresh
    from sessions_app.dashboard_selectors import session_dashboard

    lines = []
    for label, session in sessions.items():
        with CaptureQueriesContext(connection) as queries:
            session_dashboard(session=session)
            with transaction.atomic():
                producer_orders_refresh(session_id=session.pk)
                transaction.set_rollback(True)
            _group_by(session.pk)()
        with connection.cursor() as cursor:
            for query in queries.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                try:
                    with transaction.atomic():
                        if sql.lstrip().startswith(GROUP_BY_SQL.lstrip()[:40]):  # the bare one
                            cursor.execute("SET LOCAL enable_seqscan = off")
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        plan = "\n".join(r[0] for r in cursor.fetchall())
                        transaction.set_rollback(True)
                except Exception as error:  # noqa: BLE001 - a query EXPLAIN cannot take
                    plan = f"(not explained: {error})"
                lines += [f"-- {label}", sql, plan, ""]
    with open(path, "w") as out:
        out.write("\n".join(lines))


def _use(database: str) -> None:
    """Talk to `database` (on the same server) from the next statement on."""
    if connection.settings_dict["NAME"] != database:
        connection.close()
        connection.settings_dict["NAME"] = database


def _sibling_database(name: str) -> str:
    """A new database on the same server, a copy of this (freshly migrated) one: the run's
    session without history lives there. Its name."""
    from django.db import OperationalError, connections

    source = connection.settings_dict["NAME"]
    sibling = f"{source}_{name}"
    connections.close_all()  # a template must have no other connection
    _use("postgres")
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{sibling}"')
        for attempt in range(30):  # an autovacuum worker may hold the source a moment
            try:
                cursor.execute(f'CREATE DATABASE "{sibling}" TEMPLATE "{source}"')
                break
            except OperationalError:
                if attempt == 29:
                    raise
                time.sleep(1)
    _use(source)
    return sibling


def _drop_sibling(sibling: str, source: str) -> None:
    _use("postgres")
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{sibling}" WITH (FORCE)')
    _use(source)


_started = time.monotonic()


def _phase(what: str) -> None:
    """Progress on stdout: the run takes minutes on a busy machine."""
    print(f"  sessions: {what} ({time.monotonic() - _started:.0f} s)", flush=True)


def run() -> list[dict]:
    global _started
    _started = time.monotonic()
    tag = timezone.now().strftime("%H%M%S%f")
    built = time.monotonic()
    home = connection.settings_dict["NAME"]
    bare = _sibling_database("without_history")
    try:
        return _run(tag, built, home, bare)
    finally:
        _drop_sibling(bare, home)


def _run(tag: str, built: float, home: str, bare: str) -> list[dict]:
    now = timezone.now()
    # Without history: the trader's one session, in a database of its own (a copy of this
    # one as migrated), on the same server.
    _use(bare)
    platform, trader, products = _catalog(tag)
    first = _session(platform, trader, products, SMALL, f"{tag} 10k without history",
                     now - timedelta(hours=2))  # fmt: skip
    _settle()
    _phase(f"built the {SMALL:,}-order session without history (its own database)")
    works_without = _works(first)
    _use(home)

    from config.actors import Actor
    from orders.services.session_close import session_close

    platform, trader, products = _catalog(tag)
    history_orders = BIG // PAST_SESSIONS
    # Sessions begin a week apart, the measured ones last: each is "the current session".
    for n in range(PAST_SESSIONS, 0, -1):
        past = _session(platform, trader, products, history_orders, f"{tag} past {n}",
                        now - timedelta(days=7 * n), state="open")  # fmt: skip
        session_close(session_id=past.pk, actor=Actor.system("bench"))
    _phase(f"built and closed {PAST_SESSIONS} past sessions")
    second = _session(platform, trader, products, SMALL, f"{tag} 10k with history",
                      now - timedelta(hours=1))  # fmt: skip
    _settle()
    measured = _measure_in_turns({"without": (bare, works_without), "with": (home, _works(second))})
    without, with_history = measured["without"], measured["with"]
    _use(home)
    agrees = _dashboard_agrees(second)
    _phase("measured both 10,000-order sessions in turns")
    if os.environ.get("BENCH_EXPLAIN"):
        _explain({"10k session with history": second}, os.environ["BENCH_EXPLAIN"])

    big = _session(platform, trader, products, BIG, f"{tag} 100k", now - timedelta(minutes=30))
    _settle()
    _phase(f"built the {BIG:,}-order session")
    large = _measure_in_turns({"large": (home, _works(big, refresh=False))})["large"]
    _phase("measured it")
    setup = time.monotonic() - built

    def ms(value):
        return f"{value:.0f}"

    figures = [
        {
            "name": f"sizes: {SMALL:,} and {BIG:,} orders × {LINES} lines; history "
            f"{PAST_SESSIONS} closed sessions, {history_orders * PAST_SESSIONS:,} orders; "
            f"{PRODUCTS:,} products of {PRODUCERS} producers (built and measured in "
            f"{setup:.0f} s)",
            "value": "",
        }
    ]
    for what in ("close", "refresh", "dashboard"):
        before, after = without[what][0], with_history[what][0]
        figures.append(
            {
                "name": f"{what}, {SMALL:,}-order session: with history ÷ without "
                f"({ms(after)} ms / {ms(before)} ms; statements {with_history[what][1]} / "
                f"{without[what][1]})",
                "value": f"{after / before:.2f}",
                "unit": "×",
                "minimal": f"GROUP BY {ms(with_history['group by'][0])} / "
                f"{ms(without['group by'][0])} ms",
                "target": f"≤ {TARGET_HISTORY}×",
                "ok": after / before <= TARGET_HISTORY,
            }
        )
    figures.append(
        {
            "name": "the dashboard's figures (from the session totals) are a GROUP BY's over "
            f"the {SMALL:,}-order session's rows (orders, revenue, quantity per product)",
            "value": "same" if agrees else "DIFFERENT",
            "target": "same",
            "ok": agrees,
        }
    )
    figures.append(
        {
            "name": f"dashboard, {BIG:,}-order session (median of {REPEAT}; "
            f"{large['dashboard'][1]} statements)",
            "value": ms(large["dashboard"][0]),
            "unit": "ms",
            "target": f"≤ {TARGET_DASHBOARD_MS} ms",
            "ok": large["dashboard"][0] <= TARGET_DASHBOARD_MS,
        }
    )
    for label, figures_of in (
        (f"{SMALL:,}-order session with history", with_history),
        (f"{BIG:,}-order session", large),
    ):
        close, group_by = figures_of["close"][0], figures_of["group by"][0]
        figures += [
            {
                "name": f"session close, {label} ({figures_of['close'][1]} statements)",
                "value": ms(close),
                "unit": "ms",
                "minimal": f"{ms(group_by)} ms (bare GROUP BY)",
                "ratio": f"{close / group_by:.2f}×",
                "target": f"≤ {TARGET_CLOSE_OVER_GROUP_BY:g}× GROUP BY",
                "ok": close / group_by <= TARGET_CLOSE_OVER_GROUP_BY,
            },
        ]
    return figures
