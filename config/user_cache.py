"""The signed-in user read from the "sessions" cache (Redis) instead of `auth_user` on every
request (MIDDLEWARE, in place of Django's AuthenticationMiddleware, when SESSION_ENGINE is
config.session_store).

Django looks the session's user up with one SELECT per request (the session's backend, a
ModelBackend, `get_user`): 14 % of a storefront request's CPU under the profiler, and six of
a checkout's statements (docs/performance.md, "Storefront checkout"). Here the user's row —
its column values only, never permissions or groups, which Django still reads from the
database when asked — is kept in the cache under the user's id, and everything Django checks
on the row is still checked on every request:

- the backend's `user_can_authenticate` (a deactivated user is signed out),
- the session's auth hash against the row's password (a changed password signs the other
  sessions out; SECRET_KEY_FALLBACKS as Django does).

The password hash itself is never put in the cache: an entry holds the session auth hashes
Django derives from it (HMACs keyed by SECRET_KEY and each fallback — what every session
already stores), and the user built from an entry has its password deferred (read from the
database only if a view asks for it, e.g. to check the old password on a change). Entries are
keyed by the secret keys too, so a new SECRET_KEY never meets hashes made with the old one.

Every save (but a sign-in's write of `last_login` alone, and a creation) or delete of a user
replaces its entry with a marker that says "read the database"
(`user_cache_invalidate`), at once and again when the transaction commits, for a few seconds: a
request that read the old row before the commit cannot put it back (entries are added, never
overwritten, and the marker outlives a request's read-then-add by far). Deactivation, password,
`is_staff`/`is_superuser` changes therefore take effect on the next request, as before, and
permissions and groups (staff roles) are not cached at all. A `QuerySet.update()` of users
sends no signal: call `user_cache_invalidate` after one (nothing in Larder does).

While Redis is down or unreachable the database serves, with a warning logged. A save made
while Redis was down cannot remove the entry; entries live at most USER_CACHE_SECONDS, which
bounds how long such a copy may be served once Redis is back.
"""

import functools
import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    _get_user_session_key,
    get_user_model,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.functional import SimpleLazyObject

from config.session_store import CACHE_ERRORS

logger = logging.getLogger(__name__)

KEY_PREFIX = "larder.user."
# What an invalidated entry holds for INVALIDATED_SECONDS after the change commits: far longer
# than a request takes between reading a row and adding it (microseconds to milliseconds).
INVALIDATED = "invalidated"
INVALIDATED_SECONDS = 5


def _cache():
    return caches[settings.SESSION_CACHE_ALIAS]


def _key(user_id: Any) -> str:
    keys = _keys_fingerprint(settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
    return f"{KEY_PREFIX}{keys}.{user_id}"


@functools.cache
def _keys_fingerprint(*secrets: str) -> str:
    """A short digest of the secret keys the entries' hashes are made with."""
    return salted_hmac(KEY_PREFIX, "entries", secret="|".join(secrets)).hexdigest()[:12]


# An entry: the user's columns but its password, then the session auth hashes made from it and
# whether it is usable (the admin's pages ask, for their "change password" link).
_HASHES = ("_session_auth_hash", "_session_auth_fallback_hashes", "_has_usable_password")


def _columns() -> tuple[str, ...]:
    return tuple(
        field.attname
        for field in get_user_model()._meta.concrete_fields
        if field.attname != "password"
    )


def _entry(user) -> dict[str, Any]:
    return {
        **{column: getattr(user, column) for column in _columns()},
        _HASHES[0]: user.get_session_auth_hash(),
        _HASHES[1]: list(user.get_session_auth_fallback_hash()),
        _HASHES[2]: user.has_usable_password(),
    }


def _cache_call(action: str, call, *args, failed: list | None = None) -> Any:
    try:
        return call(*args)
    except CACHE_ERRORS as error:
        if failed is not None:
            failed.append(error)
        logger.warning("user cache unavailable on %s (%r): the database serves", action, error)
        return None


def cached_user(backend: ModelBackend, user_id: Any):
    """The user `backend.get_user(user_id)` returns, from the cache when it holds the row (its
    password deferred; its session auth hashes as `_cached_session_auth_hashes`, and
    `has_usable_password` answered from the entry)."""
    UserModel = get_user_model()
    manager = UserModel._default_manager
    key = _key(user_id)
    columns = _columns()
    failed = []
    entry = _cache_call("get", _cache().get, key, failed=failed)
    if isinstance(entry, dict) and tuple(entry) == (*columns, *_HASHES):
        user = UserModel.from_db(manager.db, list(columns), [entry[c] for c in columns])
        user._cached_session_auth_hashes = (entry[_HASHES[0]], entry[_HASHES[1]])
        usable = bool(entry[_HASHES[2]])
        user.has_usable_password = lambda: usable  # not its deferred password's read
        return user if backend.user_can_authenticate(user) else None
    try:
        user = manager.get(pk=user_id)
    except UserModel.DoesNotExist:
        return None
    if entry is None and not failed:  # absent: add it, never overwrite a marker
        _cache_call("add", _cache().add, key, _entry(user), settings.USER_CACHE_SECONDS)
    return user if backend.user_can_authenticate(user) else None


def _session_auth_hashes(user) -> tuple[str, list[str]]:
    """The user's session auth hash and its fallbacks: from the cache entry it was built from,
    else made from its password as Django makes them."""
    cached = getattr(user, "_cached_session_auth_hashes", None)
    if cached is not None:
        return cached
    return user.get_session_auth_hash(), list(user.get_session_auth_fallback_hash())


def user_cache_invalidate(user_id: Any) -> None:
    """The next request reads this user from the database (now and once the change commits)."""
    if not user_id or not settings.USER_CACHE:
        return

    def mark() -> None:
        _cache_call("invalidate", _cache().set, _key(user_id), INVALIDATED, INVALIDATED_SECONDS)

    mark()
    transaction.on_commit(mark)


def get_user(request):
    """django.contrib.auth.get_user, the backend's lookup through `cached_user`."""
    user = None
    try:
        user_id = _get_user_session_key(request)
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = load_backend(backend_path)
            if (
                isinstance(backend, ModelBackend)
                and type(backend).get_user is ModelBackend.get_user
            ):
                user = cached_user(backend, user_id)
            else:
                user = backend.get_user(user_id)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY)
                current, fallbacks = _session_auth_hashes(user)
                verified = bool(session_hash) and constant_time_compare(session_hash, current)
                if not verified:
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback) for fallback in fallbacks
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = current
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)
    return request._cached_user


class CachedUserAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's, with `request.user` from `get_user` above (`request.auser` unchanged)."""

    def process_request(self, request) -> None:
        super().process_request(request)
        if settings.USER_CACHE:
            request.user = SimpleLazyObject(lambda: _get_user(request))


# What a save may write without invalidating: a sign-in's `last_login` (django.contrib.auth's
# update_last_login), which nothing checked on a request depends on. Left alone, every sign-in
# would send its user's next few seconds of requests to the database.
_NOT_CHECKED = frozenset({"last_login"})


def _invalidate_on_change(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    if created:  # a new id: nothing can be cached under it
        return
    if update_fields is not None and frozenset(update_fields) <= _NOT_CHECKED:
        return
    user_cache_invalidate(instance.pk)


def connect_user_cache() -> None:
    UserModel = get_user_model()
    post_save.connect(_invalidate_on_change, sender=UserModel, dispatch_uid="user_cache_save")
    post_delete.connect(_invalidate_on_change, sender=UserModel, dispatch_uid="user_cache_delete")
