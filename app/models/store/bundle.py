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
import math
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import safeio
from app.models.errors import ValidationError
from app.models.rules.appointments import check_case_appointments
from app.models.rules.dates import age_on
from app.models.store import entities as E
from app.paths import resource_path

if TYPE_CHECKING:  # jsonschema is imported with the first validation (start-up time and memory)
    import jsonschema
    from jsonschema import Draft202012Validator, FormatChecker

FORMAT = "casebook.case-bundle"

# Dates outside this range are refused at import and on input: no order, birth or review
# falls outside it, and the deadline arithmetic (which adds up to 100 years) stays total.
MIN_DATE, MAX_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
# Values a bundle may hold: integers JSON parsers agree on (IEEE doubles), finite numbers,
# text that is valid Unicode (no lone surrogates), nesting no deeper than any real bundle.
MAX_SAFE_INT = 2**53 - 1
MAX_DEPTH = 40
SHOWN_VALUE_CHARS = 40

UPW_MIN_HOURS, UPW_MAX_HOURS = 20, 300
SUPERVISION_MIN_MONTHS, SUPERVISION_MAX_MONTHS = 6, 36


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    with open(resource_path("schema/case-bundle.schema.json"), encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


# The schema is the source of truth for its version (docs/BUNDLE-SCHEMA.md is the changelog):
# Casebook writes its "version" and imports every version its properties.version.enum lists.
VERSION: int = schema()["version"]
READ_VERSIONS: tuple[int, ...] = tuple(schema()["properties"]["version"]["enum"])


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    day = dt.date.fromisoformat(value)
    return len(value) == 10 and MIN_DATE <= day <= MAX_DATE


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None and MIN_DATE <= parsed.date() <= MAX_DATE


@cache
def _format_checker() -> FormatChecker:
    """The schema's format checks (real dates in range), built with the first validation."""
    from jsonschema import FormatChecker

    checker = FormatChecker()
    checker.checks("date", raises=ValueError)(_is_date)
    checker.checks("date-time", raises=ValueError)(_is_datetime)
    return checker


def date_in_range(day: dt.date) -> bool:
    return MIN_DATE <= day <= MAX_DATE


def date_range_text() -> str:
    return f"{MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"


@cache
def _validator(definition: str | None) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    root = schema()
    if definition is None:
        return Draft202012Validator(root, format_checker=_format_checker())
    sub = {"$ref": f"#/$defs/{definition}", "$defs": root["$defs"]}
    return Draft202012Validator(sub, format_checker=_format_checker())


def _path(prefix: str, parts: Iterable[Any]) -> str:
    out = prefix
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def shown(value: Any, restricted: bool = False) -> str:
    """A value as an error message may quote it: cut short, and never restricted text."""
    if restricted:
        return "the value (not shown: not for disclosure)"
    text = repr(value)
    if len(text) > SHOWN_VALUE_CHARS:
        text = text[: SHOWN_VALUE_CHARS - 4] + "...'" if isinstance(value, str) else text[:SHOWN_VALUE_CHARS] + "..."
    return text


def _restricted(root: Any, path: Iterable[Any]) -> bool:
    """Whether the value at ``path`` sits in an item marked not for disclosure (or victim
    contact, or a review's restricted notes): such text is never quoted."""
    node = root
    for part in path:
        if isinstance(node, dict):
            if node.get("sensitivity") == "not_for_disclosure" or node.get("kind") == "victim_contact":
                return True
            if part == "restricted_notes":
                return True
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return True
    return isinstance(node, dict) and node.get("sensitivity") == "not_for_disclosure"


def _describe(err: jsonschema.ValidationError, root: Any = None) -> str:
    restricted = _restricted(root, err.absolute_path) if root is not None else True
    message = _describe_raw(err, restricted)
    if len(message) > 300:
        message = message[:297] + "..."
    return message


def _describe_raw(err: jsonschema.ValidationError, restricted: bool) -> str:
    value = shown(err.instance, restricted)
    if err.validator == "format" and err.validator_value in ("date", "date-time") and isinstance(err.instance, str):
        try:
            dt.datetime.fromisoformat(err.instance.replace("Z", "+00:00"))
            return f"{value} is outside the dates Casebook accepts ({date_range_text()})"
        except ValueError:
            pass
    if err.validator == "required":
        return err.message.replace("is a required property", "is required")
    if err.validator == "additionalProperties":
        return err.message.replace("were unexpected", "are not allowed").replace(
            "was unexpected", "is not allowed"
        )
    if err.validator == "enum":
        allowed = ", ".join(str(v) for v in err.validator_value)
        return f"{value} is not one of: {allowed}"
    if err.validator == "format":
        return f"{value} is not a valid {err.validator_value}"
    if err.validator == "pattern" and "format" in err.schema:
        return f"{value} is not a valid {err.schema['format']} (YYYY-MM-DD)"
    if err.validator in ("maxLength", "minLength"):
        return f"{value} is too {'long' if err.validator == 'maxLength' else 'short'} " \
               f"({'at most' if err.validator == 'maxLength' else 'at least'} {err.validator_value} characters)"
    if err.validator == "pattern":
        return f"{value} does not match the expected form"
    if err.validator == "type":
        return f"{value} is not of type {err.validator_value!r}"
    message = err.message
    if isinstance(err.instance, (str, int, float, list, dict)) and not isinstance(err.instance, bool):
        full = repr(err.instance)
        if full in message:
            message = message.replace(full, value)
        elif restricted or len(full) > SHOWN_VALUE_CHARS:
            message = f"{value} is not valid here ({err.validator})"
    return message


def check_values(instance: Any, prefix: str = "$") -> None:
    """Refuse what JSON can carry but the store cannot hold faithfully: nesting deeper than
    MAX_DEPTH, NaN or infinite numbers, integers beyond +-2**53, text with lone surrogates
    (or NUL characters), and objects with a repeated key (see ``load_bundle_text``)."""
    stack: list[tuple[Any, str, int]] = [(instance, prefix, 0)]
    while stack:
        node, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValidationError(f"nested more than {MAX_DEPTH} levels deep", where)
        if isinstance(node, _Object) and node.duplicate is not None:
            raise ValidationError(f"the key {shown(node.duplicate)} appears more than once in this object", where)
        if isinstance(node, bool) or node is None:
            continue
        if isinstance(node, float):
            if not math.isfinite(node):
                raise ValidationError("not a finite number (NaN and Infinity are not allowed)", where)
        elif isinstance(node, int):
            if abs(node) > MAX_SAFE_INT:
                raise ValidationError("a whole number too large to store (more than 2**53)", where)
        elif isinstance(node, str):
            if "\x00" in node:
                raise ValidationError("text contains a NUL character", where)
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise ValidationError("text contains an invalid character (a lone surrogate)", where) from None
        elif isinstance(node, dict):
            for key, value in reversed(list(node.items())):
                if not isinstance(key, str):
                    raise ValidationError("an object key is not text", where)
                try:
                    key.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValidationError("a key contains an invalid character (a lone surrogate)", where) from None
                stack.append((value, f"{where}.{key}" if len(key) <= SHOWN_VALUE_CHARS else f"{where}.{key[:20]}...",
                              depth + 1))
        elif isinstance(node, (list, tuple)):
            for i in range(len(node) - 1, -1, -1):
                stack.append((node[i], f"{where}[{i}]", depth + 1))


def check(instance: Any, definition: str | None = None, prefix: str = "$") -> None:
    """Validate against the whole schema or one of its $defs; raise the first problem."""
    check_values(instance, prefix)
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
        raise ValidationError(_describe(err, instance), _path(prefix, err.absolute_path))


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


CPO_MIN_AGE = 16  # a community payback order is for a person aged 16 or over
REVIEW_CONTENT = ("attendees", "summary", "compliance", "positive_developments", "autonomy_changes",
                  "restricted_notes")


def check_entry_rules(case: dict[str, Any], today: dt.date, prefix: str = "$") -> None:
    """Impossible data refused when a case is created or edited (imports of older bundles
    are not held to these): a date of birth in the future or too late for an order, an order
    ending before it began, supervision without its length."""
    ind, order = case.get("individual") or {}, case.get("order") or {}
    born = dt.date.fromisoformat(ind["date_of_birth"]) if ind.get("date_of_birth") else None
    imposed = dt.date.fromisoformat(order["imposed_on"]) if order.get("imposed_on") else None
    where = f"{prefix}.individual.date_of_birth"
    if born is not None and born > today:
        raise ValidationError(f"date of birth {born:%d/%m/%Y} is in the future", where)
    if born is not None and imposed is not None and age_on(born, imposed) < CPO_MIN_AGE:
        raise ValidationError(f"date of birth {born:%d/%m/%Y} makes the person {max(0, age_on(born, imposed))} "
                              f"when the order was imposed; a community payback order is for ages "
                              f"{CPO_MIN_AGE} and over", where)
    ends = order.get("ends_on")
    if ends and imposed is not None and dt.date.fromisoformat(ends) < imposed:
        raise ValidationError("the order cannot end before it was imposed", f"{prefix}.order.ends_on")
    for i, req in enumerate(order.get("requirements") or []):
        if req.get("kind") == "offender_supervision" and not req.get("months"):
            raise ValidationError(f"supervision needs its length: {SUPERVISION_MIN_MONTHS} to "
                                  f"{SUPERVISION_MAX_MONTHS} months", f"{prefix}.order.requirements[{i}].months")


def check_review_entry(review: dict[str, Any], prefix: str = "$") -> None:
    """A review recorded by hand says what happened: a completely blank one would mark the
    plan review done with nothing behind it."""
    if any(review.get(k) for k in REVIEW_CONTENT):
        return
    if any(gp.get("rating") or gp.get("comment") for gp in review.get("goal_progress") or []):
        return
    raise ValidationError("a review needs what happened: attendees, a summary, or progress for a goal",
                          f"{prefix}.attendees")


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


def validate_bundle(data: Any, existing_refs: Iterable[str] = (), aliases: dict[str, str] | None = None) -> None:
    """Validate a whole bundle; duplicate references (within it or with the store, or an old
    reference of a case in the store, ``aliases``: old -> current) fail."""
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
        if aliases and ref in aliases:
            raise ValidationError(f"reference {ref!r} is already in this store, corrected to {aliases[ref]!r}",
                                  prefix + ".reference")
        within.add(ref)
        check_case_rules(case, prefix)


class _Object(dict):  # type: ignore[type-arg]
    """A JSON object as parsed, remembering the first key it held twice."""

    __slots__ = ("duplicate",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.duplicate: str | None = None
        if len(self) != len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.duplicate = key
                    break
                seen.add(key)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > 16:
        raise ValueError("a whole number too large to store (more than 2**53)")
    return int(text)


def load_bundle_text(text: str) -> Any:
    """Parse bundle JSON strictly: repeated keys, NaN/Infinity, huge integers, lone
    surrogates and absurd nesting are all refused (ValidationError with its JSON path)."""
    try:
        data = json.loads(text, object_pairs_hook=_Object, parse_constant=_no_constant, parse_int=_int)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}") from None
    except RecursionError:
        raise ValidationError(f"not a case bundle: nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as exc:
        raise ValidationError(f"not valid JSON: {str(exc)[:100]}") from None
    check_values(data)
    return _plain(data)


def _plain(node: Any) -> Any:
    """The parsed tree with ordinary dicts (depth already bounded by check_values)."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def load_bundle_file(path: Path) -> Any:
    """Read and parse a bundle file: a regular file of at most MAX_BUNDLE_BYTES (a FIFO or a
    device is refused, never read), UTF-8 with or without a byte order mark."""
    try:
        raw = safeio.read_regular(path, safeio.MAX_BUNDLE_BYTES)
    except FileNotFoundError:
        raise ValidationError(f"no such file: {path}") from None
    except safeio.NotRegularFileError as exc:
        raise ValidationError(f"{path} is {exc.strerror}: give a bundle file") from None
    except safeio.TooLargeError:
        raise ValidationError(f"{path} is larger than {safeio.describe_limit(safeio.MAX_BUNDLE_BYTES)}: "
                              "not a bundle Casebook will read") from None
    except IsADirectoryError:
        raise ValidationError(f"{path} is a folder, not a bundle file") from None
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")  # -sig: a byte order mark (some Windows tools) is fine
    except UnicodeDecodeError:
        raise ValidationError(f"{path} is not UTF-8 text") from None
    return load_bundle_text(text)


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
