"""Sessions in Redis in front of the database (config/session_store.py), on a Redis of the
test's own (started and stopped here, never the machine's shared one): read from Redis without
a statement while it answers, from the database while it is down, and no request fails for it.
"""

import logging

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from config.session_store import SessionStore
from tests.integration.test_broker_outage import _free_port, own_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_port():
    return _free_port()


@pytest.fixture
def sessions_on(redis_port, settings):
    """The "sessions" cache on the test's own Redis at `redis_port` (started by the test)."""
    with override_settings(
        CACHES={
            **settings.CACHES,
            "sessions": {
                **settings.SESSION_CACHE_REDIS,
                "LOCATION": f"redis://127.0.0.1:{redis_port}/0",
                "KEY_PREFIX": f"test-sessions-{redis_port}",
            },
        },
        SESSION_CACHE_ALIAS="sessions",
    ):
        yield


def _saved(user_id: int = 7) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user_id)
    store.create()
    return store.session_key


def _statements(read) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as queries:
        value = read()
    return value, len(queries)


def test_a_session_is_read_from_redis_without_a_statement(redis_port, sessions_on):
    with own_redis(redis_port):
        key = _saved()
        value, statements = _statements(lambda: SessionStore(key)[SESSION_KEY])
        assert (value, statements) == ("7", 0)

        SessionStore(key).delete()
        assert not Session.objects.filter(session_key=key).exists()
        value, statements = _statements(lambda: SessionStore(key).get(SESSION_KEY))
        assert value is None  # gone from Redis too: the database was asked, and had none
        assert statements == 1


def test_a_session_read_from_the_database_is_kept_in_redis(redis_port, sessions_on):
    with own_redis(redis_port):
        key = _saved()
        SessionStore(key)._cache.clear()  # as after a restart of Redis without its data
        assert _statements(lambda: SessionStore(key)[SESSION_KEY]) == ("7", 1)
        assert _statements(lambda: SessionStore(key)[SESSION_KEY]) == ("7", 0)


def test_while_redis_is_down_the_database_serves_every_session_operation(
    redis_port, sessions_on, caplog
):
    with own_redis(redis_port) as redis:
        key = _saved()
        redis.terminate()
        redis.wait(timeout=10)

        with caplog.at_level(logging.WARNING, logger="config.session_store"):
            store = SessionStore(key)
            assert _statements(lambda: store[SESSION_KEY]) == ("7", 1)
            store["cart"] = 12
            store.save()
            assert SessionStore(key).load() == {SESSION_KEY: "7", "cart": 12}
            assert SessionStore(key).exists(key)

            other = _saved(user_id=8)  # a new session (a sign-in) while Redis is down
            assert Session.objects.filter(session_key=other).exists()

            store.flush()  # sign out
            assert not Session.objects.filter(session_key=key).exists()
            assert SessionStore(key).load() == {}

        assert "session cache unavailable on load" in caplog.text
        assert "session cache unavailable on delete" in caplog.text


def test_an_entry_lives_at_most_session_cache_seconds(redis_port, sessions_on):
    # override_settings, not pytest-django's `settings`: undone after sessions_on, `settings`
    # would restore the settings it saw, sessions_on's CACHES (a stopped Redis) with them.
    with own_redis(redis_port), override_settings(SESSION_CACHE_SECONDS=60):
        key = _saved()
        store = SessionStore(key)
        client = store._cache._cache.get_client(store.cache_key)
        ttl = client.ttl(store._cache.make_and_validate_key(store.cache_key))
        assert 0 < ttl <= 60


def test_the_cache_keeps_one_redis_client(redis_port, sessions_on):
    """config.redis_cache: one redis-py client per pool, not one built per operation."""
    with own_redis(redis_port):
        store = SessionStore(_saved())
        client = store._cache._cache.get_client(write=True)
        assert store._cache._cache.get_client(write=True) is client
        assert store.load()[SESSION_KEY] == "7"
