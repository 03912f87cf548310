import pytest
from rest_framework.test import APIClient

from tests.factories import SaleSessionFactory
from tests.inventory.factories import customer_of
from tests.platforms.partner import PartnerServer

PROBLEM = "application/problem+json"


@pytest.fixture
def recording_partner():
    """A partner platform on loopback that records what it receives (tests/platforms/partner.py)."""
    server = PartnerServer().start()
    yield server
    server.stop()


@pytest.fixture
def session():
    """An open sales session (a test module may define its own)."""
    return SaleSessionFactory()


@pytest.fixture
def shopper(session, django_user_model):
    """A storefront client logged in as Ada, a customer of the session's trader
    (`shopper.customer`)."""
    user = django_user_model.objects.create_user("ada", "ada@example.org", "pw")
    client = APIClient()
    client.customer = customer_of(session, user=user, name="Ada")
    client.force_authenticate(user)
    return client


def assert_problem(response, status: int, code: str) -> dict:
    """The response is an RFC 9457 problem document with this status and code; its body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"].endswith(code)
    return body
