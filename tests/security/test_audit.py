"""The audit trail: every mutation recorded, no sensitive text copied, tampering detected."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from app.models.errors import NotFoundError, ValidationError
from app.models.store import Store, db, security
from app.models.store.seal import RollbackError
from tests.helpers import run_cli

REF = "CPO-2026-0001"
SECRET = "SYNTHETIC-SECRET-7f3a"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


def _new_events(store: Store, before: int) -> list[tuple[str, str, str | None]]:
    return [(e.action, e.entity, e.entity_ref) for e in store.audit_events()[before:]]


def test_every_mutator_and_viewing_is_audited_without_sensitive_text(loaded_store: Store,
                                                                     example_bundle: dict[str, Any],
                                                                     tmp_path: Path) -> None:
    s = loaded_store
    case = json.loads(json.dumps(example_bundle["cases"][0]))
    case["reference"] = "CPO-2026-0002"
    case["individual"]["family_name"] = SECRET
    individual = dict(case["individual"], given_names=SECRET)
    note = {"date": "2026-11-20", "kind": "office", "text": SECRET, "sensitivity": "not_for_disclosure"}
    steps: list[tuple[Any, ...]] = [
        (lambda: s.create_case(case), ("create", "case", "CPO-2026-0002")),
        (lambda: s.update_case("CPO-2026-0002", {"individual": individual}), ("update", "case", "CPO-2026-0002")),
        (lambda: s.add_item(REF, "notes", note), ("create", "note", REF)),
        (lambda: s.update_item(REF, "notes", 0, dict(note, text=SECRET + " edited")), ("update", "note", REF)),
        (lambda: s.delete_item(REF, "notes", 0), ("delete", "note", REF)),
        (lambda: s.save_plan_version(REF, SECRET), ("create", "plan_version", REF)),
        (lambda: s.save_signature(REF, "contract", "officer", PNG, dt.date(2026, 11, 23)),
         ("create", "signature", REF)),
        (lambda: s.set_setting("team_name", SECRET), ("update", "setting", "team_name")),
        (lambda: s.set_local_holiday(dt.date(2026, 12, 29), SECRET), ("update", "local_holiday", "2026-12-29")),
        (lambda: s.export_bundle([REF]), ("export", "bundle", REF)),
        (lambda: s.backup(tmp_path / "b.bak"), ("backup", "store", None)),
        (lambda: security.record_nfd_view(s, REF, "notes#1"), ("view_nfd", "case", REF)),
        (lambda: s.delete_case("CPO-2026-0002"), ("delete", "case", "CPO-2026-0002")),
        (lambda: s.import_bundle({**example_bundle, "cases": [case]}), ("import", "bundle", None),
             ("import", "case", "CPO-2026-0002")),
    ]
    for action, *expected in steps:
        before = len(s.audit_events())
        action()
        assert _new_events(s, before) == expected
    events = s.audit_events()
    assert events[0].action == "create" and events[1].action == "import"
    assert all(e.actor == "test-officer" and e.at for e in events)
    assert SECRET not in json.dumps([e.__dict__ for e in events])
    assert s.verify_audit() == []


def test_record_nfd_view_rejects_text_and_unknown_cases(loaded_store: Store) -> None:
    before = len(loaded_store.audit_events())
    with pytest.raises(ValidationError):
        security.record_nfd_view(loaded_store, REF, "a long description\nwith the victim's words " * 3)
    with pytest.raises(NotFoundError):
        security.record_nfd_view(loaded_store, "NO-SUCH-CASE", "notes#0")
    assert len(loaded_store.audit_events()) == before


def test_audit_rows_are_append_only(loaded_store: Store) -> None:
    with pytest.raises(Exception, match="append-only"):
        loaded_store._conn.execute("UPDATE audit_events SET detail = 'x' WHERE id = 1")
    with pytest.raises(Exception, match="append-only"):
        loaded_store._conn.execute("DELETE FROM audit_events WHERE id = 1")


def _tamper(path: Path, passphrase: str, sql: str) -> None:
    conn = db.open_connection(path, passphrase)
    try:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute(sql)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        conn.close()


def test_cli_audit_lists_and_verify_detects_tampering(closed_store: Path, passphrase: str) -> None:
    r = run_cli("audit", "--store", closed_store, "--verify", "--json", passphrase=passphrase)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["intact"] is True
    # the unlock of this very run is written at its close, after the listing
    assert [e["action"] for e in out["events"]] == ["create", "import", "import"]
    r = run_cli("audit", "--store", closed_store, passphrase=passphrase)
    assert r.returncode == 0 and "23/11/2026" in r.stdout and "import" in r.stdout
    _tamper(closed_store, passphrase, "UPDATE audit_events SET detail = '0 case(s)' WHERE id = 2")
    r = run_cli("audit", "--store", closed_store, "--verify", passphrase=passphrase)
    assert r.returncode == 1
    assert "audit event 2: contents altered" in r.stdout
    # the direct edit is seen first by the seal (the file differs from the one Casebook closed)
    assert r.stderr.startswith("casebook: the audit trail has been altered: seal: ")
    assert r.stderr.count("\n") == 1


def test_verify_detects_a_removed_event(closed_store: Path, passphrase: str) -> None:
    Store.open(closed_store, passphrase).close()  # events: create, import bundle, import case, unlock
    _tamper(closed_store, passphrase, "DELETE FROM audit_events WHERE id = 2")
    with pytest.raises(RollbackError):
        Store.open(closed_store, passphrase)  # changed outside Casebook: refused for writing
    with Store.open(closed_store, passphrase, inspect=True) as s:
        problems = s.verify_audit()
    assert problems[0].startswith("seal: ") and "does not match what Casebook last saved" in problems[0]
    assert problems[1:] == ["audit event 3: chain broken (previous hash differs)"]
