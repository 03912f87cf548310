"""Customer accounts through django-allauth's headless API: login throttled, password reset
by e-mail, the browser client's CSRF, a bad token refused, one customer per trader."""

import re
from urllib.parse import unquote

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from orders.models import Customer
from tests.factories import TraderFactory

pytestmark = pytest.mark.django_db

APP = "/api/auth/app/v1"
PASSWORD = "a long pass for Ada 42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # allauth counts attempts in the default cache
    yield
    cache.clear()


@pytest.fixture
def ada(django_user_model):
    user = django_user_model.objects.create_user("ada", "ada@example.org", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _login(client, password):
    return client.post(
        f"{APP}/auth/login", {"email": "ada@example.org", "password": password}, format="json"
    )


def test_failed_logins_are_throttled_per_e_mail_address(ada):
    # Two locks: django-axes (AXES_FAILURE_LIMIT, 5) answers the 5th failure with its 429;
    # allauth's LARDER_LOGIN_FAILED_RATE (5 per 5 minutes per address) refuses every later
    # attempt before the password is checked, the right one too.
    client = APIClient()
    answers = [_login(client, "wrong password") for _ in range(6)]
    assert [a.status_code for a in answers] == [400, 400, 400, 400, 429, 400]
    assert [_error_code(a) for a in answers[:4]] == ["email_password_mismatch"] * 4
    assert _error_code(answers[5]) == "too_many_login_attempts"
    assert _error_code(_login(APIClient(), PASSWORD)) == "too_many_login_attempts"


def _error_code(response) -> str | None:
    if response["Content-Type"] != "application/json":
        return None
    errors = response.json().get("errors") or [{}]
    return errors[0].get("code")


def test_a_password_is_reset_through_the_link_sent_by_e_mail(ada):
    client = APIClient()
    requested = client.post(
        f"{APP}/auth/password/request", {"email": "ada@example.org"}, format="json"
    )
    assert requested.status_code == 200, requested.content
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    key = unquote(re.search(r"/account/password/reset/(\S+)", mail.outbox[0].body).group(1))

    reset = client.post(
        f"{APP}/auth/password/reset",
        {"key": key, "password": "a brand new pass 77"},
        format="json",
    )

    assert reset.status_code in (200, 401), reset.content
    assert _login(APIClient(), PASSWORD).status_code == 400
    assert _login(APIClient(), "a brand new pass 77").status_code == 200


def test_the_browser_client_needs_the_csrf_token(ada):
    browser = Client(enforce_csrf_checks=True)
    body = {"email": "ada@example.org", "password": PASSWORD}
    refused = browser.post("/api/auth/browser/v1/auth/login", body, content_type="application/json")
    assert refused.status_code == 403
    browser.get("/api/auth/browser/v1/config")
    token = browser.cookies["csrftoken"].value
    logged_in = browser.post(
        "/api/auth/browser/v1/auth/login",
        body,
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert logged_in.status_code == 200, logged_in.content
    assert browser.get("/api/storefront/account/").status_code == 200
    # The storefront's writes need the CSRF token too, for a session-cookie client.
    trader = TraderFactory()
    without = browser.post(
        "/api/storefront/account/customers/",
        {"trader": trader.pk, "name": "Ada"},
        content_type="application/json",
    )
    assert without.status_code == 403
    assert Customer.objects.count() == 0


def test_a_bad_session_token_is_refused(ada):
    response = APIClient().get("/api/storefront/account/", HTTP_X_SESSION_TOKEN="not-a-token")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_one_customer_record_per_trader(ada):
    client = APIClient()
    client.force_authenticate(ada)
    trader = TraderFactory()
    first = client.post(
        "/api/storefront/account/customers/", {"trader": trader.pk, "name": "Ada"}, format="json"
    )
    second = client.post(
        "/api/storefront/account/customers/", {"trader": trader.pk, "name": "Ada"}, format="json"
    )
    assert first.status_code == 201
    assert (second.status_code, second.json()["code"]) == (409, "already-a-customer")
    assert Customer.objects.filter(user=ada).count() == 1
