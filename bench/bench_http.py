"""HTTP throughput and latency under the production server: bin/web (gunicorn, production
settings, DEBUG off) on loopback, driven by 8 client processes with kept-alive connections.

- storefront checkout: a signed-in customer's whole checkout, as a shop front sends it —
  POST carts/, three POST carts/{id}/items/, POST submit/, POST pay/ (invoice): 6 requests;
- partner DFC POST: a partner platform POSTs a Held DFC order of 3 lines to a producer's
  Orders collection (bearer token, Idempotency-Key, JSON-LD parsing, reservation, pricing).

Each client process is forked before it starts, releases together with the others, and runs
for BENCH_HTTP_SECONDS (default 20) per scenario; throughput is all operations over the time
from release to the last client's finish, latencies are per operation (a checkout's 6
requests together). The server's configuration comes from the environment as in production
(WEB_CONCURRENCY, default 3 here; WEB_THREADS, default 4). No worker runs: the tasks that
checkouts queue wait in queues of the bench's own, deleted afterwards.
"""

import base64
import multiprocessing
import os
import secrets
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

CLIENTS = 8
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "20"))
# BENCH_HTTP_SERVER=runserver measures Django's development server instead, for comparison.
SERVER = os.environ.get("BENCH_HTTP_SERVER", "gunicorn")
ROOT = Path(__file__).resolve().parents[1]
BENCH_ENCRYPTION_KEY = base64.urlsafe_b64encode(b"larder-bench-only-not-a-secret!!").decode()


def _database_url() -> str:
    from urllib.parse import quote

    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{db['NAME']}"


def _server_env(port: int, queue_prefix: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "WEB_BIND"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": settings.SECRET_KEY,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "ALLOWED_HOSTS": "127.0.0.1",
            "LARDER_FIELD_ENCRYPTION_KEYS": settings.LARDER_FIELD_ENCRYPTION_KEYS[0],
            "SECURE_SSL_REDIRECT": "false",
            "WEB_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "3"),
            "LOG_LEVEL": "WARNING",
            "LARDER_API_THROTTLE_RATE": "1000000/min",
            "LARDER_QUEUE_PREFIX": queue_prefix,
            "LARDER_PUBLIC_URL": settings.LARDER_PUBLIC_URL,
        }
    )
    env.pop("DEBUG", None)
    return env


def _start_server(queue_prefix: str):
    import socket
    import subprocess

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tempfile.NamedTemporaryFile("w+", prefix="bench-http-web-", suffix=".log", delete=False)
    command = [str(ROOT / "bin" / "web")]
    if SERVER == "runserver":  # for comparison only: Django's development server
        import sys

        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=_server_env(port, queue_prefix),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("bin/web did not become ready:\n" + Path(log.name).read_text()[-3000:])


def _stop_server(process) -> None:
    import signal

    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


# --- fixtures ---------------------------------------------------------------------------------


