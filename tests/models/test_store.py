"""The encrypted store: round trips, encryption at rest, migrations, backups, validation."""

from __future__ import annotations

import copy
import datetime as dt
import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from app.models.errors import NewerSchemaError, NotFoundError, UnlockError, ValidationError
from app.models.store import Store, check_store, db, migrations
from tests.conftest import DATA


def full_bundle() -> dict[str, Any]:
    with open(DATA / "full-bundle.json", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def without_export_stamp(bundle: dict[str, Any]) -> dict[str, Any]:
    out = dict(bundle)
    out.pop("exported_at", None)
    out.pop("exported_by", None)
    out.pop("version", None)  # a version 1 bundle is exported at the current version, its cases unchanged
    return out


def test_every_entity_round_trips_exactly(store: Store) -> None:
    """A version 1 bundle (from before issue 18) imports and re-exports losslessly, as version 3."""
    original = full_bundle()
    assert original["version"] == 1
    store.import_bundle(copy.deepcopy(original))
    exported = store.export_bundle()
    assert exported["version"] == 3
    assert without_export_stamp(exported) == without_export_stamp(original)
    # Same key order and list order, as text, too.
    assert json.dumps(exported["cases"], ensure_ascii=False) == json.dumps(original["cases"], ensure_ascii=False)


def test_round_trip_survives_reopen(store_path: Path, passphrase: str) -> None:
    original = full_bundle()
    with Store.create(store_path, passphrase) as s:
        s.import_bundle(original)
    with Store.open(store_path, passphrase) as s:
        assert s.export_bundle()["cases"] == original["cases"]


def test_unicode_names_exact(store: Store) -> None:
    store.import_bundle(full_bundle())
    names = {(r.given_names, r.family_name) for r in store.list_cases()}
    assert ("Màiri Ciorstaidh", "Nic a' Phearsain") in names
    assert ("Ciarán", "O'Neill") in names
    assert ("Zoë", "Wiśniewska") in names


def test_file_is_encrypted_and_private(store: Store, store_path: Path) -> None:
    store.import_bundle(full_bundle())
    store.close()
    raw = store_path.read_bytes()
    assert not raw.startswith(b"SQLite format 3")
    assert b"Phearsain" not in raw
    assert stat.S_IMODE(store_path.stat().st_mode) == 0o600
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(store_path).execute("SELECT * FROM sqlite_master").fetchall()


def test_cipher_settings_are_sqlcipher4_defaults(store: Store) -> None:
    conn = store._conn
    assert conn.execute("PRAGMA cipher_version").fetchone()[0].startswith("4.")
    assert conn.execute("PRAGMA kdf_iter").fetchone()[0] == "256000"
    assert conn.execute("PRAGMA cipher_hmac_algorithm").fetchone()[0] == "HMAC_SHA512"
    assert conn.execute("PRAGMA cipher_kdf_algorithm").fetchone()[0] == "PBKDF2_HMAC_SHA512"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_wrong_passphrase_refused_and_file_untouched(store: Store, store_path: Path) -> None:
    store.close()
    before = store_path.read_bytes()
    with pytest.raises(UnlockError):
        Store.open(store_path, "not the passphrase")
    assert store_path.read_bytes() == before
    assert not Path(str(store_path) + "-wal").exists() or Path(str(store_path) + "-wal").stat().st_size == 0


def test_invalid_bundle_changes_nothing(store: Store) -> None:
    store.import_bundle(full_bundle())
    before = store.export_bundle()["cases"]
    bad = full_bundle()
    for case in bad["cases"]:
        case["reference"] += "-NEW"
    bad["cases"][2]["order"]["imposed_on"] = "2026-02-30"
    with pytest.raises(ValidationError) as err:
        store.import_bundle(bad)
    assert err.value.path == "$.cases[2].order.imposed_on"
    assert store.export_bundle()["cases"] == before


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda b: b["cases"][0]["individual"].pop("family_name"), "$.cases[0].individual"),
        (lambda b: b["cases"][0]["notes"][0].update(kind="visit"), "$.cases[0].notes[0].kind"),
        (lambda b: b["cases"][0]["order"]["requirements"][1].update(hours=350),
         "$.cases[0].order.requirements[1].hours"),
        (lambda b: b["cases"][0]["unpaid_work_sessions"][0].update(hours=25), "$.cases[0].unpaid_work_sessions[0].hours"),
        (lambda b: b["cases"][1].update(reference=b["cases"][0]["reference"]), "$.cases[1].reference"),
        (lambda b: b["cases"][0]["reviews"][0]["goal_progress"][0].update(goal_id="G99"),
         "$.cases[0].reviews[0].goal_progress[0].goal_id"),
        (lambda b: b["cases"][0]["goals"][1].update(id="G1"), "$.cases[0].goals[1].id"),
        (lambda b: b["cases"][0].update(colour="blue"), "$.cases[0]"),
        (lambda b: b.update(version=99), "$.version"),
    ],
)
def test_validation_reports_path(store: Store, mutate: Any, path: str) -> None:
    bad = full_bundle()
    mutate(bad)
    with pytest.raises(ValidationError) as err:
        store.import_bundle(bad)
    assert err.value.path == path
    assert "\n" not in str(err.value)
    assert store.count_cases() == 0


