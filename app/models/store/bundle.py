"""Case bundles (shared/spec/case-bundle.schema.json): validation and conversion.

Validation is complete before anything is written: the schema (with real date checks),
then the rules the schema cannot say (unique references and goal ids, review goal
references, statutory ranges).  The first problem is reported with its JSON path.

Conversion between bundle dicts and entities is driven by the field tables below, so a
field is declared once for import and export alike.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator, FormatChecker

from app.models.errors import ValidationError
from app.models.rules.appointments import check_case_appointments
from app.models.store import entities as E
from app.paths import resource_path

FORMAT = "casebook.case-bundle"
VERSION = 3  # 2: appointments and enforcement; 3: timescales round 2 (docs/BUNDLE-SCHEMA.md); older still import
READ_VERSIONS = (1, 2, 3)

UPW_MIN_HOURS, UPW_MAX_HOURS = 20, 300
SUPERVISION_MIN_MONTHS, SUPERVISION_MAX_MONTHS = 6, 36


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    with open(resource_path("schema/case-bundle.schema.json"), encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


_format_checker = FormatChecker()


@_format_checker.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    dt.date.fromisoformat(value)
    return len(value) == 10


@_format_checker.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


@cache
def _validator(definition: str | None) -> Draft202012Validator:
    root = schema()
    if definition is None:
        return Draft202012Validator(root, format_checker=_format_checker)
    sub = {"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]}
    return Draft202012Validator(sub, format_checker=_format_checker)


def _path(prefix: str, parts: Iterable[Any]) -> str:
    out = prefix
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _describe(err: jsonschema.ValidationError) -> str:
    if err.validator == "required":
        return err.message.replace("is a required property", "is required")
    if err.validator == "additionalProperties":
        return err.message.replace("were unexpected", "are not allowed").replace(
            "was unexpected", "is not allowed"
        )
    if err.validator == "enum":
        allowed = ", ".join(str(v) for v in err.validator_value)
        return f"{err.instance!r} is not one of: {allowed}"
    if err.validator == "format":
        return f"{err.instance!r} is not a valid {err.validator_value}"
    if err.validator == "pattern" and "format" in err.schema:
        return f"{err.instance!r} is not a valid {err.schema['format']} (YYYY-MM-DD)"
    return err.message


def check(instance: Any, definition: str | None = None, prefix: str = "$") -> None:
    """Validate against the whole schema or one of its $defs; raise the first problem."""
    errors = sorted(
        _validator(definition).iter_errors(instance),
        key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)),
    )
    if errors:
        err = errors[0]
        # Report the most specific error (deepest path) for readability.
        deepest = max(errors, key=lambda e: len(e.absolute_path))
        if len(deepest.absolute_path) > len(err.absolute_path):
            err = deepest
        raise ValidationError(_describe(err), _path(prefix, err.absolute_path))


def scheduled_review_months_ok(months: int) -> bool:
    """Departmental reviews are scheduled 3 and 6 months after imposition, then every 6."""
    return months == 3 or (months >= 6 and months % 6 == 0)


def check_case_rules(case: dict[str, Any], prefix: str) -> None:
    """Rules beyond the schema for one (schema-valid) case."""
    order = case["order"]
    if "ends_on" in order and order["ends_on"] < order["imposed_on"]:  # ISO dates compare as text
        raise ValidationError(
            f"the order cannot end ({_dmy(order['ends_on'])}) before it was imposed ({_dmy(order['imposed_on'])})",
            f"{prefix}.order.ends_on")
    hearings = set(order.get("progress_reviews") or [])
    reported: set[str] = set()
    for i, report in enumerate(order.get("progress_review_reports") or []):
        where = f"{prefix}.order.progress_review_reports[{i}]"
        if report["hearing_on"] not in hearings:
            raise ValidationError(f"no court progress review on {_dmy(report['hearing_on'])} to report to",
                                  where + ".hearing_on")
        if report["hearing_on"] in reported:
            raise ValidationError(f"the report for the progress review on {_dmy(report['hearing_on'])} is "
                                  "recorded twice", where + ".hearing_on")
        reported.add(report["hearing_on"])
    for r, review in enumerate(case.get("reviews", [])):
        check_review_rules(review, f"{prefix}.reviews[{r}]")
    for f, flag in enumerate(case.get("flags", [])):
        check_flag_rules(flag, f"{prefix}.flags[{f}]")
    for i, req in enumerate(case["order"]["requirements"]):
        where = f"{prefix}.order.requirements[{i}]"
        if req["kind"] == "unpaid_work_or_other_activity":
            hours = req.get("hours")
            if hours is None:
                raise ValidationError("unpaid work needs its hours (20 to 300)", where)
            if not UPW_MIN_HOURS <= hours <= UPW_MAX_HOURS:
                raise ValidationError(
                    f"unpaid work hours must be {UPW_MIN_HOURS} to {UPW_MAX_HOURS}, not {hours}",
                    where + ".hours",
                )
        elif "hours" in req:
            raise ValidationError("hours apply to unpaid work only", where + ".hours")
        if req["kind"] == "offender_supervision" and "months" in req:
            months = req["months"]
            if not SUPERVISION_MIN_MONTHS <= months <= SUPERVISION_MAX_MONTHS:
                raise ValidationError(
                    f"supervision must be {SUPERVISION_MIN_MONTHS} to {SUPERVISION_MAX_MONTHS} "
                    f"months, not {months}",
                    where + ".months",
                )
    goal_ids: set[str] = set()
    for i, goal in enumerate(case.get("goals", [])):
        if goal["id"] in goal_ids:
            raise ValidationError(f"duplicate goal id {goal['id']!r}", f"{prefix}.goals[{i}].id")
        goal_ids.add(goal["id"])
    for r, review in enumerate(case.get("reviews", [])):
        for g, gp in enumerate(review.get("goal_progress", [])):
            if gp["goal_id"] not in goal_ids:
                raise ValidationError(
                    f"review refers to unknown goal {gp['goal_id']!r}",
                    f"{prefix}.reviews[{r}].goal_progress[{g}].goal_id",
                )
    problems = check_case_appointments(case, prefix)
    if problems:
        raise ValidationError(*problems[0])


def _dmy(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"


def check_review_rules(review: dict[str, Any], prefix: str = "$") -> None:
    months = review.get("scheduled_review_months")
    if months is None:
        return
    if review.get("kind") != "departmental":
        raise ValidationError("only a departmental review can be a scheduled departmental review",
                              prefix + ".scheduled_review_months")
    if not scheduled_review_months_ok(months):
        raise ValidationError(f"departmental reviews are scheduled at 3 and 6 months, then every 6 months, "
                              f"not at {months} months", prefix + ".scheduled_review_months")


def check_flag_rules(flag: dict[str, Any], prefix: str = "$") -> None:
    reviews = flag.get("reviews") or []
    if reviews and flag["kind"] != "victim_safety_plan":
        raise ValidationError("only a victim safety plan records reviews held", prefix + ".reviews")
    for i, review in enumerate(reviews):
        nxt = review.get("next_review_on")
        if nxt is not None and nxt <= review["reviewed_on"]:
            raise ValidationError("the next review must be after the review it was set at",
                                  f"{prefix}.reviews[{i}].next_review_on")


def validate_bundle(data: Any, existing_refs: Iterable[str] = ()) -> None:
    """Validate a whole bundle; duplicate references (within it or with the store) fail."""
    check(data)
    seen = set(existing_refs)
    within: set[str] = set()
    for i, case in enumerate(data["cases"]):
        prefix = f"$.cases[{i}]"
        ref = case["reference"]
        if ref in within:
            raise ValidationError(f"duplicate reference {ref!r} in this bundle", prefix + ".reference")
        if ref in seen:
            raise ValidationError(f"reference {ref!r} is already in this store", prefix + ".reference")
        within.add(ref)
        check_case_rules(case, prefix)


def load_bundle_file(path: Path) -> Any:
    try:
        with open(path, encoding="utf-8-sig") as fh:  # -sig: a byte order mark (some Windows tools) is fine
            return json.load(fh)
    except FileNotFoundError:
        raise ValidationError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise ValidationError(f"{path} is a folder, not a bundle file") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None


# ----------------------------------------------------------------------------------------
# Field tables: (json key, attribute, kind).  kind: s=text, d=date, b=bool, i=int,
# f=number, j=JSON list.  Attribute None means same as key.

Field = tuple[str, str, str]

INDIVIDUAL: list[Field] = [
    ("given_names", "given_names", "s"),
    ("family_name", "family_name", "s"),
    ("preferred_name", "preferred_name", "s"),
    ("pronouns", "pronouns", "s"),
    ("date_of_birth", "date_of_birth", "d"),
    ("address", "address", "s"),
    ("phone", "phone", "s"),
    ("communication_needs", "communication_needs", "j"),
    ("interpreter_language", "interpreter_language", "s"),
]
ORDER: list[Field] = [
    ("court", "court", "s"),
    ("imposed_on", "imposed_on", "d"),
    ("ends_on", "ends_on", "d"),
    ("responsible_officer", "responsible_officer", "s"),
    ("status", "status", "s"),
]
ORDER_TAIL: list[Field] = [
    ("progress_reviews", "progress_reviews", "j"),
    ("progress_review_reports", "progress_review_reports", "j"),  # v2
]
REQUIREMENT: list[Field] = [
    ("kind", "kind", "s"),
    ("hours", "hours", "i"),
    ("months", "months", "i"),
    ("complete_by", "complete_by", "d"),
    ("details", "details", "s"),
]
UPW_SESSION: list[Field] = [
    ("date", "date", "d"),
    ("hours", "hours", "f"),
    ("kind", "kind", "s"),
    ("notes", "notes", "s"),
]
ASSESSMENT: list[Field] = [
    ("tool", "tool", "s"),
    ("completed_on", "completed_on", "d"),
    ("risk_level", "risk_level", "s"),
    ("notes", "notes", "s"),
]
GOAL: list[Field] = [
    ("id", "goal_key", "s"),
    ("need_area", "need_area", "s"),
    ("description", "description", "s"),
    ("measure", "measure", "s"),
    ("achievable", "achievable", "s"),
    ("realistic", "realistic", "s"),
    ("target_date", "target_date", "d"),
    ("status", "status", "s"),
    ("agreed_with_individual", "agreed_with_individual", "b"),
]
ACTION: list[Field] = [
    ("description", "description", "s"),
    ("owner", "owner", "s"),
    ("agency", "agency", "s"),
    ("due_on", "due_on", "d"),
    ("done_on", "done_on", "d"),
]
PROGRESS: list[Field] = [("date", "date", "d"), ("text", "text", "s"), ("sensitivity", "sensitivity", "s")]
REVIEW_HEAD: list[Field] = [
    ("held_on", "held_on", "d"),
    ("kind", "kind", "s"),
    ("attendees", "attendees", "j"),
    ("upw_liaison_done", "upw_liaison_done", "b"),
    ("summary", "summary", "s"),
    ("compliance", "compliance", "s"),
    ("positive_developments", "positive_developments", "s"),
    ("autonomy_changes", "autonomy_changes", "s"),
]
REVIEW_TAIL: list[Field] = [
    ("next_review_on", "next_review_on", "d"),
    ("restricted_notes", "restricted_notes", "s"),
    ("scheduled_review_months", "scheduled_review_months", "i"),  # v2
]
REVIEW_GOAL: list[Field] = [
    ("goal_id", "goal_key", "s"),
    ("rating", "rating", "s"),
    ("comment", "comment", "s"),
    ("sensitivity", "sensitivity", "s"),
]
NOTE: list[Field] = [
    ("date", "date", "d"),
    ("kind", "kind", "s"),
    ("text", "text", "s"),
    ("sensitivity", "sensitivity", "s"),
    ("source", "source", "s"),
]
FLAG: list[Field] = [
    ("kind", "kind", "s"),
    ("raised_on", "raised_on", "d"),
    ("review_on", "review_on", "d"),
    ("closed_on", "closed_on", "d"),
    ("details", "details", "s"),
    ("sensitivity", "sensitivity", "s"),
    ("reviews", "reviews", "j"),  # v2: victim safety plan reviews
]
CONSENT: list[Field] = [
    ("purpose", "purpose", "s"),
    ("agency", "agency", "s"),
    ("given_on", "given_on", "d"),
    ("withdrawn_on", "withdrawn_on", "d"),
    ("details", "details", "s"),
]
REFERRAL: list[Field] = [
    ("agency", "agency", "s"),
    ("reason", "reason", "s"),
    ("made_on", "made_on", "d"),
    ("with_consent", "with_consent", "b"),
    ("outcome", "outcome", "s"),
]
LEARNING: list[Field] = [
    ("assessment_offered_on", "assessment_offered_on", "d"),
    ("declined", "declined", "b"),
    ("needs_identified", "needs_identified", "j"),
    ("provider", "provider", "s"),
    ("notes", "notes", "s"),
]
CONTRACT_HEAD: list[Field] = [("agreed_on", "agreed_on", "d")]
CONTRACT_TAIL: list[Field] = [
    ("signed_by_individual_on", "signed_by_individual_on", "d"),
    ("signed_by_officer_on", "signed_by_officer_on", "d"),
]
AIM: list[Field] = [
    ("area", "area", "s"),
    ("target", "target", "s"),
    ("individual_responsibility", "individual_responsibility", "s"),
    ("service_commitment", "service_commitment", "s"),
]
SHARE: list[Field] = [("agency", "agency", "s"), ("shared_on", "shared_on", "d")]
APPOINTMENT: list[Field] = [
    ("id", "appt_key", "s"),
    ("date", "date", "d"),
    ("start", "start", "s"),
    ("duration_minutes", "duration_minutes", "i"),
    ("kind", "kind", "s"),
    ("place", "place", "s"),
    ("with_whom", "with_whom", "s"),
    ("bring", "bring", "s"),
    ("notes", "notes", "s"),
    ("sensitivity", "sensitivity", "s"),
    ("outcome", "outcome", "s"),
    ("outcome_recorded_on", "outcome_recorded_on", "d"),
    ("absence_reason", "absence_reason", "s"),
    ("rescheduled_to", "rescheduled_to", "s"),
]
ENFORCEMENT: list[Field] = [
    ("date", "date", "d"),
    ("step", "step", "s"),
    ("failure", "failure", "s"),
    ("details", "details", "s"),
    ("sensitivity", "sensitivity", "s"),
]

# Case-level lists: bundle key -> (entity class, field table). Order is the export order.
CASE_LISTS: dict[str, tuple[type[Any], list[Field]]] = {
    "unpaid_work_sessions": (E.UpwSession, UPW_SESSION),
    "assessments": (E.Assessment, ASSESSMENT),
    "goals": (E.Goal, GOAL),
    "reviews": (E.Review, REVIEW_HEAD + REVIEW_TAIL),
    "notes": (E.Note, NOTE),
    "flags": (E.Flag, FLAG),
    "consents": (E.Consent, CONSENT),
    "referrals": (E.Referral, REFERRAL),
    "appointments": (E.Appointment, APPOINTMENT),
    "enforcement": (E.EnforcementAction, ENFORCEMENT),
}
CASE_ATTR = {
    "unpaid_work_sessions": "upw_sessions",
    "assessments": "assessments",
    "goals": "goals",
    "reviews": "reviews",
    "notes": "notes",
    "flags": "flags",
    "consents": "consents",
    "referrals": "referrals",
    "appointments": "appointments",
    "enforcement": "enforcement",
}


def _to_value(kind: str, value: Any) -> Any:
    if kind == "d":
        return dt.date.fromisoformat(value)
    if kind == "f":
        return float(value)
    if kind == "j":
        return list(value)
    return value


def _from_value(kind: str, value: Any) -> Any:
    if kind == "d":
        return value.isoformat()
    if kind == "f":
        return int(value) if float(value).is_integer() else value
    if kind == "j":
        return list(value)
    return value


def fill(obj: Any, fields: list[Field], data: dict[str, Any]) -> Any:
    """Set every declared attribute of ``obj`` from ``data`` (absent keys become None)."""
    for key, attr, kind in fields:
        value = data.get(key)
        setattr(obj, attr, None if value is None else _to_value(kind, value))
    return obj


def dump(obj: Any, fields: list[Field], out: dict[str, Any] | None = None) -> dict[str, Any]:
    out = {} if out is None else out
    for key, attr, kind in fields:
        value = getattr(obj, attr)
        if value is not None:
            out[key] = _from_value(kind, value)
    return out


def _lists_present(data: dict[str, Any], keys: Iterable[str]) -> list[str]:
    return [k for k in keys if k in data]


def build_goal(data: dict[str, Any], position: int) -> E.Goal:
    goal = fill(E.Goal(position=position), GOAL, data)
    goal.lists_present = _lists_present(data, ("actions", "progress"))
    goal.actions = [fill(E.GoalAction(position=i), ACTION, a) for i, a in enumerate(data.get("actions", []))]
    goal.progress = [
        fill(E.GoalProgress(position=i), PROGRESS, p) for i, p in enumerate(data.get("progress", []))
    ]
    return goal


def build_review(data: dict[str, Any], position: int) -> E.Review:
    review = fill(E.Review(position=position), REVIEW_HEAD + REVIEW_TAIL, data)
    review.lists_present = _lists_present(data, ("goal_progress",))
    review.goal_progress = [
        fill(E.ReviewGoalProgress(position=i), REVIEW_GOAL, g)
        for i, g in enumerate(data.get("goal_progress", []))
    ]
    return review


def build_contract(data: dict[str, Any]) -> E.Contract:
    contract = fill(E.Contract(), CONTRACT_HEAD + CONTRACT_TAIL, data)
    contract.lists_present = _lists_present(data, ("aims", "shared_with"))
    contract.aims = [fill(E.ContractAim(position=i), AIM, a) for i, a in enumerate(data.get("aims", []))]
    contract.shared_with = [
        fill(E.ContractShare(position=i), SHARE, s) for i, s in enumerate(data.get("shared_with", []))
    ]
    return contract


def build_item(list_key: str, data: dict[str, Any], position: int) -> Any:
    if list_key == "goals":
        return build_goal(data, position)
    if list_key == "reviews":
        return build_review(data, position)
    cls, fields = CASE_LISTS[list_key]
    return fill(cls(position=position), fields, data)


def build_order(data: dict[str, Any]) -> E.Order:
    order = fill(E.Order(), ORDER + ORDER_TAIL, data)
    order.requirements = [
        fill(E.Requirement(position=i), REQUIREMENT, r) for i, r in enumerate(data["requirements"])
    ]
    return order


def build_case(data: dict[str, Any], now: dt.datetime) -> E.Case:
    case = E.Case(reference=data["reference"], created_at=now, updated_at=now)
    case.supervision_intensity = data.get("supervision_intensity")
    case.lists_present = _lists_present(data, CASE_LISTS)
    case.individual = fill(E.Individual(), INDIVIDUAL, data["individual"])
    case.order = build_order(data["order"])
    for key, attr in CASE_ATTR.items():
        setattr(case, attr, [build_item(key, item, i) for i, item in enumerate(data.get(key, []))])
    if "learning" in data:
        case.learning = fill(E.Learning(), LEARNING, data["learning"])
    if "contract" in data:
        case.contract = build_contract(data["contract"])
    return case


def dump_goal(goal: E.Goal) -> dict[str, Any]:
    out = dump(goal, GOAL)
    if goal.actions or "actions" in (goal.lists_present or []):
        out["actions"] = [dump(a, ACTION) for a in goal.actions]
    if goal.progress or "progress" in (goal.lists_present or []):
        out["progress"] = [dump(p, PROGRESS) for p in goal.progress]
    return out


def dump_review(review: E.Review) -> dict[str, Any]:
    out = dump(review, REVIEW_HEAD)
    if review.goal_progress or "goal_progress" in (review.lists_present or []):
        out["goal_progress"] = [dump(g, REVIEW_GOAL) for g in review.goal_progress]
    return dump(review, REVIEW_TAIL, out)


def dump_contract(contract: E.Contract) -> dict[str, Any]:
    out = dump(contract, CONTRACT_HEAD)
    present = contract.lists_present or []
    if contract.aims or "aims" in present:
        out["aims"] = [dump(a, AIM) for a in contract.aims]
    if contract.shared_with or "shared_with" in present:
        out["shared_with"] = [dump(s, SHARE) for s in contract.shared_with]
    return dump(contract, CONTRACT_TAIL, out)


def dump_item(list_key: str, obj: Any) -> dict[str, Any]:
    if list_key == "goals":
        return dump_goal(obj)
    if list_key == "reviews":
        return dump_review(obj)
    return dump(obj, CASE_LISTS[list_key][1])


def dump_order(order: E.Order) -> dict[str, Any]:
    out = dump(order, ORDER)
    out["requirements"] = [dump(r, REQUIREMENT) for r in order.requirements]
    return dump(order, ORDER_TAIL, out)


def dump_case(case: E.Case) -> dict[str, Any]:
    """An entity graph back to its bundle dict (key order follows the schema)."""
    out: dict[str, Any] = {
        "reference": case.reference,
        "individual": dump(case.individual, INDIVIDUAL),
        "order": dump_order(case.order),
    }
    if case.supervision_intensity is not None:
        out["supervision_intensity"] = case.supervision_intensity
    present = case.lists_present or []
    for key, attr in CASE_ATTR.items():
        items = getattr(case, attr)
        if items or key in present:
            out[key] = [dump_item(key, item) for item in items]
    if case.learning is not None:
        out["learning"] = dump(case.learning, LEARNING)
    if case.contract is not None:
        out["contract"] = dump_contract(case.contract)
    return out


def new_bundle(cases: list[dict[str, Any]], exported_by: str | None, now: dt.datetime) -> dict[str, Any]:
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.astimezone().isoformat(timespec="seconds"),
    }
    if exported_by:
        out["exported_by"] = exported_by
    out["cases"] = cases
    return out
