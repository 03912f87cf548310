"""Scale-out on loopback: two web servers, two workers and one beat, each started through its
production entrypoint (bin/web, bin/worker, bin/beat) with the production settings (DEBUG off),
on the machine's PostgreSQL (a database of the test's own) and the tests' Redis.

A whole session — six storefront checkouts whose requests alternate between the two web
servers, a cancellation, the session's close — while one worker is killed (SIGKILL, with its
children) in the middle of a send that the partner applied but had not yet answered, must end
with each of the two fake partner platforms (which, like OFN and FDC, ignore Idempotency-Key)
holding exactly one order per producer, Complete, with the session's final quantities."""

import json
import secrets
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import ExitStack, closing
from decimal import Decimal

import psutil
import pytest
import requests

from tests.integration.worker import own_queues
from tests.platforms.partner import PartnerServer
from tests.support.database import admin_connection, database_url
from tests.support.production import (
    ROOT,
    entrypoint,
    free_port,
    migrate,
    production_env,
    wait_for_line,
    wait_ready,
)

pytestmark = pytest.mark.integration
CUSTOMERS = 6


@pytest.fixture
def scale_out_database(django_db_setup):
    from django.db import connection

    name = f"{connection.settings_dict['NAME']}_scale_out"
    with closing(admin_connection()) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield database_url(name)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _step(env: dict, name: str, **args) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.integration.scale_out", name, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout.strip().splitlines()[-1])


class Shopper:
    """A signed-in customer of the storefront API whose requests go to the web servers in
    turn (the load balancer's round robin): no request finds its predecessor's server."""

    def __init__(self, session_cookie: str, servers: list[str]) -> None:
        self.servers = servers
        self.turn = 0
        csrf = secrets.token_hex(16)
        self.http = requests.Session()
        self.http.cookies.set("sessionid", session_cookie)
        self.http.cookies.set("csrftoken", csrf)
        self.http.headers["X-CSRFToken"] = csrf

    def post(self, path: str, body: dict | None = None) -> dict:
        server = self.servers[self.turn % len(self.servers)]
        self.turn += 1
        response = self.http.post(f"{server}/api/storefront/{path}", json=body or {}, timeout=30)
        assert response.status_code in (200, 201), (path, response.status_code, response.text)
        return response.json()

    def checkout(self, session: int, basket: list[tuple[int, str]]) -> int:
        cart = self.post("carts/", {"session": session})["id"]
        for offer, quantity in basket:
            self.post(f"carts/{cart}/items/", {"offer": offer, "quantity": quantity})
        self.post(f"carts/{cart}/submit/")
        self.post(f"carts/{cart}/pay/", {"method": "invoice"})
        return cart


def _ref(value):
    """A DFC reference, written as a node reference ({"@id": …}) or a plain IRI."""
    return value["@id"] if isinstance(value, dict) else value


def _partner_orders(partner: PartnerServer) -> dict[str, list[dict]]:
    """The orders the partner holds, by producer slug: each as {status, lines by product}."""
    with partner.state.lock:
        held = dict(partner.state.orders)
    orders = defaultdict(list)
    for path, graph in held.items():
        producer = path.split("/Enterprises/")[1].split("/")[0]
        order = next(node for node in graph if node["@type"] == "dfc-b:Order")
        products = {
            n["@id"]: _ref(n["dfc-b:offeredItem"]) for n in graph if n["@type"] == "dfc-b:Offer"
        }
        lines = {
            products[_ref(n["dfc-b:concerns"])]: Decimal(str(n["dfc-b:quantity"]))
            for n in graph
            if n["@type"] == "dfc-b:OrderLine"
        }
        orders[producer].append({"status": _ref(order["dfc-b:hasOrderStatus"]), "lines": lines})
    return dict(orders)


