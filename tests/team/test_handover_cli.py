"""The handover verbs end to end: handover, sync, incoming, accept, decline, handover --cancel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from app.models.store import Store
from app.models.store import outbox as O
from app.team import identity
from tests.team.conftest import grep_folder, make_store, secret_strings

PW = "correct horse battery staple – ✓"
REF = "CPO-2026-0101"
NOTE = "Synthetic: please phone the allotment coordinator on Tuesday"


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_handover_verbs_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    share = tmp_path / "share"
    share.mkdir()
    pa, pb = tmp_path / "a.cbk", tmp_path / "b.cbk"
    with make_store(pa, PW) as a:
        a.set_setting(O.SETTING_FOLDER, str(share))
        a_id = identity.ensure(a).officer_id
    with Store.create(pb, PW) as b:
        identity.ensure(b, "Officer Beta")
        b.set_setting(O.SETTING_FOLDER, str(share))
        b_id = identity.ensure(b).officer_id
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PW)
    for p in (pa, pb):
        assert _run(["sync", "--store", str(p)], capsys)[0] == 0  # publishes the cards

    code, _, err = _run(["handover", "--store", str(pa), "--case", REF, "--to", "nobody"], capsys)
    assert code == 2 and "not an officer id" in err
    code, _, err = _run(["handover", "--store", str(pa), "--case", REF, "--to", a_id], capsys)
    assert code == 2 and "own officer" in err
    code, out, err = _run(["handover", "--store", str(pa), "--case", REF, "--to", b_id, "--note", NOTE], capsys)
    assert code == 0, err
    assert "pending" in out and "next sync" in out
    code, _, err = _run(["case", "archive", "--store", str(pa), REF], capsys)
    assert code == 2 and "read-only" in err and "pending" in err

    _run(["sync", "--store", str(pa)], capsys)
    code, out, _ = _run(["sync", "--store", str(pb)], capsys)
    assert "incoming packet" in out
    code, out, _ = _run(["incoming", "--store", str(pb), "--json"], capsys)
    [item] = json.loads(out)["incoming"]
    assert item["case_reference"] == REF and item["note"] == NOTE and item["from"] == a_id
    assert item["problem"] is None
    code, out, _ = _run(["incoming", "--store", str(pb)], capsys)
    assert REF in out and NOTE in out

    code, _, err = _run(["accept", "--store", str(pb), "pkt-nothing"], capsys)
    assert code == 2 and "not a packet id" in err
    code, out, err = _run(["accept", "--store", str(pb), item["packet_id"]], capsys)
    assert code == 0, err
    assert "held here" in out
    code, out, _ = _run(["sync", "--store", str(pa)], capsys)
    assert "transferred to Officer Beta" in out

    code, _, err = _run(["export-json", "--store", str(pa), "--case", REF, "--to", str(tmp_path / "a.json")], capsys)
    assert code == 0, err
    code, _, err = _run(["export-json", "--store", str(pb), "--case", REF, "--to", str(tmp_path / "b.json")], capsys)
    assert code == 0, err
    a_cases = json.loads((tmp_path / "a.json").read_text("utf-8"))["cases"]
    b_cases = json.loads((tmp_path / "b.json").read_text("utf-8"))["cases"]
    assert a_cases == b_cases and a_cases[0]["reference"] == REF
    code, out, _ = _run(["cases", "--store", str(pa)], capsys)
    assert REF not in out  # off A's caseload

    # B hands it back and A declines; B then cancels nothing (it is editable again)
    code, out, err = _run(["handover", "--store", str(pb), "--case", REF, "--to", a_id], capsys)
    assert code == 0, err
    _run(["sync", "--store", str(pb)], capsys)
    _run(["sync", "--store", str(pa)], capsys)
    code, out, _ = _run(["incoming", "--store", str(pa), "--json"], capsys)
    [back] = json.loads(out)["incoming"]
    code, out, err = _run(["decline", "--store", str(pa), back["packet_id"], "--reason", "Synthetic: on leave"], capsys)
    assert code == 0 and "declined" in out, err
    code, out, _ = _run(["sync", "--store", str(pb)], capsys)
    assert "declined" in out
    code, _, err = _run(["handover", "--store", str(pb), "--case", REF, "--cancel"], capsys)
    assert code == 2 and "no handover pending" in err
    assert grep_folder(share, secret_strings([NOTE, "Officer Beta", "on leave"])) == []
    for p in (pa, pb):
        code, out, err = _run(["audit", "--store", str(p), "--verify"], capsys)
        assert code == 0, err
