"""The CLI of issue 14: init --officer, identity, sync's copy line, backups --shared,
restore --from-shared (passphrase and recovery identity), recovery-key, recovery."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app.cli import main
from tests.conftest import DATA
from tests.team.conftest import grep_folder, secret_strings

PW = "correct horse battery staple – ✓"
NEW_PW = "the team manager's new passphrase"


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_cli_lost_laptop_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PW)
    laptop, share = tmp_path / "laptop", tmp_path / "share"
    laptop.mkdir()
    share.mkdir()
    store = laptop / "a.cbk"
    assert main(["init", "--store", str(store), "--officer", "Ailsa Synthetic-Officer"]) == 0
    assert "for officer off-" in capsys.readouterr().out
    assert main(["import", "--store", str(store), str(DATA / "full-bundle.json")]) == 0
    doc = tmp_path / "plan.pdf"
    doc.write_bytes(b"%PDF synthetic, no case content")
    assert main(["outbox", "--store", str(store), "--add", str(doc), "--kind", "plan"]) == 0
    capsys.readouterr()
    assert main(["identity", "--store", str(store), "--json"]) == 0
    ident = _json(capsys)
    assert ident["name"] == "Ailsa Synthetic-Officer" and ident["officer_id"].startswith("off-")
    assert len(ident["fingerprint"].split()) == 6 and ident["last_copy"] is None and ident["copy_due"]

    team_key = tmp_path / "safe" / "team-recovery.txt"
    team_key.parent.mkdir()
    assert main(["recovery-key", "--out", str(team_key)]) == 0
    recipient = capsys.readouterr().out.strip()
    assert recipient.startswith("age1") and recipient in team_key.read_text()
    assert team_key.stat().st_mode & 0o077 == 0
    assert main(["recovery-key", "--out", str(team_key)]) == 2  # never replaced
    assert main(["recovery", "--store", str(store), "--recipient", "age1notarecipient"]) == 2
    assert main(["recovery", "--store", str(store), "--recipient", recipient]) == 0

    capsys.readouterr()
    assert main(["sync", "--store", str(store), "--to", str(share)]) == 0
    out = capsys.readouterr().out
    assert "off-laptop copy delivered as off-" in out and "Last off-laptop copy" in out
    assert main(["sync", "--store", str(store), "--to", str(share)]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["export-json", "--store", str(store), "--to", str(tmp_path / "original.json")]) == 0

    shutil.rmtree(laptop)  # lost
    assert grep_folder(share, secret_strings()) == []
    capsys.readouterr()
    assert main(["backups", "--shared", str(share), "--json"]) == 0
    listed = _json(capsys)
    assert {c["kind"] for c in listed} == {"store-copy", "recovery"} and all(c["verified"] for c in listed)
    assert all(c["officer"] == ident["officer_id"] for c in listed)

    new = tmp_path / "new" / "restored.cbk"
    new.parent.mkdir()
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", "not the right one")
    assert main(["restore", "--store", str(new), "--from-shared", str(share)]) == 3
    assert list(new.parent.iterdir()) == []  # nothing written
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PW)
    assert main(["restore", "--store", str(new), "--from-shared", str(share)]) == 0
    assert main(["restore", "--store", str(new), "--from-shared", str(share)]) == 2  # never overwrites
    assert main(["check", "--store", str(new)]) == 0
    assert main(["export-json", "--store", str(new), "--to", str(tmp_path / "restored.json")]) == 0
    a, b = (json.loads((tmp_path / n).read_text("utf-8")) for n in ("original.json", "restored.json"))
    assert a["cases"] == b["cases"]
    capsys.readouterr()
    assert main(["outbox", "--store", str(new), "--json"]) == 0
    assert [(r["filename"], r["status"]) for r in _json(capsys)] == [("plan.pdf", "delivered")]

    # team recovery: no passphrase, the recovery identity, a new passphrase chosen now
    other_key = tmp_path / "other.txt"
    assert main(["recovery-key", "--out", str(other_key)]) == 0
    rec = tmp_path / "new" / "recovered.cbk"
    monkeypatch.delenv("CASEBOOK_PASSPHRASE")
    monkeypatch.setenv("CASEBOOK_NEW_PASSPHRASE", NEW_PW)
    assert main(["restore", "--store", str(rec), "--from-shared", str(share), "--officer", ident["officer_id"],
                 "--recovery-identity", str(other_key)]) == 3
    assert not rec.exists()
    assert main(["restore", "--store", str(rec), "--from-shared", str(share), "--officer", ident["officer_id"],
                 "--recovery-identity", str(team_key)]) == 0
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", NEW_PW)
    assert main(["export-json", "--store", str(rec), "--to", str(tmp_path / "recovered.json")]) == 0
    c = json.loads((tmp_path / "recovered.json").read_text("utf-8"))
    assert c["cases"] == a["cases"]
    capsys.readouterr()
    assert main(["audit", "--store", str(rec), "--json"]) == 0
    events = _json(capsys)["events"]
    assert any(e["action"] == "recover" and "recovery identity" in e["detail"] for e in events)
    assert any(e["action"] == "unlock" and e["actor"] == ident["officer_id"] and (e["detail"] or "").startswith("login ")
               for e in events)


def test_cli_usage_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PW)
    assert main(["backups", "--shared", str(tmp_path / "nowhere")]) == 2
    assert "cannot be found" in capsys.readouterr().err
    (tmp_path / "share").mkdir()
    assert main(["restore", "--store", str(tmp_path / "n.cbk"), "--from-shared", str(tmp_path / "share")]) == 2
    assert "no off-laptop copies" in capsys.readouterr().err
    assert main(["init", "--store", str(tmp_path / "x.cbk"), "--officer", "   "]) == 2
    assert not (tmp_path / "x.cbk").exists()
    assert main(["restore", "--store", str(tmp_path / "n.cbk"), "--from-shared", str(tmp_path / "share"),
                 "--officer", "Mary Smith"]) == 2
