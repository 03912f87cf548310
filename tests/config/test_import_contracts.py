"""The import contracts in .importlinter hold for the tree, and catch a forbidden import; no
module imports itself back through others.

`lint-imports` runs in .ci/run; these tests show that it is not a rubber stamp: copies of the
tree with one forbidden import added break the contracts, and a copy with an import that
closes a loop shows a cycle."""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
APPS = ("config", "orders", "inventory", "sessions_app", "discounts", "platforms")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def _copy_tree(target: Path) -> None:
    shutil.copy(ROOT / ".importlinter", target / ".importlinter")
    for app in APPS:
        shutil.copytree(
            ROOT / app, target / app, ignore=shutil.ignore_patterns("__pycache__", "migrations")
        )


def _add_import(tree: Path, module: str, statement: str) -> None:
    path = tree.joinpath(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n{statement}\n")


def import_cycles(*packages: str) -> list[list[str]]:
    """Every set of modules that import one another round in a loop (strongly connected
    components of the import graph with more than one module), imports inside functions
    included."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            for target in imported:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append(
                        (target, iter(sorted(graph.find_modules_directly_imported_by(target))))
                    )
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return cycles


def test_the_tree_keeps_every_contract(tmp_path):
    _copy_tree(tmp_path)

    result = _lint_imports(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_service_importing_a_view_breaks_the_contracts(tmp_path):
    _copy_tree(tmp_path)
    _add_import(tmp_path, "orders.services.checkout", "from orders.apis import carts")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1
    assert "orders.services.checkout -> orders.apis.carts" in result.stdout


def test_an_app_importing_one_above_it_breaks_the_contracts(tmp_path):
    """orders sits below the partner API (which calls orders' services): an orders service
    reading the partner API's selectors goes the wrong way."""
    _copy_tree(tmp_path)
    _add_import(tmp_path, "orders.services.checkout", "from platforms.partner_api import selectors")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1
    assert "orders is not allowed to import platforms.partner_api" in result.stdout
    assert "orders.services.checkout -> platforms.partner_api.selectors" in result.stdout


def test_the_outbox_importing_orders_breaks_the_contracts(tmp_path):
    _copy_tree(tmp_path)
    _add_import(
        tmp_path,
        "platforms.outbox.services",
        "from orders.producer_orders.delivery import handler",
    )

    result = _lint_imports(tmp_path)

    assert result.returncode == 1
    assert "platforms.outbox is not allowed to import orders" in result.stdout


def test_no_module_imports_itself_back_through_others():
    assert import_cycles(*APPS) == []


def test_an_import_back_makes_a_cycle_the_checks_find(tmp_path, monkeypatch):
    """payments imports checkout; checkout importing payments closes a loop: the cycle finder
    names both modules and the acyclic contract breaks."""
    _copy_tree(tmp_path)
    _add_import(tmp_path, "orders.services.checkout", "from orders.services import payments")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name.split(".")[0] in APPS]:
        monkeypatch.delitem(sys.modules, name)

    cycles = import_cycles(*APPS)
    result = _lint_imports(tmp_path)

    assert any(
        {"orders.services.checkout", "orders.services.payments"} <= set(cycle) for cycle in cycles
    ), cycles
    assert result.returncode == 1
    assert "No cycles are allowed in orders.services" in result.stdout
