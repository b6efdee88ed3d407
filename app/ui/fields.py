"""Field declarations for every form of the case workspace (labels people read)."""

from __future__ import annotations

from typing import Any

from app.models.rules.disclosure import flag_restricted, marked_nfd, note_restricted
from app.ui.forms import SENSITIVITY, Choices, F


def _c(*values: str, **labels: str) -> Choices:
    return tuple((v, labels.get(v, v.replace("_", " ").capitalize())) for v in values)


NEED_AREAS = _c("accommodation", "employment_and_learning", "finances_and_benefits", "relationships_and_family",
                "health_and_wellbeing", "substance_use", "attitudes_and_thinking", "victim_awareness", "leisure",
                employment_and_learning="Employment and learning", finances_and_benefits="Finances and benefits",
                relationships_and_family="Relationships and family", health_and_wellbeing="Health and well-being",
                leisure="Constructive use of leisure")
REQUIREMENTS = _c("offender_supervision", "unpaid_work_or_other_activity", "compensation", "programme", "residence",
                  "mental_health_treatment", "drug_treatment", "alcohol_treatment", "conduct", "restricted_movement",
                  unpaid_work_or_other_activity="Unpaid work or other activity")
NOTE_KINDS = _c("home_visit", "office", "face_to_face", "phone", "unpaid_work", "agency_liaison", "victim_contact",
                "other", face_to_face="Face to face elsewhere (cafe, agency office)")
FLAG_KINDS = _c("domestic_abuse", "child_protection", "adult_support_and_protection", "mappa", "marac", "matac",
                "victim_safety_plan", "caledonian_system", "compulsory_supervision_order", "other",
                mappa="MAPPA", marac="MARAC", matac="MATAC", caledonian_system="Caledonian System",
                compulsory_supervision_order="Compulsory Supervision Order")
CONTRACT_AREAS = _c("education_and_training", "family_and_parenting", "benefits_and_housing_advocacy",
                    "offending_behaviour_programme", "drug_and_alcohol_programme", "leisure", "other",
                    benefits_and_housing_advocacy="Advocacy on benefits and housing",
                    leisure="Constructive use of leisure time")
RATINGS = _c("no_progress", "some_progress", "good_progress", "achieved")


def is_nfd(item: dict[str, Any]) -> bool:
    return marked_nfd(item)


def note_private(item: dict[str, Any]) -> bool:
    return note_restricted(item)


def flag_private(item: dict[str, Any]) -> bool:
    return flag_restricted(item)


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
      _c("literacy", "numeracy", "interpreter", "hearing", "sight", "learning_disability", "other")),
    F("order.court", "Court", required=True),
    F("order.imposed_on", "Order imposed on", "date", required=True),
    F("order.ends_on", "Order ends on", "date"),
    F("order.responsible_officer", "Responsible officer"),
    F("order.status", "Order status", "choice", _c("active", "completed", "revoked", "transferred_out")),
    F("supervision_intensity", "Supervision intensity", "choice", _c("high", "medium", "low")),
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
    F("status", "Status", "choice", _c("not_started", "in_progress", "achieved", "revised", "discontinued")),
    F("agreed_with_individual", "Agreed with the person", "bool"),
    F("actions", "Actions", "table", columns=(
        F("description", "Action", width=200), F("owner", "Who", "choice", _c("individual", "officer", "agency",
                                                                                individual="The person"), width=90),
        F("agency", "Agency", width=110), F("due_on", "Due", "date", width=90), F("done_on", "Done", "date"))),
    F("progress", "Progress", "table", private_row=is_nfd, columns=(
        F("date", "Date", "date", width=90), F("sensitivity", "Sensitivity", "choice", SENSITIVITY, width=150),
        F("text", "Progress"))),
]

REVIEW_FIELDS = [
    F("held_on", "Held on", "date", required=True),
    F("kind", "Kind", "choice", _c("scheduled", "significant_change", "departmental")),
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
    F("kind", "Kind", "choice", _c("unpaid_work", "other_activity")),
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
    F("learning.needs_identified", "Needs identified", "multichoice", _c("literacy", "numeracy", "digital", "other")),
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
    F("purpose", "Purpose", "choice", _c("family_involvement", "share_with_agency", "learning_referral", "other"),
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
