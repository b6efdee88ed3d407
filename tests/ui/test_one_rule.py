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


# ---------------------------------------------------------------------------- disclosure
VICTIM_FLAG = {"kind": "victim_safety_plan", "raised_on": "2026-11-03", "review_on": "2026-12-03",
               "details": "Kestrelwatch safety arrangement", "sensitivity": "ordinary"}
MAPPA_FLAG = {"kind": "mappa", "raised_on": "2026-11-02", "sensitivity": "ordinary"}
VICTIM_NOTE = {"date": "2026-11-13", "kind": "victim_contact", "text": "Victim says Osprey-lane plans",
               "sensitivity": "ordinary"}
VICTIM_WORDS = "Not for disclosure (victim information)"


def test_victim_items_marked_ordinary_are_not_for_disclosure_everywhere(
        qtbot: Any, make_window: Any, tmp_path: Path, passphrase: str, example_bundle: dict[str, Any]) -> None:
    """Was: an ordinary-marked victim safety plan flag (or victim-contact note) was hidden in
    privacy mode and withheld from the PDF, yet had no NOT FOR DISCLOSURE badge and read "Ordinary"."""
    notes = [*copy.deepcopy(example_bundle["cases"][0]["notes"]), VICTIM_NOTE]
    path = _store_with(tmp_path, passphrase, example_bundle, flags=[MAPPA_FLAG, VICTIM_FLAG], notes=notes,
                       reviews=[{"held_on": "2026-11-20", "kind": "scheduled"}])
    with Store.open(path, passphrase, clock=Clock.fixed(TODAY)) as store:
        person = build_report_data(store, "review", REF, for_individual=True)
    assert all("Kestrelwatch" not in getattr(e, "text", "") for e in person.flags)
    assert all("Osprey" not in getattr(e, "text", "") for e in person.contacts)

    w = make_window()
    unlock(qtbot, w, path, passphrase)
    open_case(qtbot, w, REF, TAB_NAMES.index("Flags"))
    for editor, victim_index, ordinary_index in ((w.workspace.flags, 1, 0), (w.workspace.notes, 1, 0)):
        col = [c.header for c in editor.model.columns].index("Sensitivity")
        texts = [editor.model.data(editor.model.index(r, col)) for r in range(editor.model.rowCount())]
        assert texts[victim_index] == VICTIM_WORDS and texts[ordinary_index] == ""
        editor._go_to(victim_index)
        assert not editor.badge.isHidden() and editor.badge.text() == "NOT FOR DISCLOSURE (victim information)"
        assert editor.form.widgets["sensitivity"].currentText() == VICTIM_WORDS
        assert editor.form.value()["sensitivity"] == "ordinary"  # the stored field is untouched
        editor._go_to(ordinary_index)
        assert editor.badge.isHidden()
        assert editor.form.widgets["sensitivity"].currentText() == "Ordinary"
    summary = w.workspace.sections["summary"].flags.text()
    assert "Victim safety plan" in summary and VICTIM_WORDS in summary

    # privacy mode hides exactly what the badge marks
    w.act_privacy.trigger()
    qtbot.waitUntil(lambda: w.ctx.privacy, timeout=5000)
    for editor in (w.workspace.flags, w.workspace.notes):
        shown = [row[1] for row in editor.model.rows]
        assert all(it.get("kind") not in ("victim_safety_plan", "victim_contact") for it in shown)
        assert shown  # the ordinary ones stay
