"""What users wait for, over HTTP: Larder and the minimal server (bench/minimal_server.py) side
by side in one run, both under gunicorn as production runs it (bin/web: the same workers and
threads), on loopback, driven by 8 client processes with kept-alive connections.

- storefront checkout: a signed-in customer's whole checkout as a shop front sends it — POST
  carts/, three POST carts/{id}/items/, POST submit/, POST pay/ (invoice): 6 requests, one
  operation;
- (the partner flows are in bench/bench_partner_http.py.)

Each client process is forked, warms up, waits for the others, then runs for
BENCH_HTTP_SECONDS (15 by default, scaled by BENCH_SCALE) per round; throughput is all
operations over the time from release to the last client's finish, latencies are per operation.
Rounds go Larder, minimal, minimal, Larder, so a shared machine's drift weighs on both alike.

Statements are counted over HTTP by a second Larder server under the production settings whose
responses say how many statements each request sent (bench/counting_wsgi.py), and by the
minimal server's own `X-Statements`. HOT updates of `orders_order` are read from
pg_stat_user_tables around Larder's first timed round.
"""

import base64
import multiprocessing
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

CLIENTS = 8
SCALE = float(os.environ.get("BENCH_SCALE", "1"))
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", str(max(4.0, 15 * SCALE))))
PRODUCTS = 300
ROOT = Path(__file__).resolve().parents[1]
BENCH_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"larder-bench-only-not-a-secret!!").decode()
WORKERS = os.environ.get("WEB_CONCURRENCY", "3")
THREADS = os.environ.get("WEB_THREADS", "4")

TARGET_THROUGHPUT_RATIO = 0.50
TARGET_P95_RATIO = 2.0
TARGET_CHECKOUT_STATEMENTS = 30
TARGET_HOT = 0.80


def database_url() -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


# --- servers --------------------------------------------------------------------------------------


def _server_env(port: int, queue_prefix: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WEB_BIND"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "ALLOWED_HOSTS": "127.0.0.1",
            "LARDER_FIELD_ENCRYPTION_KEYS": settings.LARDER_FIELD_ENCRYPTION_KEYS[0],
            "SECURE_SSL_REDIRECT": "false",
            "WEB_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": WORKERS,
            "WEB_THREADS": THREADS,
            "LOG_LEVEL": "WARNING",
            # A 1,000-line partner POST may take longer than production's 30 s under load:
            # time it rather than have the worker killed.
            "WEB_TIMEOUT": "300",
            "LARDER_API_THROTTLE_RATE": "1000000/min",
            "LARDER_QUEUE_PREFIX": queue_prefix,
            "LARDER_PUBLIC_URL": settings.LARDER_PUBLIC_URL,
            "LARDER_CART_RESERVATION_MINUTES": str(settings.LARDER_CART_RESERVATION_MINUTES),
            "MINIMAL_QUEUE_URL": (
                settings.CELERY_BROKER_URL if settings.CELERY_BROKER_URL.startswith("redis") else ""
            ),
            "MINIMAL_QUEUE_KEY": f"{queue_prefix}minimal",
        }
    )
    env.pop("DEBUG", None)
    return env


class Server:
    """A server process on a free loopback port: `kind` is larder (bin/web), counting (Larder
    with X-Statements, bench/counting_wsgi.py) or minimal (bench/minimal_server.py)."""

    def __init__(self, kind: str, queue_prefix: str):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = _server_env(port, queue_prefix)
        gunicorn = [sys.executable, "-m", "gunicorn"]
        if kind == "larder":
            command = [str(ROOT / "bin" / "web")]
        elif kind == "counting":
            env["WEB_CONCURRENCY"] = "1"
            command = [*gunicorn, "--config", "python:config.gunicorn"]
            command.append("bench.counting_wsgi:application")
        else:  # the minimal server, with bin/web's settings (config/gunicorn.py)
            command = [
                *gunicorn, "--bind", env["WEB_BIND"], "--workers", WORKERS, "--threads",
                THREADS, "--worker-class", "gthread", "--keep-alive", "5",
                "--max-requests", "2000", "--max-requests-jitter", "200", "--timeout", "300",
                "--preload", "--log-level", "warning", "bench.minimal_server:app",
            ]  # fmt: skip
        self.log = tempfile.NamedTemporaryFile(
            "w+", prefix=f"bench-http-{kind}-", suffix=".log", delete=False
        )
        self.kind = kind
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{kind} server did not become ready:\n{self.tail()}")

    def tail(self) -> str:
        return Path(self.log.name).read_text()[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)


