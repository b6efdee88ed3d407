"""User mistakes at the command line: each is one `casebook:` line and the right exit code."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, PASSPHRASE
from tests.helpers import ROOT, run_cli


def _one_line(r: subprocess.CompletedProcess[str], code: int) -> str:
    assert r.returncode == code, (r.returncode, r.stderr)
    assert r.stderr.startswith("casebook: ") and r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.stderr
    return r.stderr


@pytest.fixture(scope="module")
def full_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("edges") / "s.cbk"
    assert run_cli("init", "--store", path, passphrase=PASSPHRASE).returncode == 0
    r = run_cli("import", "--store", path, DATA / "full-bundle.json", passphrase=PASSPHRASE)
    assert r.returncode == 0, r.stderr
    return path


def test_no_display_is_a_one_line_error_not_a_qt_abort(tmp_path: Path) -> None:
    if sys.platform in ("win32", "darwin"):
        pytest.skip("Qt needs no display server here")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "CASEBOOK_PASSPHRASE")}
    env["PYTHONPATH"] = str(ROOT)
    for extra in ([], ["--store", str(tmp_path / "x.cbk")]):
        for qpa in (None, ""):  # unset, or set but empty
            run_env = dict(env) if qpa is None else {**env, "QT_QPA_PLATFORM": qpa}
            r = subprocess.run([sys.executable, "-m", "app", *extra], cwd=ROOT, env=run_env,
                               capture_output=True, text=True, timeout=60)
            assert "no display" in _one_line(r, 2)


def test_help_lists_the_foundation_verbs_first() -> None:
    r = run_cli("--help")
    assert r.returncode == 0
    listing = r.stdout.split("positional arguments:")[1].split("options:")[0]
    verbs = [line.split()[0] for line in listing.splitlines()
             if line.startswith("    ") and not line.startswith("     ")]
    assert verbs[:7] == ["init", "demo", "import", "export-json", "cases", "check", "backup"]
    assert {"due", "export", "sync", "outbox", "audit", "passphrase", "backups", "restore"} <= set(verbs)


def test_passphrase_file_that_is_not_text(tmp_path: Path, full_store: Path) -> None:
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00secret")
    assert "not UTF-8" in _one_line(run_cli("cases", "--store", full_store, "--passphrase-file", binary), 2)
    r = run_cli("passphrase", "--store", full_store, "--new-passphrase-file", binary, passphrase=PASSPHRASE)
    assert "not UTF-8" in _one_line(r, 2)
    # the desktop reads the same file: checked before Qt starts
    r = run_cli("--store", full_store, "--passphrase-file", binary)
    assert "not UTF-8" in _one_line(r, 2)
    r = run_cli("--store", full_store, "--passphrase-file", tmp_path / "missing.txt")
    assert "cannot read passphrase file" in _one_line(r, 2)


@pytest.mark.parametrize("verb", [["cases"], ["check"], ["backups"], ["audit"], ["due"],
                                  ["restore", "--from", "BACKUP"], ["export-json", "--to", "OUT"]])
def test_store_that_is_a_folder(tmp_path: Path, full_store: Path, verb: list[str]) -> None:
    args = [str(full_store) if a == "BACKUP" else str(tmp_path / "o.json") if a == "OUT" else a for a in verb]
    r = run_cli(*args, "--store", tmp_path, passphrase=PASSPHRASE)
    assert "is a folder, not a store file" in _one_line(r, 2)


def test_export_json_to_a_folder_changes_nothing(tmp_path: Path, full_store: Path) -> None:
    before = json.loads(run_cli("audit", "--store", full_store, "--json", passphrase=PASSPHRASE).stdout)
    r = run_cli("export-json", "--store", full_store, "--to", tmp_path, passphrase=PASSPHRASE)
    assert "is a folder" in _one_line(r, 2)
    after = json.loads(run_cli("audit", "--store", full_store, "--json", passphrase=PASSPHRASE).stdout)
    # refused before unlocking: no export was recorded (only the audit command's own unlock)
    assert [e["action"] for e in after["events"][len(before["events"]):]] == ["unlock"]
    r = run_cli("backup", "--store", full_store, "--to", tmp_path, passphrase=PASSPHRASE)
    assert "is a folder" in _one_line(r, 2)


def test_repeated_case_is_exported_once_and_reimports(tmp_path: Path, full_store: Path) -> None:
    out = tmp_path / "one.json"
    r = run_cli("export-json", "--store", full_store, "--case", "CPO-2026-0102", "--case", "CPO-2026-0102",
                "--to", out, passphrase=PASSPHRASE)
    assert r.returncode == 0, r.stderr
    assert [c["reference"] for c in json.loads(out.read_text(encoding="utf-8"))["cases"]] == ["CPO-2026-0102"]
    other = tmp_path / "other.cbk"
    assert run_cli("init", "--store", other, passphrase=PASSPHRASE).returncode == 0
    assert run_cli("import", "--store", other, out, passphrase=PASSPHRASE).returncode == 0


def test_import_bundle_file_mistakes(tmp_path: Path, full_store: Path) -> None:
    digest = hashlib.sha256(full_store.read_bytes()).hexdigest()
    assert "is a folder" in _one_line(run_cli("import", "--store", full_store, tmp_path, passphrase=PASSPHRASE), 2)
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"x": "Màiri"}'.encode("latin-1"))
    assert "UTF-8" in _one_line(run_cli("import", "--store", full_store, latin, passphrase=PASSPHRASE), 2)
    assert hashlib.sha256(full_store.read_bytes()).hexdigest() == digest
    # a byte order mark (as some Windows editors write) is not a problem
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + (DATA / "example-bundle.json").read_bytes())
    other = tmp_path / "bom.cbk"
    assert run_cli("init", "--store", other, passphrase=PASSPHRASE).returncode == 0
    r = run_cli("import", "--store", other, bom, passphrase=PASSPHRASE)
    assert r.returncode == 0, r.stderr


def test_restore_from_a_file_that_is_not_a_store(tmp_path: Path, full_store: Path) -> None:
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a store at all")
    digest = hashlib.sha256(full_store.read_bytes()).hexdigest()
    r = run_cli("restore", "--store", full_store, "--from", junk, passphrase=PASSPHRASE)
    err = _one_line(r, 3)
    assert "junk.bak" in err and ".restoring" not in err and "nothing was changed" in err
    assert hashlib.sha256(full_store.read_bytes()).hexdigest() == digest


def test_store_without_permission_is_named_as_such(tmp_path: Path, full_store: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # chmod cannot stop root (tests may run as root), so the permission check itself is faked
    from app import cli
    from app.models.store import db

    real_access = os.access
    monkeypatch.setattr(db.os, "access", lambda p, mode: False if Path(p) == full_store else real_access(p, mode))
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PASSPHRASE)
    digest = hashlib.sha256(full_store.read_bytes()).hexdigest()
    assert cli.main(["cases", "--store", str(full_store)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("casebook: ") and err.count("\n") == 1
    assert "permission" in err and "wrong passphrase" not in err
    assert hashlib.sha256(full_store.read_bytes()).hexdigest() == digest
    assert not Path(str(full_store) + ".unlock-failures").exists()  # not counted as a failed unlock


def test_cases_text_columns_line_up(full_store: Path) -> None:
    r = run_cli("cases", "--store", full_store, passphrase=PASSPHRASE)
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if " imposed " in line]
    assert len(rows) == 3 and len({line.index(" imposed ") for line in rows}) == 1
