"""Outbound credentials: OAuth2 client credentials against a fake OIDC token endpoint on
loopback (acquisition, caching until expiry, renewal when the partner refuses the token),
static tokens of any length, and the admin's "test connection"."""

import base64
import json
import threading
import time
import urllib.parse
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from orders.models import ProducerOrder
from orders.producer_orders.services import producer_orders_refresh
from platforms.admin.tenancy import PlatformForm
from platforms.models import DeliveryAttempt, OutboxMessage, Platform
from platforms.outbox import partner_auth
from tests.factories import (
    OrderFactory,
    OrderItemFactory,
    PlatformFactory,
    ProducerFactory,
    ProductFactory,
    SaleSessionFactory,
)
from tests.platforms.producer_platforms import FdcShopifyProducer, OpenFoodNetworkProducer

pytestmark = pytest.mark.django_db
CLIENT_ID, SECRET, SCOPE = "larder-hub", "s3cret:with/odd chars", "openid profile"


class TokenEndpoint:
    """RFC 6749 §4.4 on loopback: checks HTTP Basic client authentication, the grant type and
    the scope, issues long opaque tokens with `expires_in`, and tells `partner` to accept
    each token it issues."""

    def __init__(self, partner, expires_in: int = 300):
        self.partner = partner
        self.expires_in = expires_in
        self.issued: list[str] = []
        self.refuse = False
        self.errors: list[str] = []

    def start(self):
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                basic = self.headers.get("Authorization", "").removeprefix("Basic ")
                user, _, password = base64.b64decode(basic).decode().partition(":")
                client = (urllib.parse.unquote(user), urllib.parse.unquote(password))
                if endpoint.refuse or client != (CLIENT_ID, SECRET):
                    return self._json(
                        401, {"error": "invalid_client", "error_description": "Bad secret"}
                    )
                if form.get("grant_type") != ["client_credentials"] or form.get("scope") != [SCOPE]:
                    endpoint.errors.append(f"bad form {form}")
                    return self._json(400, {"error": "invalid_request"})
                token = f"eyJ{len(endpoint.issued)}." + "x" * 1800  # longer than 200 characters
                endpoint.issued.append(token)
                endpoint.partner.state.tokens.add(token)
                return self._json(
                    200,
                    {
                        "access_token": token,
                        "token_type": "Bearer",
                        "expires_in": endpoint.expires_in,
                    },
                )

            def _json(self, status, payload):
                raw = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_port}/realms/fdc/token"
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def ofn():
    server = OpenFoodNetworkProducer().start()
    yield server
    server.stop()


@pytest.fixture
def token_endpoint(ofn):
    endpoint = TokenEndpoint(ofn).start()
    yield endpoint
    endpoint.stop()


def _platform(server, endpoint, kind=Platform.Kind.OFN):
    return PlatformFactory(
        kind=kind,
        base_url=server.base_url + "/api/dfc/",
        oidc_token_url=endpoint.url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=SECRET,
        oidc_scope=SCOPE,
    )


def _order_for(platform, remote_id, product_id, quantity="2"):
    session = SaleSessionFactory()
    producer = ProducerFactory(platform=platform, remote_id=remote_id)
    product = ProductFactory(producer=producer, remote_id=product_id)
    order = OrderFactory(trader=session.trader, sales_session=session, status="C")
    OrderItemFactory(order=order, product=product, quantity=Decimal(quantity))
    return session, order


def _refresh(session, capture):
    with capture(execute=True):
        producer_orders_refresh(session_id=session.pk)


def _authorizations(server) -> list[str]:
    return [headers.get("Authorization", "") for _, _, headers, _ in server.requests()]


def test_a_token_is_acquired_once_and_reused_until_it_expires(
    ofn, token_endpoint, django_capture_on_commit_callbacks
):
    partner_auth._tokens.clear()
    platform = _platform(ofn, token_endpoint)
    for enterprise_id in (10000, 20000):
        session, _ = _order_for(
            platform, ofn.enterprise_url(enterprise_id), ofn.variant_url(enterprise_id, 1)
        )
        _refresh(session, django_capture_on_commit_callbacks)

    assert len(token_endpoint.issued) == 1
    assert _authorizations(ofn) == [f"Bearer {token_endpoint.issued[0]}"] * 2
    assert token_endpoint.errors == []
    assert ofn.state.violations == []
    assert OutboxMessage.objects.exclude(state="delivered").count() == 0


def test_an_expired_token_is_renewed_before_the_next_request(
    ofn, token_endpoint, django_capture_on_commit_callbacks
):
    partner_auth._tokens.clear()
    token_endpoint.expires_in = 1
    platform = _platform(ofn, token_endpoint)
    session, order = _order_for(platform, ofn.enterprise_url(10000), ofn.variant_url(10000, 1))
    _refresh(session, django_capture_on_commit_callbacks)
    time.sleep(1.1)
    order.items.update(quantity=Decimal("3"))
    _refresh(session, django_capture_on_commit_callbacks)

    assert len(token_endpoint.issued) == 2
    assert _authorizations(ofn) == [f"Bearer {token}" for token in token_endpoint.issued]
    assert ofn.state.violations == []


