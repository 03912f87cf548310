"""The admin login locks a user out at an address after AXES_FAILURE_LIMIT wrong passwords
(django-axes); a superuser unlocks it in the admin."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.org", "right-pw")


def _login(client: Client, password: str, address: str = "203.0.113.5"):
    return client.post(LOGIN, {"username": "boss", "password": password}, REMOTE_ADDR=address)


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _locked_out(client: Client) -> None:
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = _login(client, f"wrong-{attempt}")
        assert not _signed_in(client)
    assert response.status_code == 429


def test_the_right_password_is_refused_after_too_many_wrong_ones(boss):
    client = Client()
    _locked_out(client)

    response = _login(client, "right-pw")

    assert response.status_code == 429
    assert not _signed_in(client)
    assert AccessAttempt.objects.get().username == "boss"


def test_the_lockout_is_per_user_and_address(boss):
    _locked_out(Client())
    elsewhere = Client()

    response = _login(elsewhere, "right-pw", address="198.51.100.7")

    assert response.status_code == 302
    assert _signed_in(elsewhere)


def test_a_superuser_unlocks_in_the_admin(boss, admin_client):
    client = Client()
    _locked_out(client)
    attempt = AccessAttempt.objects.get()

    changelist = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    unlocked = admin_client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    response = _login(client, "right-pw")

    assert changelist.status_code == 200
    assert "boss" in changelist.content.decode()
    assert unlocked.status_code == 302
    assert response.status_code == 302
    assert _signed_in(client)


def test_the_limit_and_cool_off_come_from_the_environment():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME, s.AXES_LOCKOUT_PARAMETERS)",
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "AXES_FAILURE_LIMIT": "7",
            "AXES_COOLOFF_MINUTES": "90",
            "AXES_LOCKOUT_PARAMETERS": "ip_address",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "7 1:30:00 ['ip_address']"