def test_duplicate_reference_against_store(loaded_store: Store, example_bundle: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="already in this store"):
        loaded_store.import_bundle(example_bundle)
    assert loaded_store.count_cases() == 1


def test_list_items_add_update_delete(loaded_store: Store) -> None:
    ref = "CPO-2026-0001"
    i = loaded_store.add_item(ref, "notes", {"date": "2026-11-23", "kind": "phone", "text": "Called ✓"})
    assert i == 1
    loaded_store.update_item(ref, "notes", 1, {"date": "2026-11-23", "kind": "phone", "text": "Called again"})
    assert loaded_store.get_case(ref)["notes"][1]["text"] == "Called again"
    loaded_store.delete_item(ref, "notes", 0)
    notes = loaded_store.get_case(ref)["notes"]
    assert [n["text"] for n in notes] == ["Called again"]
    with pytest.raises(ValidationError):
        loaded_store.add_item(ref, "notes", {"date": "23/11/2026", "kind": "phone", "text": "x"})
    with pytest.raises(NotFoundError):
        loaded_store.add_item("NOPE", "notes", {"date": "2026-11-23", "kind": "phone", "text": "x"})


def test_goal_rules(store: Store) -> None:
    store.import_bundle(full_bundle())
    ref = "CPO-2026-0101"
    with pytest.raises(ValidationError, match="already used"):
        store.add_item(ref, "goals", {"id": "G1", "need_area": "leisure", "description": "Again"})
    with pytest.raises(ValidationError, match="recorded in a review"):
        store.delete_item(ref, "goals", 0)
    store.delete_item(ref, "goals", 8)
    assert [g["id"] for g in store.get_case(ref)["goals"]][-1] == "G8"


def test_update_case_validates_whole_case(loaded_store: Store) -> None:
    ref = "CPO-2026-0001"
    case = loaded_store.get_case(ref)
    individual = dict(case["individual"], given_names="Eilidh Ròs")
    loaded_store.update_case(ref, {"individual": individual})
    assert loaded_store.get_case(ref)["individual"]["given_names"] == "Eilidh Ròs"
    order = copy.deepcopy(case["order"])
    order["requirements"][1]["hours"] = 301
    with pytest.raises(ValidationError, match="20 to 300"):
        loaded_store.update_case(ref, {"order": order})
    assert loaded_store.get_case(ref)["order"] == case["order"]


def test_create_case_and_plan_versions(store: Store) -> None:
    case = {"reference": "CPO-T-1", "individual": {"given_names": "Seònaid", "family_name": "Grant",
                                                    "date_of_birth": "2000-01-01"},
            "order": {"court": "Dundee Sheriff Court", "imposed_on": "2026-11-02",
                      "requirements": [{"kind": "offender_supervision", "months": 12}]}}
    store.create_case(case)
    with pytest.raises(ValidationError):
        store.create_case(case)
    store.add_item("CPO-T-1", "goals", {"id": "G1", "need_area": "leisure", "description": "Join a club"})
    assert store.save_plan_version("CPO-T-1", "first review") == 1
    store.update_item("CPO-T-1", "goals", 0, {"id": "G1", "need_area": "leisure", "description": "Join two clubs"})
    versions = store.plan_versions("CPO-T-1")
    assert versions[0]["goals"][0]["description"] == "Join a club"
    assert store.get_case("CPO-T-1")["goals"][0]["description"] == "Join two clubs"