def drop_queues(prefix: str) -> None:
    from config.celery import app

    try:
        from config.queues import queue_names
    except ImportError:
        names = []
    else:
        names = list(queue_names(prefix))
    with app.connection_for_write() as broker:
        for name in names:
            broker.default_channel.queue_delete(name)
    if settings.CELERY_BROKER_URL.startswith("redis"):
        import redis

        client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
        for key in [f"{prefix}minimal", *client.scan_iter(f"{prefix}minimal:*")]:
            client.delete(key)


# --- fixtures -------------------------------------------------------------------------------------


def storefront_fixture(products: int = PRODUCTS):
    """A trader with one pricing rule (5 % off every item), 3 producers (one local, two on a
    partner platform), an open session with `products` offers at 5.5 % VAT and ample stock,
    and CLIENTS customers, each a user signed in: (session, offer ids, session cookies)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from discounts.models import CalculationRule
    from inventory.models import Product, Stock
    from orders.models import Customer
    from platforms.models import Enterprise, Platform
    from sessions_app.models import Offer, SaleSession

    tag = f"bench-{time.time_ns()}"
    local, _ = Platform.objects.get_or_create(
        is_local=True, defaults={"name": "This Larder", "slug": "larder"}
    )
    remote = Platform.objects.create(
        name=f"{tag} OFN", slug=f"{tag}-ofn", kind="ofn", base_url="http://127.0.0.1:9/"
    )
    trader = Enterprise.objects.create(
        platform=local, kind="trader", name=f"{tag} hub", slug=f"{tag}-hub"
    )
    producers = [
        Enterprise.objects.create(
            platform=platform, kind="producer", name=f"{tag} farm {n}", slug=f"{tag}-farm-{n}"
        )
        for n, platform in enumerate([local, remote, remote])
    ]
    now = timezone.now()
    session = SaleSession.objects.create(
        trader=trader,
        name=tag,
        begins_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        state="open",
    )
    CalculationRule.objects.create(
        trader=trader, name="Bench 5% off", usage="discount", method="percentage",
        scope="item", value=Decimal("5"), currency="EUR",
    )  # fmt: skip
    made = Product.objects.bulk_create(
        Product(producer=producers[n % 3], name=f"{tag} product {n}") for n in range(products)
    )
    Stock.objects.bulk_create(Stock(product=p, on_hand=Decimal("1000000")) for p in made)
    offers = Offer.objects.bulk_create(
        Offer(
            session=session,
            product=p,
            price=Decimal("2.35") + n,
            currency="EUR",
            vat_rate=Decimal("5.50"),
        )
        for n, p in enumerate(made)
    )
    cookies = []
    for n in range(CLIENTS):
        user = get_user_model().objects.create_user(f"{tag}-shopper-{n}", password=None)
        Customer.objects.create(trader=trader, name=f"{tag} customer {n}", user=user)
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    return session, [o.pk for o in offers], cookies


# --- clients --------------------------------------------------------------------------------------


def http_session(cookie: str | None = None, token: str | None = None):
    import requests

    http = requests.Session()
    http.headers["Accept"] = "application/json"
    if cookie:
        csrf = secrets.token_hex(16)
        http.cookies.set("sessionid", cookie)
        http.cookies.set("csrftoken", csrf)
        http.headers["X-CSRFToken"] = csrf
    if token:
        http.headers["Authorization"] = f"Bearer {token}"
    return http


def ok(response) -> dict:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.url}: {response.status_code} "
            f"{response.text[:500]}"
        )
    return response.json()


def checkout(http, url: str, session_id: int, offers: list[int], n: int, items: int = 3) -> list:
    """One whole checkout; the responses, in order."""
    api = f"{url}/api/storefront"
    responses = [http.post(f"{api}/carts/", json={"session": session_id})]
    cart = ok(responses[0])["id"]
    for k in range(items):
        offer = offers[(n * 7 + k * 31 + os.getpid()) % len(offers)] if items <= 3 else offers[k]
        responses.append(
            http.post(f"{api}/carts/{cart}/items/", json={"offer": offer, "quantity": "1"})
        )
        ok(responses[-1])
    responses.append(http.post(f"{api}/carts/{cart}/submit/", json={}))
    ok(responses[-1])
    responses.append(http.post(f"{api}/carts/{cart}/pay/", json={"method": "invoice"}))
    if ok(responses[-1])["status"] != "I":
        raise RuntimeError(f"cart {cart} not placed: {responses[-1].text[:300]}")
    return responses


def _client(operation, arguments, barrier, results) -> None:
    try:
        http = http_session(arguments.pop("cookie", None), arguments.pop("token", None))
        operation(http, n=-1, **arguments)  # warm: connection, worker, caches
        barrier.wait(timeout=120)
        started = time.monotonic()
        latencies, parts = [], {}
        n = 0
        while time.monotonic() - started < SECONDS:
            begun = time.perf_counter()
            timed = operation(http, n=n, **arguments)
            latencies.append(time.perf_counter() - begun)
            if isinstance(timed, dict):  # the operation's requests, timed one by one
                for kind, seconds in timed.items():
                    parts.setdefault(kind, []).append(seconds)
            n += 1
        results.put(("done", started, time.monotonic(), latencies, parts))
    except BaseException as error:  # noqa: BLE001 - reported to the parent
        results.put(("error", repr(error)[:2000]))
        barrier.abort()


def drive(operation, per_client: list[dict]) -> dict:
    """CLIENTS processes running `operation` for SECONDS: rate, count, p50, p95 (ms)."""
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(len(per_client))
    results = context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=_client, args=(operation, dict(arguments), barrier, results))
        for arguments in per_client
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=SECONDS * 4 + 240) for _ in processes]
    for process in processes:
        process.join()
    errors = [o[1] for o in outcomes if o[0] == "error"]
    if errors:
        raise RuntimeError(f"a client failed: {errors[0]}")
    seconds = max(o[2] for o in outcomes) - min(o[1] for o in outcomes)
    result = summary([latency for o in outcomes for latency in o[3]], seconds)
    kinds = {kind for o in outcomes for kind in o[4]}
    result["parts"] = {
        kind: summary([x for o in outcomes for x in o[4].get(kind, [])], seconds) for kind in kinds
    }
    return result


def summary(latencies: list[float], seconds: float) -> dict:
    latencies = sorted(latencies)
    return {
        "rate": len(latencies) / seconds,
        "count": len(latencies),
        "seconds": seconds,
        "p50": statistics.median(latencies) * 1000,
        "p95": statistics.quantiles(latencies, n=20)[18] * 1000,
        "latencies": latencies,
    }


def merge(results: list[dict]) -> dict:
    seconds = sum(r["seconds"] for r in results)
    merged = summary([x for r in results for x in r["latencies"]], seconds)
    kinds = {kind for r in results for kind in r.get("parts", {})}
    merged["parts"] = {
        kind: summary([x for r in results for x in r["parts"][kind]["latencies"]], seconds)
        for kind in kinds
    }
    return merged


def abba(servers: dict, run_one, between=None) -> dict:
    """Larder, minimal, minimal, Larder: each side's results merged. `between(name)` runs after
    each side's first round (to read counters before the other side runs)."""
    rounds = {"larder": [], "minimal": []}
    for index, name in enumerate(("larder", "minimal", "minimal", "larder")):
        rounds[name].append(run_one(servers[name].url))
        if between and index in (0, 1):
            between(name)
    return {name: merge(results) for name, results in rounds.items()}


