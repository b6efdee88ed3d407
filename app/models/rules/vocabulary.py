"""Every stored code and the label people read for it: one table per kind of code.

The screen (app/ui/fields.py, table models, tabs), the documents (app/reports) and the command
line (app/commands) all take their labels from here, so a code reads the same everywhere
(tests/models/test_vocabulary.py).  Where two parts of the product used to spell a code
differently the fuller label was kept (e.g. "Child protection concern", "MARAC referral").

A table is an ordinary ``dict`` in the order the choices are offered.  ``label`` spells a code
that is not in its table the way the forms always have ("in_progress" -> "In progress").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Table = Mapping[str, str]

# ---------------------------------------------------------------------------- the case and order
REQUIREMENTS: dict[str, str] = {
    "offender_supervision": "Offender supervision",
    "unpaid_work_or_other_activity": "Unpaid work or other activity",
    "compensation": "Compensation",
    "programme": "Programme",
    "residence": "Residence",
    "mental_health_treatment": "Mental health treatment",
    "drug_treatment": "Drug treatment",
    "alcohol_treatment": "Alcohol treatment",
    "conduct": "Conduct",
    "restricted_movement": "Restricted movement",
}
# The caseload's Requirements column (short forms of the same codes).
REQUIREMENTS_SHORT: dict[str, str] = {
    "offender_supervision": "Supervision", "unpaid_work_or_other_activity": "UPW", "compensation": "Compensation",
    "programme": "Programme", "residence": "Residence", "mental_health_treatment": "MH treatment",
    "drug_treatment": "Drug treatment", "alcohol_treatment": "Alcohol treatment", "conduct": "Conduct",
    "restricted_movement": "Restricted movement",
}
ORDER_STATUSES: dict[str, str] = {
    "active": "Active",
    "completed": "Completed",
    "revoked": "Revoked",
    "transferred_out": "Transferred out",
}
SUPERVISION_INTENSITY: dict[str, str] = {"high": "High", "medium": "Medium", "low": "Low"}
COMMUNICATION_NEEDS: dict[str, str] = {
    "literacy": "Literacy",
    "numeracy": "Numeracy",
    "interpreter": "Interpreter",
    "hearing": "Hearing",
    "sight": "Sight",
    "learning_disability": "Learning disability",
    "other": "Other",
}

# ---------------------------------------------------------------------------- plan, reviews, contract
NEED_AREAS: dict[str, str] = {
    "accommodation": "Accommodation",
    "employment_and_learning": "Employment and learning",
    "finances_and_benefits": "Finances and benefits",
    "relationships_and_family": "Relationships and family",
    "health_and_wellbeing": "Health and well-being",
    "substance_use": "Substance use",
    "attitudes_and_thinking": "Attitudes and thinking",
    "victim_awareness": "Victim awareness",
    "leisure": "Constructive use of leisure",
}
GOAL_STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "achieved": "Achieved",
    "revised": "Revised",
    "discontinued": "Discontinued",
}
# Who does an action: the officer's words (screen, officer's copy) and the person's copy's.
ACTION_OWNERS: dict[str, str] = {"individual": "The person", "officer": "Responsible officer",
                                 "agency": "Partner agency"}
ACTION_OWNERS_TO_PERSON: dict[str, str] = {"individual": "You", "officer": "Responsible officer",
                                           "agency": "Partner agency"}
RATINGS: dict[str, str] = {
    "no_progress": "No progress",
    "some_progress": "Some progress",
    "good_progress": "Good progress",
    "achieved": "Achieved",
}
REVIEW_KINDS: dict[str, str] = {
    "scheduled": "Scheduled",
    "significant_change": "Significant change",
    "departmental": "Departmental",
}
CONTRACT_AREAS: dict[str, str] = {
    "education_and_training": "Education and training",
    "family_and_parenting": "Help with family issues and parenting",
    "benefits_and_housing_advocacy": "Advocacy on benefits and housing",
    "offending_behaviour_programme": "Offending behaviour programmes",
    "drug_and_alcohol_programme": "Drug and alcohol programmes",
    "leisure": "Constructive use of leisure time",
    "other": "Other",
}
# Who signs a document (the contract's signature blocks, the signature dialog).
SIGNATORIES: dict[str, str] = {"individual": "The person", "officer": "Responsible officer"}
LEARNING_NEEDS: dict[str, str] = {"literacy": "Literacy", "numeracy": "Numeracy", "digital": "Digital",
                                  "other": "Other"}
CONSENT_PURPOSES: dict[str, str] = {
    "family_involvement": "Family involvement",
    "share_with_agency": "Share with agency",
    "learning_referral": "Learning referral",
    "other": "Other",
}
UPW_SESSION_KINDS: dict[str, str] = {"unpaid_work": "Unpaid work", "other_activity": "Other activity"}

# ---------------------------------------------------------------------------- notes and flags
NOTE_KINDS: dict[str, str] = {
    "home_visit": "Home visit",
    "office": "Office",
    "face_to_face": "Face to face elsewhere (cafe, agency office)",
    "phone": "Phone",
    "unpaid_work": "Unpaid work",
    "agency_liaison": "Agency liaison",
    "victim_contact": "Victim contact",
    "other": "Other",
}
FLAG_KINDS: dict[str, str] = {
    "domestic_abuse": "Domestic abuse",
    "child_protection": "Child protection concern",
    "adult_support_and_protection": "Adult support and protection concern",
    "mappa": "MAPPA",
    "marac": "MARAC referral",
    "matac": "MATAC referral",
    "victim_safety_plan": "Victim safety plan",
    "caledonian_system": "Caledonian System",
    "compulsory_supervision_order": "Compulsory Supervision Order",
    "other": "Other",
}
# The caseload's Flags column and the Summary tab's badges.
FLAG_BADGES: dict[str, str] = {
    "domestic_abuse": "DA", "child_protection": "CP", "adult_support_and_protection": "ASP", "mappa": "MAPPA",
    "marac": "MARAC", "matac": "MATAC", "victim_safety_plan": "VSP", "caledonian_system": "CSW",
    "compulsory_supervision_order": "CSO",
}
ORDINARY = "ordinary"
NOT_FOR_DISCLOSURE = "not_for_disclosure"
SENSITIVITY: dict[str, str] = {ORDINARY: "Ordinary", NOT_FOR_DISCLOSURE: "NOT FOR DISCLOSURE"}

# ---------------------------------------------------------------------------- due items
DUE_STATUSES: dict[str, str] = {
    "overdue": "Overdue",
    "open": "Open",
    "met_late": "Met late",
    "done": "Done",
    "due_soon": "Due soon",
}

# ---------------------------------------------------------------------------- appointments
APPOINTMENT_KINDS: dict[str, str] = {
    "home_visit": "Home visit",
    "office": "Office appointment",
    "phone": "Phone call",
    "video": "Video call",
    "unpaid_work": "Unpaid work placement",
    "programme": "Programme session",
    "partner_agency": "Partner agency appointment",
    "other": "Other appointment",
}
OUTCOMES: dict[str, str] = {
    "attended": "Attended",
    "acceptable_absence": "Did not attend: acceptable absence",
    "unacceptable_absence": "Did not attend: unacceptable absence",
    "failed_to_comply": "Attended but failed to comply",
    "rescheduled": "Rescheduled",
    "cancelled_by_service": "Cancelled by the service",
}
OUTCOMES_SHORT: dict[str, str] = {
    "attended": "Attended",
    "acceptable_absence": "Acceptable absence",
    "unacceptable_absence": "Unacceptable absence",
    "failed_to_comply": "Failed to comply",
    "rescheduled": "Rescheduled",
    "cancelled_by_service": "Cancelled by service",
}
ENFORCEMENT_STEPS: dict[str, str] = {
    "first_warning": "First warning",
    "second_warning": "Second warning",
    "final_warning": "Final warning",
    "breach_decision": "Decision to report a breach",
    "breach_report": "Breach report to court",
}

# ---------------------------------------------------------------------------- calendar, documents
CALENDAR_DAY_KINDS: dict[str, str] = {"holiday": "Local holiday", "working": "Working day"}
DOCUMENT_TITLES: dict[str, str] = {
    "contract": "Engagement Contract",
    "review": "Review Summary",
    "plan": "Case Management Plan",
    "appointment_letter": "Appointment Letter",
    "warning_letter": "Warning Letter",
    "compliance": "Compliance Summary",
}

# Every table, by name (the vocabulary test walks them).
TABLES: dict[str, Table] = {
    name: value for name, value in dict(globals()).items()
    if name.isupper() and isinstance(value, dict) and name != "TABLES"
}


def words(code: Any) -> str:
    """A code no table knows, spelled as the forms always have: "in_progress" -> "In progress"."""
    return str(code or "").replace("_", " ").capitalize()


def label(table: Table, code: Any) -> str:
    """The label of ``code`` in ``table`` ('' for no code)."""
    if code is None or code == "":
        return ""
    return table.get(str(code)) or words(code)


def choices(table: Table) -> tuple[tuple[str, str], ...]:
    """(code, label) pairs in the table's order, for a choice field."""
    return tuple(table.items())
