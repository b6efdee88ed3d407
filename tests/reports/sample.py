"""A handcrafted synthetic case with every kind of not-for-disclosure item, and accented names."""

from __future__ import annotations

import copy
import io
import re
from typing import Any

from pypdf import PdfReader

REF = "CPO-2026-0901"
REF_LONG = "CPO-2026-0902"
GIVEN = "Màiri"
FAMILY = "Nic a' Phearsain"
NAME = f"{GIVEN} {FAMILY}"
ACCENTS = "Gàidhlig àèìòù áéó, Polish zażółć gęślą jaźń"

# Every not-for-disclosure text in the sample: none may reach the person's copy.
NFD_TEXTS = {
    "note": "Partner Siobhán phoned: she fears weekend contact (NFD-NOTE-ALPHA)",
    "note_source": "Partner Siobhán Wiśniewska (NFD-SOURCE)",
    "progress": "Sister reports drinking again after the last visit (NFD-PROGRESS-BRAVO)",
    "review_gp": "Women's Aid say the victim was contacted (NFD-REVIEWGP-CHARLIE)",
    "restricted": "MARAC discussed the safety plan; do not share (NFD-RESTRICTED-DELTA)",
    "flag": "Victim supported by the Caledonian service (NFD-FLAG-ECHO)",
}
ORDINARY_TEXTS = {
    "note": "Home visit: appointments kept, Gàidhlig class mentioned (ORD-NOTE)",
    "progress": "Attended the housing interview (ORD-PROGRESS)",
    "review_gp": "Housing application submitted (ORD-REVIEWGP)",
    "flag": "Compulsory Supervision Order runs alongside (ORD-FLAG)",
    "aim": "Attend the weekly literacy group at Ciarán's centre for 8 weeks",
}


