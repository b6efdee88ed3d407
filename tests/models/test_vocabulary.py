"""One vocabulary: every code reads the same on screen, in the documents and on the command line."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from app.models.rules import appointments as R
from app.models.rules import vocabulary as V
from app.models.rules.clock import Clock
from app.models.store import Store
from app.reports import data as D
from app.ui import fields as FL
from app.ui import forms
from app.ui import table_models as TM
from tests.conftest import TODAY
from tests.helpers import run_cli

TODAY_D = dt.date(2026, 11, 23)


def _case(example_bundle: dict[str, Any]) -> dict[str, Any]:
    case = copy.deepcopy(example_bundle["cases"][0])
    case.setdefault("goals", [])
    return case


def test_label_fallback_and_tables() -> None:
    assert V.label(V.GOAL_STATUSES, "in_progress") == "In progress"
    assert V.label(V.GOAL_STATUSES, "brand_new_code") == "Brand new code"
    assert V.label(V.FLAG_KINDS, None) == ""
    assert "FLAG_KINDS" in V.TABLES and "TABLES" not in V.TABLES
    for name, table in V.TABLES.items():
        assert table and all(isinstance(k, str) and isinstance(v, str) and v for k, v in table.items()), name


def test_drift_cases_fixed_on_screen_and_in_the_pdf(example_bundle: dict[str, Any]) -> None:
    """Was "Child protection" on screen but "Child protection concern" in the PDF, "MARAC" vs
    "MARAC referral": the fuller label everywhere now."""
    case = _case(example_bundle)
    case["flags"] = [{"kind": "child_protection", "raised_on": "2026-11-03", "sensitivity": "ordinary"},
                     {"kind": "marac", "raised_on": "2026-11-04", "sensitivity": "ordinary"}]
    pdf = [e.label for e in D.plan_data(case, for_individual=False, today=TODAY_D).flags]
    screen = [FL.label_of(FL.FLAG_KINDS, f["kind"]) for f in case["flags"]]
    assert screen == pdf == ["Child protection concern", "MARAC referral"]


# Screen choice lists (app/ui/fields.py) and the vocabulary table each must equal.
SCREEN_CHOICES = {
    "NEED_AREAS": FL.NEED_AREAS, "REQUIREMENTS": FL.REQUIREMENTS, "NOTE_KINDS": FL.NOTE_KINDS,
    "FLAG_KINDS": FL.FLAG_KINDS, "CONTRACT_AREAS": FL.CONTRACT_AREAS, "RATINGS": FL.RATINGS,
    "SENSITIVITY": forms.SENSITIVITY,
}


def _field_choices(fields: list[forms.F], key: str) -> tuple[tuple[str, str], ...]:
    for f in fields:
        if f.key == key:
            return f.choices
        for c in f.columns:
            if c.key == key:
                return c.choices
    raise KeyError(key)


@pytest.mark.parametrize("name", sorted(SCREEN_CHOICES))
def test_screen_choices_are_the_vocabulary(name: str) -> None:
    assert dict(SCREEN_CHOICES[name]) == V.TABLES[name]


@pytest.mark.parametrize(("fields", "key", "table"), [
    (FL.CASE_FIELDS, "individual.communication_needs", V.COMMUNICATION_NEEDS),
    (FL.CASE_FIELDS, "order.status", V.ORDER_STATUSES),
    (FL.CASE_FIELDS, "supervision_intensity", V.SUPERVISION_INTENSITY),
    (FL.GOAL_FIELDS, "status", V.GOAL_STATUSES),
    (FL.GOAL_FIELDS, "owner", V.ACTION_OWNERS),
    (FL.REVIEW_FIELDS, "kind", V.REVIEW_KINDS),
    (FL.UPW_FIELDS, "kind", V.UPW_SESSION_KINDS),
    (FL.LEARNING_FIELDS, "learning.needs_identified", V.LEARNING_NEEDS),
    (FL.CONSENT_FIELDS, "purpose", V.CONSENT_PURPOSES),
])
def test_form_fields_offer_the_vocabulary(fields: list[forms.F], key: str, table: V.Table) -> None:
    assert dict(_field_choices(fields, key)) == table


def test_table_models_and_appointment_rules_use_the_vocabulary() -> None:
    assert TM.FLAG_BADGES == V.FLAG_BADGES and TM.REQ_SHORT == V.REQUIREMENTS_SHORT
    assert all(TM.STATUS_TEXT[k] == v for k, v in V.DUE_STATUSES.items())
    assert R.KINDS == V.APPOINTMENT_KINDS and R.OUTCOMES == V.OUTCOMES and R.STEPS == V.ENFORCEMENT_STEPS
    for code, text in V.APPOINTMENT_KINDS.items():
        assert R.kind_label(code) == text
    for code, text in V.OUTCOMES_SHORT.items():
        assert R.outcome_label(code, short=True) == text


def test_every_code_reads_the_same_in_the_pdf_data(example_bundle: dict[str, Any]) -> None:
    """Each code of each table, put in a case, comes out of the report data with the screen's label."""
    base = _case(example_bundle)
    # flags
    case = copy.deepcopy(base)
    case["flags"] = [{"kind": k, "raised_on": "2026-11-03", "sensitivity": "ordinary"} for k in V.FLAG_KINDS]
    got = [e.label for e in D.plan_data(case, for_individual=False, today=TODAY_D).flags]
    assert got == [FL.label_of(FL.FLAG_KINDS, k) for k in V.FLAG_KINDS]
    # requirements
    case = copy.deepcopy(base)
    case["order"]["requirements"] = [{"kind": k} for k in V.REQUIREMENTS]
    assert list(D.case_header(case).requirements) == [FL.label_of(FL.REQUIREMENTS, k) for k in V.REQUIREMENTS]
    # goals: need areas, statuses, owners (the officer's copy)
    case = copy.deepcopy(base)
    case["goals"] = [{"id": f"G{i}", "need_area": area, "description": "Find a settled tenancy", "status": status,
                      "actions": [{"description": "Phone the council", "owner": owner}]}
                     for i, (area, status, owner) in enumerate(zip(V.NEED_AREAS, [*V.GOAL_STATUSES] * 2,
                                                                   [*V.ACTION_OWNERS] * 3, strict=False))]
    plan = D.plan_data(case, for_individual=False, today=TODAY_D)
    goals = {g.goal_id: (a.area, g) for a in plan.areas for g in a.goals}
    for i, g in enumerate(case["goals"]):
        area, pg = goals[f"G{i}"]
        assert area == FL.label_of(FL.NEED_AREAS, g["need_area"])
        assert pg.status == V.GOAL_STATUSES[g["status"]]
        owner = g["actions"][0]["owner"]
        if owner != "agency":
            assert pg.actions[0].owner == dict(_field_choices(FL.GOAL_FIELDS, "owner"))[owner]
    # intensity
    for code in V.SUPERVISION_INTENSITY:
        case["supervision_intensity"] = code
        assert D.plan_data(case, for_individual=False, today=TODAY_D).intensity == \
            dict(_field_choices(FL.CASE_FIELDS, "supervision_intensity"))[code]
    # notes, ratings, review kinds
    case = copy.deepcopy(base)
    case["notes"] = [{"date": "2026-11-10", "kind": k, "text": "Seen", "sensitivity": "ordinary"}
                     for k in V.NOTE_KINDS]
    case["goals"] = [{"id": "G1", "need_area": "accommodation", "description": "Find a settled tenancy"}]
    for kind in V.REVIEW_KINDS:
        case["reviews"] = [{"held_on": "2026-11-20", "kind": kind,
                            "goal_progress": [{"goal_id": "G1", "rating": r} for r in V.RATINGS]}]
        review = D.review_data(case, for_individual=False, today=TODAY_D)
        assert review.kind == dict(_field_choices(FL.REVIEW_FIELDS, "kind"))[kind]
        assert [g.rating for g in review.goal_progress] == [FL.label_of(FL.RATINGS, r) for r in V.RATINGS]
        assert [e.label for e in review.contacts] == [FL.label_of(FL.NOTE_KINDS, k) for k in V.NOTE_KINDS]
    # contract areas
    case = copy.deepcopy(base)
    case["contract"] = {"aims": [{"area": a, "target": "Keep appointments"} for a in V.CONTRACT_AREAS]}
    contract = D.contract_data(case, for_individual=False, today=TODAY_D)
    assert [g.area for g in contract.aims] == [FL.label_of(FL.CONTRACT_AREAS, a) for a in V.CONTRACT_AREAS]


def test_the_cli_uses_the_vocabulary(tmp_path: Path, passphrase: str, example_bundle: dict[str, Any]) -> None:
    """`casebook cases` spells requirements and `casebook due` statuses with the vocabulary's labels."""
    bundle = copy.deepcopy(example_bundle)
    bundle["cases"][0]["order"]["requirements"] = [{"kind": k} for k in V.REQUIREMENTS
                                                   if k != "unpaid_work_or_other_activity"] + [
        {"kind": "unpaid_work_or_other_activity", "hours": 60}]
    path = tmp_path / "vocab.cbk"
    with Store.create(path, passphrase, clock=Clock.fixed(TODAY)) as store:
        store.import_bundle(bundle)
    out = run_cli("cases", "--store", path, passphrase=passphrase)
    assert out.returncode == 0, out.stderr
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("CPO-2026-0001"))
    listed = line.split("  ")[-1].split(", ")
    assert [x.casefold() for x in listed] == [V.REQUIREMENTS[r["kind"]].casefold()
                                              for r in bundle["cases"][0]["order"]["requirements"]]
    from app.commands.due import STATUS_TEXT
    assert all(STATUS_TEXT[k].casefold() == V.DUE_STATUSES[k].casefold() for k in STATUS_TEXT)
