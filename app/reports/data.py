"""Case (bundle-format dict) -> plain report data, with redaction applied HERE.

The PDF layer (``app.reports.pdf``) only lays out what these dataclasses hold.  For the
person's copy (``for_individual=True``) every item whose ``sensitivity`` is not plainly
ordinary is replaced by a :class:`Withheld` marker before it reaches the PDF code, so
withheld text is never even handed to reportlab.

The rule (and the only rule): an item may be shown to the individual when its
``sensitivity`` field is absent or ``"ordinary"``.  ``"not_for_disclosure"`` (or any value
this version does not know) means withheld.  A review's ``restricted_notes`` are third-party
information by definition and are always withheld, and so is a case note of kind
``victim_contact`` (victim information, whatever its sensitivity field says; privacy mode and
the note search treat it the same way).  No decision is taken from the wording of any text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from app.models.errors import NotFoundError
from app.models.rules import dates, disclosure
from app.models.rules import vocabulary as V
from app.models.rules.smart import smart_missing

WITHHELD_TEXT = "Information withheld"
NFD = "not_for_disclosure"

# The labels of every code: app/models/rules/vocabulary.py (the screen and the CLI use the same).
KIND_TITLES = {k: V.DOCUMENT_TITLES[k] for k in ("contract", "review", "plan")}
NEED_AREAS = V.NEED_AREAS
CONTRACT_AREAS = V.CONTRACT_AREAS
REQUIREMENTS = V.REQUIREMENTS
GOAL_STATUS = V.GOAL_STATUSES
RATINGS = V.RATINGS
OWNERS = V.ACTION_OWNERS_TO_PERSON
OWNERS_OFFICER = V.ACTION_OWNERS
NOTE_KINDS = V.NOTE_KINDS
FLAG_KINDS = V.FLAG_KINDS
REVIEW_KINDS = V.REVIEW_KINDS
INTENSITY = V.SUPERVISION_INTENSITY


def disclosable(sensitivity: Any) -> bool:
    """True when the individual may see an item with this sensitivity value."""
    return sensitivity is None or sensitivity == "ordinary"


def note_sensitivity(note: dict[str, Any]) -> Any:
    """A note's effective sensitivity.  A victim contact note records what the victim said or
    how they are: victim information, never for the person's eyes (guidance 8.1), whatever its
    sensitivity field says.  Privacy mode and the note search treat it the same way."""
    return disclosure.effective_sensitivity("notes", note)


fmt_date = dates.show  # ISO date (or date) -> dd/mm/yyyy; '' when absent


def _label(table: V.Table, key: Any) -> str:
    return V.label(table, key)


# ---------------------------------------------------------------------------- dataclasses
@dataclass(frozen=True)
class Withheld:
    """Where one or more not-for-disclosure items were left out of the person's copy."""

    text: str = WITHHELD_TEXT


@dataclass(frozen=True)
class Entry:
    """A dated item (note, progress entry, flag, restricted note) that may be restricted."""

    date: str
    label: str
    text: str
    source: str = ""
    not_for_disclosure: bool = False


@dataclass(frozen=True)
class DocMeta:
    kind: str
    title: str
    reference: str
    for_individual: bool
    officer: str
    generated_on: str

    @property
    def audience_label(self) -> str:
        return "Copy for the individual" if self.for_individual else "Officer's copy"

    @property
    def pdf_title(self) -> str:
        return f"{self.title} {self.reference}"

    @property
    def pdf_subject(self) -> str:
        return f"Community Payback Order: {self.title.lower()} ({self.audience_label.lower()})"


@dataclass(frozen=True)
class CaseHeader:
    reference: str
    name: str
    preferred_name: str
    date_of_birth: str
    court: str
    imposed_on: str
    ends_on: str
    officer: str
    requirements: tuple[str, ...]


@dataclass(frozen=True)
class Aim:
    target: str
    responsibility: str
    commitment: str


@dataclass(frozen=True)
class AimGroup:
    area: str
    aims: tuple[Aim, ...]


@dataclass(frozen=True)
class SignatureBlock:
    role: str  # "individual" | "officer"
    role_label: str
    name: str
    png: bytes | None
    signed_on: str


@dataclass(frozen=True)
class ContractData:
    meta: DocMeta
    header: CaseHeader
    agreed_on: str
    aims: tuple[AimGroup, ...]
    shared_with: tuple[tuple[str, str], ...]
    signatures: tuple[SignatureBlock, ...]


@dataclass(frozen=True)
class GoalRating:
    goal_id: str
    goal: str
    rating: str
    comment: str
    not_for_disclosure: bool = False


