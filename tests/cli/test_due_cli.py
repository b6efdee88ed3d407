"""`casebook due` over a real encrypted store made from a bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.models.rules.clock import Clock
from app.models.store import Store
from tests.conftest import TODAY
from tests.helpers import run_cli

EXTRA_CASE: dict[str, Any] = {
    "reference": "CPO-2026-0002",
    "individual": {"given_names": "Ciarán", "family_name": "O'Neill", "date_of_birth": "2009-03-01"},
    "order": {"court": "Glasgow Sheriff Court", "imposed_on": "2026-10-01", "ends_on": "2027-03-31",
              "status": "active", "requirements": [{"kind": "unpaid_work_or_other_activity", "hours": 60}]},
}


@pytest.fixture
def bundle_store(tmp_path: Path, passphrase: str, example_bundle: dict[str, Any]) -> Path:
    path = tmp_path / "due.cbk"
    bundle = dict(example_bundle)
    bundle["cases"] = [*example_bundle["cases"], EXTRA_CASE]
    with Store.create(path, passphrase, clock=Clock.fixed(TODAY)) as store:
        store.import_bundle(bundle)
    return path


def test_due_json(bundle_store: Path, passphrase: str) -> None:
    result = run_cli("due", "--store", bundle_store, "--today", "2026-11-23", "--json", passphrase=passphrase)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"items", "warnings"}
    items = data["items"]
    assert all(set(i) == {"case", "kind", "due_on", "status"} for i in items)
    assert [i["due_on"] for i in items] == sorted(i["due_on"] for i in items)
    got = {(i["case"], i["kind"], i["due_on"], i["status"]) for i in items}
    assert ("CPO-2026-0001", "first_meeting", "2026-11-09", "done") in got
    assert ("CPO-2026-0001", "upw_start", "2026-11-11", "done") in got
    assert ("CPO-2026-0001", "assessment", "2026-12-01", "open") in got
    assert ("CPO-2026-0001", "upw_completion", "2027-05-02", "open") in got
    assert ("CPO-2026-0001", "plan_review", "2026-12-28", "open") in got
    assert ("CPO-2026-0002", "upw_start", "2026-10-12", "overdue") in got
    assert ("CPO-2026-0002", "upw_completion", "2027-01-01", "open") in got  # level 1: 3 months
    assert data["warnings"] == [{"case": "CPO-2026-0002", "kind": "under_18_without_supervision",
                                 "message": data["warnings"][0]["message"]}]
    assert "17" in data["warnings"][0]["message"]


def test_due_within_and_human_output(bundle_store: Path, passphrase: str) -> None:
    result = run_cli("due", "--store", bundle_store, "--today", "2026-11-23", "--within", "14", "--json",
                     passphrase=passphrase)
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)["items"]
    assert {(i["case"], i["kind"], i["status"]) for i in items} == {
        ("CPO-2026-0002", "upw_start", "overdue"),
        ("CPO-2026-0001", "assessment", "open"),  # 01/12/2026 is within 14 days
    }
    text = run_cli("due", "--store", bundle_store, "--today", "2026-11-23", "--within", "14",
                   passphrase=passphrase)
    assert text.returncode == 0, text.stderr
    assert "12/10/2026" in text.stdout and "01/12/2026" in text.stdout
    assert "OVERDUE" in text.stdout and "2026-12-01" not in text.stdout
    assert "under_18" not in text.stdout and "no offender supervision requirement" in text.stdout
    assert "O'Neill" not in text.stdout  # the due list names cases by reference only


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--within", "-1"], "--within"),
        (["--within", "soon"], "--within"),
        (["--today", "23/11/2026"], "--today"),
    ],
)
def test_due_bad_input(bundle_store: Path, passphrase: str, args: list[str], message: str) -> None:
    result = run_cli("due", "--store", bundle_store, *args, passphrase=passphrase)
    assert result.returncode == 2
    assert result.stderr.startswith("casebook:") and message in result.stderr
    assert "Traceback" not in result.stderr