def test_backup_reopens(loaded_store: Store, tmp_path: Path, passphrase: str) -> None:
    dest = tmp_path / "copy.cbk"
    loaded_store.backup(dest)
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    with Store.open(dest, passphrase) as copy_store:
        assert copy_store.get_case("CPO-2026-0001") == loaded_store.get_case("CPO-2026-0001")
    assert not db.is_plain_sqlite(dest)


def test_check_finds_no_problems_then_damage(loaded_store: Store, store_path: Path, passphrase: str) -> None:
    assert loaded_store.check() == []
    loaded_store.close()
    raw = bytearray(store_path.read_bytes())
    raw[4096 * 2 + 100] ^= 0xFF  # a page after the first
    store_path.write_bytes(bytes(raw))
    assert check_store(store_path, passphrase) != []


def test_newer_schema_refused(store: Store, store_path: Path, passphrase: str) -> None:
    store._conn.execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION + 1}")
    store.close()
    with pytest.raises(NewerSchemaError, match="newer Casebook"):
        Store.open(store_path, passphrase)


def test_migration_backs_up_first(loaded_store: Store, store_path: Path, passphrase: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    loaded_store.close()

    def v2(conn: Any) -> None:
        conn.execute("CREATE TABLE extra_v2 (id INTEGER PRIMARY KEY)")

    current = migrations.SCHEMA_VERSION
    monkeypatch.setattr(migrations, "STEPS", [*migrations.STEPS, v2])
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", len(migrations.STEPS))
    with Store.open(store_path, passphrase) as s:
        assert s._conn.execute("PRAGMA user_version").fetchone()[0] == current + 1
    backups = list(store_path.parent.glob(store_path.name + f".v{current}-*.bak"))
    assert len(backups) == 1
    conn = db.open_connection(backups[0], passphrase)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == current
        assert conn.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    finally:
        conn.close()


def test_audit_chain(loaded_store: Store) -> None:
    loaded_store.add_item("CPO-2026-0001", "notes", {"date": "2026-11-23", "kind": "phone", "text": "secret words"})
    events = loaded_store.audit_events()
    assert [(e.action, e.entity) for e in events][:4] == [("create", "store"), ("import", "bundle"),
                                                         ("import", "case"), ("create", "note")]
    assert loaded_store.verify_audit() == []
    assert all("secret words" not in (e.detail or "") for e in events)


def test_signature_and_settings(loaded_store: Store) -> None:
    png = b"\x89PNG\r\n\x1a\nfake"
    loaded_store.save_signature("CPO-2026-0001", "contract", "individual", png, dt.date(2026, 11, 23))
    assert loaded_store.get_signature("CPO-2026-0001", "contract", "individual") == (png, dt.date(2026, 11, 23))
    contract = loaded_store.get_case("CPO-2026-0001")["contract"]
    assert contract["signed_by_individual_on"] == "2026-11-23"  # the record follows the captured signature
    assert contract["signed_by_officer_on"] == "2026-11-12"
    with pytest.raises(ValidationError):
        loaded_store.save_signature("CPO-2026-0001", "contract", "individual", b"GIF89a", dt.date(2026, 11, 23))
    loaded_store.set_setting("intensity_weeks", {"high": 2, "medium": 8, "low": 12})
    assert loaded_store.get_setting("intensity_weeks")["high"] == 2
    loaded_store.set_local_holiday(dt.date(2026, 12, 28), "Council holiday")
    assert loaded_store.local_holidays() == [(dt.date(2026, 12, 28), "Council holiday")]


def test_demo_bundle_is_valid_and_varied() -> None:
    from app.models.demo import demo_bundle
    from app.models.store.bundle import validate_bundle

    bundle = demo_bundle(60, seed=7, today=dt.date(2026, 11, 23))
    validate_bundle(bundle)
    text = json.dumps(bundle, ensure_ascii=False)
    assert "not_for_disclosure" in text
    assert any(ch in text for ch in "àáèéìíòóùú")
    kinds = {r["kind"] for c in bundle["cases"] for r in c["order"]["requirements"]}
    assert {"offender_supervision", "unpaid_work_or_other_activity"} <= kinds
    assert any(c.get("flags") for c in bundle["cases"])
    assert demo_bundle(5, seed=1, today=dt.date(2026, 11, 23)) == demo_bundle(5, seed=1, today=dt.date(2026, 11, 23))
