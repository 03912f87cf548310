"""Database URLs for the subprocesses a test starts (workers, a second Larder, a web server)."""

from urllib.parse import quote

from django.db import connection


def database_url(name: str | None = None) -> str:
    """A URL for database `name` (default: the test database) on the server the tests use.

    The host may be the embedded PostgreSQL's socket folder, so it is percent-encoded as
    dj-database-url expects (as `config/embedded_db.py` does).
    """
    db = connection.settings_dict
    host = quote(db["HOST"] or "127.0.0.1", safe="")
    port = f":{db['PORT']}" if db["PORT"] else ""
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}{port}/{name or db['NAME']}"


def admin_connection():
    """An autocommit connection to the `postgres` database of the tests' server, to create and
    drop the databases of the Larders a test starts."""
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
