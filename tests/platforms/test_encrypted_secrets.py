"""Platform secrets are encrypted at rest with keys from the environment, rotatable with an
overlap window, and write-only in the admin."""

import importlib
import sys
import uuid

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.debug import technical_500_response

from platforms.models import Platform
from platforms.outbox.signing import sign, signature_headers, verify
from tests.factories import PlatformFactory

pytestmark = pytest.mark.django_db
SECRETS = ("signing_secret", "customer_hash_secret", "outbound_token")
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
# A secret whose base64 is malformed (31 characters), made here rather than written out: an
# error page quotes the source lines around the raise.
BROKEN_SECRET = "whsec_" + uuid.uuid4().hex[:31]


def _stored(platform: Platform) -> dict[str, str]:
    """The columns as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(SECRETS)} FROM platforms_platform WHERE id = %s", [platform.pk]
        )
        return dict(zip(SECRETS, cursor.fetchone(), strict=True))


def _read(platform: Platform) -> dict[str, str]:
    fresh = Platform.objects.get(pk=platform.pk)
    return {name: getattr(fresh, name) for name in SECRETS}


def test_secrets_are_stored_encrypted_and_read_in_clear():
    platform = PlatformFactory(outbound_token="partner-issued-token")
    clear = {name: getattr(platform, name) for name in SECRETS}

    stored = _stored(platform)

    assert _read(platform) == clear
    for name in SECRETS:
        assert stored[name].startswith("gAAAAA")
        assert clear[name] not in stored[name]
    headers = signature_headers(
        secret=_read(platform)["signing_secret"], message_id="m1", timestamp=1000, body=b"{}"
    )
    assert verify(secret=clear["signing_secret"], headers=headers, body=b"{}", now=1000)


def test_rotation_reads_with_any_key_and_reencrypts_with_the_first():
    with override_settings(LARDER_FIELD_ENCRYPTION_KEYS=[OLD_KEY]):
        platform = PlatformFactory(outbound_token="partner-issued-token")
        clear = _read(platform)
    before = _stored(platform)

    with override_settings(LARDER_FIELD_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert _read(platform) == clear  # the overlap window: old tokens still read
        call_command("secrets_reencrypt", verbosity=0)
    after = _stored(platform)

    assert all(after[name] != before[name] for name in SECRETS)
    with override_settings(LARDER_FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
        assert _read(platform) == clear
    with (
        override_settings(LARDER_FIELD_ENCRYPTION_KEYS=[OLD_KEY]),
        pytest.raises(ImproperlyConfigured, match="cannot be decrypted"),
    ):
        _read(platform)


def test_the_data_migration_encrypts_rows_stored_in_clear():
    platform = PlatformFactory(outbound_token="")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE platforms_platform SET signing_secret = %s, customer_hash_secret = %s "
            "WHERE id = %s",
            ["whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0ISE=", "ab" * 32, platform.pk],
        )
    migration = importlib.import_module("platforms.migrations.0009_encrypted_secrets")

    with connection.schema_editor() as schema_editor:
        migration.secrets_encrypt(apps, schema_editor)

    stored = _stored(platform)
    assert stored["signing_secret"].startswith("gAAAAA")
    assert stored["outbound_token"] == ""
    assert _read(platform) == {
        "signing_secret": "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0ISE=",
        "customer_hash_secret": "ab" * 32,
        "outbound_token": "",
    }


def test_the_admin_never_shows_the_secrets(admin_client):
    platform = PlatformFactory(outbound_token="partner-issued-token")
    clear = _read(platform)

    page = admin_client.get(reverse("admin:platforms_platform_change", args=[platform.pk]))

    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="new_signing_secret"' in body
    for name in SECRETS:
        assert clear[name] not in body
        assert _stored(platform)[name] not in body


def _form(platform: Platform, **secrets: str) -> dict:
    return {
        "name": platform.name,
        "slug": platform.slug,
        "kind": platform.kind,
        "base_url": platform.base_url,
        "new_signing_secret": "",
        "new_customer_hash_secret": "",
        "new_outbound_token": "",
        **secrets,
    }


def test_the_admin_replaces_a_secret_typed_in_and_keeps_the_others(admin_client):
    platform = PlatformFactory(outbound_token="partner-issued-token")
    before = _read(platform)
    url = reverse("admin:platforms_platform_change", args=[platform.pk])

    response = admin_client.post(url, _form(platform, new_outbound_token="a-new-token"))

    assert response.status_code == 302
    assert _read(platform) == {**before, "outbound_token": "a-new-token"}


def test_the_admin_refuses_a_malformed_signing_secret(admin_client):
    platform = PlatformFactory()
    before = _read(platform)
    url = reverse("admin:platforms_platform_change", args=[platform.pk])

    response = admin_client.post(url, _form(platform, new_signing_secret="not-a-secret"))

    assert response.status_code == 200
    assert "A signing secret is whsec_" in response.content.decode()
    assert _read(platform) == before


@override_settings(DEBUG=False)  # what error e-mails hold (Django shows locals when DEBUG)
def test_error_reports_never_show_a_signing_secret():
    try:
        sign(secret=BROKEN_SECRET, message_id="m1", timestamp=1000, body=b"{}")
    except ValueError:
        page = technical_500_response(RequestFactory().get("/"), *sys.exc_info()).content
    page = page.decode()

    assert "The signing secret is not whsec_ and base64." in page
    assert BROKEN_SECRET.removeprefix("whsec_") not in page
