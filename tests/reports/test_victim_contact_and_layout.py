"""QA: victim contact notes are victim information everywhere; plan headings and signature
blocks lay out properly (checked from the PDF itself, over a real encrypted store)."""

from __future__ import annotations

import copy
import datetime as dt
import io
from typing import Any

from pypdf import PdfReader

from app.models.store import Store
from app.models.store.search import search_cases
from app.reports import data as D
from app.reports.render import build_report_data, render_document
from tests.reports.sample import REF, REF_LONG, bundle, long_case, norm, pdf_text, sample_case
from tests.reports.test_documents import _png

VICTIM_ORDINARY = "Victim says she moved to Dunoon (VC-MARKED-ORDINARY)"
VICTIM_UNMARKED = "Victim asked about the court date (VC-NO-SENSITIVITY)"


def _case_with_victim_contact() -> dict[str, Any]:
    case = sample_case()
    case["notes"] += [
        {"date": "2026-07-09", "kind": "victim_contact", "text": VICTIM_ORDINARY, "sensitivity": "ordinary",
         "source": "Victim (VC-SOURCE)"},
        {"date": "2026-07-10", "kind": "victim_contact", "text": VICTIM_UNMARKED},
    ]
    return case


def test_victim_contact_note_never_reaches_the_person(store: Store) -> None:
    """A victim contact note is victim information whatever its sensitivity field says
    (guidance 8.1): withheld from the person's copy, marked in the officer's copy, and left
    out of the privacy-mode search, like every other not-for-disclosure note."""
    store.import_bundle(bundle(_case_with_victim_contact()))
    person = pdf_text(render_document(store, "review", REF, for_individual=True))
    for secret in ("VC-MARKED-ORDINARY", "VC-NO-SENSITIVITY", "VC-SOURCE", "Dunoon"):
        assert secret not in person
    assert D.WITHHELD_TEXT in person
    assert "Victim contact" not in person  # the kind label would say what was withheld
    data = build_report_data(store, "review", REF, for_individual=True)
    assert "VC-" not in repr(data)  # never handed to the PDF layer

    officer = pdf_text(render_document(store, "review", REF))
    assert norm(VICTIM_ORDINARY) in officer and norm(VICTIM_UNMARKED) in officer
    officer_data = build_report_data(store, "review", REF)
    assert isinstance(officer_data, D.ReviewData)
    victim = [e for e in officer_data.contacts if isinstance(e, D.Entry) and e.label == "Victim contact"]
    assert len(victim) == 3 and all(e.not_for_disclosure for e in victim)

    # The same rule in privacy mode's search.
    assert search_cases(store, "Dunoon") == [REF]
    assert search_cases(store, "Dunoon", include_restricted=False) == []


def test_victim_contact_rule_is_by_kind_not_wording() -> None:
    assert D.note_sensitivity({"kind": "victim_contact", "sensitivity": "ordinary"}) == D.NFD
    assert D.note_sensitivity({"kind": "victim_contact"}) == D.NFD
    assert D.note_sensitivity({"kind": "office", "text": "victim contact", "sensitivity": "ordinary"}) == "ordinary"
    assert D.note_sensitivity({"kind": "phone"}) is None


def _page_texts(pdf: bytes) -> list[str]:
    return [norm(p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages]


def test_plan_area_heading_never_alone_at_the_foot_of_a_page(store: Store) -> None:
    """Each need area's heading is on the same page as its first goal's heading."""
    case = long_case(goals=12)
    # Goals of very different lengths so area headings land at many heights on the page.
    for i, goal in enumerate(case["goals"]):
        goal["actions"] = goal["actions"] * (1 + i % 4)
        goal["progress"] = goal["progress"] * (1 + (i * 7) % 5)
    second = copy.deepcopy(case)
    second["reference"] = "CPO-2026-0903"
    second["goals"] = second["goals"][1:]
    store.import_bundle(bundle(case, second))
    checked = 0
    for ref in (REF_LONG, "CPO-2026-0903"):
        for for_individual in (False, True):
            plan = build_report_data(store, "plan", ref, for_individual=for_individual)
            assert isinstance(plan, D.PlanData)
            pages = _page_texts(render_document(store, "plan", ref, for_individual=for_individual))
            assert len(pages) > 2
            for area in plan.areas:
                first = f"{area.goals[0].goal_id} · "
                heading_pages = [i for i, t in enumerate(pages) if f"{area.area} {first}" in t]
                assert heading_pages, (ref, area.area)  # heading directly followed by its first goal
                checked += 1
    assert checked >= 12


def _y_of(pdf: bytes, word: str) -> list[float]:
    """Vertical positions of every text run equal to ``word`` on page 1."""
    found: list[float] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip() == word:
            found.append(round(cm[5] + tm[5] * cm[3], 1))

    PdfReader(io.BytesIO(pdf)).pages[-1].extract_text(visitor_text=visit)
    return found


def test_signature_blocks_line_up(store: Store) -> None:
    """The person's and the officer's signature and date lines are level, whether a block holds a
    captured signature, a recorded date, no name, or nothing."""
    case = sample_case()
    case["order"].pop("responsible_officer", None)  # no officer named yet
    case["contract"].pop("signed_by_individual_on", None)
    case["contract"].pop("signed_by_officer_on", None)
    store.import_bundle(bundle(case))
    blank = render_document(store, "contract", REF, for_individual=True)
    store.save_signature(REF, "contract", "individual", _png(0), dt.date(2026, 5, 14))
    signed_one = render_document(store, "contract", REF, for_individual=True)
    for pdf in (blank, signed_one):
        for label in ("Signature", "Date"):
            ys = _y_of(pdf, label)
            assert len(ys) == 2, (label, ys)
            assert ys[0] == ys[1], (label, ys)
