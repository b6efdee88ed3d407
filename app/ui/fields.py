"""Field declarations for every form of the case workspace (labels people read)."""

from __future__ import annotations

from typing import Any

from app.models.rules import disclosure
from app.models.rules import vocabulary as V
from app.models.rules.vocabulary import choices
from app.ui.forms import SENSITIVITY, Choices, F

NEED_AREAS = choices(V.NEED_AREAS)
REQUIREMENTS = choices(V.REQUIREMENTS)
NOTE_KINDS = choices(V.NOTE_KINDS)
FLAG_KINDS = choices(V.FLAG_KINDS)
CONTRACT_AREAS = choices(V.CONTRACT_AREAS)
RATINGS = choices(V.RATINGS)


# Privacy mode hides what the one disclosure rule restricts (app/models/rules/disclosure.py).
def is_nfd(item: dict[str, Any]) -> bool:
    return disclosure.marked_nfd(item)


def note_private(item: dict[str, Any]) -> bool:
    return disclosure.restricted("notes", item)


def flag_private(item: dict[str, Any]) -> bool:
    return disclosure.restricted("flags", item)


CASE_FIELDS = [
    F("reference", "Case reference", required=True, placeholder="e.g. CPO-2026-0042"),
    F("individual.given_names", "Given names", required=True),
    F("individual.family_name", "Family name", required=True),
    F("individual.preferred_name", "Preferred name"),
    F("individual.pronouns", "Pronouns"),
    F("individual.date_of_birth", "Date of birth", "date", required=True),
    F("individual.phone", "Phone"),
    F("individual.interpreter_language", "Interpreter language"),
    F("individual.address", "Address", "multiline"),
    F("individual.communication_needs", "Communication needs", "multichoice",
      choices(V.COMMUNICATION_NEEDS)),
    F("order.court", "Court", required=True),
    F("order.imposed_on", "Order imposed on", "date", required=True),
    F("order.ends_on", "Order ends on", "date"),
    F("order.responsible_officer", "Responsible officer"),
    F("order.status", "Order status", "choice", choices(V.ORDER_STATUSES)),
    F("supervision_intensity", "Supervision intensity", "choice", choices(V.SUPERVISION_INTENSITY)),
    F("order.requirements", "Requirements", "table", columns=(
        F("kind", "Requirement", "choice", REQUIREMENTS, width=220), F("hours", "Hours", "int", width=60),
        F("months", "Months", "int", width=60), F("complete_by", "Complete by", "date", width=100),
        F("details", "Details"))),
    F("order.progress_reviews", "Court progress reviews (dates)", "datelines", placeholder="One date per line, dd/mm/yyyy"),
    F("order.progress_review_reports", "Progress review reports submitted", "table", columns=(
        F("hearing_on", "Court review on", "date", width=130), F("submitted_on", "Report submitted on", "date"))),
]

GOAL_FIELDS = [
    F("id", "Goal id", required=True, placeholder="e.g. G1"),
    F("need_area", "Need area", "choice", NEED_AREAS, required=True),
    F("description", "Specific: what will change", "multiline", required=True),
    F("measure", "Measurable: how progress will be known", "multiline"),
    F("achievable", "Achievable: why it is manageable", "multiline"),
    F("realistic", "Realistic: supports and resources", "multiline"),
    F("target_date", "Time bound: target date", "date"),
    F("status", "Status", "choice", choices(V.GOAL_STATUSES)),
    F("agreed_with_individual", "Agreed with the person", "bool"),
    F("actions", "Actions", "table", columns=(
        F("description", "Action", width=200), F("owner", "Who", "choice", choices(V.ACTION_OWNERS), width=90),
        F("agency", "Agency", width=110), F("due_on", "Due", "date", width=90), F("done_on", "Done", "date"))),
    F("progress", "Progress", "table", private_row=is_nfd, columns=(
        F("date", "Date", "date", width=90), F("sensitivity", "Sensitivity", "choice", SENSITIVITY, width=150),
        F("text", "Progress"))),
]