# --- counters -------------------------------------------------------------------------------------


def statements(responses) -> list[int]:
    return [int(r.headers["X-Statements"]) for r in responses]


def order_updates() -> tuple[int, int]:
    """(updates, HOT updates) of orders_order so far, as the statistics collector has them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables "
            "WHERE relname = 'orders_order'"
        )
        return cursor.fetchone()


def wait_for_stats() -> None:
    """Backends report their table statistics when idle, at most every 10 s (PostgreSQL 15)."""
    connections.close_all()
    time.sleep(11)


def ratio_figure(name, larder, minimal, unit, *, target=None, better="higher", limit=None):
    """A figure with Larder's value, the minimal server's, their ratio and the target on it."""
    ratio = larder / minimal if minimal else float("inf")
    figure = {
        "name": name,
        "value": f"{larder:.1f}",
        "unit": unit,
        "minimal": f"{minimal:.1f}",
        "ratio": f"{ratio:.2f}×",
    }
    if limit is not None:
        met = ratio >= limit if better == "higher" else ratio <= limit
        figure.update(target=target, ok=met)
    return figure


# --- the run --------------------------------------------------------------------------------------


PICTURE = {
    "order": """
        SELECT status, version, currency, total_product, total_adjustment, total_tax,
               grand_total, payment_method, payment_status, replace(payment_reference,
               number::text, 'N'), checked_out_at IS NOT NULL, placed_at IS NOT NULL
        FROM orders_order WHERE id = %(id)s""",
    "items": """
        SELECT product_id, offer_id, product_name, quantity, unit_price, vat_rate,
               total_product, total_adjustment, total_tax, status, inventory_status,
               inventory_unknown, producer_id, producer_platform_id, fulfilment_status,
               sub_order_id IS NOT NULL
        FROM orders_orderitem WHERE order_id = %(id)s ORDER BY 1""",
    "sub-orders": """
        SELECT total_product, total_adjustment, total_tax, item_count, quantity_by_unit::text
        FROM orders_suborder WHERE order_id = %(id)s ORDER BY 1""",
    "item adjustments": """
        SELECT i.product_id, a.usage, a.rule_id, a.description, a.amount, a.sequence
        FROM discounts_itemadjustment a JOIN orders_orderitem i ON i.id = a.item_id
        WHERE a.order_id = %(id)s ORDER BY 1, 2""",
    "order adjustments": """
        SELECT usage, rule_id, description, amount, sequence
        FROM discounts_orderadjustment WHERE order_id = %(id)s ORDER BY 1""",
    "events": """
        SELECT kind, from_status, to_status, message, message_id, message_params::text,
               actor_label, actor_id
        FROM orders_orderevent WHERE order_id = %(id)s ORDER BY id""",
    "reservations": """
        SELECT stock_id, quantity, expires_at IS NULL
        FROM inventory_reservation WHERE order_id = %(id)s ORDER BY 1""",
    "stock": """
        SELECT count(*) FROM inventory_reservation r JOIN inventory_stock s
          ON s.product_id = r.stock_id WHERE r.order_id = %(id)s AND s.reserved >= r.quantity""",
    "work requests": """
        SELECT kind, params - 'order_id' FROM config_workrequest
        WHERE (params ->> 'order_id')::bigint = %(id)s ORDER BY 1""",
}


def picture(order_id: int, pictures: dict | None = None) -> dict:
    """What a checkout wrote for an order, without ids and times that differ between twins."""
    with connection.cursor() as cursor:
        rows = {}
        for name, sql in (pictures or PICTURE).items():
            cursor.execute(sql, {"id": order_id})
            rows[name] = cursor.fetchall()
    return rows


def differences(larder_id: int, minimal_id: int, skip=(), pictures=None) -> list[str]:
    larder, minimal = picture(larder_id, pictures), picture(minimal_id, pictures)
    return [
        f"{name}: Larder {larder[name]} ≠ minimal {minimal[name]}"
        for name in larder
        if name not in skip and larder[name] != minimal[name]
    ]


def _count_checkout(url: str, session_id: int, offers: list[int], cookie: str) -> dict:
    http = http_session(cookie)
    three = checkout(http, url, session_id, offers, n=0)
    ten = checkout(http, url, session_id, offers, n=0, items=10)
    orders = [three[0].json()["id"], ten[0].json()["id"]]
    three, ten = statements(three), statements(ten)
    return {
        "orders": orders,
        "whole": sum(three),
        "per request": three,
        "second add": ten[2],
        "tenth add": ten[10],
        "submit + pay, 3 items": three[-2] + three[-1],
        "submit + pay, 10 items": ten[-2] + ten[-1],
    }


def production_keys() -> None:
    """One secret key for this process (which signs the customers in) and the servers (which
    check their sessions); production refuses the development keys, so the bench database's
    secrets are re-encrypted with the bench's own (no secret: it guards bench data only)."""
    if settings.SECRET_KEY.startswith("bench-"):
        return
    settings.SECRET_KEY = "bench-" + secrets.token_urlsafe(40)
    settings.LARDER_FIELD_ENCRYPTION_KEYS = [
        BENCH_ENCRYPTION_KEY,
        *settings.LARDER_FIELD_ENCRYPTION_KEYS,
    ]
    call_command("secrets_reencrypt", verbosity=0)


