"""A kept connection is health-checked (SELECT 1) only after it has been idle
(config/postgresql/base.py): a request on a connection used moments ago sends no SELECT 1, one
idle longer is checked, and a connection the server closed is replaced, not an error."""

import time

import psycopg
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db(transaction=True)


def _health_checks(monkeypatch) -> list[bool]:
    """Every is_usable() Django's check calls, with what it answered (the real check runs)."""
    made: list[bool] = []
    wrapper = connections["default"]
    real = wrapper.is_usable

    def spied():
        made.append(real())
        return made[-1]

    monkeypatch.setattr(wrapper, "is_usable", spied)
    return made


def _request_on_kept_connection() -> int:
    """What Django does around a request on a kept connection; the request's answer."""
    connection.close_if_unusable_or_obsolete()  # request_started
    with connection.cursor() as cursor:
        cursor.execute("SELECT 42")
        (answer,) = cursor.fetchone()
    connection.close_if_unusable_or_obsolete()  # request_finished
    return answer


@pytest.fixture
def checks_on():
    wrapper = connections["default"]
    before = wrapper.health_check_enabled, wrapper.settings_dict["HEALTH_CHECK_IDLE_SECONDS"]
    wrapper.health_check_enabled = True
    wrapper.settings_dict["HEALTH_CHECK_IDLE_SECONDS"] = 0.5
    yield
    wrapper.health_check_enabled, wrapper.settings_dict["HEALTH_CHECK_IDLE_SECONDS"] = before


def test_a_connection_used_moments_ago_is_not_checked(checks_on, monkeypatch):
    _request_on_kept_connection()
    made = _health_checks(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        assert _request_on_kept_connection() == 42
    assert made == []
    assert [q["sql"] for q in queries] == ["SELECT 42"]


def test_an_idle_connection_is_checked(checks_on, monkeypatch):
    _request_on_kept_connection()
    made = _health_checks(monkeypatch)
    time.sleep(0.6)
    assert _request_on_kept_connection() == 42
    assert made == [True]


def test_a_connection_the_server_closed_while_idle_is_replaced_not_an_error(checks_on, monkeypatch):
    _request_on_kept_connection()
    old = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [old])
    made = _health_checks(monkeypatch)
    time.sleep(0.6)
    assert _request_on_kept_connection() == 42
    assert made == [False]
    assert connection.connection.info.backend_pid != old


def test_a_connection_psycopg_knows_broken_is_checked(checks_on, monkeypatch):
    _request_on_kept_connection()
    made = _health_checks(monkeypatch)
    connection.connection.close()
    assert _request_on_kept_connection() == 42
    assert made == [False]
