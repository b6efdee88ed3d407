"""Issue 18 on the command line: holidays, report-submitted, safety-plan-reviewed,
review-schedule, and ``due --today`` with records dated after that day."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.models.rules.clock import Clock
from app.models.store import Store
from tests.helpers import run_cli

D = dt.date
CASE: dict[str, Any] = {
    "reference": "CPO-2026-0100",
    "individual": {"given_names": "Màiri", "family_name": "Nic a' Phearsain", "date_of_birth": "1990-05-05"},
    "order": {"court": "Inverness Sheriff Court", "imposed_on": "2026-01-15", "ends_on": "2027-07-14",
              "status": "active", "requirements": [{"kind": "offender_supervision", "months": 18}],
              "progress_reviews": ["2026-12-10"]},
    "reviews": [{"held_on": "2026-06-15", "kind": "departmental"}],
    "notes": [{"date": "2026-06-15", "kind": "home_visit", "text": "Synthetic.", "sensitivity": "ordinary"},
              {"date": "2026-12-01", "kind": "home_visit", "text": "Typed ahead.", "sensitivity": "ordinary"}],
    "flags": [{"kind": "victim_safety_plan", "raised_on": "2026-01-15", "review_on": "2026-11-16"}],
}
LATE_CASE: dict[str, Any] = {
    "reference": "CPO-2026-0101",
    "individual": {"given_names": "Test", "family_name": "Person", "date_of_birth": "1990-05-05"},
    "order": {"court": "Inverness Sheriff Court", "imposed_on": "2026-11-20", "status": "active",
              "requirements": [{"kind": "offender_supervision", "months": 12},
                               {"kind": "drug_treatment"}]},
    "notes": [{"date": "2026-11-25", "kind": "face_to_face", "text": "Met at the cafe.", "sensitivity": "ordinary"}],
}


@pytest.fixture
def cli_store(tmp_path: Path, passphrase: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "t.cbk"
    with Store.create(path, passphrase, clock=Clock.fixed(D(2026, 11, 23))) as store:
        store.import_bundle({"format": "casebook.case-bundle", "version": 1, "cases": [CASE]})
        store.import_bundle({"format": "casebook.case-bundle", "version": 2, "cases": [LATE_CASE]})
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def due_items(capsys: pytest.CaptureFixture[str], store: Path, today: str) -> list[dict[str, Any]]:
    code, out, err = cli(capsys, "due", "--store", store, "--today", today, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"items", "warnings"}
    assert all(set(i) == {"case", "kind", "due_on", "status"} for i in data["items"])  # keys unchanged
    assert all(set(w) == {"case", "kind", "message"} for w in data["warnings"])
    return data["items"]  # type: ignore[no-any-return]


def test_due_today_treats_later_records_as_not_there(cli_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first = {(i["case"], i["status"]) for i in due_items(capsys, cli_store, "2026-11-24") if i["kind"] == "first_meeting"}
    assert ("CPO-2026-0101", "open") in first  # the face-to-face note of 25/11 is not there yet
    first = {(i["case"], i["status"]) for i in due_items(capsys, cli_store, "2026-11-25") if i["kind"] == "first_meeting"}
    assert ("CPO-2026-0101", "done") in first  # due 27/11/2026, 5 working days after 20/11
    code, out, _err = cli(capsys, "due", "--store", cli_store, "--today", "2026-11-23", "--json")
    warnings = json.loads(out)["warnings"]
    assert [w["kind"] for w in warnings] == []  # drug treatment with supervision: no warning


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--add", "2026-12-24"], "--add needs --name"),
        (["--add", "24/12/2026", "--name", "Christmas Eve", "--remove", "2026-12-24"], "not allowed with"),
        (["--working", "2026-06-16"], "not a Scottish public holiday"),
        (["--remove", "2026-12-24"], "no local holiday or working day on 24/12/2026"),
        (["--add", "2026-13-01", "--name", "x"], "not a date"),
        (["--name", "x"], "--name goes with"),
    ],
)
def test_holidays_bad_input(cli_store: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                            message: str) -> None:
    code, out, err = cli(capsys, "holidays", "--store", cli_store, *args)
    assert code == 2 and message in err and err.startswith("casebook: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_holidays_add_working_remove(cli_store: Path, capsys: pytest.CaptureFixture[str], passphrase: str) -> None:
    code, out, _ = cli(capsys, "holidays", "--store", cli_store)
    assert (code, out) == (0, "No local holidays or working days.\n")
    code, out, _ = cli(capsys, "holidays", "--store", cli_store, "--add", "24/12/2026", "--name", "Christmas Eve")
    assert code == 0 and "added local holiday 24/12/2026" in out and "local holiday  Christmas Eve" in out
    code, out, _ = cli(capsys, "holidays", "--store", cli_store, "--working", "2026-06-15")
    assert code == 0 and "15/06/2026 is now a working day" in out
    code, out, _ = cli(capsys, "holidays", "--store", cli_store, "--json")
    assert json.loads(out) == [
        {"date": "2026-06-15", "kind": "working",
         "name": "Working day (Scotland's participation in the FIFA World Cup final)"},
        {"date": "2026-12-24", "kind": "holiday", "name": "Christmas Eve"}]
    # the override moves deadlines: imposed 10/06/2026, first meeting 5 working days later
    with Store.open(cli_store, passphrase, clock=Clock.fixed(D(2026, 6, 10))) as store:
        from app.models.rules.deadlines import caseload_due
        store.import_bundle({"format": "casebook.case-bundle", "version": 2, "cases": [
            {**LATE_CASE, "reference": "CPO-2026-0102", "order": {**LATE_CASE["order"], "imposed_on": "2026-06-10"},
             "notes": []}]})
        items, _ = caseload_due(store, D(2026, 6, 10))
        assert [i.due_on for i in items if i.case == "CPO-2026-0102" and i.kind == "first_meeting"] == [D(2026, 6, 17)]
    code, out, _ = cli(capsys, "holidays", "--store", cli_store, "--remove", "2026-06-15")
    assert code == 0 and "removed 15/06/2026" in out and "Christmas Eve" in out and "working day" not in out


def test_report_submitted_and_safety_plan_reviewed(cli_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    items = due_items(capsys, cli_store, "2026-12-05")
    assert {(i["kind"], i["status"]) for i in items if i["case"] == "CPO-2026-0100" and i["kind"] in (
        "progress_review_report", "victim_safety_plan_review")} == {
        ("progress_review_report", "overdue"), ("victim_safety_plan_review", "overdue")}
    code, _out, err = cli(capsys, "report-submitted", "--store", cli_store, "--case", "CPO-2026-0100",
                          "--hearing", "2026-12-10", "--on", "2026-12-01", "--today", "2026-11-30")
    assert code == 2 and "after today" in err
    code, out, err = cli(capsys, "report-submitted", "--store", cli_store, "--case", "CPO-2026-0100",
                         "--hearing", "2026-12-10", "--on", "2026-12-01", "--today", "2026-12-05")
    assert code == 0, err
    assert "submitted on 01/12/2026" in out
    code, out, err = cli(capsys, "safety-plan-reviewed", "--store", cli_store, "--case", "CPO-2026-0100",
                         "--on", "2026-11-20", "--next", "2027-02-20", "--today", "2026-12-05")
    assert code == 0, err
    assert "next review 20/02/2027" in out
    items = due_items(capsys, cli_store, "2026-12-05")
    got = {(i["kind"], i["due_on"], i["status"]) for i in items if i["case"] == "CPO-2026-0100" and i["kind"] in (
        "progress_review_report", "victim_safety_plan_review")}
    assert got == {("progress_review_report", "2026-12-03", "done"),
                   ("victim_safety_plan_review", "2026-11-16", "met_late"),
                   ("victim_safety_plan_review", "2027-02-20", "open")}
    code, _out, err = cli(capsys, "safety-plan-reviewed", "--store", cli_store, "--case", "CPO-2026-0101")
    assert code == 2 and "no open victim safety plan" in err
    code, _out, err = cli(capsys, "report-submitted", "--store", cli_store, "--case", "CPO-2026-0100",
                          "--hearing", "2026-12-11")
    assert code == 2 and "no court progress review on 11/12/2026" in err


def test_review_schedule(cli_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "review-schedule", "--store", cli_store, "--case", "CPO-2026-0100")
    assert code == 0, err
    assert "review 0  held 15/06/2026  Departmental review (3 months, due 15/04/2026)  (default)" in out
    code, out, err = cli(capsys, "review-schedule", "--store", cli_store, "--case", "CPO-2026-0100",
                         "--review", "0", "--months", "6", "--json")
    assert code == 0, err
    assert json.loads(out) == [{"review": 0, "held_on": "2026-06-15", "chosen_months": 6, "months": 6,
                                "due_on": "2026-07-15"}]
    items = due_items(capsys, cli_store, "2026-08-01")
    dep = [(i["due_on"], i["status"]) for i in items if i["case"] == "CPO-2026-0100"
           and i["kind"] == "departmental_review"]
    assert dep[:2] == [("2026-04-15", "overdue"), ("2026-07-15", "done")]
    code, _out, err = cli(capsys, "review-schedule", "--store", cli_store, "--case", "CPO-2026-0100",
                          "--review", "0", "--months", "7")
    assert code == 2 and "every 6 months" in err
    code, _out, err = cli(capsys, "review-schedule", "--store", cli_store, "--case", "CPO-2026-0100", "--review", "0")
    assert code == 2 and "go together" in err
    code, out, _ = cli(capsys, "review-schedule", "--store", cli_store, "--case", "CPO-2026-0100",
                       "--review", "0", "--months", "default")
    assert code == 0 and "(default)" in out


def test_holidays_in_a_real_process(cli_store: Path, passphrase: str) -> None:
    result = run_cli("holidays", "--store", cli_store, "--working", "2026-11-30", "--name", "Council works St Andrew's Day",
                     passphrase=passphrase)
    assert result.returncode == 0, result.stderr
    assert "30/11/2026  Mon  working day    Council works St Andrew's Day" in result.stdout
    result = run_cli("holidays", "--store", cli_store, "--working", "2026-12-26", passphrase=passphrase)
    assert result.returncode == 2 and result.stderr.startswith("casebook: 26/12/2026 is a Saturday")
