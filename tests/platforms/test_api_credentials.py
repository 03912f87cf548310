"""Partner credentials: hashed tokens, scopes, revocation, the command, the admin, throttling
and the body-size limit."""

import hashlib
from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import CommandError, call_command

from platforms.models import ApiCredential, ApiScope
from platforms.partner_api.credentials import api_credential_issue, api_credential_revoke
from tests.platforms.api_support import client_for

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_prefix_and_hash(partner):
    issued = api_credential_issue(platform=partner, name="x", scopes=[ApiScope.ORDERS_READ])

    row = ApiCredential.objects.get()
    assert issued.token.startswith("lrd_")
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert row.token_prefix == issued.token[:12]
    assert issued.token not in str(ApiCredential.objects.values().get())


def test_unknown_scope_is_refused_and_nothing_written(partner):
    from platforms.partner_api.credentials import InvalidScopes

    with pytest.raises(InvalidScopes):
        api_credential_issue(platform=partner, name="x", scopes=["orders:delete"])
    assert not ApiCredential.objects.exists()


@pytest.mark.parametrize(
    "header",
    [None, "Bearer lrd_wrongwrongwrongwrongwrong", "Bearer", "Token abc", "Bearer a b"],
)
def test_missing_or_bad_token_is_401_problem(local_platform, header):
    client = client_for(None)
    if header:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get("/api/v1/orders/")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="larder"'


def test_revoked_token_is_refused_at_once(partner, partner_token, api):
    assert api.get("/api/v1/orders/").status_code == 200

    api_credential_revoke(credential=ApiCredential.objects.get(platform=partner))

    assert api.get("/api/v1/orders/").status_code == 401


def test_scope_is_required(partner, local_platform):
    catalog_only = api_credential_issue(
        platform=partner, name="catalog", scopes=[ApiScope.CATALOG_READ]
    ).token
    client = client_for(catalog_only)

    assert client.get("/api/v1/products/").status_code == 200
    response = client.get("/api/v1/orders/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission-denied"


def test_last_used_is_stamped(partner, partner_token, api):
    api.get("/api/v1/orders/")

    assert ApiCredential.objects.get(platform=partner).last_used_at is not None


def test_throttle_counts_per_platform_across_its_tokens(partner, other_token, settings):
    settings.LARDER_API_THROTTLE_RATE = "3/min"
    caches["api"].clear()
    first = client_for(
        api_credential_issue(platform=partner, name="a", scopes=["orders:read"]).token
    )
    second = client_for(
        api_credential_issue(platform=partner, name="b", scopes=["orders:read"]).token
    )

    statuses = [c.get("/api/v1/orders/").status_code for c in (first, second, first, second)]
    other = client_for(other_token).get("/api/v1/orders/")

    assert statuses == [200, 200, 200, 429]
    assert other.status_code == 200
    limited = second.get("/api/v1/orders/")
    assert limited["Content-Type"] == "application/problem+json"
    assert int(limited["Retry-After"]) > 0
    caches["api"].clear()


def test_body_larger_than_the_limit_is_413(api, settings, local_platform):
    settings.LARDER_API_MAX_BODY_BYTES = 100

    response = api.post("/api/v1/orders/", data="x" * 200, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "payload-too-large"


def test_command_prints_a_working_token_once(partner, local_platform):
    out, err = StringIO(), StringIO()

    call_command(
        "issue_api_token",
        partner.slug,
        "--name",
        "OFN",
        "--scope",
        "orders:read",
        stdout=out,
        stderr=err,
    )

    token = out.getvalue().strip()
    assert client_for(token).get("/api/v1/orders/").status_code == 200
    assert ApiCredential.objects.get().scopes == ["orders:read"]
    assert token not in err.getvalue()


def test_command_refuses_the_local_platform(local_platform):
    with pytest.raises(CommandError):
        call_command("issue_api_token", local_platform.slug, "--name", "x", stdout=StringIO())
    assert not ApiCredential.objects.exists()


def test_admin_issues_shows_the_token_once_and_revokes(client, staff_user, partner):
    client.force_login(staff_user)

    response = client.post(
        "/admin/platforms/apicredential/add/",
        {"platform": partner.pk, "name": "From admin", "scopes": ["orders:read"]},
        follow=True,
    )

    credential = ApiCredential.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    token = next(word for m in shown for word in m.split() if word.startswith("lrd_"))
    assert credential.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert client_for(token).get("/api/v1/orders/").status_code == 200
    page = client.get(f"/admin/platforms/apicredential/{credential.pk}/change/")
    assert token not in page.content.decode()

    client.post(
        "/admin/platforms/apicredential/",
        {"action": "revoke", "_selected_action": [credential.pk]},
    )

    assert client_for(token).get("/api/v1/orders/").status_code == 401
