"""Bundles evolve without breaking: every bundle valid under the shared version 1 spec (its
example and the tests' own bundles) still validates under the current schema
(resources/schema/case-bundle.schema.json, the source of truth), imports into a real store and
exports again with every case field as it was.  docs/BUNDLE-SCHEMA.md is the changelog.

The version 1 spec is read from ``shared/spec/`` beside the checkout when it is there (the
team's copy) and otherwise from the copy vendored in tests/data/spec-v1/, so a fresh clone
runs these tests too; when both are present they must agree.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.models.rules.clock import Clock
from app.models.store import Store
from app.models.store import bundle as B
from app.paths import resource_path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
VENDORED = DATA / "spec-v1"
SHARED = ROOT.parent / "shared" / "spec"  # /work/shared/spec beside /work/main
SPEC = SHARED if (SHARED / "case-bundle.schema.json").exists() else VENDORED
DOC = ROOT / "docs" / "BUNDLE-SCHEMA.md"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _v1_errors(bundle: Any) -> list[str]:
    validator = Draft202012Validator(_load(SPEC / "case-bundle.schema.json"),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(bundle)]


BUNDLES = [SPEC / "example-bundle.json", *sorted(DATA.glob("*.json"))]


def differences(before: Any, after: Any, where: str = "$") -> list[str]:
    """Every field of ``before`` compared with ``after`` (and any field ``after`` adds)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = [f"{where}.{k}: lost" for k in before if k not in after]
        out += [f"{where}.{k}: added {after[k]!r}" for k in after if k not in before]
        for key in before:
            if key in after:
                out += differences(before[key], after[key], f"{where}.{key}")
        return out
    if isinstance(before, list) and isinstance(after, list):
        if len(before) != len(after):
            return [f"{where}: {len(before)} item(s) became {len(after)}"]
        return [d for i, (x, y) in enumerate(zip(before, after, strict=True)) for d in differences(x, y, f"{where}[{i}]")]
    if type(before) is not type(after) or before != after:
        return [f"{where}: {before!r} became {after!r}"]
    return []


def test_the_vendored_v1_spec_is_the_shared_one() -> None:
    if not (SHARED / "case-bundle.schema.json").exists():
        pytest.skip("shared/spec is not beside this checkout: the vendored copy stands in")
    for name in ("case-bundle.schema.json", "example-bundle.json"):
        assert _load(VENDORED / name) == _load(SHARED / name), name


def test_the_schema_is_the_source_of_its_version_and_the_changelog_lists_each() -> None:
    current = _load(resource_path("schema/case-bundle.schema.json"))
    assert B.VERSION == current["version"] == max(current["properties"]["version"]["enum"])
    assert B.READ_VERSIONS == tuple(current["properties"]["version"]["enum"])
    assert B.READ_VERSIONS == tuple(range(1, B.VERSION + 1))  # no version is ever dropped
    assert current["$id"].endswith(f"/{B.VERSION}") and f"version {B.VERSION}" in current["title"]
    rows = {int(n) for n in re.findall(r"^\| (\d+) \|", DOC.read_text(encoding="utf-8"), re.MULTILINE)}
    assert rows == set(B.READ_VERSIONS)
    v1 = _load(SPEC / "case-bundle.schema.json")
    assert v1["properties"]["version"]["const"] == 1


def test_the_corpus_is_version_1() -> None:
    """The example and the tests' bundles are all valid version 1 bundles (a bundle that uses
    later fields belongs in a test of its own version, not here)."""
    for path in BUNDLES:
        assert _v1_errors(_load(path)) == [], path.name


@pytest.mark.parametrize("path", BUNDLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_v1_bundle_imports_and_exports_losslessly(path: Path, tmp_path: Path, passphrase: str,
                                                   clock: Clock) -> None:
    data = _load(path)
    assert _v1_errors(data) == []
    B.check(data)  # valid under the current schema
    B.validate_bundle(data)  # and its rules
    with Store.create(tmp_path / "a.cbk", passphrase, clock=clock, actor="test-officer") as store:
        refs = store.import_bundle(data)
        assert refs == [c["reference"] for c in data["cases"]]
        exported = store.export_bundle(refs)
    assert exported["format"] == data["format"] and exported["version"] == B.VERSION
    B.check(exported)
    by_ref = {c["reference"]: c for c in exported["cases"]}
    assert sorted(by_ref) == sorted(refs)
    for case in data["cases"]:
        assert differences(case, by_ref[case["reference"]], case["reference"]) == []
    # and the export, at the current version, goes round again unchanged
    with Store.create(tmp_path / "b.cbk", passphrase, clock=clock, actor="test-officer") as store:
        again = store.export_bundle(store.import_bundle(exported))
    assert [differences(a, b) for a, b in zip(exported["cases"], again["cases"], strict=True)] == [
        [] for _ in exported["cases"]]


def test_the_comparison_finds_a_lost_or_changed_field() -> None:
    before = {"a": 1, "b": [{"c": "x"}], "d": "é"}
    assert differences(before, {"a": 1, "b": [{"c": "x"}], "d": "é"}) == []
    assert differences(before, {"a": 1.0, "b": [{"c": "y"}, {}], "e": None}) == [
        "$.d: lost", "$.e: added None", "$.a: 1 became 1.0", "$.b: 1 item(s) became 2"]
