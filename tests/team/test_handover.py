"""Case handover (issue 15, items 2-6) over two and three real stores sharing one folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from app.models.errors import ValidationError
from app.models.store import Store, custody
from app.models.store import outbox as O
from app.team import cards, handover, identity, layout
from tests.team.conftest import PNG, grep_folder, make_store, secret_strings

PW = "correct horse battery staple – ✓"
REF = "CPO-2026-0101"
NOTE = "Synthetic handover note: Tuesday allotment placement continues"


def _blank(path: Path, name: str, share: Path) -> Store:
    s = Store.create(path, PW)
    identity.ensure(s, name)
    s.set_setting(O.SETTING_FOLDER, str(share))
    return s


def _full(path: Path, share: Path) -> Store:
    s = make_store(path, PW)
    s.set_setting(O.SETTING_FOLDER, str(share))
    return s


def _oid(store: Store) -> str:
    return identity.ensure(store).officer_id


def _publish(*stores: Store) -> None:
    for s in stores:
        cards.publish_card(s, Path(str(s.get_setting(O.SETTING_FOLDER))))


def _record(store: Store, ref: str = REF) -> dict[str, Any]:
    rec = custody.snapshot(store, ref)
    return {"case": rec.case, "plans": rec.plan_versions, "sigs": rec.signatures}


def _incoming_id(store: Store) -> str:
    waiting = handover.incoming(store)
    assert len(waiting) == 1, waiting
    return waiting[0].packet_id


@pytest.fixture
def pair(tmp_path: Path) -> Any:
    share = tmp_path / "share"
    share.mkdir()
    a = _full(tmp_path / "a.cbk", share)
    b = _blank(tmp_path / "b.cbk", "Officer Beta", share)
    _publish(a, b)
    yield a, b, share
    for s in (a, b):
        s.close()


def test_round_trip_keeps_every_field_then_return_replaces_the_copy(pair: Any) -> None:
    a, b, share = pair
    before = _record(a)
    assert before["plans"] and before["sigs"]
    sent = handover.hand_over(a, REF, _oid(b), NOTE)
    assert sent.custody_version == 1
    state = custody.state_of(a, REF)
    assert state is not None and state.state == "pending" and state.read_only
    assert "handover to" in state.label() and "pending" in state.label()
    with pytest.raises(ValidationError, match="read-only"):
        a.add_item(REF, "notes", {"date": "2026-11-21", "kind": "office", "text": "x"})
    with pytest.raises(ValidationError, match="read-only"):
        a.delete_case(REF)

    handover.sync(a)
    assert list(layout.handovers_dir(share, _oid(b)).glob("*.handover"))
    handover.sync(b)
    [item] = handover.incoming(b)
    assert item.reference == REF and item.note == NOTE and item.sender == _oid(a) and item.problem is None
    assert item.sender_name == identity.ensure(a).name

    result, held = handover.accept(b, item.packet_id)
    assert held is not None and held.state == "held" and not result.replaced
    assert _record(b) == before  # every field, plan versions and signatures
    assert b.get_signature(REF, "contract", "individual") == (PNG, dt.date(2026, 11, 20))
    b.add_item(REF, "notes", {"date": "2026-11-22", "kind": "office", "text": "Synthetic note by B"})

    handover.sync(a)
    state = custody.state_of(a, REF)
    assert state is not None and state.state == "transferred" and state.transferred_on == a.clock.today()
    assert f"transferred to {identity.ensure(b).name} on" in state.label()
    assert REF not in {c.reference for c in a.list_cases(include_archived=True)}
    with pytest.raises(ValidationError, match="read-only"):
        a.update_case(REF, {"supervision_intensity": None})
    assert a.verify_audit() == [] and b.verify_audit() == []

    # B hands it back: the higher custody version replaces A's read-only copy
    back = handover.hand_over(b, REF, _oid(a), "back to you")
    assert back.custody_version == 2
    handover.sync(b)
    handover.sync(a)
    result, held = handover.accept(a, _incoming_id(a))
    assert result.replaced and held is not None and held.state == "held" and held.custody_version == 2
    assert any(line.startswith("notes:") and "(+1)" in line for line in result.summary), result.summary
    assert _record(a) == _record(b)
    a.add_item(REF, "notes", {"date": "2026-11-23", "kind": "office", "text": "Synthetic note by A"})
    handover.sync(b)
    assert custody.state_of(b, REF).state == "transferred"  # type: ignore[union-attr]
    assert a.verify_audit() == [] and b.verify_audit() == []

    hits = grep_folder(share, secret_strings([NOTE, "Officer Beta", "back to you", REF]))
    assert hits == []


# ---------------------------------------------------------------------- refusals
def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _forge(signer: Store, sender: str, to: str, record: dict[str, Any], *, version: int = 1,
           custody_id: str | None = None, recipients: list[str]) -> tuple[str, bytes]:
    packet_id = handover.new_packet_id()
    custody_id = custody_id or handover.new_custody_id()
    header = {"kind": "handover", "packet_id": packet_id, "from": sender, "to": to, "custody_id": custody_id,
              "custody_version": version, "prev_hash": handover.NO_PREVIOUS, "created": "2026-11-30T10:00:00+00:00"}
    payload = {"packet_id": packet_id, "custody_id": custody_id, "custody_version": version,
               "sender": {"officer_id": sender, "name": "Forger"}, "recipient": to, "note": None, "record": record}
    return packet_id, handover.seal(signer, header, payload, recipients)


def _drop(share: Path, to: str, packet_id: str, blob: bytes) -> None:
    where = layout.handovers_dir(share, to)
    where.mkdir(parents=True, exist_ok=True)
    (where / (packet_id + handover.HANDOVER_EXT)).write_bytes(blob)


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from app.cli import main

    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_every_refusal_leaves_both_stores_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    share = tmp_path / "share"
    share.mkdir()
    pa, pb, pc = tmp_path / "a.cbk", tmp_path / "b.cbk", tmp_path / "c.cbk"
    a, b, c = _full(pa, share), _blank(pb, "Officer Beta", share), _blank(pc, "Officer Gamma", share)
    _publish(a, b, c)
    a_id, b_id, c_id = _oid(a), _oid(b), _oid(c)
    b_recipient, c_recipient = identity.ensure(b).recipient, identity.ensure(c).recipient
    record = custody.snapshot(a, "CPO-2026-0102").payload()
    other = custody.snapshot(a, "CPO-2026-0103").payload()
    cards.pin_for_use(b, share, a_id)
    forged: dict[str, str] = {}
    # signed by C, claiming to be A
    pid, blob = _forge(c, a_id, b_id, record, recipients=[b_recipient])
    _drop(share, b_id, pid, blob)
    forged["not verify"] = pid
    # a good packet from A, altered in its ciphertext, and another one truncated
    pid, blob = _forge(a, a_id, b_id, record, recipients=[b_recipient])
    _drop(share, b_id, pid, blob[:-40] + bytes(b ^ 1 for b in blob[-40:]))
    forged["altered"] = pid
    pid, blob = _forge(a, a_id, b_id, record, recipients=[b_recipient])
    _drop(share, b_id, pid, blob[: len(blob) // 2])
    forged["truncated"] = pid
    # header altered (custody version raised), signature kept
    pid, blob = _forge(a, a_id, b_id, record, recipients=[b_recipient])
    _drop(share, b_id, pid, blob.replace(b'"custody_version":1', b'"custody_version":9', 1))
    forged["header"] = pid
    # addressed to C, dropped in B's folder
    pid, blob = _forge(a, a_id, c_id, record, recipients=[b_recipient, c_recipient])
    _drop(share, b_id, pid, blob)
    forged["someone else"] = pid
    # from an officer with no card and no pin
    stranger = "off-zzzzzzzz"
    pid, blob = _forge(a, stranger, b_id, record, recipients=[b_recipient])
    _drop(share, b_id, pid, blob)
    forged["unpinned"] = pid
    # the real one (accepted below), then one not newer than it, and one for a case B holds
    sent = handover.hand_over(a, REF, b_id, NOTE)
    handover.sync(a)
    cus = custody.state_of(a, REF).custody_id  # type: ignore[union-attr]
    pid, blob = _forge(a, a_id, b_id, record | {"case": custody.snapshot(a, REF).case}, version=1,
                       custody_id=cus, recipients=[b_recipient])
    _drop(share, b_id, pid, blob)
    forged["not newer"] = pid
    b.import_bundle({"format": "casebook.case-bundle", "version": 3, "cases": [other["case"]]})  # B holds it
    pid, blob = _forge(a, a_id, b_id, other, recipients=[b_recipient])
    _drop(share, b_id, pid, blob)
    forged["held here"] = pid
    handover.sync(b)
    listed = {i.packet_id: i for i in handover.incoming(b)}
    assert set(forged.values()) | {sent.packet_id} <= set(listed)
    assert listed[forged["not verify"]].problem and "signature" in str(listed[forged["not verify"]].problem)
    a.close()
    b.close()
    c.close()
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PW)

    code, _, err = _cli(["accept", "--store", str(pb), sent.packet_id], capsys)
    assert code == 0, err
    expect = {"not verify": "signature does not verify", "altered": "signature does not verify",
              "truncated": "signature does not verify", "header": "signature does not verify",
              "someone else": "addressed to officer", "unpinned": "not pinned",
              "not newer": "not newer", "held here": "already held here and editable"}
    for what, pid in [*forged.items(), ("replay", sent.packet_id)]:
        before = (_sha(pa), _sha(pb))
        code, out, err = _cli(["accept", "--store", str(pb), pid], capsys)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, (what, err)
        assert expect.get(what, "replay") in err, (what, err)
        assert "nothing imported" in err, (what, err)
        assert (_sha(pa), _sha(pb)) == before, what
    with Store.open(pb, PW) as b2:
        assert b2.case_references() == [REF, "CPO-2026-0103"]
        assert custody.state_of(b2, "CPO-2026-0103") is None

    # A's key changes: B refuses A's next packet until the new fingerprint is confirmed
    with Store.open(pa, PW) as a2:
        from app.models.store import entities as E

        with a2.transaction() as tx:
            for key in (identity.SETTING_AGE_IDENTITY, identity.SETTING_SIGNING_KEY):
                tx.session.delete(tx.session.get(E.StoreSetting, key))
        identity.ensure(a2)
        cards.publish_card(a2, share)
        pid, blob = _forge(a2, a_id, b_id, record, recipients=[b_recipient])
    _drop(share, b_id, pid, blob)
    code, _, err = _cli(["sync", "--store", str(pb)], capsys)
    before = (_sha(pa), _sha(pb))
    code, out, err = _cli(["accept", "--store", str(pb), pid], capsys)
    assert code == 2 and "have changed since they were pinned" in err
    assert (_sha(pa), _sha(pb)) == before


# ---------------------------------------------------------------------- decline, cancel, purge
def _editable(store: Store, ref: str = REF) -> bool:
    if ref not in store.case_references():
        return False
    got = custody.state_of(store, ref)
    return got is None or got.state == "held"


def test_decline_gives_the_case_back(pair: Any) -> None:
    a, b, share = pair
    handover.hand_over(a, REF, _oid(b), NOTE)
    handover.sync(a)
    handover.sync(b)
    pid = _incoming_id(b)
    with pytest.raises(ValidationError, match="reason"):
        handover.decline(b, pid, "  ")
    assert "declined" in handover.decline(b, pid, "Synthetic: not my patch")
    assert REF not in b.case_references()
    with pytest.raises(ValidationError, match="already declined"):
        handover.accept(b, pid)
    handover.sync(a)
    assert _editable(a) and not _editable(b)
    a.add_item(REF, "notes", {"date": "2026-11-24", "kind": "office", "text": "Synthetic: kept it"})
    assert custody.state_of(a, REF).custody_version == 1  # type: ignore[union-attr]
    assert grep_folder(share, ["not my patch"]) == []


def test_cancel_before_accept_wins_and_undoes_an_offline_accept(pair: Any, tmp_path: Path) -> None:
    a, b, share = pair
    handover.hand_over(a, REF, _oid(b), NOTE)
    handover.sync(a)
    handover.sync(b)
    pid = _incoming_id(b)
    offline = tmp_path / "unplugged"
    result, state = handover.accept(b, pid, folder=offline)  # no drive: the ack waits in B's store
    assert state is not None and state.state == "accepting" and not _editable(b)
    with pytest.raises(ValidationError, match="read-only"):
        b.add_item(REF, "notes", {"date": "2026-11-24", "kind": "office", "text": "Synthetic"})
    line = handover.cancel(a, REF)  # the drive is there: the cancel is the decision
    assert "cancelled" in line and _editable(a)
    handover.sync(b)  # B's acknowledgement finds the cancel first: the imported copy goes
    assert not _editable(b) and REF not in b.case_references()
    assert custody.by_custody_id(b, custody.state_of(a, REF).custody_id).state == "gone"  # type: ignore[union-attr]
    handover.sync(a)
    assert _editable(a)
    assert a.verify_audit() == [] and b.verify_audit() == []


def test_cancel_after_accept_loses(pair: Any) -> None:
    a, b, share = pair
    handover.hand_over(a, REF, _oid(b), NOTE)
    handover.sync(a)
    handover.sync(b)
    handover.accept(b, _incoming_id(b))  # the acknowledgement reaches the drive at once
    assert _editable(b)
    line = handover.cancel(a, REF)
    assert "transferred to" in line
    assert not _editable(a) and custody.state_of(a, REF).state == "transferred"  # type: ignore[union-attr]
    handover.sync(b)
    assert _editable(b)


def test_offline_cancel_waits_for_the_drive(pair: Any, tmp_path: Path) -> None:
    a, b, share = pair
    handover.hand_over(a, REF, _oid(b), NOTE)  # never delivered
    line = handover.cancel(a, REF, folder=tmp_path / "unplugged")
    assert "queued" in line and not _editable(a)
    assert "cancel waiting" in custody.state_of(a, REF).label()  # type: ignore[union-attr]
    handover.sync(a)
    assert _editable(a)
    assert not list(layout.handovers_dir(share, _oid(b)).glob("*.handover"))  # the packet was withdrawn
    handover.sync(b)
    assert handover.incoming(b) == []


def test_transferred_copy_is_purged_after_retention_with_an_audit_event(pair: Any) -> None:
    from app.models.rules.clock import Clock

    a, b, share = pair
    custody.set_retention(a, 30)
    with pytest.raises(ValidationError):
        custody.set_retention(a, -1)
    handover.hand_over(a, REF, _oid(b), NOTE)
    handover.sync(a)
    handover.sync(b)
    handover.accept(b, _incoming_id(b))
    handover.sync(a)
    assert REF in a.case_references()
    today = a.clock.today()
    a.clock = Clock.fixed(today + dt.timedelta(days=29))
    handover.sync(a)
    assert REF in a.case_references()
    a.clock = Clock.fixed(today + dt.timedelta(days=30))
    report = handover.sync(a)
    assert any("purged" in line for line in report.lines)
    assert REF not in a.case_references()
    state = custody.states(a)[REF]
    assert state.state == "transferred" and state.purged_on is not None and not state.read_only
    assert [e.action for e in a.audit_events() if e.entity_ref == REF][-1] == "purge"
    assert a.verify_audit() == []


def test_three_officers_a_to_b_to_c_and_back_to_a(tmp_path: Path) -> None:
    share = tmp_path / "share"
    share.mkdir()
    a = _full(tmp_path / "a.cbk", share)
    b = _blank(tmp_path / "b.cbk", "Officer Beta", share)
    c = _blank(tmp_path / "c.cbk", "Officer Gamma", share)
    try:
        _publish(a, b, c)
        original = _record(a)
        for giver, taker in ((a, b), (b, c), (c, a)):
            handover.hand_over(giver, REF, _oid(taker), f"Synthetic hop note {_oid(taker)}")
            handover.sync(giver)
            handover.sync(taker)
            handover.accept(taker, _incoming_id(taker))
            handover.sync(giver)
            assert _editable(taker) and not _editable(giver)
        assert [custody.state_of(s, REF).custody_version for s in (a, b, c)] == [3, 2, 3]  # type: ignore[union-attr]
        assert _record(a) == original
        assert sum(_editable(s) for s in (a, b, c)) == 1
        history = custody.snapshot(a, REF).audit
        assert {e["actor"] for e in history} >= {_oid(a), _oid(b), _oid(c)}
        for s in (a, b, c):
            assert s.verify_audit() == []
        assert grep_folder(share, secret_strings(["Officer Beta", "Officer Gamma", "Synthetic hop note"])) == []
    finally:
        for s in (a, b, c):
            s.close()
