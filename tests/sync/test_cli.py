"""``casebook sync`` and ``casebook outbox`` end to end, in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.models.store import Store, outbox
from app.team import identity
from tests.helpers import run_cli, shared_documents


def _store(tmp_path: Path, passphrase: str) -> Path:
    path = tmp_path / "cli.cbk"
    Store.create(path, passphrase).close()
    return path


def test_queue_sync_and_list(tmp_path: Path, passphrase: str) -> None:
    store = _store(tmp_path, passphrase)
    share = tmp_path / "share"
    doc = tmp_path / "Contract.pdf"
    doc.write_bytes(b"%PDF synthetic")

    r = run_cli("outbox", "--store", store, "--add", doc, "--kind", "contract", passphrase=passphrase)
    assert r.returncode == 0, r.stderr
    assert "queued Contract.pdf" in r.stdout

    r = run_cli("sync", "--store", store, "--to", share, passphrase=passphrase)  # folder not there
    assert r.returncode == 1
    assert "cannot be found" in r.stderr and "Traceback" not in r.stderr

    r = run_cli("outbox", "--store", store, "--json", passphrase=passphrase)
    [item] = json.loads(r.stdout)
    assert item["status"] == "queued" and item["attempts"] == 1 and "cannot be found" in item["last_error"]
    assert "content" not in item

    share.mkdir()
    r = run_cli("sync", "--store", store, "--to", share, passphrase=passphrase)
    assert r.returncode == 0, r.stderr
    assert "delivered  Contract.pdf as casebook/documents/" in r.stdout
    with Store.open(store, passphrase) as s:
        [(name, data)] = shared_documents(share, identity.age_identity(s)).items()
    assert data == b"%PDF synthetic" and "Contract" not in name

    r = run_cli("outbox", "--store", store, passphrase=passphrase)
    assert r.returncode == 0, r.stderr
    assert f"as {name}" in r.stdout and r.stdout.strip().endswith("0 waiting")

    with Store.open(store, passphrase) as s:  # --to without --save does not change the setting
        assert s.get_setting(outbox.SETTING_FOLDER) is None


def test_to_with_save_remembers_the_folder(tmp_path: Path, passphrase: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    store = _store(tmp_path, passphrase)
    share = tmp_path / "share"
    share.mkdir()
    assert main(["sync", "--store", str(store), "--to", str(share), "--save"]) == 0
    with Store.open(store, passphrase) as s:
        assert s.get_setting(outbox.SETTING_FOLDER) == str(share)
        outbox.enqueue(s, "later.pdf", "plan", None, b"later")
    assert main(["sync", "--store", str(store)]) == 0
    with Store.open(store, passphrase) as s:
        assert list(shared_documents(share, identity.age_identity(s)).values()) == [b"later"]


def test_bad_input_is_one_line_and_stores_nothing(tmp_path: Path, passphrase: str,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """In-process (fast): the same main() the console script runs."""
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    store = _store(tmp_path, passphrase)
    doc = tmp_path / "x.pdf"
    doc.write_bytes(b"x")
    cases = [
        ("outbox", "--store", store, "--add", doc),  # no --kind
        ("outbox", "--store", store, "--add", doc, "--kind", "plan", "--name", "../escape.pdf"),
        ("outbox", "--store", store, "--add", doc, "--kind", "plan", "--case", "CPO-NOPE"),
        ("outbox", "--store", store, "--add", tmp_path / "missing.pdf", "--kind", "plan"),
        ("outbox", "--store", store, "--kind", "plan"),
        ("sync", "--store", store, "--save"),
        ("sync", "--store", store),  # no shared drive folder set anywhere
    ]
    for args in cases:
        code = main([str(a) for a in args])
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert err.startswith("casebook: ") and err.count("\n") == 1, err
    with Store.open(store, passphrase) as s:
        assert outbox.waiting_count(s) == 0
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", "wrong")
    assert main(["outbox", "--store", str(store)]) == 3
