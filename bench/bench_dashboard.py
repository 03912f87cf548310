"""The session dashboard over a session of 10,000 customer orders (50,000 lines).

Times `sessions_app.dashboard_selectors.session_dashboard` and the whole admin page
(rendered by Django's test client, signed in as a superuser), and counts the dashboard's
queries at 1,000 and 10,000 orders (the count must not grow).
"""

import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.bench_consolidation import ORDERS, _build_session

PLACED_SPREAD_SQL = """
UPDATE orders_order SET placed_at = now() - (random() * interval '24 hours')
WHERE sales_session_id = %s
"""


def _measured(session) -> tuple[float, int]:
    from sessions_app.dashboard_selectors import session_dashboard

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        session_dashboard(session=session)
    return time.perf_counter() - started, len(queries)


def run() -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from orders.producer_orders.services import producer_orders_refresh

    tag = timezone.now().strftime("%H%M%S%f")
    small = _build_session(1_000, f"ds{tag}")
    big = _build_session(ORDERS, f"db{tag}")
    with connection.cursor() as cursor:
        for session in (small, big):
            cursor.execute(PLACED_SPREAD_SQL, [session.pk])
        cursor.execute("ANALYZE orders_order; ANALYZE orders_orderitem")
    for session in (small, big):
        producer_orders_refresh(session_id=session.pk)

    _, small_queries = _measured(small)
    _measured(big)  # warm-up
    runs = [_measured(big) for _ in range(5)]
    selector = statistics.median(r[0] for r in runs)
    big_queries = runs[0][1]

    user = get_user_model().objects.create_superuser(f"bench-{tag}", "", "bench")
    client = Client(SERVER_NAME="127.0.0.1")  # a host ALLOWED_HOSTS has by default
    client.force_login(user)
    url = reverse("admin:sessions_app_salesession_dashboard", args=[big.pk])
    client.get(url)  # warm-up
    page_times = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url)
        page_times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    page = statistics.median(page_times)
    return [
        {
            "name": "session_dashboard, 10,000 orders / 50,000 lines (median of 5)",
            "value": f"{selector * 1000:.0f}",
            "unit": "ms",
            "target": "< 1,000",
            "ok": selector < 1,
        },
        {
            "name": "dashboard page in the admin, same session (median of 5)",
            "value": f"{page * 1000:.0f}",
            "unit": "ms",
            "target": "< 1,500",
            "ok": page < 1.5,
        },
        {"name": "dashboard queries, 1,000 orders", "value": small_queries, "unit": ""},
        {
            "name": "dashboard queries, 10,000 orders",
            "value": big_queries,
            "unit": "",
            "target": "same as 1,000",
            "ok": big_queries == small_queries,
        },
    ]
