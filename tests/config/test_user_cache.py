"""The signed-in user from the "sessions" cache (config/user_cache.py): no SELECT of auth_user
once cached, and every change Django's lookup would see still takes effect on the next request —
a deactivated user, a changed password (other sessions signed out), a staff role removed, a
deleted user — and the database serves while Redis is down.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from config.user_cache import INVALIDATED, _key, cached_user, user_cache_invalidate
from tests.integration.test_broker_outage import _free_port, own_redis

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(
        "chef", "chef@example.com", "a-long-passphrase", is_staff=True, is_superuser=True
    )


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _user_reads(client: Client) -> tuple[int, int]:
    """The admin index's status and how many statements read the user's row by id."""
    with CaptureQueriesContext(connection) as queries:
        status = client.get("/admin/").status_code
    reads = [q for q in queries if 'FROM "auth_user" WHERE "auth_user"."id" =' in q["sql"]]
    return status, len(reads)


def test_the_user_is_read_from_the_database_once_then_from_the_cache(staff):
    client = _signed_in(staff)
    assert _user_reads(client) == (200, 1)
    assert _user_reads(client) == (200, 0)
    assert _user_reads(client) == (200, 0)


def test_signing_in_again_keeps_the_entry(staff):
    """A sign-in writes only `last_login`: nothing a request checks, so the entry stays."""
    client = _signed_in(staff)
    assert _user_reads(client) == (200, 1)
    other = _signed_in(staff)
    assert _user_reads(other) == (200, 0)
    assert _user_reads(client) == (200, 0)


def test_a_deactivated_user_is_signed_out_on_the_next_request(staff):
    client = _signed_in(staff)
    assert _user_reads(client) == (200, 1)
    staff.is_active = False
    staff.save()
    assert client.get("/admin/").status_code == 302


def test_a_staff_role_removed_takes_effect_on_the_next_request(staff):
    client = _signed_in(staff)
    assert _user_reads(client) == (200, 1)
    get_user_model().objects.get(pk=staff.pk)  # another request's copy of the row
    staff.is_staff = False
    staff.save(update_fields=["is_staff"])
    assert client.get("/admin/").status_code == 302


def test_a_password_change_signs_the_other_sessions_out(staff):
    other = _signed_in(staff)
    assert _user_reads(other) == (200, 1)
    assert _user_reads(other) == (200, 0)
    staff.set_password("another-long-passphrase")
    staff.save()
    assert other.get("/admin/").status_code == 302
    assert "_auth_user_id" not in other.session  # flushed, as Django does


def test_a_deleted_user_is_signed_out(staff):
    client = _signed_in(staff)
    assert _user_reads(client) == (200, 1)
    staff.delete()
    assert client.get("/admin/").status_code == 302


def test_a_row_read_before_an_invalidation_is_not_put_back(staff):
    """A request that read the row before a change committed adds it after the change's marker:
    the add does not overwrite the marker, so the next request reads the database."""
    from django.contrib.auth.backends import ModelBackend

    cache = caches["sessions"]
    user_cache_invalidate(staff.pk)
    assert cache.get(_key(staff.pk)) == INVALIDATED
    assert cached_user(ModelBackend(), staff.pk) == staff
    assert cache.get(_key(staff.pk)) == INVALIDATED


def test_the_database_serves_while_redis_is_down(staff, settings):
    port = _free_port()
    with override_settings(
        CACHES={
            **settings.CACHES,
            "sessions": {
                **settings.SESSION_CACHE_REDIS,
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "KEY_PREFIX": f"test-users-{port}",
            },
        },
    ):
        with own_redis(port):
            client = _signed_in(staff)
            assert _user_reads(client) == (200, 1)
            assert _user_reads(client) == (200, 0)
        # Redis stopped: the session and the user from the database, still signed in.
        assert _user_reads(client) == (200, 1)
        staff.is_active = False
        staff.save()  # the invalidation cannot reach Redis: logged, not raised
        assert client.get("/admin/").status_code == 302


def test_the_sessions_cache_is_keyed_by_database(settings):
    # Two databases in turn on one Redis (make bench makes one per run) share user ids: the
    # production prefix names the database, so one never reads the other's users.
    prefix = settings.SESSION_CACHE_REDIS["KEY_PREFIX"]
    named = prefix.removeprefix("larder-sessions:")
    # The test database's name is the configured one's, prefixed and suffixed by the runner.
    assert named != prefix
    assert named
    assert named in settings.DATABASES["default"]["NAME"]


def test_the_cache_never_holds_the_password_hash(staff):
    """An entry holds the session auth hashes (HMACs of the password hash keyed by SECRET_KEY,
    what every session stores already), never the password hash; the user built from it reads
    its password from the database only if asked."""
    from django.contrib.auth.backends import ModelBackend

    client = _signed_in(staff)
    assert _user_reads(client) == (200, 1)
    entry = caches["sessions"].get(_key(staff.pk))
    assert "password" not in entry
    assert staff.password not in repr(entry)
    assert entry["_session_auth_hash"] == staff.get_session_auth_hash()

    with CaptureQueriesContext(connection) as queries:
        user = cached_user(ModelBackend(), staff.pk)
        assert user.has_usable_password()  # the admin's pages ask
    assert len(queries) == 0
    assert "password" in user.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert user.check_password("a-long-passphrase")
    assert len(queries) == 1


def test_a_session_signed_with_a_fallback_key_is_kept_and_rekeyed(staff, settings):
    """SECRET_KEY rotated, the old one in SECRET_KEY_FALLBACKS: a session whose hash was made
    with the old key stays signed in and gets the new key's hash, as with Django's lookup; the
    entries are keyed by the keys, so none made with the old key alone is read."""
    client = _signed_in(staff)
    assert _user_reads(client) == (200, 1)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-test-" + "x" * 20
    settings.SECRET_KEY_FALLBACKS = [old_key]

    assert _user_reads(client) == (200, 1)  # a new entry, under the new keys
    session = client.session
    assert session["_auth_user_hash"] == staff.get_session_auth_hash()
    assert _user_reads(client) == (200, 0)

    settings.SECRET_KEY_FALLBACKS = []  # the old key retired: the session was re-keyed, kept
    assert client.get("/admin/").status_code == 200