@pytest.mark.parametrize("kind", [Platform.Kind.OFN, Platform.Kind.SHOPIFY_FDC])
def test_a_token_the_partner_refuses_is_renewed_and_the_request_repeated_once(
    kind, token_endpoint, django_capture_on_commit_callbacks
):
    partner_auth._tokens.clear()
    if kind == Platform.Kind.SHOPIFY_FDC:
        server = FdcShopifyProducer().start()
        token_endpoint.partner = server
        remote_id, product_id = server.enterprise_url("valley"), server.variant_url("valley", 4)
    else:
        server = token_endpoint.partner
        remote_id, product_id = server.enterprise_url(10000), server.variant_url(10000, 4)
    try:
        platform = _platform(server, token_endpoint, kind=kind)
        partner_auth.access_token(platform)  # cached, then revoked by the partner
        server.state.tokens.clear()
        session, _ = _order_for(platform, remote_id, product_id)
        _refresh(session, django_capture_on_commit_callbacks)
        statuses = [a.status_code for a in DeliveryAttempt.objects.order_by("pk")]
        authorizations = _authorizations(server)
        violations = [v for v in server.state.violations if "no known bearer" not in v]
    finally:
        if kind == Platform.Kind.SHOPIFY_FDC:
            server.stop()

    # OFN answers 401, the FDC app 403 "token expired": both renew the token once.
    assert len(token_endpoint.issued) == 2
    assert authorizations == [f"Bearer {token}" for token in token_endpoint.issued]
    assert statuses == [201 if kind == Platform.Kind.OFN else 200]
    assert ProducerOrder.objects.get().partner_state == "accepted"
    assert violations == []


def test_a_refusing_token_endpoint_sends_nothing_and_says_why(
    ofn, token_endpoint, django_capture_on_commit_callbacks
):
    partner_auth._tokens.clear()
    token_endpoint.refuse = True
    platform = _platform(ofn, token_endpoint)
    session, _ = _order_for(platform, ofn.enterprise_url(10000), ofn.variant_url(10000, 1))
    _refresh(session, django_capture_on_commit_callbacks)

    assert ofn.requests() == []
    message = OutboxMessage.objects.get()
    assert (message.state, message.last_error) == (
        "pending",
        "credentials: token endpoint answered 401: invalid_client — Bad secret",
    )
    assert ProducerOrder.objects.get().remote_id == ""


def _platform_form(server, **fields) -> PlatformForm:
    return PlatformForm(
        data={
            "name": "OFN UK",
            "slug": "ofn-uk",
            "kind": Platform.Kind.OFN,
            "base_url": server.base_url + "/api/dfc/",
            **fields,
        }
    )


def test_a_static_token_of_any_length_is_kept_encrypted_and_sent(
    ofn, django_capture_on_commit_callbacks
):
    token = "eyJ" + "a" * 4000
    form = _platform_form(ofn, new_outbound_token=token)
    assert form.is_valid(), form.errors
    platform = form.save()
    ofn.state.tokens.add(token)
    session, _ = _order_for(platform, ofn.enterprise_url(10000), ofn.variant_url(10000, 1))
    _refresh(session, django_capture_on_commit_callbacks)

    assert _authorizations(ofn) == [f"Bearer {token}"]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT outbound_token FROM platforms_platform WHERE id = %s", [platform.pk])
        (stored,) = cursor.fetchone()
    assert token not in stored


def test_a_token_url_without_a_client_secret_is_a_form_error(ofn):
    form = _platform_form(
        ofn, oidc_token_url="https://login.example/realms/x/token", oidc_client_id=CLIENT_ID
    )
    assert not form.is_valid()
    assert form.non_field_errors() == [
        "A token URL needs a client id and a client secret (client credentials)."
    ]
    assert Platform.objects.filter(slug="ofn-uk").exists() is False


def test_the_admin_test_connection_reports_what_the_partner_answered(
    admin_client, ofn, token_endpoint
):
    partner_auth._tokens.clear()
    platform = _platform(ofn, token_endpoint)
    ProducerFactory(platform=platform, remote_id=ofn.enterprise_url(10000))
    url = reverse("admin:platforms_platform_changelist")

    response = admin_client.post(
        url, {"action": "test_connection", "_selected_action": [platform.pk]}, follow=True
    )
    # OFN's fake has no enterprise page: it answers 404 with an empty body, as OFN does.
    assert [str(m) for m in response.context["messages"]] == [
        f"{platform.name}: token endpoint issued an access token; "
        f"GET {ofn.enterprise_url(10000)} answered 404: no explanation"
    ]

    token_endpoint.refuse = True
    response = admin_client.post(
        url, {"action": "test_connection", "_selected_action": [platform.pk]}, follow=True
    )
    assert [str(m) for m in response.context["messages"]] == [
        f"{platform.name}: token endpoint answered 401: invalid_client — Bad secret"
    ]
