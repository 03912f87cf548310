"""Schemathesis over the OpenAPI schema, in process against the WSGI app: no 5xx, every
response matching its documented schema, status and media type, and every endpoint refusing
a request without a credential (the `ignored_auth` check)."""

import re
from decimal import Decimal

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from inventory.services.stock import stock_set
from tests.factories import OfferFactory, ProducerFactory, ProductFactory, SaleSessionFactory

# The partner API only: the storefront has its own tests and authentication.
schema = schemathesis.pytest.from_fixture("partner_schema").exclude(path_regex=r"/storefront/")


@pytest.fixture
def partner_schema(db):
    # As Django's test client does: the request cycle must not close the test's connection
    # (its transaction is rolled back at the end of the test).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    yield loaded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def catalogue(local_platform):
    farm = ProducerFactory(slug="green-farm")
    product = ProductFactory(producer=farm)
    stock_set(product_id=product.pk, on_hand=Decimal("10"))
    return OfferFactory(session=SaleSessionFactory(trader=farm), product=product)


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_partner_api_conforms_to_its_schema(case, partner_token, catalogue):
    if "slug" in (case.path_parameters or {}):
        # Reach a real enterprise: unknown slugs are 404 (tests/platforms/test_api_dfc.py).
        case.path_parameters["slug"] = "green-farm"
    case.call_and_validate(
        headers={"Authorization": f"Bearer {partner_token}"},
        additional_checks=[ignored_auth],
        # A DFC graph's validity (a known context, one Order, lines naming real offers) is
        # more than JSON Schema says, so a schema-valid body may rightly be refused (400/422).
        excluded_checks=[positive_data_acceptance] if case.method in ("POST", "PUT") else [],
    )


def test_schema_and_docs_page_are_served(client):
    schema_response = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema_response.status_code == 200
    assert b"/api/dfc/Enterprises/{slug}/Orders" in schema_response.content
    assert docs.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', docs.content.decode())
    # Offline: every script and stylesheet is one of Larder's own static files.
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), asset