@dataclass(frozen=True)
class ReviewData:
    meta: DocMeta
    header: CaseHeader
    held_on: str
    kind: str
    period_from: str
    period_to: str
    attendees: tuple[str, ...]
    upw_liaison: str
    upw_hours: str
    summary: str
    compliance: str
    goal_progress: tuple[GoalRating | Withheld, ...]
    positive_developments: str
    autonomy_changes: str
    contacts: tuple[Entry | Withheld, ...]
    flags: tuple[Entry | Withheld, ...]
    restricted: tuple[Entry | Withheld, ...]
    next_review_on: str
    attendance: str = ""  # appointments in the period, by outcome (app/models/rules/appointments.py)


@dataclass(frozen=True)
class PlanAction:
    description: str
    owner: str
    due_on: str
    status: str


@dataclass(frozen=True)
class PlanGoal:
    goal_id: str
    description: str
    measure: str
    achievable: str
    realistic: str
    target_date: str
    status: str
    agreed: str
    smart_missing: str
    actions: tuple[PlanAction, ...]
    progress: tuple[Entry | Withheld, ...]


@dataclass(frozen=True)
class PlanArea:
    area: str
    goals: tuple[PlanGoal, ...]


@dataclass(frozen=True)
class PlanData:
    meta: DocMeta
    header: CaseHeader
    intensity: str
    flags: tuple[Entry | Withheld, ...]
    areas: tuple[PlanArea, ...]


ReportData = ContractData | ReviewData | PlanData


# ---------------------------------------------------------------------------- helpers
def redact(items: Iterable[tuple[Any, Entry | GoalRating]], for_individual: bool) -> tuple[Any, ...]:
    """Keep each (sensitivity, item); in the person's copy replace restricted ones by a
    Withheld marker (a run of restricted items becomes one marker, so the count of
    withheld items is not disclosed either)."""
    out: list[Any] = []
    for sensitivity, item in items:
        if for_individual and not disclosable(sensitivity):
            if not (out and isinstance(out[-1], Withheld)):
                out.append(Withheld())
        else:
            out.append(item)
    return tuple(out)


def _requirement_text(req: dict[str, Any]) -> str:
    text = _label(REQUIREMENTS, req.get("kind"))
    extra = []
    if req.get("hours"):
        extra.append(f"{req['hours']} hours")
    if req.get("months"):
        extra.append(f"{req['months']} months")
    if req.get("complete_by"):
        extra.append(f"complete by {fmt_date(req['complete_by'])}")
    return f"{text} ({', '.join(extra)})" if extra else text


def case_header(case: dict[str, Any]) -> CaseHeader:
    ind = case["individual"]
    order = case["order"]
    return CaseHeader(
        reference=case["reference"],
        name=f"{ind['given_names']} {ind['family_name']}",
        preferred_name=ind.get("preferred_name") or "",
        date_of_birth=fmt_date(ind.get("date_of_birth")),
        court=order.get("court", ""),
        imposed_on=fmt_date(order.get("imposed_on")),
        ends_on=fmt_date(order.get("ends_on")),
        officer=order.get("responsible_officer") or "",
        requirements=tuple(_requirement_text(r) for r in order.get("requirements", [])),
    )


def _meta(kind: str, case: dict[str, Any], for_individual: bool, today: dt.date) -> DocMeta:
    return DocMeta(kind=kind, title=KIND_TITLES[kind], reference=case["reference"],
                   for_individual=for_individual,
                   officer=case["order"].get("responsible_officer") or "",
                   generated_on=fmt_date(today))


def _flag_entries(flags: Sequence[dict[str, Any]], for_individual: bool) -> tuple[Entry | Withheld, ...]:
    items = []
    for f in flags:
        bits = []
        if f.get("review_on"):
            bits.append(f"review by {fmt_date(f['review_on'])}")
        if f.get("closed_on"):
            bits.append(f"closed {fmt_date(f['closed_on'])}")
        text = f.get("details") or ""
        if bits:
            text = (text + " " if text else "") + "(" + "; ".join(bits) + ")"
        sensitivity = disclosure.effective_sensitivity("flags", f)
        entry = Entry(date=fmt_date(f.get("raised_on")), label=_label(FLAG_KINDS, f.get("kind")), text=text,
                      not_for_disclosure=not disclosable(sensitivity))
        items.append((sensitivity, entry))
    return redact(items, for_individual)


def _progress_entries(progress: Sequence[dict[str, Any]], for_individual: bool) -> tuple[Entry | Withheld, ...]:
    items = [(p.get("sensitivity"), Entry(date=fmt_date(p.get("date")), label="", text=p.get("text", ""),
                                          not_for_disclosure=not disclosable(p.get("sensitivity"))))
             for p in progress]
    return redact(items, for_individual)