REVIEW_FIELDS = [
    F("held_on", "Held on", "date", required=True),
    F("kind", "Kind", "choice", choices(V.REVIEW_KINDS)),
    F("attendees", "Attendees", "lines", placeholder="One name per line"),
    F("upw_liaison_done", "Unpaid work staff liaison done", "bool"),
    F("goal_progress", "Progress per goal", "table", private_row=is_nfd, columns=(
        F("goal_id", "Goal", "choice", (), width=70), F("rating", "Rating", "choice", RATINGS, width=120),
        F("sensitivity", "Sensitivity", "choice", SENSITIVITY, width=150), F("comment", "Comment"))),
    F("summary", "Summary", "multiline"),
    F("compliance", "Compliance", "multiline"),
    F("positive_developments", "Positive developments", "multiline"),
    F("autonomy_changes", "Changes to autonomy or restrictions", "multiline"),
    F("next_review_on", "Next review on", "date"),
    # Departmental reviews: which scheduled review this is; the choices are the case's schedule.
    F("scheduled_review_months", "Counts as (departmental reviews)", "choice", ()),
    F("restricted_notes", "Restricted notes (NOT FOR DISCLOSURE)", "multiline", private=True),
]

NOTE_FIELDS = [
    F("date", "Date", "date", required=True),
    F("kind", "Kind", "choice", NOTE_KINDS, required=True),
    F("sensitivity", "Sensitivity", "choice", SENSITIVITY),
    F("source", "Source (who gave the information)"),
    F("text", "Note", "multiline", required=True, tall=True),
]

UPW_FIELDS = [
    F("date", "Date", "date", required=True),
    F("hours", "Hours", "float", required=True),
    F("kind", "Kind", "choice", choices(V.UPW_SESSION_KINDS)),
    F("notes", "Notes", "multiline"),
]

CONTRACT_FIELDS = [
    F("contract.agreed_on", "Agreed on", "date"),
    F("contract.signed_by_individual_on", "Signed by the person on", "date"),
    F("contract.signed_by_officer_on", "Signed by the officer on", "date"),
    F("contract.aims", "Aims and targets", "table", columns=(
        F("area", "Area", "choice", CONTRACT_AREAS, width=190), F("target", "Aim or target", width=200),
        F("individual_responsibility", "The person will", width=170),
        F("service_commitment", "The service will"))),
    F("contract.shared_with", "Shared with (sharing record)", "table", columns=(
        F("agency", "Agency", width=260), F("shared_on", "Shared on", "date"))),
]

LEARNING_FIELDS = [
    F("learning.assessment_offered_on", "Assessment offered on", "date"),
    F("learning.declined", "Declined (voluntary: never non-compliance)", "bool"),
    F("learning.provider", "Provider"),
    F("learning.needs_identified", "Needs identified", "multichoice", choices(V.LEARNING_NEEDS)),
    F("learning.notes", "Notes", "multiline"),
]

REFERRAL_FIELDS = [
    F("agency", "Agency", required=True),
    F("made_on", "Made on", "date", required=True),
    F("with_consent", "Made with consent", "bool"),
    F("reason", "Reason", "multiline"),
    F("outcome", "Outcome", "multiline"),
]

ASSESSMENT_FIELDS = [
    F("tool", "Tool", required=True, placeholder="e.g. LS/CMI"),
    F("completed_on", "Completed on", "date", required=True),
    F("risk_level", "Risk level"),
    F("notes", "Notes", "multiline"),
]

CONSENT_FIELDS = [
    F("purpose", "Purpose", "choice", choices(V.CONSENT_PURPOSES),
      required=True),
    F("agency", "Agency"),
    F("given_on", "Given on", "date", required=True),
    F("withdrawn_on", "Withdrawn on", "date"),
    F("details", "Details", "multiline"),
]

FLAG_FIELDS = [
    F("kind", "Flag", "choice", FLAG_KINDS, required=True),
    F("sensitivity", "Sensitivity", "choice", SENSITIVITY),
    F("raised_on", "Raised on", "date", required=True),
    F("review_on", "Review on", "date"),
    F("closed_on", "Closed on", "date"),
    F("details", "Details", "multiline"),
    F("reviews", "Safety plan reviews held", "table", columns=(
        F("reviewed_on", "Reviewed on", "date", width=130), F("next_review_on", "Next review on", "date"))),
]


def label_of(choices: Choices, value: Any) -> str:
    return dict(choices).get(value, str(value or ""))
