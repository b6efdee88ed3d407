"""Team status packets (issue 16): real stores, one shared folder, the manager's view.

* what the manager sees for each officer is exactly that officer's own ``due --json``;
* markers planted in notes, not-for-disclosure and victim fields never reach a packet's
  plaintext (decrypted here with the manager's key), and nothing on the drive names anyone;
* a packet that fails its signature or pin is a problem, never data; a damaged, half-written
  or stray file is skipped with its reason; only the newest packet per officer counts.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest

from app.cli import main
from app.models.rules.clock import Clock
from app.models.store import Store
from app.team import cards, identity, status
from tests.conftest import DATA
from tests.team.conftest import grep_folder

PW = "correct horse battery staple – team"
TODAY = dt.date(2027, 3, 1)
MARKERS = {
    "note": "MARKER-NOTE-TEXT-71c3",
    "nfd_note": "MARKER-NFD-NOTE-5b2e",
    "victim_note": "MARKER-VICTIM-CONTACT-9d10",
    "nfd_flag": "MARKER-NFD-FLAG-DETAIL-e4a7",
    "victim_flag": "MARKER-SAFETY-PLAN-DETAIL-2f88",
    "restricted_review": "MARKER-RESTRICTED-REVIEW-0c6d",
    "nfd_progress": "MARKER-NFD-PROGRESS-a913",
    "session_note": "MARKER-UPW-SESSION-NOTE-77aa",
    "requirement": "MARKER-REQUIREMENT-DETAIL-3e3e",
    "address": "MARKER-ADDRESS-1 Secret Row",
}


def _bundle(prefix: str) -> dict[str, Any]:
    with open(DATA / "full-bundle.json", encoding="utf-8") as fh:
        bundle = json.load(fh)
    bundle = copy.deepcopy(bundle)
    for case in bundle["cases"]:
        case["reference"] = case["reference"].replace("CPO", prefix)
        case["individual"]["address"] = MARKERS["address"]
        notes = case.setdefault("notes", [])
        notes.append({"date": "2027-02-10", "kind": "home_visit", "text": MARKERS["note"]})
        notes.append({"date": "2027-02-11", "kind": "office", "text": MARKERS["nfd_note"],
                      "sensitivity": "not_for_disclosure"})
        notes.append({"date": "2027-02-12", "kind": "victim_contact", "text": MARKERS["victim_note"]})
        flags = case.setdefault("flags", [])
        flags.append({"kind": "child_protection", "raised_on": "2027-01-05", "details": MARKERS["nfd_flag"],
                      "sensitivity": "not_for_disclosure"})
        flags.append({"kind": "victim_safety_plan", "raised_on": "2027-01-05", "review_on": "2027-03-20",
                      "details": MARKERS["victim_flag"]})
        for req in case["order"].get("requirements") or []:
            req["details"] = MARKERS["requirement"]
        for s in case.get("unpaid_work_sessions") or []:
            s["notes"] = MARKERS["session_note"]
        for r in case.get("reviews") or []:
            r["restricted_notes"] = MARKERS["restricted_review"]
    # One case with an ordinary domestic abuse flag (the NFD one of the data set stays hidden)
    bundle["cases"][1].setdefault("flags", []).append({"kind": "domestic_abuse", "raised_on": "2027-01-02"})
    bundle["cases"][2]["individual"]["date_of_birth"] = "2010-06-01"  # 16 today: under 18
    return bundle


def _officer(path: Path, name: str, prefix: str | None) -> Store:
    store = Store.create(path, PW, clock=Clock.fixed(TODAY))
    identity.ensure(store, name)
    if prefix:
        store.import_bundle(_bundle(prefix))
    return store


def _due_json(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["due", "--store", str(path), "--today", TODAY.isoformat(), "--json"]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    yield from make_team(tmp_path, monkeypatch)


def make_team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A manager (who is an officer too, with no cases) and two officers sharing one folder."""
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PW)
    share = tmp_path / "share"
    share.mkdir()
    paths = {k: tmp_path / f"{k}.cbk" for k in ("m", "a", "b")}
    m = _officer(paths["m"], "Morag Manager-Synthetic", None)
    a = _officer(paths["a"], "Alasdair Officer-Synthetic", "AAA")
    b = _officer(paths["b"], "Beathag Officer-Synthetic", "BBB")
    ids = {}
    for key, store in (("m", m), ("a", a), ("b", b)):
        cards.publish_card(store, share)
        ids[key] = identity.ensure(store).officer_id
    for store in (a, b):
        status.set_manager(store, share, ids["m"])
    out = {"share": share, "paths": paths, "ids": ids, "stores": {"m": m, "a": a, "b": b}}
    yield out
    for store in (m, a, b):
        if not store.closed:
            store.close()


