"""`make bench`: what users wait for, Larder beside a minimal server doing the same work.

Each benchmark module (bench/bench_*.py) has `run() -> list[dict]`, each dict a figure: name,
value, unit, and optionally minimal (the minimal server's figure in the same run), ratio,
target and ok. `make bench` runs DEFAULT; any module runs by name. Every run migrates a
database of its own, created fresh on the server of DATABASE_URL (or the embedded server) and
dropped afterwards, so no run sees another's rows. Usage:

    make bench                         # the default benchmarks (docs/performance.md)
    make bench BENCH=http              # only bench/bench_http.py (a comma-separated list works)
    make bench BENCH_SCALE=0.1         # the quick lane: smaller sessions, shorter rounds
    BENCH_KEEP_DATABASE=1 make bench   # keep the run's database (its name is printed)

Exits 1 when a figure misses its target.
"""

import importlib
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

DEFAULT = ["http", "partner_http", "sessions"]


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))


def _bench_database() -> str:
    """A fresh database for this run; its name."""
    base = os.environ.get("BENCH_DATABASE", "larder_bench")
    name = f"{base}_run_{os.getpid()}"
    url = os.environ.get("DATABASE_URL")
    if not url:  # the embedded server, started if need be
        from config.embedded_db import embedded_database_url

        url = embedded_database_url("postgres")
    import psycopg

    parts = urlsplit(url)
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(_admin_url(url), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return name


def _drop_database(name: str) -> None:
    from django.db import connections

    connections.close_all()
    if os.environ.get("BENCH_KEEP_DATABASE"):
        print(f"\nkept the run's database {name}")
        return
    import psycopg

    with psycopg.connect(_admin_url(os.environ["DATABASE_URL"]), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _others() -> str:
    """Other worktrees' Python and Node processes now, by worktree (the machine is shared)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    busy: dict[str, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cwd = os.readlink(f"/proc/{pid}/cwd")
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/comm") as comm:
                name = comm.read().strip()
        except OSError:
            continue
        parent = os.path.dirname(here)
        if fields and cwd.startswith(parent + "/") and not cwd.startswith(here):
            if name.startswith(("python", "node", "pytest", "gunicorn", "celery")):
                tree = cwd[len(parent) + 1 :].split("/", 1)[0]
                busy[tree] = busy.get(tree, 0) + 1
    return ", ".join(f"{tree}: {n}" for tree, n in sorted(busy.items())) or "none"


def _machine() -> str:
    one, five, fifteen = os.getloadavg()
    return (
        f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores; "
        f"other worktrees' processes: {_others()}"
    )


def _cell(value) -> str:
    return "" if value is None else str(value)


def main() -> int:
    only = os.environ.get("BENCH") or (sys.argv[1] if len(sys.argv) > 1 else "")
    names = [n.strip() for n in only.split(",") if n.strip()] if only else DEFAULT
    started_all = time.monotonic()
    print(f"# make bench — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine at start: {_machine()}; BENCH_SCALE={os.environ.get('BENCH_SCALE', '1')}")
    database = _bench_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    failed = False
    try:
        call_command("migrate", verbosity=0, interactive=False)
        for name in names:
            module = importlib.import_module(f"bench.bench_{name}")
            started = time.monotonic()
            figures = module.run()
            print(f"\n## {name} ({time.monotonic() - started:.0f} s; {_machine()})\n")
            print("| figure | Larder | minimal server | ratio | target | met |")
            print("|---|---|---|---|---|---|")
            for figure in figures:
                failed |= figure.get("ok") is False
                unit = figure.get("unit", "")
                met = {True: "yes", False: "**NO**", None: ""}[figure.get("ok")]
                print(
                    f"| {figure['name']} | {_cell(figure['value'])} {unit} | "
                    f"{_cell(figure.get('minimal'))} | {_cell(figure.get('ratio'))} | "
                    f"{_cell(figure.get('target'))} | {met} |"
                )
            sys.stdout.flush()
    finally:
        _drop_database(database)
    print(f"\ntotal {time.monotonic() - started_all:.0f} s; machine at end: {_machine()}")
    print("targets " + ("MISSED: exit 1" if failed else "all met"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
