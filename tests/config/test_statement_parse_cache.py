"""psycopg keeps the parse of Larder's long composed statements (config/apps.py,
statement_parse_cache_widen): a second run of the same text is a cache hit, not a new parse."""

import pytest
from django.db import connection
from psycopg import _queries

from config.apps import STATEMENT_PARSE_CACHE_LENGTH, STATEMENT_PARSE_CACHE_PARAMS

pytestmark = pytest.mark.django_db


def test_a_long_statement_is_parsed_once():
    padding = " ".join(f"%s::int AS c{n}," for n in range(3))
    sql = f"SELECT {padding} 1 AS one" + " " * 6000 + "-- a long composed statement"
    assert 4096 < len(sql) <= STATEMENT_PARSE_CACHE_LENGTH
    with connection.cursor() as cursor:
        cursor.execute(sql, [1, 2, 3])
        before = _queries._query2pg.cache_info()
        cursor.execute(sql, [4, 5, 6])
        after = _queries._query2pg.cache_info()
        assert cursor.fetchone() == (4, 5, 6, 1)
    assert after.hits == before.hits + 1
    assert after.misses == before.misses


def test_a_statement_with_up_to_the_limit_of_parameters_is_parsed_once():
    # Larder's composed writes carry 48 to 70 parameters: past psycopg's own 50.
    sql = "SELECT " + ", ".join("%s::int" for _ in range(70))
    with connection.cursor() as cursor:
        cursor.execute(sql, list(range(70)))
        before = _queries._query2pg.cache_info()
        cursor.execute(sql, list(range(70)))
        after = _queries._query2pg.cache_info()
    assert after.hits == before.hits + 1


def test_a_statement_with_more_parameters_is_still_not_cached():
    count = STATEMENT_PARSE_CACHE_PARAMS + 1
    sql = "SELECT " + ", ".join("%s::int" for _ in range(count))
    with connection.cursor() as cursor:
        before = _queries._query2pg.cache_info()
        cursor.execute(sql, list(range(count)))
        cursor.execute(sql, list(range(count)))
        assert _queries._query2pg.cache_info() == before
