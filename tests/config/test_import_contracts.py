"""The import contracts in .importlinter hold for the tree, and catch a forbidden import.

`lint-imports` runs in .ci/run; these tests show that it is not a rubber stamp: a copy of the
tree with one service importing a view module breaks the contracts."""

import shutil
import subprocess
import sys
from pathlib import Path

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


def test_the_tree_keeps_every_contract(tmp_path):
    _copy_tree(tmp_path)

    result = _lint_imports(tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_service_importing_a_view_breaks_the_contracts(tmp_path):
    _copy_tree(tmp_path)
    checkout = tmp_path / "orders" / "services" / "checkout.py"
    checkout.write_text(checkout.read_text() + "\nfrom orders.apis import carts\n")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1
    assert "orders.services.checkout -> orders.apis.carts" in result.stdout