def _plaintext(share: Path, manager: Store) -> list[bytes]:
    ident = identity.age_identity(manager)
    mid = identity.ensure(manager).officer_id
    return [pyrage.decrypt(p.read_bytes(), [ident]) for p in sorted(status.status_dir(share, mid).glob("*.status.age"))]


def test_manager_view_matches_each_officers_due_and_leaks_nothing(team: dict[str, Any],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    share, paths, ids, stores = team["share"], team["paths"], team["ids"], team["stores"]
    for key in ("a", "b"):
        outcome = status.publish_status(stores[key], share)
        assert outcome.status == "published", outcome.line()
        assert outcome.name and outcome.name.startswith(ids[key]) and outcome.name.endswith(".status.age")

    # The plaintext of every packet: no marker, no free text, no restricted flag
    texts = _plaintext(share, stores["m"])
    assert len(texts) == 2
    for plain in texts:
        for marker in MARKERS.values():
            assert marker.encode() not in plain, marker
        body = json.loads(status.split_plain(plain)[1])
        for case in body["cases"]:
            assert "victim_safety_plan" not in case["flags"] and "marac" not in case["flags"]
            assert set(case) == {"reference", "name", "date_of_birth", "requirements", "intensity", "order_status",
                                 "ends_on", "archived", "flags", "due", "overdue", "last_contact", "upw",
                                 "pending_handovers"}
    # The drive: no names, references or notes anywhere (packets are encrypted, names are ids)
    needles = [*MARKERS.values(), "Alasdair", "Beathag", "Morag", "AAA-2026", "BBB-2026", "Màiri", "Ciarán"]
    assert grep_folder(share, needles) == []

    for store in stores.values():
        store.close()
    capsys.readouterr()
    assert main(["team-status", "--store", str(paths["m"]), "--shared", str(share), "--today", TODAY.isoformat(),
                 "--json"]) == 0
    view = json.loads(capsys.readouterr().out)
    assert view["problems"] == [] and view["skipped"] == []
    assert {o["officer_id"] for o in view["officers"]} == {ids["a"], ids["b"]}
    for key in ("a", "b"):
        own = _due_json(paths[key], capsys)
        items = [i for c in view["cases"] if c["officer_id"] == ids[key] for i in c["items"]]
        assert sorted(items, key=json.dumps) == sorted(own["items"], key=json.dumps)
        assert own["items"], "the test data must have due items"
        officer = next(o for o in view["officers"] if o["officer_id"] == ids[key])
        assert officer["overdue"] == sum(1 for i in own["items"] if i["status"] == "overdue")
        assert officer["cases"] == 3
    da = [c for c in view["cases"] if c["domestic_abuse"]]
    assert sorted(c["reference"] for c in da) == ["AAA-2026-0102", "BBB-2026-0102"]
    assert sorted(c["reference"] for c in view["cases"] if c["under_18"]) == ["AAA-2026-0103", "BBB-2026-0103"]
    upw = next(c for c in view["cases"] if c["reference"] == "AAA-2026-0102")["upw"]
    assert upw is not None and upw["required"] > 0 and upw["done"] + upw["remaining"] == pytest.approx(upw["required"])

    # the human-readable form says the same, with no traceback
    assert main(["team-status", "--store", str(paths["m"]), "--shared", str(share), "--today",
                 TODAY.isoformat()]) == 0
    text = capsys.readouterr().out
    assert "Alasdair Officer-Synthetic" in text and "2 officer(s), 6 case(s)" in text


def test_only_the_newest_packet_counts_and_the_last_sync_is_reported(team: dict[str, Any]) -> None:
    share, ids, stores = team["share"], team["ids"], team["stores"]
    a = stores["a"]
    first = status.publish_status(a, share, now=dt.datetime(2027, 2, 1, 9, 0, tzinfo=dt.UTC))
    ref = a.case_references()[0]
    a.add_item(ref, "notes", {"date": "2027-02-28", "kind": "phone", "text": "Synthetic phone call"})
    second = status.publish_status(a, share, now=dt.datetime(2027, 2, 20, 9, 0, tzinfo=dt.UTC))
    assert first.status == second.status == "published"
    read = status.load_team(stores["m"], share)
    assert [p.file for p in read.packets] == [second.name]
    view = status.team_view(read, TODAY)
    row = next(r for r in view.cases if r.reference == ref)
    assert row.last_contact == dt.date(2027, 2, 28)
    officer = view.officers[0]
    assert officer.officer_id == ids["a"] and officer.not_synced_days == 9 and officer.stale
    # unchanged and recent: a background pass does not publish again
    again = status.publish_status(a, share, force=False, min_age=dt.timedelta(hours=1),
                                  now=dt.datetime(2027, 2, 20, 9, 10, tzinfo=dt.UTC))
    assert again.status == "current"
    assert status.publish_status(a, share, force=False, min_interval=dt.timedelta(minutes=5),
                                 now=dt.datetime(2027, 2, 20, 9, 12, tzinfo=dt.UTC)).status == "current"
    later = status.publish_status(a, share, force=False, min_age=dt.timedelta(hours=1),
                                  now=dt.datetime(2027, 2, 20, 11, 0, tzinfo=dt.UTC))
    assert later.status == "published"
    # own older packets are tidied away (the newest two are kept)
    files = sorted(p.name for p in status.status_dir(share, ids["m"]).glob("*.status.age"))
    assert len(files) == status.KEEP_OWN and files[-1] == later.name


def test_forged_damaged_and_half_written_packets(team: dict[str, Any]) -> None:
    share, ids, stores = team["share"], team["ids"], team["stores"]
    a, b, m = stores["a"], stores["b"], stores["m"]
    good = status.publish_status(a, share)
    assert good.status == "published"
    where = status.status_dir(share, ids["m"])
    recipient = identity.ensure(m).recipient

    # B writes a packet claiming to be A (filed under A's id, signed with B's key)
    body = status.build_status(b)
    body["officer_id"] = ids["a"]
    body["manager_id"] = ids["m"]
    forged = status.seal_packet(body, identity.signing_private(b), recipient)
    (where / f"{ids['a']}-20990101T000000000Z-abcdef.status.age").write_bytes(forged)
    # B's genuine packet, then cut in half (a crash, or a copy in progress on a slow drive)
    real = status.publish_status(b, share)
    assert real.name
    data = (where / real.name).read_bytes()
    (where / real.name).write_bytes(data[: len(data) // 2])
    (where / f".{real.name}.0123456789ab.partial").write_bytes(b"half")
    (where / "readme.txt").write_text("hello", encoding="utf-8")

    read = status.load_team(m, share)
    view = status.team_view(read, TODAY)
    # A's forged newest packet is a problem; A's real older one is still the data
    assert [p.file for p in read.packets] == [good.name]
    assert [(p.officer_id, "signature" in p.reason) for p in read.problems] == [(ids["a"], True)]
    assert {o.officer_id for o in view.officers} == {ids["a"]}
    reasons = {p.file: p.reason for p in read.skipped}
    assert "unreadable" in reasons[real.name]
    assert "half-written" in reasons[f".{real.name}.0123456789ab.partial"]
    assert reasons["readme.txt"] == "not a status packet"
    # nothing of the forged packet's content is shown: every case row belongs to A's real packet
    assert all(r.reference.startswith("AAA") for r in view.cases)


def test_a_changed_key_is_a_problem_until_confirmed(team: dict[str, Any]) -> None:
    share, ids, stores = team["share"], team["ids"], team["stores"]
    a, m = stores["a"], stores["m"]
    assert status.publish_status(a, share).status == "published"
    assert [p.officer_id for p in status.load_team(m, share).packets] == [ids["a"]]  # pinned now
    from app.models.store import entities as E

    with a.transaction() as tx:  # A's laptop is rebuilt: new keys, same officer id
        tx.session.delete(tx.session.get(E.StoreSetting, identity.SETTING_SIGNING_KEY))
    cards.publish_card(a, share)
    assert status.publish_status(a, share).status == "published"
    read = status.load_team(m, share)
    assert read.packets == [] and len(read.problems) == 1 and "have changed" in read.problems[0].reason
    card = cards.read_cards(share)[0][ids["a"]]
    cards.confirm_pin(m, share, ids["a"], card.fingerprint)
    assert [p.officer_id for p in status.load_team(m, share).packets] == [ids["a"]]


def test_team_verb_sets_and_refuses(team: dict[str, Any], capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    share, paths, ids, stores = team["share"], team["paths"], team["ids"], team["stores"]
    for store in stores.values():
        store.close()
    capsys.readouterr()
    assert main(["team", "--store", str(paths["a"]), "--manager", "nobody"]) == 2
    assert "is not an officer id" in capsys.readouterr().err
    assert main(["team", "--store", str(paths["a"]), "--shared", str(share), "--manager", "off-aaaaaaaa"]) == 2
    assert "no card for officer" in capsys.readouterr().err
    assert main(["team", "--store", str(paths["a"]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["manager"] == ids["m"]  # unchanged by the refusals
    assert main(["sync", "--store", str(paths["a"]), "--to", str(share)]) == 0
    assert "team status published as" in capsys.readouterr().out
    assert main(["team", "--store", str(paths["a"]), "--clear"]) == 0
    capsys.readouterr()
    assert main(["sync", "--store", str(paths["a"]), "--to", str(share)]) == 0
    assert "team status" not in capsys.readouterr().out
    assert main(["team-status", "--store", str(paths["m"]), "--shared", str(tmp_path / "gone")]) == 1
    assert "cannot be found" in capsys.readouterr().err


def test_pending_handovers_come_from_the_custody_records(team: dict[str, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The packet lists a case's handover in flight (read from issue 15's custody records)."""
    import sys
    import types
    from dataclasses import dataclass as _dc

    share, ids, stores = team["share"], team["ids"], team["stores"]
    ref = stores["a"].case_references()[0]

    @_dc
    class State:
        reference: str
        counterpart: str
        counterpart_name: str
        since: dt.datetime
        state: str = "pending"

    fake = types.ModuleType("app.models.store.custody")
    fake.pending_handovers = lambda store: [  # type: ignore[attr-defined]
        State(ref, ids["b"], "Beathag Officer-Synthetic", dt.datetime(2027, 2, 27, 10, tzinfo=dt.UTC))]
    monkeypatch.setitem(sys.modules, "app.models.store.custody", fake)
    assert status.publish_status(stores["a"], share).status == "published"
    view = status.team_view(status.load_team(stores["m"], share), TODAY)
    rows = {r.reference: r.case["pending_handovers"] for r in view.cases}
    assert rows[ref] == [{"to": ids["b"], "to_name": "Beathag Officer-Synthetic", "since": "2027-02-27T10:00:00+00:00"}]
    assert all(v == [] for k, v in rows.items() if k != ref)


def test_an_unreachable_folder_fails_in_one_line_and_records_nothing(team: dict[str, Any], tmp_path: Path) -> None:
    a = team["stores"]["a"]
    outcome = status.publish_status(a, tmp_path / "not-mounted")
    assert outcome.status == "failed" and "cannot be found" in (outcome.error or "")
    assert "\n" not in outcome.line() and a.get_setting(status.SETTING_LAST) is None
    # a damaged pin of the manager: still one line, nothing published
    pins = cards.pins(a)
    pins[team["ids"]["m"]]["recipient"] = "not-an-age-recipient"
    a.set_setting(cards.SETTING_PINS, pins)
    damaged = status.publish_status(a, team["share"])
    assert damaged.status == "failed" and a.get_setting(status.SETTING_LAST) is None
    assert not list(status.status_dir(team["share"], team["ids"]["m"]).glob("*.status.age"))