# ---------------------------------------------------------------------------- contract
def contract_data(case: dict[str, Any], *, for_individual: bool, today: dt.date,
                  signatures: dict[str, tuple[bytes, dt.date] | None] | None = None) -> ContractData:
    """The Engagement Contract (guidance Annex 4).  ``signatures`` maps role -> (png, date)."""
    contract = case.get("contract")
    if contract is None:
        raise NotFoundError(f"case {case['reference']} has no engagement contract")
    header = case_header(case)
    groups: dict[str, list[Aim]] = {}
    for aim in contract.get("aims", []):
        groups.setdefault(aim["area"], []).append(
            Aim(target=aim["target"], responsibility=aim.get("individual_responsibility") or "",
                commitment=aim.get("service_commitment") or ""))
    ordered = [a for a in CONTRACT_AREAS if a in groups] + [a for a in groups if a not in CONTRACT_AREAS]
    aims = tuple(AimGroup(_label(CONTRACT_AREAS, a), tuple(groups[a])) for a in ordered)
    shared = tuple((s["agency"], fmt_date(s.get("shared_on"))) for s in contract.get("shared_with", []))
    signatures = signatures or {}
    blocks = []
    for role, role_label, name, recorded in (
        ("individual", V.SIGNATORIES["individual"], header.name, contract.get("signed_by_individual_on")),
        ("officer", V.SIGNATORIES["officer"], header.officer, contract.get("signed_by_officer_on")),
    ):
        captured = signatures.get(role)
        if captured is not None:
            blocks.append(SignatureBlock(role, role_label, name, captured[0], fmt_date(captured[1])))
        else:
            blocks.append(SignatureBlock(role, role_label, name, None, fmt_date(recorded)))
    return ContractData(meta=_meta("contract", case, for_individual, today), header=header,
                        agreed_on=fmt_date(contract.get("agreed_on")), aims=aims, shared_with=shared,
                        signatures=tuple(blocks))


# ---------------------------------------------------------------------------- review
def pick_review(case: dict[str, Any], review_date: dt.date | None) -> dict[str, Any]:
    reviews = case.get("reviews", [])
    if not reviews:
        raise NotFoundError(f"case {case['reference']} has no reviews")
    if review_date is None:
        return max(reviews, key=lambda r: r["held_on"])
    for r in reviews:
        if r["held_on"] == review_date.isoformat():
            return r
    held = ", ".join(fmt_date(r["held_on"]) for r in sorted(reviews, key=lambda r: r["held_on"]))
    raise NotFoundError(f"case {case['reference']} has no review held on {fmt_date(review_date)} "
                        f"(reviews held: {held})")


def review_data(case: dict[str, Any], *, for_individual: bool, today: dt.date,
                review_date: dt.date | None = None) -> ReviewData:
    review = pick_review(case, review_date)
    held = review["held_on"]
    earlier = [r["held_on"] for r in case.get("reviews", []) if r["held_on"] < held]
    period_start = max(earlier) if earlier else case["order"]["imposed_on"]
    goals = {g["id"]: g for g in case.get("goals", [])}

    ratings = []
    for gp in review.get("goal_progress", []):
        goal = goals.get(gp["goal_id"], {})
        ratings.append((gp.get("sensitivity"), GoalRating(
            goal_id=gp["goal_id"], goal=goal.get("description", ""), rating=_label(RATINGS, gp.get("rating")),
            comment=gp.get("comment") or "", not_for_disclosure=not disclosable(gp.get("sensitivity")))))

    def in_period(day: str) -> bool:
        return (period_start < day <= held) if earlier else (period_start <= day <= held)

    contacts = [(note_sensitivity(n), Entry(date=fmt_date(n["date"]), label=_label(NOTE_KINDS, n.get("kind")),
                                            text=n.get("text", ""), source=n.get("source") or "",
                                            not_for_disclosure=not disclosable(note_sensitivity(n))))
                for n in case.get("notes", []) if in_period(n["date"])]
    flags = [f for f in case.get("flags", [])
             if f["raised_on"] <= held and (not f.get("closed_on") or f["closed_on"] >= period_start)]
    restricted: tuple[Entry | Withheld, ...] = ()
    if review.get("restricted_notes"):
        # Third-party information by definition: always not for disclosure.
        restricted = redact([(NFD, Entry(date=fmt_date(held), label="Third-party information",
                                         text=review["restricted_notes"], not_for_disclosure=True))],
                            for_individual)

    upw_hours = ""
    required = sum(r.get("hours") or 0 for r in case["order"].get("requirements", [])
                   if r.get("kind") == "unpaid_work_or_other_activity")
    if required:
        done = sum(s["hours"] for s in case.get("unpaid_work_sessions", []) if s["date"] <= held)
        upw_hours = f"{done:g} of {required} hours completed by {fmt_date(held)}"

    liaison = review.get("upw_liaison_done")
    return ReviewData(
        meta=_meta("review", case, for_individual, today),
        header=case_header(case),
        held_on=fmt_date(held),
        kind=_label(REVIEW_KINDS, review.get("kind")),
        period_from=fmt_date(period_start),
        period_to=fmt_date(held),
        attendees=tuple(review.get("attendees", [])),
        upw_liaison="" if liaison is None else ("Yes" if liaison else "No"),
        upw_hours=upw_hours,
        summary=review.get("summary") or "",
        compliance=review.get("compliance") or "",
        goal_progress=redact(ratings, for_individual),
        positive_developments=review.get("positive_developments") or "",
        autonomy_changes=review.get("autonomy_changes") or "",
        contacts=redact(contacts, for_individual),
        flags=_flag_entries(flags, for_individual),
        restricted=restricted,
        next_review_on=fmt_date(review.get("next_review_on")),
        attendance=_attendance_text(case, earlier and dt.date.fromisoformat(max(earlier)) or None,
                                    dt.date.fromisoformat(held)),
    )


