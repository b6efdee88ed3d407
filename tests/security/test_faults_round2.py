"""Issue 21: bad input and faults, round 2.  One test (or more) per numbered case; every
store is a real SQLCipher file.  "Refused" always means: one ``casebook:`` line, exit 2
or 3, and the store file byte-identical."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.models.errors import ValidationError
from app.models.store import Store, seal, security
from app.models.store.seal import RollbackError
from tests.helpers import ROOT
from tests.security.conftest import digest, store_state

REF = "CPO-2026-0001"


@pytest.fixture
def env_pass(monkeypatch: pytest.MonkeyPatch, passphrase: str) -> str:
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    return passphrase


def cli(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> None:
    assert err.startswith("casebook: ") and err.count("\n") == 1, err
    assert "Traceback" not in err and len(err) < 500


def store_bytes(path: Path) -> tuple[str, ...]:
    """The store file and its -wal (when there is one), as digests."""
    wal = seal.wal_path(path)
    return (digest(path), digest(wal) if wal.exists() else "")


def run_bytes(args: list[bytes], env: dict[bytes, bytes] | None = None, timeout: float = 60
              ) -> subprocess.CompletedProcess[bytes]:
    full = {k: v for k, v in os.environb.items() if k != b"CASEBOOK_PASSPHRASE"}
    full[b"PYTHONPATH"] = os.fsencode(ROOT)
    full[b"QT_QPA_PLATFORM"] = b"offscreen"
    full.update(env or {})
    return subprocess.run([os.fsencode(sys.executable), b"-m", b"app", *args], cwd=ROOT, env=full,
                          capture_output=True, timeout=timeout)


def _bundle(example_bundle: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(example_bundle))
    data["cases"][0]["reference"] = "CPO-2026-0999"
    return data


# ------------------------------------------------------------------ 1. too small to be a store
@pytest.mark.parametrize("size", [1, 100, 4095])
def test_1_a_truncated_store_is_never_created_over(closed_store: Path, env_pass: str, size: int,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    with Store.open(closed_store, env_pass) as s:
        backup = security.rolling_backup(s)
    with open(closed_store, "r+b") as fh:
        fh.truncate(size)
    before = store_state(closed_store)
    for verb in (["cases"], ["check"], ["due"], ["backups", "--now"]):
        code, out, err = cli(capsys, *verb, "--store", closed_store)
        assert code == 3, (verb, out, err)
        one_line(err)
        assert "not a Casebook store, or damaged" in err and str(backup) in err
        assert "0 case(s)" not in out
        assert store_state(closed_store) == before and closed_store.stat().st_size == size
    assert [b.path for b in security.list_backups(closed_store)] == [backup]


def test_1_pruning_keeps_the_last_backup_that_opens_and_checks(closed_store: Path, passphrase: str) -> None:
    with Store.open(closed_store, passphrase) as s:
        good = security.rolling_backup(s)
    folder = security.backups_dir(closed_store)
    bad = []
    for stamp in ("20990101-000000-000001", "20990101-000000-000002"):  # newer, but not stores
        p = folder / f"{closed_store.name}.{stamp}.bak"
        p.write_bytes(b"\0" * 8192)
        bad.append(p)
    removed = security.prune_backups(closed_store, 1, passphrase=passphrase)
    assert good.exists() and good not in removed
    assert security.prune_backups(closed_store, 1) == []  # no way to verify: nothing removed


# ------------------------------------------------------------------ 2. rollback and WAL damage
def _crash_copy(src: Path, dest_dir: Path) -> Path:
    """The files of an open store as a crash would leave them (store, -wal, seal, backups)."""
    dest_dir.mkdir()
    for p in src.parent.iterdir():
        if p.name.startswith(src.name) and not p.name.endswith((".lock", "-shm")):
            if p.is_dir():
                shutil.copytree(p, dest_dir / p.name)
            else:
                shutil.copy2(p, dest_dir / p.name)
    return dest_dir / src.name


def test_2_a_damaged_wal_that_drops_acknowledged_commits_is_refused(closed_store: Path, passphrase: str,
                                                                   tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    s = Store.open(closed_store, passphrase)
    for n in range(3):
        s.add_item(REF, "notes", {"date": "2026-11-20", "kind": "office", "text": f"early {n}"})
    backup = security.rolling_backup(s)  # has everything so far
    for n in range(3):
        s.add_item(REF, "notes", {"date": "2026-11-20", "kind": "office", "text": f"late {n}"})
    crashed = _crash_copy(closed_store, tmp_path / "crashed")
    s.close()
    wal = seal.wal_path(crashed)
    assert wal.stat().st_size > 4096 * 4
    data = bytearray(wal.read_bytes())
    data[200] ^= 0x40  # a flipped byte in the first frame: SQLite ignores the rest of the log
    wal.write_bytes(bytes(data))
    before = store_bytes(crashed)
    with pytest.raises(RollbackError) as err:
        Store.open(crashed, passphrase)
    text = str(err.value)
    assert "acknowledged commit(s) are missing" in text
    assert crashed.name + ".backups" in text and backup.name in text and "Nothing was written" in text
    assert store_bytes(crashed) == before
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    code, out, err_text = cli(capsys, "cases", "--store", crashed)
    assert code == 3
    one_line(err_text)
    assert store_bytes(crashed) == before


def test_2_the_whole_file_put_back_to_an_older_copy_is_refused(closed_store: Path, passphrase: str,
                                                              tmp_path: Path) -> None:
    old = tmp_path / "old-copy"
    shutil.copy2(closed_store, old)
    with Store.open(closed_store, passphrase) as s:
        s.add_item(REF, "notes", {"date": "2026-11-20", "kind": "office", "text": "acknowledged"})
        backup = security.rolling_backup(s)
    shutil.copy2(old, closed_store)  # rolled back: every page valid, just older
    before = store_state(closed_store)
    with pytest.raises(RollbackError) as err:
        Store.open(closed_store, passphrase)
    assert "missing" in str(err.value) and backup.name in str(err.value)
    assert "create note " + REF in str(err.value)  # the missing change, read from the backup
    assert store_state(closed_store) == before
    with Store.open(closed_store, passphrase, inspect=True) as s:  # audit --verify can look
        problems = s.verify_audit()
        assert problems and problems[0].startswith("seal: ")
        with pytest.raises(RollbackError):
            s.add_item(REF, "notes", {"date": "2026-11-20", "kind": "office", "text": "refused"})
    assert store_state(closed_store) == before


def test_2_one_page_put_back_to_its_older_version_is_refused(closed_store: Path, passphrase: str,
                                                            tmp_path: Path) -> None:
    old = closed_store.read_bytes()
    with Store.open(closed_store, passphrase) as s:
        s.update_case(REF, {"supervision_intensity": "high"})
    new = bytearray(closed_store.read_bytes())
    pages = [i for i in range(0, min(len(old), len(new)), 4096) if old[i:i + 4096] != new[i:i + 4096]]
    assert len(pages) >= 2
    for page in pages[1:]:  # each changed page (not the header page) alone, put back
        trial = bytearray(new)
        trial[page:page + 4096] = old[page:page + 4096]
        closed_store.write_bytes(bytes(trial))
        with pytest.raises(RollbackError):
            Store.open(closed_store, passphrase)
    closed_store.write_bytes(bytes(new))
    Store.open(closed_store, passphrase).close()  # the real file still opens


def _foreign_wal_after_clean_close(closed_store: Path, passphrase: str, dest: Path) -> Path:
    """A crash copy of a cleanly closed store that someone with the passphrase then wrote to
    directly (one commit in the -wal, no Casebook commit counter)."""
    from app.models.store import db

    conn = db.open_connection(closed_store, passphrase)
    try:
        conn.execute("UPDATE notes SET text = 'edited behind Casebook' WHERE id = (SELECT min(id) FROM notes)")
        copy = _crash_copy(closed_store, dest)
    finally:
        conn.close()
    assert seal.read(copy)["closed"] and seal.wal_holds_a_commit(seal.wal_path(copy))
    return copy


def test_2_a_log_written_behind_casebook_after_a_clean_close_is_refused(closed_store: Path, passphrase: str,
                                                                       tmp_path: Path) -> None:
    copy = _foreign_wal_after_clean_close(closed_store, passphrase, tmp_path / "copy")
    before = store_bytes(copy)
    with pytest.raises(RollbackError, match="write-ahead log"):
        Store.open(copy, passphrase)
    assert store_bytes(copy) == before


@pytest.mark.parametrize("cut", ["header only", "torn first frame", "commit frame fails its checksum"])
def test_2_a_log_a_crash_cut_short_in_the_first_write_after_a_clean_close_opens(
        closed_store: Path, passphrase: str, tmp_path: Path, cut: str) -> None:
    """Found by the power-cut test: a crash during the first write after a clean close leaves
    a -wal with no commit in it (SQLite discards it).  That is not someone else writing:
    the store opens, with its sealed contents."""
    copy = _foreign_wal_after_clean_close(closed_store, passphrase, tmp_path / "copy")
    wal = seal.wal_path(copy)
    data = bytearray(wal.read_bytes())
    if cut == "header only":
        data = data[:32]
    elif cut == "torn first frame":
        data = data[:32 + 24 + 1000]
    else:
        data[-1] ^= 0x01  # the one commit's last page byte: its checksum fails
    wal.write_bytes(bytes(data))
    assert not seal.wal_holds_a_commit(wal)
    with Store.open(copy, passphrase) as s:
        assert s.check() == [] and s.verify_audit() == []
        texts = {row[0] for row in s._conn.execute("SELECT text FROM notes")}
    assert "edited behind Casebook" not in texts


def test_2_commit_state_for_off_laptop_copies(loaded_store: Store) -> None:
    state = loaded_store.commit_state()
    assert set(state) == {"counter", "audit_id", "audit_head", "mac"} and state["counter"] >= 1
    assert security.check_commit_state(loaded_store, state) is None
    assert security.check_commit_state(loaded_store, dict(state, counter=state["counter"] - 1))
    seal_file = seal.seal_path(loaded_store.path)
    assert seal_file.stat().st_mode & 0o777 == 0o600
    assert "CPO" not in seal_file.read_text() and "Lorna" not in seal_file.read_text()


# ------------------------------------------------------------------ 3. duplicate keys
def test_3_duplicate_keys_are_refused_with_their_path(closed_store: Path, env_pass: str, tmp_path: Path,
                                                     example_bundle: dict[str, Any],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    data = _bundle(example_bundle)
    data["cases"][0]["notes"] = [{"date": "2026-11-20", "kind": "office", "text": "victim's new address",
                                  "sensitivity": "not_for_disclosure"}]
    text = json.dumps(data).replace('"sensitivity": "not_for_disclosure"',
                                    '"sensitivity": "not_for_disclosure", "sensitivity": "ordinary"')
    f = tmp_path / "dup.json"
    f.write_text(text, encoding="utf-8")
    before = store_state(closed_store)
    code, _, err = cli(capsys, "import", "--store", closed_store, f)
    assert code == 2
    one_line(err)
    assert "$.cases[0].notes[0]" in err and "'sensitivity' appears more than once" in err
    assert "victim" not in err
    assert store_state(closed_store) == before


# ------------------------------------------------------------------ 4. no long or restricted value echoed
def test_4_errors_never_quote_long_or_restricted_text(closed_store: Path, env_pass: str, tmp_path: Path,
                                                     example_bundle: dict[str, Any],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    for sensitivity in ("not_for_disclosure", "ordinary"):
        data = _bundle(example_bundle)
        data["cases"][0]["notes"] = [{"date": "2026-11-20", "kind": "office", "sensitivity": sensitivity,
                                      "text": "SECRET-ADDRESS " + "x" * 10_000_000}]
        f = tmp_path / f"long-{sensitivity}.json"
        f.write_text(json.dumps(data), encoding="utf-8")
        code, _, err = cli(capsys, "import", "--store", closed_store, f)
        assert code == 2
        one_line(err)
        if sensitivity == "not_for_disclosure":
            assert "SECRET" not in err


# ------------------------------------------------------------------ 5. nothing left behind by kill -9
def test_5_stale_partials_and_plaintext_temp_files_are_removed(closed_store: Path, env_pass: str,
                                                               tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    folder = security.backups_dir(closed_store)
    folder.mkdir(mode=0o700)
    leftovers = [folder / f"{closed_store.name}.20261123-100000-000000.bak.partial",
                 folder / f"{closed_store.name}.20261123-100000-000000.bak.partial-journal",
                 closed_store.with_name(closed_store.name + ".restoring"),
                 closed_store.with_name(closed_store.name + ".v1-20261123-100000.bak.partial")]
    for p in leftovers:
        p.write_bytes(b"half a backup")
    out = tmp_path / "out" / "bundle.json"
    out.parent.mkdir()
    dead_pid = 2**22 + 12345  # above pid_max: no such process
    stale = out.parent / f".bundle.json.{dead_pid}.abc123.tmp"
    stale.write_bytes(b"plaintext officer's copy")
    code, _, err = cli(capsys, "export-json", "--store", closed_store, "--to", out)
    assert code == 0, err
    assert not any(p.exists() for p in leftovers)
    assert not stale.exists()
    assert out.stat().st_mode & 0o777 == 0o600


# ------------------------------------------------------------------ 6. direct edits are seen
def test_6_direct_edits_are_named_by_audit_verify(loaded_store: Store, example_bundle: dict[str, Any]) -> None:
    s = loaded_store
    s.add_item(REF, "notes", {"date": "2026-11-20", "kind": "office", "text": "the victim lives at ...",
                              "sensitivity": "not_for_disclosure"})
    other = json.loads(json.dumps(example_bundle["cases"][0]), )
    other["reference"] = "CPO-2026-0500"
    s.create_case(other)
    assert s.verify_audit() == []
    with s.transaction() as tx:  # someone with the passphrase and an SQLite shell
        tx.execute_raw("UPDATE notes SET sensitivity = 'ordinary' WHERE sensitivity = 'not_for_disclosure'")
    problems = s.verify_audit()
    assert problems and problems[0].startswith(f"case {REF}: its data no longer matches its last audited state")
    with s.transaction() as tx:
        tx.execute_raw("DELETE FROM cases WHERE reference = 'CPO-2026-0500'")
    assert "case CPO-2026-0500: deleted outside Casebook" in " ".join(s.verify_audit())


# ------------------------------------------------------------------ 7. import: no tracebacks
BAD_JSON = {
    "deep": "[" * 1000 + "]" * 1000,
    "deep-objects": '{"a":' * 1000 + "1" + "}" * 1000,
}


@pytest.mark.parametrize("what", ["deep", "deep-objects", "surrogate", "nan", "infinity", "int63", "int4301",
                                  "nul"])
def test_7_hostile_bundles_get_one_line(closed_store: Path, env_pass: str, tmp_path: Path, what: str,
                                        example_bundle: dict[str, Any],
                                        capsys: pytest.CaptureFixture[str]) -> None:
    data = _bundle(example_bundle)
    text = json.dumps(data)
    if what in BAD_JSON:
        text = BAD_JSON[what]
    elif what == "surrogate":
        text = text.replace(json.dumps(data["cases"][0]["individual"]["given_names"]), '"Al\\ud800ex"')
    elif what == "nul":
        text = text.replace(json.dumps(data["cases"][0]["individual"]["given_names"]), '"Al\\u0000ex"')
    else:
        number = {"nan": "NaN", "infinity": "Infinity", "int63": str(2**63), "int4301": "9" * 4301}[what]
        assert '"hours": 7' in text  # an unpaid work session's hours
        text = text.replace('"hours": 7', f'"hours": {number}', 1)
    f = tmp_path / "bad.json"
    f.write_text(text, encoding="utf-8")
    before = store_state(closed_store)
    code, _, err = cli(capsys, "import", "--store", closed_store, f)
    assert code == 2, err
    one_line(err)
    assert store_state(closed_store) == before


def test_7_dev_zero_fifo_and_huge_files_are_refused_without_reading(closed_store: Path, passphrase: str,
                                                                    tmp_path: Path) -> None:
    fifo = tmp_path / "bundle.fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(201 * 1024 * 1024)  # sparse
    before = store_state(closed_store)
    env = {b"CASEBOOK_PASSPHRASE": passphrase.encode()}
    for source, expect in ((b"/dev/zero", b"a device"), (os.fsencode(fifo), b"FIFO"), (os.fsencode(big), b"200 MB")):
        r = run_bytes([b"import", b"--store", os.fsencode(closed_store), source], env, timeout=30)
        assert r.returncode == 2, r.stderr
        assert r.stderr.startswith(b"casebook: ") and r.stderr.count(b"\n") == 1 and expect in r.stderr
    assert store_state(closed_store) == before


# ------------------------------------------------------------------ 8. absurd dates
def test_8_absurd_dates_are_refused_and_due_stays_total(closed_store: Path, env_pass: str, tmp_path: Path,
                                                       example_bundle: dict[str, Any],
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    data = _bundle(example_bundle)
    data["cases"][0]["order"]["imposed_on"] = "9999-12-31"
    f = tmp_path / "far.json"
    f.write_text(json.dumps(data), encoding="utf-8")
    before = store_state(closed_store)
    code, _, err = cli(capsys, "import", "--store", closed_store, f)
    assert code == 2 and "imposed_on" in err and "1900-01-01 to 2100-12-31" in err
    one_line(err)
    code, _, err = cli(capsys, "due", "--store", closed_store, "--today", "9999-01-01", "--within", "36500")
    assert code == 2
    one_line(err)
    assert store_state(closed_store) == before
    code, out, err = cli(capsys, "due", "--store", closed_store, "--today", "2100-12-31", "--within", "36500")
    assert code == 0, err


def test_8_absurd_dates_are_refused_on_input_too(loaded_store: Store) -> None:
    s = loaded_store
    before = s.get_case(REF)
    with pytest.raises(ValidationError, match="1900-01-01 to 2100-12-31"):
        s.add_item(REF, "notes", {"date": "9999-12-31", "kind": "office", "text": "far"})
    with pytest.raises(ValidationError, match="1900-01-01 to 2100-12-31"):
        s.update_case(REF, {"order": {**before["order"], "imposed_on": "1899-12-31"}})
    assert s.get_case(REF) == before


# ------------------------------------------------------------------ 9. NUL and invalid UTF-8
def test_9_nul_in_a_passphrase_file_and_invalid_utf8(closed_store: Path, passphrase: str, tmp_path: Path) -> None:
    pfile = tmp_path / "pass"
    pfile.write_bytes(passphrase.encode() + b"\0tail")
    new = tmp_path / "new.cbk"
    r = run_bytes([b"init", b"--store", os.fsencode(new), b"--passphrase-file", os.fsencode(pfile)])
    assert r.returncode == 2 and b"NUL" in r.stderr and r.stderr.count(b"\n") == 1
    assert not new.exists()
    before = store_state(closed_store)
    r = run_bytes([b"cases", b"--store", os.fsencode(closed_store), b"--passphrase-file", os.fsencode(pfile)])
    assert r.returncode == 2 and b"NUL" in r.stderr
    r = run_bytes([b"cases", b"--store", os.fsencode(closed_store)], {b"CASEBOOK_PASSPHRASE": b"bad \xff\xfe bytes"})
    assert r.returncode == 2 and b"UTF-8" in r.stderr and r.stderr.count(b"\n") == 1
    env = {b"CASEBOOK_PASSPHRASE": passphrase.encode()}
    r = run_bytes([b"export-json", b"--store", os.fsencode(closed_store), b"--case", b"CPO-\xff",
                   b"--to", os.fsencode(tmp_path / "x.json")], env)
    assert r.returncode == 2 and b"UTF-8" in r.stderr and b"Traceback" not in r.stderr
    r = run_bytes([b"cases", b"--store", os.fsencode(tmp_path) + b"/caf\xe9.cbk"], env)
    assert r.returncode == 2 and b"Traceback" not in r.stderr and r.stderr.count(b"\n") == 1
    assert store_state(closed_store) == before


# ------------------------------------------------------------------ 10. hangs
def test_10_fifos_and_devices_never_hang(closed_store: Path, passphrase: str, tmp_path: Path) -> None:
    fifo = tmp_path / "pass.fifo"
    os.mkfifo(fifo)
    for source in (os.fsencode(fifo), b"/dev/zero"):
        r = run_bytes([b"cases", b"--store", os.fsencode(closed_store), b"--passphrase-file", source], timeout=30)
        assert r.returncode == 2 and r.stderr.count(b"\n") == 1, r.stderr
    failures = security.failures_path(closed_store)
    os.mkfifo(failures)
    env = {b"CASEBOOK_PASSPHRASE": passphrase.encode()}
    r = run_bytes([b"cases", b"--store", os.fsencode(closed_store)], env, timeout=60)
    assert r.returncode == 0, r.stderr
    failures.unlink(missing_ok=True)


def test_10_a_fifo_manifest_on_the_shared_drive_does_not_hang_sync(closed_store: Path, passphrase: str,
                                                                   tmp_path: Path) -> None:
    from app.models.store import outbox

    shared = tmp_path / "shared"
    shared.mkdir()
    os.mkfifo(shared / outbox.MANIFEST_NAME)
    with Store.open(closed_store, passphrase) as s:
        outbox.enqueue(s, "doc.pdf", "contract", REF, b"%PDF-1.4 synthetic")
    env = {b"CASEBOOK_PASSPHRASE": passphrase.encode()}
    r = run_bytes([b"sync", b"--store", os.fsencode(closed_store), b"--to", os.fsencode(shared)], env, timeout=60)
    assert r.returncode == 1 and b"still queued" in r.stderr and b"Traceback" not in r.stderr


# ------------------------------------------------------------------ 11. a refused command changes no byte
def test_11_refused_commands_leave_the_store_byte_identical(closed_store: Path, env_pass: str, tmp_path: Path,
                                                            example_bundle: dict[str, Any],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    collide = tmp_path / "collide.json"
    collide.write_text(json.dumps(example_bundle), encoding="utf-8")  # its reference is already there
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    refused = [
        ["export-json", "--store", closed_store, "--case", "NO-SUCH-CASE", "--to", tmp_path / "o.json"],
        ["export", "contract", "--store", closed_store, "--case", "NO-SUCH-CASE", "--to", tmp_path / "o.pdf"],
        ["import", "--store", closed_store, collide],
        ["backups", "--store", closed_store, "--keep", "0"],
        ["export-json", "--store", closed_store, "--to", a_file / "o.json"],
        ["export-json", "--store", closed_store, "--to", tmp_path / "no-such-folder" / "o.json"],
        ["audit", "--store", closed_store, "--case", REF, "--json", "--verify", "--no-such-option"],
    ]
    with Store.open(closed_store, env_pass) as s:
        events_before = len(s.audit_events())
    before = store_state(closed_store)  # the store and every side file (-wal, seal, backups)
    for args in refused:
        code, _, err = cli(capsys, *args)
        assert code in (2, 3), (args, err)
        one_line(err)
        assert store_state(closed_store) == before, args
    # the refused attempts are recorded, as failed unlocks are, at the next change
    with Store.open(closed_store, env_pass) as s:
        s.add_item(REF, "notes", {"date": "2026-11-20", "kind": "office", "text": "after"})
        events = s.audit_events()
    assert not any(e.action == "export" for e in events)
    assert sum(e.action == "refused" for e in events[events_before:]) >= 3