def run() -> list[dict]:
    production_keys()
    session, offers, cookies = storefront_fixture()

    prefix = f"bench-http-{os.getpid()}-"
    servers = {}
    try:
        for kind in ("larder", "minimal", "counting"):
            servers[kind] = Server(kind, prefix)
        counts = {
            "larder": _count_checkout(servers["counting"].url, session.pk, offers, cookies[0]),
            "minimal": _count_checkout(servers["minimal"].url, session.pk, offers, cookies[0]),
        }
        servers.pop("counting").stop()
        different = [
            d
            for larder, minimal in zip(
                counts["larder"]["orders"], counts["minimal"]["orders"], strict=True
            )
            for d in differences(larder, minimal)
        ]
        wait_for_stats()
        hot = {}
        before = {"larder": order_updates()}

        def between(name):
            wait_for_stats()
            after = order_updates()
            updates, hot_updates = (a - b for a, b in zip(after, before[name], strict=True))
            hot[name] = (hot_updates / updates if updates else 0.0, updates)
            before["minimal"] = after

        result = abba(
            servers,
            lambda url: drive(
                checkout,
                [
                    {"cookie": c, "url": url, "session_id": session.pk, "offers": offers}
                    for c in cookies
                ],
            ),
            between,
        )
    finally:
        for server in servers.values():
            server.stop()
        drop_queues(prefix)

    larder, minimal = result["larder"], result["minimal"]
    name = "storefront checkout (cart, 3 adds, submit, pay)"
    count = counts["larder"]
    return [
        {
            "name": f"server: gunicorn, {WORKERS} processes × {THREADS} threads, {CLIENTS} "
            f"clients, {2 * SECONDS:.0f} s per side",
            "value": "",
        },
        ratio_figure(
            f"{name}: throughput",
            larder["rate"],
            minimal["rate"],
            "checkouts/s",
            target=f"≥ {TARGET_THROUGHPUT_RATIO:.0%} of minimal",
            limit=TARGET_THROUGHPUT_RATIO,
        ),
        ratio_figure(f"{name}: p50", larder["p50"], minimal["p50"], "ms"),
        ratio_figure(
            f"{name}: p95",
            larder["p95"],
            minimal["p95"],
            "ms",
            target=f"≤ {TARGET_P95_RATIO:g}× minimal",
            better="lower",
            limit=TARGET_P95_RATIO,
        ),
        {
            "name": f"{name}: statements per whole checkout",
            "value": count["whole"],
            "minimal": counts["minimal"]["whole"],
            "target": f"≤ {TARGET_CHECKOUT_STATEMENTS}",
            "ok": count["whole"] <= TARGET_CHECKOUT_STATEMENTS,
        },
        {
            "name": "statements per request: create, add, add, add, submit, pay",
            "value": " / ".join(map(str, count["per request"])),
            "minimal": " / ".join(map(str, counts["minimal"]["per request"])),
        },
        {
            "name": "statements of the 2nd and the 10th add to a cart (the 1st makes the "
            "sub-order)",
            "value": f"{count['second add']} / {count['tenth add']}",
            "minimal": f"{counts['minimal']['second add']} / {counts['minimal']['tenth add']}",
            "target": "equal",
            "ok": count["second add"] == count["tenth add"],
        },
        {
            "name": "statements of submit + pay, 3 and 10 items",
            "value": f"{count['submit + pay, 3 items']} / {count['submit + pay, 10 items']}",
            "minimal": f"{counts['minimal']['submit + pay, 3 items']} / "
            f"{counts['minimal']['submit + pay, 10 items']}",
            "target": "equal",
            "ok": count["submit + pay, 3 items"] == count["submit + pay, 10 items"],
        },
        {
            "name": "the minimal server wrote the same rows (order, items, sub-order, "
            "adjustments, events, reservations, stock, work request; 3 and 10 items)",
            "value": "same" if not different else "; ".join(different)[:2000],
            "target": "same",
            "ok": not different,
        },
        {
            "name": "HOT updates of orders_order during the checkout run (of all its updates)",
            "value": f"{hot['larder'][0]:.1%} of {hot['larder'][1]}",
            "minimal": f"{hot['minimal'][0]:.1%} of {hot['minimal'][1]}",
            "target": f"≥ {TARGET_HOT:.0%}",
            "ok": hot["larder"][0] >= TARGET_HOT,
        },
    ]
