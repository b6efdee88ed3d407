"""The casebook command, run as a real subprocess over real encrypted files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, PASSPHRASE
from tests.helpers import run_cli


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.cbk"
    result = run_cli("demo", "--store", path, "--cases", "12", passphrase=PASSPHRASE,
                     env={"CASEBOOK_TODAY": "2026-11-23"})
    assert result.returncode == 0, result.stderr
    return path


def test_init_creates_private_encrypted_store(tmp_path: Path) -> None:
    path = tmp_path / "new.cbk"
    result = run_cli("init", "--store", path, passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    assert path.stat().st_mode & 0o077 == 0
    assert not path.read_bytes().startswith(b"SQLite format 3")
    again = run_cli("init", "--store", path, passphrase=PASSPHRASE)
    assert again.returncode == 2
    assert again.stderr.startswith("casebook: ") and again.stderr.count("\n") == 1


def test_passphrase_file(tmp_path: Path) -> None:
    pfile = tmp_path / "pass.txt"
    pfile.write_text(PASSPHRASE + "\n", encoding="utf-8")
    path = tmp_path / "p.cbk"
    assert run_cli("init", "--store", path, "--passphrase-file", pfile).returncode == 0
    result = run_cli("cases", "--store", path, "--passphrase-file", pfile, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_no_passphrase_without_terminal(tmp_path: Path) -> None:
    result = run_cli("init", "--store", tmp_path / "x.cbk", input="")
    assert result.returncode == 2
    assert "passphrase" in result.stderr
    assert "Traceback" not in result.stderr


def test_cases_lists_demo(demo_store: Path) -> None:
    result = run_cli("cases", "--store", demo_store, "--json", passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 12
    assert {"reference", "given_names", "family_name", "requirements", "flags"} <= set(rows[0])
    text = run_cli("cases", "--store", demo_store, passphrase=PASSPHRASE)
    assert "12 case(s)" in text.stdout


def test_wrong_passphrase_exit_3_file_identical(demo_store: Path) -> None:
    before = sha(demo_store)
    for verb in (["cases"], ["check"], ["export-json", "--to", str(demo_store.parent / "never.json")]):
        result = run_cli(*verb, "--store", demo_store, passphrase="wrong passphrase")
        assert result.returncode == 3, result.stderr
        assert result.stderr.startswith("casebook: ") and "Traceback" not in result.stderr
    assert sha(demo_store) == before
    assert not (demo_store.parent / "never.json").exists()


def test_not_a_store_exit_3(tmp_path: Path) -> None:
    junk = tmp_path / "junk.cbk"
    junk.write_bytes(b"hello" * 1000)
    result = run_cli("check", "--store", junk, passphrase=PASSPHRASE)
    assert result.returncode == 3
    assert "Traceback" not in result.stderr


def test_import_export_round_trip(tmp_path: Path) -> None:
    store = tmp_path / "s.cbk"
    assert run_cli("init", "--store", store, passphrase=PASSPHRASE).returncode == 0
    result = run_cli("import", "--store", store, DATA / "full-bundle.json", passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out.json"
    result = run_cli("export-json", "--store", store, "--to", out, passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    original = json.loads((DATA / "full-bundle.json").read_text(encoding="utf-8"))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert exported["cases"] == original["cases"]
    assert exported["format"] == "casebook.case-bundle" and exported["version"] == 3  # a v1 bundle, re-exported as v3
    one = tmp_path / "one.json"
    result = run_cli("export-json", "--store", store, "--case", "CPO-2026-0102", "--to", one, passphrase=PASSPHRASE)
    assert result.returncode == 0
    assert [c["reference"] for c in json.loads(one.read_text(encoding="utf-8"))["cases"]] == ["CPO-2026-0102"]
    missing = run_cli("export-json", "--store", store, "--case", "NOPE", "--to", one, passphrase=PASSPHRASE)
    assert missing.returncode == 2 and "NOPE" in missing.stderr
    # Re-importing the same bundle: duplicate references, nothing imported.
    again = run_cli("import", "--store", store, out, passphrase=PASSPHRASE)
    assert again.returncode == 2 and "already in this store" in again.stderr


def _bad_bundles() -> list[tuple[str, Any]]:
    def bundle() -> dict[str, Any]:
        return json.loads((DATA / "example-bundle.json").read_text(encoding="utf-8"))

    missing = bundle()
    del missing["cases"][0]["order"]["court"]
    bad_enum = bundle()
    bad_enum["cases"][0]["notes"][0]["kind"] = "pub"
    bad_date = bundle()
    bad_date["cases"][0]["order"]["imposed_on"] = "2026-02-30"
    hours = bundle()
    hours["cases"][0]["order"]["requirements"][1]["hours"] = 350
    dup = bundle()
    dup["cases"].append(json.loads(json.dumps(dup["cases"][0])))
    return [
        ("missing field", missing),
        ("bad enum", bad_enum),
        ("impossible date", bad_date),
        ("hours 350", hours),
        ("duplicate reference", dup),
        ("non-JSON", "{not json"),
        ("not an object", [1, 2]),
    ]


@pytest.mark.parametrize(("label", "content"), _bad_bundles(), ids=[b[0] for b in _bad_bundles()])
def test_bad_bundles_exit_2_change_nothing(demo_store: Path, tmp_path: Path, label: str, content: Any) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    before_cases = run_cli("cases", "--store", demo_store, "--json", passphrase=PASSPHRASE).stdout
    result = run_cli("import", "--store", demo_store, bad, passphrase=PASSPHRASE)
    assert result.returncode == 2, (label, result.stderr)
    assert result.stderr.startswith("casebook: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    if label not in ("non-JSON", "not an object"):
        assert "$.cases[" in result.stderr  # the JSON path of the problem
    assert run_cli("cases", "--store", demo_store, "--json", passphrase=PASSPHRASE).stdout == before_cases


def test_schema_errors_leave_file_byte_identical(demo_store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_bad_bundles()[2][1]), encoding="utf-8")
    before = sha(demo_store)
    assert run_cli("import", "--store", demo_store, bad, passphrase=PASSPHRASE).returncode == 2
    assert sha(demo_store) == before


def test_check_and_backup(demo_store: Path, tmp_path: Path) -> None:
    result = run_cli("check", "--store", demo_store, passphrase=PASSPHRASE)
    assert result.returncode == 0 and result.stdout.strip() == "ok"
    dest = tmp_path / "backup.cbk"
    result = run_cli("backup", "--store", demo_store, "--to", dest, passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    listed = run_cli("cases", "--store", dest, "--json", passphrase=PASSPHRASE)
    assert listed.returncode == 0 and len(json.loads(listed.stdout)) == 12
    assert run_cli("backup", "--store", demo_store, "--to", dest, passphrase=PASSPHRASE).returncode == 2


def test_check_reports_damage(demo_store: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.cbk"
    raw = bytearray(demo_store.read_bytes())
    raw[4096 * 3 + 500] ^= 0x5A
    damaged.write_bytes(bytes(raw))
    result = run_cli("check", "--store", damaged, passphrase=PASSPHRASE)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2() -> None:
    assert run_cli("frobnicate").returncode == 2
    result = run_cli("import")
    assert result.returncode == 2 and result.stderr.startswith("casebook: ")
    assert run_cli("demo", "--store", "/nonexistent/dir/x.cbk", "--cases", "0", passphrase="x").returncode == 2


def test_new_store_needs_a_real_passphrase(tmp_path: Path) -> None:
    result = run_cli("init", "--store", tmp_path / "short.cbk", passphrase="short")
    assert result.returncode == 2 and "too short" in result.stderr
    assert not (tmp_path / "short.cbk").exists()
