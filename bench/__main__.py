"""`make bench`: run every benchmark module (bench/bench_*.py) against its own database.

Each module has `run() -> list[dict]`, each dict a figure: name, value, unit, target, ok.
Benchmarks use the database `larder_bench` (BENCH_DATABASE) on the server of DATABASE_URL (or
the embedded server), migrated fresh, so they never touch the development data. Usage:

    make bench                    # every benchmark
    make bench BENCH=checkout     # only bench/bench_checkout.py
"""

import importlib
import os
import pkgutil
import sys
import time
from urllib.parse import urlsplit, urlunsplit


def _bench_database() -> None:
    name = os.environ.get("BENCH_DATABASE", "larder_bench")
    url = os.environ.get("DATABASE_URL")
    if url:
        parts = urlsplit(url)
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        import psycopg

        admin = urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))
        with psycopg.connect(admin, autocommit=True) as connection:
            if not connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone():
                connection.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ["EMBEDDED_DATABASE_NAME"] = name


def main() -> int:
    _bench_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    only = os.environ.get("BENCH") or (sys.argv[1] if len(sys.argv) > 1 else "")
    import bench

    names = sorted(
        m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_")
    )
    if only:
        names = [n for n in names if n == f"bench_{only}"]
    failed = False
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        started = time.monotonic()
        figures = module.run()
        print(f"\n## {name[6:]} ({time.monotonic() - started:.1f} s)\n")
        print("| figure | value | target | ok |\n|---|---|---|---|")
        for figure in figures:
            failed |= figure.get("ok") is False
            print(
                f"| {figure['name']} | {figure['value']} {figure.get('unit', '')} | "
                f"{figure.get('target', '')} | {'yes' if figure.get('ok', True) else 'NO'} |"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
