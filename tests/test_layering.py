"""Architecture rules that a reviewer would otherwise have to check by eye."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


CONTRACTS = {  # pyproject.toml [tool.importlinter]: each must be there and kept
    "The core (models, reports, team, commands) never imports Qt or the GUI",
    "Only app.models.store.db imports sqlcipher3",
    "The store tier is built on the rules, never the other way round",
    "The store never imports the shared-drive (team), report or command packages",
    "No import cycles in the core",
    "The store's internals (database, migrations, seal, lock) are private to the store package",
}


def test_import_contracts_are_kept() -> None:
    """import-linter checks the layering (statically, every import, even inside functions)."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    flat = " ".join(out.split())  # the report wraps long lines
    for name in CONTRACTS:
        assert f"{name} KEPT" in flat, (name, out)


def test_no_module_outside_the_store_touches_its_private_members() -> None:
    """``store._tx``, ``store._audit``, ``snapshots._remove``...: the store package's own business."""
    pattern = re.compile(r"\b(?:store|s|enc|self\.store|ctx\.store|snapshots|outbox|security|tx|ops)\._[a-z]\w*")
    offenders = []
    for path in sorted(list(APP.rglob("*.py")) + list((ROOT / "benchmarks").rglob("*.py"))):
        if path.is_relative_to(APP / "models" / "store"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_importing_core_loads_no_qt_at_runtime() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import app.models, app.reports, app.team\n"
        "for pkg in (app.models, app.reports, app.team):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        "import app.cli, app.commands\n"
        "app.cli.build_parser()\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
