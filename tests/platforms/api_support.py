import pytest
from rest_framework.test import APIClient

from platforms.models import ApiScope
from platforms.partner_api.credentials import api_credential_issue
from tests.factories import LocalPlatformFactory, PlatformFactory

ALL_SCOPES = [ApiScope.ORDERS_READ, ApiScope.ORDERS_WRITE, ApiScope.CATALOG_READ]


def client_for(token: str | None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def local_platform(db):
    return LocalPlatformFactory()


@pytest.fixture
def partner(db):
    return PlatformFactory(slug="ofn-hub", name="OFN hub")


@pytest.fixture
def other_partner(db):
    return PlatformFactory(slug="other-hub", name="Other hub")


@pytest.fixture
def partner_token(partner):
    return api_credential_issue(platform=partner, name="test", scopes=ALL_SCOPES).token


@pytest.fixture
def other_token(other_partner):
    return api_credential_issue(platform=other_partner, name="test", scopes=ALL_SCOPES).token


@pytest.fixture
def api(partner_token):
    return client_for(partner_token)


@pytest.fixture
def other_api(other_token):
    return client_for(other_token)