def _shoppers(customers) -> list[str]:
    """A user account for each customer, signed in: their session cookies."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    cookies = []
    for customer in customers:
        user = get_user_model().objects.create_user(
            f"bench-{time.time_ns()}-{customer.pk}", password=None
        )
        customer.user = user
        customer.save(update_fields=["user"])
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    return cookies


# --- clients ----------------------------------------------------------------------------------


def _session(cookie: str | None = None):
    import requests

    http = requests.Session()
    http.headers["Accept"] = "application/json"
    if cookie:
        csrf = secrets.token_hex(16)
        http.cookies.set("sessionid", cookie)
        http.cookies.set("csrftoken", csrf)
        http.headers["X-CSRFToken"] = csrf
    return http


def _ok(response) -> dict:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.url}: {response.status_code} "
            f"{response.text[:300]}"
        )
    return response.json()


def _checkout(http, url: str, session_id: int, offers: list[int], n: int) -> None:
    api = f"{url}/api/storefront"
    cart = _ok(http.post(f"{api}/carts/", json={"session": session_id}))["id"]
    for k in range(3):
        offer = offers[(n * 3 + k * 7) % len(offers)]
        _ok(http.post(f"{api}/carts/{cart}/items/", json={"offer": offer, "quantity": "1"}))
    _ok(http.post(f"{api}/carts/{cart}/submit/", json={}))
    _ok(http.post(f"{api}/carts/{cart}/pay/", json={"method": "invoice"}))


def _partner_post(http, url: str, base: str, body: dict, n: int) -> None:
    response = http.post(
        f"{url}{base}/Orders",
        json=body,
        headers={
            "Content-Type": "application/ld+json",
            "Idempotency-Key": f"bench-http-{os.getpid()}-{n}-{time.time_ns()}",
        },
    )
    _ok(response)


def _client(operation, arguments, barrier, results) -> None:
    http = _session(arguments.pop("cookie", None))
    if "token" in arguments:
        http.headers["Authorization"] = f"Bearer {arguments.pop('token')}"
    operation(http, n=-1, **arguments)  # warm: connection, worker, caches
    barrier.wait()
    started = time.monotonic()
    latencies = []
    n = 0
    while time.monotonic() - started < SECONDS:
        begun = time.perf_counter()
        operation(http, n=n, **arguments)
        latencies.append(time.perf_counter() - begun)
        n += 1
    results.put((started, time.monotonic(), latencies))


def _drive(operation, per_client: list[dict]) -> dict:
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
    outcomes = [results.get(timeout=SECONDS * 4 + 120) for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode:
            raise RuntimeError(f"a client failed ({process.exitcode})")
    begun = min(o[0] for o in outcomes)
    ended = max(o[1] for o in outcomes)
    latencies = sorted(latency for o in outcomes for latency in o[2])
    quantiles = statistics.quantiles(latencies, n=20)
    return {
        "rate": len(latencies) / (ended - begun),
        "count": len(latencies),
        "p50": statistics.median(latencies) * 1000,
        "p95": quantiles[18] * 1000,
    }


def _drop_queues(prefix: str) -> None:
    try:
        from config.queues import queue_names
    except ImportError:
        return
    from config.celery import app

    with app.connection_for_write() as broker:
        for name in queue_names(prefix):
            broker.default_channel.queue_delete(name)


def run() -> list[dict]:
    from bench.bench_checkout import _fixture as checkout_fixture
    from bench.bench_partner_api import _fixture as partner_fixture
    from bench.bench_partner_api import _graph

    # One key for this process (which signs the customers in) and the server (which checks
    # their sessions); production refuses the development key.
    settings.SECRET_KEY = "bench-" + secrets.token_urlsafe(40)
    # Production refuses the development encryption key: the bench database's secrets are
    # re-encrypted with the bench's own (no secret: it guards bench data only).
    settings.LARDER_FIELD_ENCRYPTION_KEYS = [
        BENCH_ENCRYPTION_KEY,
        *settings.LARDER_FIELD_ENCRYPTION_KEYS,
    ]
    call_command("secrets_reencrypt", verbosity=0)
    session, offers, customers = checkout_fixture()
    cookies = _shoppers(customers[:CLIENTS])
    farm, farm_offers, token = partner_fixture()
    base = f"/api/dfc/Enterprises/{farm.slug}"
    order = _graph(base, [(farm_offers[0], 4), (farm_offers[1], 3), (farm_offers[2], 2)])

    prefix = f"bench-http-{os.getpid()}-"
    process, url = _start_server(prefix)
    try:
        checkout = _drive(
            _checkout,
            [
                {
                    "cookie": cookie,
                    "url": url,
                    "session_id": session.pk,
                    "offers": [o.pk for o in offers],
                }
                for cookie in cookies
            ],
        )
        partner = _drive(
            _partner_post,
            [{"token": token, "url": url, "base": base, "body": order} for _ in range(CLIENTS)],
        )
    finally:
        _stop_server(process)
        _drop_queues(prefix)

    server = (
        "runserver"
        if SERVER == "runserver"
        else f"gunicorn, {os.environ.get('WEB_CONCURRENCY', '3')} processes × "
        f"{os.environ.get('WEB_THREADS', '4')} threads"
    )
    figures = []
    for name, result, unit in (
        ("storefront checkout (cart, 3 items, submit, pay)", checkout, "checkouts/s"),
        ("partner DFC POST (Held order, 3 lines)", partner, "orders/s"),
    ):
        figures += [
            {
                "name": f"{name}: throughput, {CLIENTS} clients, {server}",
                "value": round(result["rate"], 1),
                "unit": unit,
            },
            {"name": f"{name}: p50", "value": round(result["p50"], 1), "unit": "ms"},
            {"name": f"{name}: p95", "value": round(result["p95"], 1), "unit": "ms"},
        ]
    return figures
