"""Architecture rules that a reviewer would otherwise have to check by eye."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _py_files(*parts: str) -> list[Path]:
    return sorted((APP.joinpath(*parts)).rglob("*.py"))


def test_core_and_reports_never_import_qt() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _py_files("models") + _py_files("reports") + _py_files("team")
        if any(name.split(".")[0] in {"PySide6", "shiboken6", "PyQt5", "PyQt6"} for name in _imports(p))
    ]
    assert offenders == []


def test_core_never_imports_ui() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in _py_files("models") + _py_files("reports") + _py_files("team")
        if any(name.startswith("app.ui") for name in _imports(p))
    ]
    assert offenders == []


def test_only_db_module_imports_sqlcipher() -> None:
    users = sorted(str(p.relative_to(ROOT)) for p in APP.rglob("*.py") if "sqlcipher3" in
                   {n.split(".")[0] for n in _imports(p)})
    assert users == ["app/models/store/db.py"]


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


def test_store_never_imports_the_team_package() -> None:
    """The shared drive builds on the store, never the other way round."""
    offenders = [str(p.relative_to(ROOT)) for p in _py_files("models")
                 if any(name.startswith("app.team") for name in _imports(p))]
    assert offenders == []
