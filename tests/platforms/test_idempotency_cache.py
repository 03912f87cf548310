"""Throttle counts and Idempotency-Key lookups live in the "api" cache (Redis when there is one),
not the database; the idempotency record in PostgreSQL still decides when the cache forgot."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from platforms.models import IdempotencyRecord
from platforms.partner_api.idempotency import idempotency_cache_key
from tests.config.test_safe_defaults import _python
from tests.platforms.test_api_dfc import farm, order_graph, post, reserved  # noqa: F401
from tests.support.database import database_url

pytestmark = pytest.mark.django_db


def _statements_on(queries, *tables: str) -> list[str]:
    return [q["sql"] for q in queries if any(t in q["sql"] for t in tables)]


def test_a_new_key_costs_only_its_record_and_the_throttle_no_statement(api, farm):  # noqa: F811
    _, (apples, _, _) = farm

    with CaptureQueriesContext(connection) as queries:
        created = post(api, order_graph([("#a", apples, 2)]), HTTP_IDEMPOTENCY_KEY="k-new")

    assert created.status_code == 201
    written = _statements_on(queries, "platforms_idempotencyrecord", "pg_advisory")
    assert [sql.split()[0] for sql in written] == ["INSERT"]
    assert _statements_on(queries, "platforms_api_cache") == []


def test_a_key_reused_with_another_body_is_refused_from_the_cache(api, farm):  # noqa: F811
    _, (apples, pears, _) = farm
    first = post(api, order_graph([("#a", apples, 2)]), HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201

    with CaptureQueriesContext(connection) as queries:
        other = post(api, order_graph([("#a", pears, 1)]), HTTP_IDEMPOTENCY_KEY="k-1")

    assert (other.status_code, other.json()["code"]) == (422, "idempotency-key-reused")
    assert _statements_on(queries, "platforms_idempotencyrecord", "orders_order") == []


def test_a_replay_the_cache_forgot_still_changes_nothing(api, farm, partner):  # noqa: F811
    _, (apples, _, _) = farm
    graph = order_graph([("#a", apples, 2)])
    first = post(api, graph, HTTP_IDEMPOTENCY_KEY="k-lost")
    caches["api"].delete(idempotency_cache_key(partner.pk, "k-lost"))

    replay = post(api, graph, HTTP_IDEMPOTENCY_KEY="k-lost")

    assert (first.status_code, replay.status_code) == (201, 201)
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert Order.objects.count() == IdempotencyRecord.objects.count() == 1
    assert reserved(apples) == 2
    # The marker is back: the next replay reads the record without running the change.
    assert caches["api"].get(idempotency_cache_key(partner.pk, "k-lost")) is not None


def test_a_marker_without_its_record_is_a_new_request(api, farm, partner):  # noqa: F811
    """A record purged (or its transaction undone) while its marker lived on: the key is new."""
    _, (apples, _, _) = farm
    graph = order_graph([("#a", apples, 2)])
    assert post(api, graph, HTTP_IDEMPOTENCY_KEY="k-purged").status_code == 201
    IdempotencyRecord.objects.all().delete()

    again = post(api, graph, HTTP_IDEMPOTENCY_KEY="k-purged")

    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Order.objects.count() == 2


def _api_cache_backend(**env: str) -> str:
    code = "import config.settings.dev as s; print(s.CACHES['api']['BACKEND'])"
    result = _python(code, DATABASE_URL=database_url(), **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[-1]


def test_the_api_cache_is_redis_when_there_is_one_else_the_database_table():
    redis = "config.redis_cache.SharedClientRedisCache"  # Django's RedisCache, one client per pool
    database = "django.core.cache.backends.db.DatabaseCache"
    assert _api_cache_backend(CELERY_BROKER_URL="redis://127.0.0.1:6379/1") == redis
    assert _api_cache_backend(LARDER_CACHE_URL="redis://127.0.0.1:6379/2") == redis
    assert _api_cache_backend() == database
    assert _api_cache_backend(CELERY_BROKER_URL="filesystem://") == database
