"""The bundled schema extends the shared spec (version 1) without breaking it: everything the
spec declares is still there and accepts at least what it accepted, so every version 1 bundle
stays importable (versions 2 and 3 only add; docs/BUNDLE-SCHEMA.md lists them)."""

import json
from pathlib import Path
from typing import Any

import pytest

from app.paths import resource_path

SHARED = Path(__file__).resolve().parents[3] / "shared" / "spec" / "case-bundle.schema.json"
DOC_KEYS = {"$id", "title", "description"}


def _extends(shared: Any, bundled: Any, where: str) -> list[str]:
    if isinstance(shared, dict):
        if not isinstance(bundled, dict):
            return [f"{where}: not an object any more"]
        problems: list[str] = []
        if "const" in shared and "enum" in bundled:  # a const widened to an enum (the version)
            if shared["const"] not in bundled["enum"]:
                problems.append(f"{where}: no longer accepts {shared['const']!r}")
            return problems
        for key, value in shared.items():
            if key in DOC_KEYS and isinstance(value, str):
                continue
            if key not in bundled:
                problems.append(f"{where}.{key}: removed")
            elif key == "enum":
                missing = [v for v in value if v not in bundled["enum"]]
                if missing:
                    problems.append(f"{where}.enum: lost {missing}")
            else:
                problems.extend(_extends(value, bundled[key], f"{where}.{key}"))
        return problems
    if shared != bundled:
        return [f"{where}: {shared!r} became {bundled!r}"]
    return []


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ spec folder not beside this checkout")
def test_bundled_schema_extends_shared_spec() -> None:
    shared = json.loads(SHARED.read_text(encoding="utf-8"))
    bundled = json.loads(resource_path("schema/case-bundle.schema.json").read_text(encoding="utf-8"))
    assert _extends(shared, bundled, "$") == []
    assert bundled["properties"]["version"]["enum"] == [1, 2, 3]


def test_extension_check_catches_a_narrowing() -> None:
    shared = {"properties": {"kind": {"enum": ["a", "b"]}, "version": {"const": 1}}, "required": ["x"]}
    assert _extends(shared, {"properties": {"kind": {"enum": ["a", "b", "c"]}, "version": {"enum": [1, 2]}},
                             "required": ["x"]}, "$") == []
    assert _extends(shared, {"properties": {"kind": {"enum": ["a"]}, "version": {"enum": [2]}},
                             "required": ["x", "y"]}, "$") == [
        "$.properties.kind.enum: lost ['b']", "$.properties.version: no longer accepts 1",
        "$.required: ['x'] became ['x', 'y']"]
