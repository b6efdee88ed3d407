"""One rule each, over a real temp store: the SMART check (Plan tab = plan PDF) and the disclosure
rule (badge, sensitivity text, privacy mode and the person's PDF agree)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from app.models.rules.clock import Clock
from app.models.rules.smart import smart_check, smart_missing
from app.models.store import Store
from app.reports.render import build_report_data
from app.ui.workspace import TAB_NAMES
from tests.conftest import TODAY
from tests.ui.conftest import open_case, unlock

REF = "CPO-2026-0001"
GET_JOB = {"id": "G2", "need_area": "employment_and_learning", "description": "Get job",
           "measure": "Job offer letter", "achievable": "Has worked before", "realistic": "Work coach allocated",
           "target_date": "2027-03-31", "status": "not_started"}


def _store_with(tmp_path: Path, passphrase: str, example_bundle: dict[str, Any], **extra: Any) -> Path:
    bundle = copy.deepcopy(example_bundle)
    case = bundle["cases"][0]
    for key, value in extra.items():
        case[key] = value
    path = tmp_path / "rule.cbk"
    with Store.create(path, passphrase, clock=Clock.fixed(TODAY), actor="test") as store:
        store.import_bundle(bundle)
    return path


# ---------------------------------------------------------------------------- SMART
def test_smart_rule_itself() -> None:
    assert [p.letter for p in smart_check(GET_JOB)] == ["S"]
    assert smart_missing(GET_JOB) == "S"
    assert smart_missing({"description": "Move into a settled tenancy"}) == "MART"
    assert smart_missing({**GET_JOB, "description": "Find a settled tenancy", "target_date": "31/03/2027"}) == "T"


def test_get_job_misses_s_on_the_plan_tab_and_in_the_plan_pdf(qtbot: Any, make_window: Any, tmp_path: Path,
                                                              passphrase: str, example_bundle: dict[str, Any]
                                                              ) -> None:
    """Was: the Plan tab said "Get job" misses S, the PDF's check said nothing."""
    goals = [*copy.deepcopy(example_bundle["cases"][0]["goals"]), GET_JOB]
    path = _store_with(tmp_path, passphrase, example_bundle, goals=goals)
    with Store.open(path, passphrase, clock=Clock.fixed(TODAY)) as store:
        plan = build_report_data(store, "plan", REF, for_individual=False)
    pdf = {g.goal_id: g.smart_missing for a in plan.areas for g in a.goals}
    assert pdf == {"G1": "", "G2": "S"}

    w = make_window()
    unlock(qtbot, w, path, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Plan"))
    model = w.workspace.plan.editor.model
    col = [c.header for c in model.columns].index("SMART")
    screen = {model.rows[r][1]["id"]: model.data(model.index(r, col)) for r in range(model.rowCount())}
    assert screen == {"G1": "✓", "G2": "missing S"}
    w.workspace.plan.editor._go_to(1)
    assert "<b>S</b>" in w.workspace.plan.smart.text()


@pytest.mark.parametrize("goal", [GET_JOB, {**GET_JOB, "description": "  "}, {**GET_JOB, "measure": "", "realistic": None}])
def test_screen_and_pdf_agree_letter_for_letter(goal: dict[str, Any]) -> None:
    from app.reports.data import plan_data

    case = {"reference": REF, "individual": {"given_names": "A", "family_name": "B", "date_of_birth": "1990-01-01"},
            "order": {"court": "Court", "imposed_on": "2026-11-02", "requirements": []}, "goals": [goal]}
    pdf = plan_data(case, for_individual=False, today=TODAY).areas[0].goals[0].smart_missing
    assert pdf == "".join(p.letter for p in smart_check(goal)) != ""
