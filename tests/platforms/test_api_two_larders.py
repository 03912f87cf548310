"""Two Larder servers on loopback, each with its own database: one is the hub's platform, the
other the producer's. A whole session on the hub (checkout, a cancellation, the close) must
leave the producer's Larder holding exactly the hub's consolidated order, Complete.

The hub's producer orders travel through its outbox (POST, then PUTs, signed, with an
Idempotency-Key and the producer platform's token) to the producer's DFC endpoints; the hub's
own steps run as the hub's services would (tests/platforms/two_larders.py)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, closing
from pathlib import Path

import pytest

from tests.support.database import admin_connection, database_url

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Larder:
    def __init__(self, name: str, slug: str) -> None:
        self.database = f"test_larder_{name}_{os.getpid()}"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": database_url(self.database),
            "LARDER_PUBLIC_URL": self.url,
            "LARDER_PLATFORM_SLUG": slug,
            "CONN_MAX_AGE": "0",
        }
        self.server = None

    def run(self, *args) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def step(self, name: str, **args) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "tests.platforms.two_larders", name, json.dumps(args)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self, log_dir: Path) -> None:
        # The server's output goes to a file: an unread pipe could fill up and stall it.
        self.log = log_dir / f"{self.database}.log"
        self.log_file = self.log.open("w")
        self.server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/schema/", timeout=5).close()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise AssertionError(f"Larder on {self.url} did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.server and self.server.poll() is None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
        if self.server:
            self.log_file.close()

    def get(self, path: str, token: str) -> dict:
        request = urllib.request.Request(
            self.url + path,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/ld+json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())


@pytest.fixture
def larders(tmp_path):
    hub, producer = Larder("hub", "larder-hub"), Larder("producer", "larder-producer")
    with closing(admin_connection()) as admin, ExitStack() as stack:
        for larder in (hub, producer):
            admin.execute(f'DROP DATABASE IF EXISTS "{larder.database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{larder.database}"')
            stack.callback(
                admin.execute, f'DROP DATABASE IF EXISTS "{larder.database}" WITH (FORCE)'
            )
        migrations = [
            larder.run("manage.py", "migrate", "--noinput", "-v0") for larder in (hub, producer)
        ]
        for migration in migrations:
            output, _ = migration.communicate(timeout=180)
            assert migration.returncode == 0, output
        for larder in (hub, producer):
            stack.callback(larder.stop)
            larder.start(tmp_path)
        yield hub, producer


def _orders(producer: Larder, token: str) -> list[dict]:
    graph = producer.get("/api/dfc/Enterprises/green-farm/Orders", token)["@graph"]
    return [node for node in graph if node["@type"] == "dfc-b:Order"]


def _lines(producer: Larder, token: str) -> dict[str, float]:
    """Quantities of the producer's order lines, by the SuppliedProduct they concern."""
    graph = producer.get("/api/dfc/Enterprises/green-farm/Orders", token)["@graph"]
    offers = {n["@id"]: n["dfc-b:offeredItem"]["@id"] for n in graph if n["@type"] == "dfc-b:Offer"}
    return {
        offers[n["dfc-b:concerns"]["@id"]]: n["dfc-b:quantity"]
        for n in graph
        if n["@type"] == "dfc-b:OrderLine"
    }


def _available(producer: Larder, token: str) -> dict[str, float]:
    graph = producer.get("/api/dfc/Enterprises/green-farm/CatalogItems", token)["@graph"]
    return {
        n["dfc-b:references"]["@id"].rsplit("/", 1)[-1]: n["dfc-b:stockLimitation"]
        for n in graph
        if n["@type"] == "dfc-b:CatalogItem"
    }


def test_a_whole_session_between_two_larders(larders):
    hub, producer = larders
    farm = producer.step("seed_producer", hub_port=hub.port)
    token, products = farm["token"], farm["products"]
    shop = hub.step("seed_hub", producer_port=producer.port, token=token, products=products)
    offers, customers = shop["offers"], shop["customers"]
    supplied = {
        name: f"{producer.url}/api/dfc/Enterprises/green-farm/SuppliedProducts/{pk}"
        for name, pk in products.items()
    }

    # Checkout: three customers; the hub's producer order is POSTed Held to the producer.
    placed = hub.step(
        "checkout",
        session=shop["session"],
        baskets=[
            (customers[0], [(offers["Apples"], "3"), (offers["Pears"], "2")]),
            (customers[1], [(offers["Apples"], "1"), (offers["Plums"], "4")]),
            (customers[2], [(offers["Pears"], "5")]),
        ],
    )["orders"]

    (held,) = _orders(producer, token)
    assert held["dfc-b:hasOrderStatus"] == {"@id": "dfc-v:Held"}
    assert _lines(producer, token) == {
        supplied["Apples"]: 4.0,
        supplied["Pears"]: 7.0,
        supplied["Plums"]: 4.0,
    }
    assert _available(producer, token) == {
        str(products["Apples"]): 46.0,
        str(products["Pears"]): 43.0,
        str(products["Plums"]): 46.0,
    }

    # A cancellation: the producer order shrinks at once (PUT), the producer's stock comes back.
    hub.step("cancel", order=placed[1])

    assert _lines(producer, token) == {supplied["Apples"]: 3.0, supplied["Pears"]: 7.0}
    assert _available(producer, token)[str(products["Plums"])] == 50.0

    # The session closes: the producer order is PUT Complete.
    hub.step("close", session=shop["session"])

    final = hub.step("producer_order", session=shop["session"])
    assert final["errors"] == []
    assert final["state"] == "Complete"
    assert set(final["outbox"]) == {"delivered"}
    (complete,) = _orders(producer, token)
    assert complete["@id"] == final["remote_id"] == held["@id"]
    assert complete["dfc-b:hasOrderStatus"] == {"@id": "dfc-v:Complete"}
    assert _lines(producer, token) == {
        product: float(quantity) for product, quantity in final["lines"].items()
    }
    assert final["lines"] == {supplied["Apples"]: "3.000", supplied["Pears"]: "7.000"}