def sample_case() -> dict[str, Any]:
    return {
        "reference": REF,
        "individual": {"given_names": GIVEN, "family_name": FAMILY, "preferred_name": "Màiri",
                       "date_of_birth": "2001-03-09"},
        "order": {
            "court": "Stornoway Sheriff Court", "imposed_on": "2026-05-04", "ends_on": "2027-05-03",
            "responsible_officer": "Ciarán O'Neill", "status": "active",
            "requirements": [{"kind": "offender_supervision", "months": 12},
                             {"kind": "unpaid_work_or_other_activity", "hours": 120}],
        },
        "supervision_intensity": "high",
        "unpaid_work_sessions": [{"date": "2026-05-12", "hours": 7}, {"date": "2026-06-02", "hours": 3.5}],
        "goals": [
            {"id": "G1", "need_area": "accommodation", "description": "Move into a settled tenancy",
             "measure": "Tenancy signed", "achievable": "Flat in view", "realistic": "Support worker allocated",
             "target_date": "2027-01-29", "status": "in_progress", "agreed_with_individual": True,
             "actions": [{"description": "Attend housing options interview", "owner": "individual",
                          "due_on": "2026-06-01"},
                         {"description": "Write support letter", "owner": "agency", "agency": "Housing Options",
                          "due_on": "2026-05-20", "done_on": "2026-05-19"}],
             "progress": [{"date": "2026-05-20", "text": ORDINARY_TEXTS["progress"], "sensitivity": "ordinary"},
                          {"date": "2026-06-10", "text": NFD_TEXTS["progress"],
                           "sensitivity": "not_for_disclosure"}]},
            {"id": "G2", "need_area": "substance_use", "description": "Reduce drinking to low-risk levels",
             "status": "not_started"},
        ],
        "reviews": [
            {"held_on": "2026-06-15", "kind": "scheduled", "attendees": [NAME, "Ciarán O'Neill"],
             "summary": "First review.", "compliance": "Good.",
             "goal_progress": [{"goal_id": "G1", "rating": "some_progress", "comment": "Early days."}],
             "next_review_on": "2026-08-10"},
            {"held_on": "2026-08-10", "kind": "scheduled",
             "attendees": [NAME, "Ciarán O'Neill", "Agnieszka Wiśniewska (unpaid work)"],
             "upw_liaison_done": True, "summary": "Second review of the plan.",
             "compliance": "Attending as required.", "positive_developments": "Kept every appointment.",
             "autonomy_changes": "Reporting reduced to fortnightly.",
             "goal_progress": [
                 {"goal_id": "G1", "rating": "good_progress", "comment": ORDINARY_TEXTS["review_gp"],
                  "sensitivity": "ordinary"},
                 {"goal_id": "G2", "rating": "no_progress", "comment": NFD_TEXTS["review_gp"],
                  "sensitivity": "not_for_disclosure"},
             ],
             "next_review_on": "2026-10-05",
             "restricted_notes": NFD_TEXTS["restricted"]},
        ],
        "notes": [
            {"date": "2026-07-01", "kind": "home_visit", "text": ORDINARY_TEXTS["note"], "sensitivity": "ordinary"},
            {"date": "2026-07-08", "kind": "victim_contact", "text": NFD_TEXTS["note"],
             "sensitivity": "not_for_disclosure", "source": NFD_TEXTS["note_source"]},
        ],
        "flags": [
            {"kind": "domestic_abuse", "raised_on": "2026-05-04", "details": NFD_TEXTS["flag"],
             "sensitivity": "not_for_disclosure"},
            {"kind": "compulsory_supervision_order", "raised_on": "2026-05-04", "details": ORDINARY_TEXTS["flag"]},
        ],
        "contract": {
            "agreed_on": "2026-05-14",
            "aims": [
                {"area": "education_and_training", "target": ORDINARY_TEXTS["aim"],
                 "individual_responsibility": "Attend each week or phone beforehand",
                 "service_commitment": "Count attendance as other activity hours"},
                {"area": "other", "target": ACCENTS},
                {"area": "benefits_and_housing_advocacy", "target": "Apply for housing with support",
                 "individual_responsibility": "Bring ID to the appointment",
                 "service_commitment": "Write a supporting letter"},
            ],
            "shared_with": [{"agency": "Comhairle nan Eilean Siar (example)", "shared_on": "2026-05-15"}],
        },
    }


def long_case(goals: int = 24) -> dict[str, Any]:
    """A plan long enough to run over several pages."""
    case = copy.deepcopy(sample_case())
    case["reference"] = REF_LONG
    case["individual"] = {"given_names": "Łucja Żaneta", "family_name": "Wiśniewska",
                          "date_of_birth": "1990-01-01"}
    areas = ["accommodation", "employment_and_learning", "finances_and_benefits", "health_and_wellbeing",
             "leisure", "attitudes_and_thinking"]
    case["goals"] = [
        {"id": f"G{i + 1}", "need_area": areas[i % len(areas)],
         "description": f"Goal number {i + 1}: a specific change agreed with Łucja " + "in detail " * 8,
         "measure": "Evidence seen", "achievable": "Agreed", "realistic": "Supported",
         "target_date": "2027-02-26", "status": "in_progress",
         "actions": [{"description": f"Action {j + 1} for goal {i + 1}", "owner": "individual",
                      "due_on": "2026-12-01"} for j in range(3)],
         "progress": [{"date": "2026-06-01", "text": f"Progress on goal {i + 1}"}]}
        for i in range(goals)
    ]
    case["reviews"] = []
    return case


def bundle(*cases: dict[str, Any]) -> dict[str, Any]:
    return {"format": "casebook.case-bundle", "version": 1, "cases": list(cases)}


def pdf_text(pdf: bytes, password: str | None = None) -> str:
    """All page text, whitespace collapsed so wrapped lines compare as one."""
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        reader.decrypt(password)
    return norm(" ".join(page.extract_text() or "" for page in reader.pages))


def norm(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()
