"""Issue 19 item 7: a mistaken case can be deleted, archived (closed) or have its reference
corrected, in the store and the CLI; each audited; the old reference kept as an alias."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from app.models.errors import NotFoundError, ValidationError
from app.models.store import Store, cases
from app.models.store.search import search_cases
from tests.conftest import PASSPHRASE
from tests.helpers import run_cli

REF = "CPO-2026-0001"


def _actions(store: Store) -> list[tuple[str, str | None, str | None]]:
    return [(e.action, e.entity_ref, e.detail) for e in store.audit_events()]


def test_rename_keeps_the_old_reference_for_search_and_import(loaded_store: Store,
                                                               example_bundle: dict[str, Any]) -> None:
    changes = cases.rename(loaded_store, REF, "CPO-2026-0101")
    assert changes.caseload and {REF, "CPO-2026-0101"} <= changes.cases
    assert loaded_store.get_case("CPO-2026-0101")["reference"] == "CPO-2026-0101"
    with pytest.raises(NotFoundError):
        loaded_store.get_case(REF)
    assert cases.resolve(loaded_store, REF) == "CPO-2026-0101"
    assert search_cases(loaded_store, REF) == ["CPO-2026-0101"]
    assert ("rename", "CPO-2026-0101", f"was {REF}") in _actions(loaded_store)
    with pytest.raises(ValidationError, match="corrected to 'CPO-2026-0101'"):
        loaded_store.import_bundle(copy.deepcopy(example_bundle))  # the old reference again
    with pytest.raises(ValidationError, match="same as the current"):
        cases.rename(loaded_store, "CPO-2026-0101", "CPO-2026-0101")
    # back to the old one: allowed, and the alias goes
    cases.rename(loaded_store, "CPO-2026-0101", REF)
    assert cases.aliases(loaded_store, REF) == ["CPO-2026-0101"]


def test_rename_refuses_a_reference_in_use(loaded_store: Store, example_bundle: dict[str, Any]) -> None:
    other = copy.deepcopy(example_bundle["cases"][0])
    other["reference"] = "CPO-2026-0002"
    loaded_store.import_bundle({**example_bundle, "cases": [other]})
    before = loaded_store.get_case(REF)
    with pytest.raises(ValidationError, match="already in this store"):
        cases.rename(loaded_store, REF, "CPO-2026-0002")
    with pytest.raises(ValidationError, match="empty"):
        cases.rename(loaded_store, REF, "   ")
    assert loaded_store.get_case(REF) == before


def test_archive_takes_the_case_off_the_caseload_and_back(loaded_store: Store) -> None:
    assert [c.reference for c in loaded_store.list_cases()] == [REF]
    assert cases.archive(loaded_store, REF).caseload
    assert loaded_store.list_cases() == []
    assert [c.reference for c in loaded_store.list_cases(include_archived=True)] == [REF]
    assert cases.archived_references(loaded_store) == [REF]
    with pytest.raises(ValidationError, match="already archived"):
        cases.archive(loaded_store, REF)
    cases.archive(loaded_store, REF, False)
    assert [c.reference for c in loaded_store.list_cases()] == [REF]
    acts = [a for a, _, _ in _actions(loaded_store)]
    assert "archive" in acts and "unarchive" in acts


def test_delete_is_audited_and_final(loaded_store: Store) -> None:
    cases.rename(loaded_store, REF, "CPO-X")
    changes = cases.delete(loaded_store, "CPO-X")
    assert changes.caseload and loaded_store.list_cases(include_archived=True) == []
    assert ("delete", "CPO-X", None) in _actions(loaded_store)
    assert loaded_store.verify_audit() == []
    with pytest.raises(NotFoundError):
        cases.resolve(loaded_store, REF)  # the alias went with the case
    with pytest.raises(NotFoundError):
        cases.delete(loaded_store, "CPO-X")


def test_cli_case_verbs(tmp_path: Path) -> None:
    path = tmp_path / "s.cbk"
    assert run_cli("demo", "--store", path, "--cases", "3", passphrase=PASSPHRASE).returncode == 0
    with Store.open(path, PASSPHRASE) as s:
        refs = [c.reference for c in s.list_cases()]
    first = refs[0]
    r = run_cli("case", "rename", first, "FIXED-1", "--store", path, passphrase=PASSPHRASE)
    assert r.returncode == 0, r.stderr
    r = run_cli("case", "archive", "FIXED-1", "--store", path, passphrase=PASSPHRASE)
    assert r.returncode == 0, r.stderr
    listed = run_cli("cases", "--store", path, passphrase=PASSPHRASE).stdout
    assert "FIXED-1" not in listed and "2 case(s)" in listed
    r = run_cli("case", "delete", refs[1], "--store", path, passphrase=PASSPHRASE)
    assert r.returncode == 2 and r.stderr.startswith("casebook: ") and "--yes" in r.stderr
    r = run_cli("case", "delete", refs[1], "--yes", "--store", path, passphrase=PASSPHRASE)
    assert r.returncode == 0 and "backup" in r.stdout
    assert list((tmp_path / "s.cbk.backups").glob("*before-delete.bak"))
    r = run_cli("case", "delete", "NO-SUCH", "--yes", "--store", path, passphrase=PASSPHRASE)
    assert r.returncode == 2 and "no case with reference" in r.stderr and r.stderr.count("\n") == 1
    with Store.open(path, PASSPHRASE) as s:
        assert [c.reference for c in s.list_cases(include_archived=True)] == sorted(["FIXED-1", refs[2]])
        actions = [e.action for e in s.audit_events()]
    assert {"rename", "archive", "delete"} <= set(actions)