def _worker_talking_to(workers: list, port: int, timeout: float = 30):
    """The worker one of whose processes has a connection open to `port` (a send under way)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in workers:
            main = psutil.Process(worker.popen.pid)
            for process in (main, *main.children(recursive=True)):
                try:
                    connections = process.net_connections(kind="tcp")
                except psutil.NoSuchProcess:
                    continue
                if any(c.raddr and c.raddr.port == port for c in connections):
                    return worker
        time.sleep(0.05)
    raise AssertionError("no worker was sending to the partner")


def test_a_whole_session_on_two_web_servers_and_two_workers_one_killed(
    tmp_path, production_static, scale_out_database
):
    from config.celery import app

    # Partners like OFN and FDC: Idempotency-Key ignored, every request applies. The first
    # applies each order, then is slow to answer: the worker killed then has sent a POST
    # that the partner applied, and never heard back.
    partners = [PartnerServer().start(), PartnerServer().start()]
    for partner in partners:
        partner.state.honour_idempotency_keys = False
    partners[0].state.stall_after_apply_seconds = 3

    with ExitStack() as stack:
        prefix = stack.enter_context(own_queues())
        env = production_env(
            database_url=scale_out_database,
            broker_url=app.conf.broker_url,
            static_root=production_static,
            WEB_CONCURRENCY="2",
            WORKER_CONCURRENCY="2",
            LARDER_QUEUE_PREFIX=prefix,
            # Short leases and sweeps, so what the killed worker held is taken up in seconds.
            OUTBOX_REQUEST_TIMEOUT_SECONDS="5",
            OUTBOX_LEASE_SECONDS="8",
            LARDER_WORK_LEASE_SECONDS="8",
            LARDER_WORK_REQUEUE_SECONDS="3",
            LARDER_SWEEP_SECONDS="2",
        )
        migrate(env)
        seeded = _step(env, "seed", partners=[p.base_url for p in partners], customers=CUSTOMERS)
        products = {int(offer): product for offer, product in seeded["offers"].items()}
        offers, session = sorted(products), seeded["session"]
        for partner in partners:
            stack.callback(partner.stop)
        servers = []
        for n in range(2):
            port = free_port()
            web = stack.enter_context(
                entrypoint(
                    "web", "--bind", f"127.0.0.1:{port}", env=env, log=tmp_path / f"web{n}.log"
                )
            )
            servers.append((f"http://127.0.0.1:{port}", web))
        workers = [
            stack.enter_context(
                entrypoint(
                    "worker",
                    "--hostname",
                    f"scale-out-{n}@%h",
                    env=env,
                    log=tmp_path / f"worker{n}.log",
                )
            )
            for n in range(2)
        ]
        beat = stack.enter_context(
            entrypoint(
                "beat",
                "--schedule",
                str(tmp_path / "beat-schedule"),
                env=env,
                log=tmp_path / "beat.log",
            )
        )
        for url, web in servers:
            wait_ready(url, web)
        for worker in workers:
            wait_for_line(worker, " ready.")

        urls = [url for url, _ in servers]
        baskets = [
            [(offers[(c + 3 * k) % len(offers)], str(k + 1)) for k in range(3)]
            for c in range(CUSTOMERS)
        ]
        placed = []
        for customer, basket in enumerate(baskets):
            shopper = Shopper(seeded["sessions"][customer], urls)
            shopper.turn = customer  # carts start on either server
            placed.append((shopper, shopper.checkout(session, basket)))
            if customer == 1:
                killed = _worker_talking_to(workers, partners[0].port)
                killed.kill()  # SIGKILL, its children with it, mid-send
                partners[0].state.stall_after_apply_seconds = 0
        survivor = next(worker for worker in workers if worker is not killed)

        cancelled_shopper, cancelled = placed[2]
        cancelled_shopper.post(f"orders/{cancelled}/cancel/", {"reason": "changed my mind"})
        _step(env, "close", session=session)

        report = {}
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            report = _step(env, "report", session=session)
            if (
                report["outbox"]
                and set(report["outbox"]) == {"delivered"}
                and all(order["status"] == "G" for order in report["producer_orders"].values())
            ):
                break
            time.sleep(1)

        held = [_partner_orders(partner) for partner in partners]
        web_lines = [json.loads(line) for _, web in servers for line in web.lines()]
        # Celery prints "Warm shutdown" itself on stop; every logged line is JSON.
        worker_lines = [json.loads(line) for line in survivor.lines() if line.startswith("{")]
        beat_lines = [json.loads(line) for line in beat.lines()]

    # The session's final quantities, from the baskets: every order but the cancelled one.
    expected = defaultdict(Decimal)
    for customer, basket in enumerate(baskets):
        if customer != 2:
            for offer, quantity in basket:
                expected[products[offer]] += Decimal(quantity)

    assert set(report["outbox"]) == {"delivered"}, report
    at_partners = {}
    for n, orders in enumerate(held):
        # Exactly one order per producer at each partner, Complete.
        assert set(orders) == {f"north-farm-{n}", f"south-farm-{n}"}, orders
        for producer, producer_orders in orders.items():
            assert len(producer_orders) == 1, (producer, producer_orders)
            (order,) = producer_orders
            assert order["status"] == "dfc-v:Complete", (producer, order)
            assert report["producer_orders"][producer]["state"] == "Complete"
            at_partners.update(order["lines"])
    assert at_partners == expected

    # Both web servers served the session; one JSON line per request, and the request id of a
    # payment reaches the producer-order refresh it queued, in the surviving worker's log.
    finished = [line for line in web_lines if line["event"] == "request_finished"]
    assert {line["code"] for line in finished} <= {200, 201}
    assert len(finished) == CUSTOMERS * 6 + 1
    for _, web in servers:
        assert any(line["event"] == "request_finished" for line in map(json.loads, web.lines()))
    payments = {line["request_id"] for line in finished if line["request"].endswith("/pay/")}
    refreshes = [
        line
        for line in worker_lines
        if line["event"] == "task_succeeded"
        and line.get("task") == "orders.tasks.producer_orders_refresh_task"
    ]
    assert payments & {line.get("request_id") for line in refreshes}
    # Beat says nothing about its ticks.
    assert not [line for line in beat_lines if "Sending due task" in line["event"]]
