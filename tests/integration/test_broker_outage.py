"""The broker is down when a customer pays: the payment answers 2xx (the session read from the
database, not the Redis that is down) and its after-commit work is kept as rows; once the
broker is back, a real worker and beat's sweep complete everything.

The test starts and stops a Redis of its own on a free port (never the machine's shared one)
and a real web server, worker and beat in subprocesses on the test database.
"""

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from config.actors import Actor
from config.models import WorkRequest
from orders.models import Order, ProducerOrder
from orders.services.checkout import cart_submit
from platforms.models import OutboxMessage
from tests.factories import PlatformFactory, ProducerFactory, ProductFactory, SaleSessionFactory
from tests.integration.worker import celery_beat, celery_worker, larder_env
from tests.inventory.factories import cart_with, customer_of, offer_with_stock
from tests.platforms.partner import PartnerServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
CSRF = "c" * 32


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


@contextmanager
def own_redis(port: int):
    """A Redis of this test's own (no persistence), stopped on exit."""
    process = subprocess.Popen(
        [shutil.which("redis-server"), "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: _answers(port), 10, "redis to start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def web_server(env: dict, log: Path):
    port = _free_port()
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(lambda: _answers(port), 30, f"the web server:\n{log.read_text()}")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=10)


def _login(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _post(url: str, body: dict, session_key: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session_key}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {"body": error.read().decode()[:2000]}


def test_paying_while_the_broker_is_down_loses_nothing(django_user_model, tmp_path):
    partner = PartnerServer().start()
    redis_port = _free_port()
    broker = f"redis://127.0.0.1:{redis_port}/0"
    prefix = f"outage-{redis_port}-"
    fast = {"LARDER_WORK_REQUEUE_SECONDS": "1", "LARDER_SWEEP_SECONDS": "1", "CONN_MAX_AGE": "0"}
    try:
        platform = PlatformFactory(base_url=partner.base_url + "/api/dfc/")
        farm = ProducerFactory(platform=platform, remote_id=partner.producer_url("farm"))
        session = SaleSessionFactory()
        apples = offer_with_stock(
            session,
            on_hand="10",
            product=ProductFactory(producer=farm, remote_id=f"{farm.remote_id}/SuppliedProducts/1"),
        )
        user = django_user_model.objects.create_user("ada", "ada@example.org", "pw")
        cart = cart_with(session, [(apples, "2")], customer=customer_of(session, user=user))
        cart_submit(order_id=cart.pk, actor=Actor.system("test"))
        session_key = _login(user)

        # The sessions' cache on the same Redis (config/session_store.py): down with it.
        env = larder_env(prefix=prefix, broker_url=broker, LARDER_CACHE_URL=broker, **fast)
        with own_redis(redis_port) as redis:
            redis.terminate()  # the broker goes down
            redis.wait(timeout=10)
            with web_server(env, tmp_path / "web.log") as base:
                started = time.monotonic()
                pay = f"{base}/api/storefront/carts/{cart.pk}/pay/"
                status, body = _post(pay, {"method": "invoice"}, session_key)
                took = time.monotonic() - started
            web_log = (tmp_path / "web.log").read_text()

        assert status == 200, body
        assert body["status"] == "I"
        assert took < 15
        assert "could not queue orders.tasks.producer_orders_refresh_task" in web_log
        assert "session cache unavailable on load" in web_log  # read from the database
        assert Order.objects.get(pk=cart.pk).status == "I"
        request = WorkRequest.objects.get()  # the refresh is owed, durably
        assert request.params == {"order_id": cart.pk, "also_producer_ids": []}
        assert not ProducerOrder.objects.exists()

        with (
            own_redis(redis_port),
            celery_worker(prefix=prefix, CELERY_BROKER_URL=broker, **fast) as worker_log,
            celery_beat(prefix=prefix, CELERY_BROKER_URL=broker, **fast),
        ):
            _wait_for(
                lambda: OutboxMessage.objects.filter(state="delivered").exists(),
                60,
                "the delivery:\n" + "".join(worker_log[-30:]),
            )

        assert not WorkRequest.objects.exists()
        producer_order = ProducerOrder.objects.get()
        assert producer_order.status == "G"
        (order,) = partner.order_nodes()
        assert producer_order.remote_id == order["@id"]
        graph = partner.state.orders[order["@id"].removeprefix(partner.base_url)]
        assert [n["dfc-b:quantity"] for n in graph if n["@type"] == "dfc-b:OrderLine"] == [2.0]
    finally:
        partner.stop()
