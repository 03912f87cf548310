"""Sessions read from the "sessions" cache (Redis) in front of the database, and from the
database alone while the cache is unavailable (SESSION_ENGINE when Redis is configured,
config/settings/base.py).

The database row stays the record: every save and delete writes it first, as Django's
cached_db store does. What this store adds: a signed-in request reads its session from Redis
(no statement), and a Redis that is down or unreachable costs a logged warning, never a
failed request — Django's cached_db let a connection error out of `load` (on writing back
what it read), `exists` and `delete`, and a payment answered 500 while Redis was down
(tests/integration/test_broker_outage.py).

A write or delete the cache missed while down may leave it an older copy of that session when
it comes back with its data: entries live at most SESSION_CACHE_SECONDS, which bounds how
long. Signing in again, or a password change, is not undone by such a copy: the
authentication checks the session's hash against the user's row on every request.
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What the Redis cache raises when it cannot answer: redis-py's errors (connection refused,
# timeouts, a server loading its data) and the socket's own.
CACHE_ERRORS = (RedisError, OSError)


class SessionStore(CachedDBStore):
    cache_key_prefix = "larder.session."

    def __init__(self, session_key: str | None = None):
        super().__init__(session_key)
        # After one failure this request leaves the cache alone: a Redis that does not answer
        # may take its socket timeout for each attempt.
        self._cache_failed = False

    def _cache_timeout(self, expiry_age: int) -> int:
        return max(0, min(expiry_age, settings.SESSION_CACHE_SECONDS))

    def _unavailable(self, action: str, reason: object) -> None:
        self._cache_failed = True
        logger.warning(
            "session cache unavailable on %s (%s): the database serves the session", action, reason
        )

    def _cache_call(self, action: str, call, *args) -> Any:
        if self._cache_failed:
            self._unavailable(action, "it failed earlier in this request")
            return None
        try:
            return call(*args)
        except CACHE_ERRORS as error:
            self._unavailable(action, repr(error))
            return None

    async def _acache_call(self, action: str, call, *args) -> Any:
        if self._cache_failed:
            self._unavailable(action, "it failed earlier in this request")
            return None
        try:
            return await call(*args)
        except CACHE_ERRORS as error:
            self._unavailable(action, repr(error))
            return None

    def load(self) -> dict:
        data = self._cache_call("load", self._cache.get, self.cache_key)
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        timeout = self._cache_timeout(self.get_expiry_age(expiry=row.expire_date))
        self._cache_call("load", self._cache.set, self.cache_key, data, timeout)
        return data

    async def aload(self) -> dict:
        key = await self.acache_key()
        data = await self._acache_call("load", self._cache.aget, key)
        if data is not None:
            return data
        row = await self._aget_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        timeout = self._cache_timeout(await self.aget_expiry_age(expiry=row.expire_date))
        await self._acache_call("load", self._cache.aset, key, data, timeout)
        return data

    def exists(self, session_key: str | None) -> bool:
        if session_key and self._cache_call(
            "exists", self._cache.has_key, self.cache_key_prefix + session_key
        ):
            return True
        return DBStore.exists(self, session_key)

    async def aexists(self, session_key: str | None) -> bool:
        if session_key and await self._acache_call(
            "exists", self._cache.ahas_key, self.cache_key_prefix + session_key
        ):
            return True
        return await DBStore.aexists(self, session_key)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        timeout = self._cache_timeout(self.get_expiry_age())
        self._cache_call("save", self._cache.set, self.cache_key, self._session, timeout)

    async def asave(self, must_create: bool = False) -> None:
        await DBStore.asave(self, must_create)
        timeout = self._cache_timeout(await self.aget_expiry_age())
        key = await self.acache_key()
        await self._acache_call("save", self._cache.aset, key, self._session, timeout)

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key:
            self._cache_call("delete", self._cache.delete, self.cache_key_prefix + session_key)

    async def adelete(self, session_key: str | None = None) -> None:
        await DBStore.adelete(self, session_key)
        session_key = session_key or self.session_key
        if session_key:
            key = self.cache_key_prefix + session_key
            await self._acache_call("delete", self._cache.adelete, key)
