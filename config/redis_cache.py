"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django's RedisCacheClient builds a `redis.Redis` for every cache operation; building one copies
its table of response callbacks, which cost more of a signed-in request than the session's
round trip to Redis (docs/performance.md, "Storefront checkout"). A redis-py client is safe to
share between threads and over a fork (its pool reconnects in a new process); Django keeps a
cache object per thread anyway.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _SharedClientCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._clients: dict[Any, Any] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class SharedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _SharedClientCacheClient