def _attendance_text(case: dict[str, Any], since: dt.date | None, until: dt.date) -> str:
    """"5 appointments: 3 attended, 1 acceptable absence, 1 unacceptable absence" (the period's)."""
    from app.models.rules.appointments import OUTCOME_SHORT, attendance_counts, attendance_since

    appts = attendance_since(case, since, until)
    if not appts:
        return "No appointments recorded in the period" if case.get("appointments") else ""
    counts = attendance_counts(appts)
    parts = [f"{n} {OUTCOME_SHORT[k].lower()}" for k, n in counts.items() if n and k in OUTCOME_SHORT]
    if counts.get("no_outcome"):
        parts.append(f"{counts['no_outcome']} without an outcome")
    return f"{len(appts)} appointment{'s' if len(appts) != 1 else ''}: " + ", ".join(parts)


# ---------------------------------------------------------------------------- plan
def plan_data(case: dict[str, Any], *, for_individual: bool, today: dt.date) -> PlanData:
    owners = OWNERS if for_individual else OWNERS_OFFICER
    by_area: dict[str, list[PlanGoal]] = {}
    for g in case.get("goals", []):
        actions = []
        for a in g.get("actions", []):
            owner = _label(owners, a.get("owner"))
            if a.get("owner") == "agency" and a.get("agency"):
                owner = a["agency"]
            status = f"Done {fmt_date(a['done_on'])}" if a.get("done_on") else "Open"
            actions.append(PlanAction(a["description"], owner, fmt_date(a.get("due_on")), status))
        progress = _progress_entries(g.get("progress", []), for_individual)
        by_area.setdefault(g["need_area"], []).append(PlanGoal(
            goal_id=g["id"], description=g["description"], measure=g.get("measure") or "",
            achievable=g.get("achievable") or "", realistic=g.get("realistic") or "",
            target_date=fmt_date(g.get("target_date")), status=_label(GOAL_STATUS, g.get("status")),
            agreed="" if g.get("agreed_with_individual") is None else (
                "Yes" if g["agreed_with_individual"] else "Not yet"),
            smart_missing="" if for_individual else smart_missing(g),
            actions=tuple(actions), progress=progress))
    ordered = [a for a in NEED_AREAS if a in by_area] + [a for a in by_area if a not in NEED_AREAS]
    open_flags = [f for f in case.get("flags", []) if not f.get("closed_on")]
    flags = _flag_entries(open_flags, for_individual)
    return PlanData(
        meta=_meta("plan", case, for_individual, today), header=case_header(case),
        intensity=_label(INTENSITY, case.get("supervision_intensity")), flags=flags,
        areas=tuple(PlanArea(_label(NEED_AREAS, a), tuple(by_area[a])) for a in ordered))


def has_restricted(data: ReportData) -> bool:
    """Does this report data carry any not-for-disclosure item (officer's copy only)?"""
    if isinstance(data, PlanData):
        items: list[Any] = [*data.flags, *(p for a in data.areas for g in a.goals for p in g.progress)]
        return any(getattr(i, "not_for_disclosure", False) for i in items)
    if isinstance(data, ReviewData):
        groups: list[Sequence[Any]] = [data.goal_progress, data.contacts, data.flags, data.restricted]
        return any(getattr(i, "not_for_disclosure", False) for g in groups for i in g)
    return bool(getattr(data, "restricted", False) is True)  # letters (app/reports/letters.py)
