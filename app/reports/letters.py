"""Letters and the compliance summary: case -> plain letter data (redaction HERE) -> PDF story.

- **Appointment letter** (to the person): date, time, place, what to bring, who to contact, in
  plain English; a large-type option (``large_type``) for people who need it.
- **Warning letter** (to the person): which failure, which warning this is, what happens next.
- **Compliance summary** (for a review or a breach report): the attendance table
  (acceptable/unacceptable), warnings and breach steps taken, and the position in the process.

The same rule as every document (app/reports/data.py, app/models/rules/disclosure.py): an
appointment's notes and an enforcement step's details appear in the person's copy only when
their sensitivity is absent or "ordinary"; otherwise "Information withheld".  The letters to the
person never carry notes, absence reasons or anything else free-typed except the place, what to
bring and who the person will see.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from app.models.errors import NotFoundError, ValidationError
from app.models.rules import appointments as R
from app.models.rules import vocabulary as V
from app.reports.data import (
    CaseHeader,
    DocMeta,
    Entry,
    Withheld,
    case_header,
    disclosable,
    fmt_date,
    redact,
)

TITLES = {k: V.DOCUMENT_TITLES[k] for k in ("appointment_letter", "warning_letter", "compliance")}


@dataclass(frozen=True)
class AppointmentLetterData:
    meta: DocMeta
    header: CaseHeader
    salutation: str
    when: str  # "Tuesday 24 November 2026"
    time: str  # "10:00 to 11:00"
    kind: str
    place: str
    with_whom: str
    bring: str
    contact: str
    large_type: bool = False


@dataclass(frozen=True)
class WarningLetterData:
    meta: DocMeta
    header: CaseHeader
    salutation: str
    step: str  # "First warning"
    final: bool
    failure_when: str
    failure_kind: str
    failure_text: str
    failures: int
    next_text: str
    contact: str
    large_type: bool = False


@dataclass(frozen=True)
class AttendanceRow:
    date: str
    time: str
    kind: str
    outcome: str
    failure: bool
    notes: str = ""
    not_for_disclosure: bool = False


@dataclass(frozen=True)
class ComplianceData:
    meta: DocMeta
    header: CaseHeader
    period_from: str
    period_to: str
    rows: tuple[AttendanceRow | Withheld, ...]
    counts: tuple[tuple[str, int], ...]
    steps: tuple[Entry | Withheld, ...]
    position: str
    large_type: bool = False

    @property
    def restricted(self) -> bool:
        return any(getattr(i, "not_for_disclosure", False) for i in (*self.rows, *self.steps))


LetterData = AppointmentLetterData | WarningLetterData | ComplianceData


def _meta(kind: str, case: dict[str, Any], for_individual: bool, today: dt.date) -> DocMeta:
    return DocMeta(kind=kind, title=TITLES[kind], reference=case["reference"], for_individual=for_individual,
                   officer=case["order"].get("responsible_officer") or "", generated_on=fmt_date(today))


def _salutation(case: dict[str, Any]) -> str:
    ind = case["individual"]
    return f"Dear {ind.get('preferred_name') or ind['given_names']}"


def _long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _contact(case: dict[str, Any]) -> str:
    officer = case["order"].get("responsible_officer")
    return officer or "your responsible officer"


def _find(case: dict[str, Any], appt_id: str | None, *, want: Callable[[dict[str, Any]], bool], what: str
          ) -> dict[str, Any]:
    appts = case.get("appointments", [])
    if appt_id is not None:
        for a in appts:
            if a["id"] == appt_id:
                if not want(a):
                    raise ValidationError(f"appointment {appt_id} is not {what}")
                return a
        raise NotFoundError(f"no appointment {appt_id!r} in case {case['reference']}")
    found = [a for a in appts if want(a)]
    if not found:
        raise NotFoundError(f"case {case['reference']} has no {what}")
    return found[-1]


def appointment_letter_data(case: dict[str, Any], appt_id: str | None, *, for_individual: bool, today: dt.date,
                            large_type: bool = False) -> AppointmentLetterData:
    """The letter for one booked appointment (default: the next one from today)."""
    if appt_id is None:
        upcoming = sorted((a for a in case.get("appointments", []) if not a.get("outcome")
                           and a["date"] >= today.isoformat()), key=R.starts_at)
        if not upcoming:
            raise NotFoundError(f"case {case['reference']} has no appointment booked from today")
        appt = upcoming[0]
    else:
        appt = _find(case, appt_id, want=lambda a: a.get("outcome") in (None, ""), what="a booked appointment "
                     "without an outcome")
    start = R.starts_at(appt)
    end = R.ends_at(appt)
    place = "Your home" if appt["kind"] == "home_visit" else (appt.get("place") or "")
    if appt["kind"] in ("phone", "video") and not place:
        place = "We will phone you" if appt["kind"] == "phone" else "By video call (we will send the link)"
    return AppointmentLetterData(
        meta=_meta("appointment_letter", case, for_individual, today), header=case_header(case),
        salutation=_salutation(case), when=_long_date(start.date()), time=f"{start:%H:%M} to {end:%H:%M}",
        kind=R.kind_label(appt["kind"]), place=place, with_whom=appt.get("with_whom") or _contact(case),
        bring=appt.get("bring") or "", contact=_contact(case), large_type=large_type)


def warning_letter_data(case: dict[str, Any], policy: R.EnforcementPolicy, add_working_days: Any,
                        failure_id: str | None, *, for_individual: bool, today: dt.date,
                        large_type: bool = False) -> tuple[WarningLetterData, R.StepDue]:
    """The warning letter the policy asks for (the next warning due, or the one for ``failure_id``)."""
    pos = R.case_position(case, policy, add_working_days, today)
    warning_steps = [s for s in pos.steps if s.kind == "warning_letter"]
    if failure_id is not None:
        step = next((s for s in warning_steps if s.failure.appointment == failure_id), None)
        if step is None:
            raise ValidationError(f"appointment {failure_id} has no warning letter in the process "
                                  "(not a failure to comply, or beyond the final warning)")
    else:
        step = next((s for s in warning_steps if s.done_on is None), None)
        if step is None:
            raise NotFoundError(f"case {case['reference']} has no warning letter due")
    appt = next(a for a in case.get("appointments", []) if a["id"] == step.failure.appointment)
    final = step.step == "final_warning"
    start = R.starts_at(appt)
    if step.failure.outcome == "failed_to_comply":
        what = (f"You came to your {R.kind_label(appt['kind']).lower()} on {_long_date(start.date())} at "
                f"{start:%H:%M} but did not comply with the requirements of your order.")
    else:
        what = (f"You did not attend your {R.kind_label(appt['kind']).lower()} on {_long_date(start.date())} at "
                f"{start:%H:%M}, and you have not given a reason we can accept.")
    if final:
        nxt = ("This is your final warning. If you fail to comply with your order again without a reason we "
               "can accept, we will report this to the court. The court can then change your order, add to it, "
               "or give you a different sentence.")
    else:
        left = len(policy.warning_steps) - policy.warning_steps.index(step.step) - 1
        nxt = (f"This is a warning. If it happens again you will receive {'a final warning' if left == 1 else 'a further warning'}. "
               "If you keep failing to comply we must report it to the court.")
    data = WarningLetterData(
        meta=_meta("warning_letter", case, for_individual, today), header=case_header(case),
        salutation=_salutation(case), step=R.STEPS[step.step], final=final,
        failure_when=f"{_long_date(start.date())} at {start:%H:%M}", failure_kind=R.kind_label(appt["kind"]),
        failure_text=what, failures=sum(1 for f in pos.failures if f.day <= step.failure.day),
        next_text=nxt, contact=_contact(case), large_type=large_type)
    return data, step


def compliance_data(case: dict[str, Any], policy: R.EnforcementPolicy, add_working_days: Any, *,
                    for_individual: bool, today: dt.date, since: dt.date | None = None,
                    large_type: bool = False) -> ComplianceData:
    """Attendance since ``since`` (default: the last review, else the order date) up to today."""
    if since is None:
        held = [r["held_on"] for r in case.get("reviews", []) if r["held_on"] <= today.isoformat()]
        since_day = dt.date.fromisoformat(max(held)) if held else None
    else:
        since_day = since
    rows = []
    for a in R.attendance_since(case, since_day, today):
        start = R.starts_at(a)
        sens = a.get("sensitivity")
        rows.append((sens if a.get("notes") else None, AttendanceRow(
            date=fmt_date(a["date"]), time=f"{start:%H:%M}", kind=R.kind_label(a["kind"]),
            outcome=R.outcome_label(a.get("outcome"), short=True) or "No outcome yet",
            failure=a.get("outcome") in R.FAILURE_OUTCOMES,
            notes=(a.get("notes") or "") + (f" Reason: {a['absence_reason']}" if a.get("absence_reason") else ""),
            not_for_disclosure=bool(a.get("notes")) and not disclosable(sens))))
    counts = R.attendance_counts(a for a in R.attendance_since(case, since_day, today))
    count_rows = tuple((R.OUTCOME_SHORT[k], counts[k]) for k in R.OUTCOME_SHORT) + (("No outcome yet",
                                                                                      counts["no_outcome"]),)
    steps = [(e.get("sensitivity") if e.get("details") else None,
              Entry(date=fmt_date(e["date"]), label=R.STEPS.get(e["step"], e["step"]),
                    text=(f"For the failure on {fmt_date(_appt_date(case, e.get('failure')))}. "
                          if e.get("failure") else "") + (e.get("details") or ""),
                    not_for_disclosure=bool(e.get("details")) and not disclosable(e.get("sensitivity"))))
             for e in sorted(case.get("enforcement", []), key=lambda e: e["date"])]
    pos = R.case_position(case, policy, add_working_days, today)
    return ComplianceData(
        meta=_meta("compliance", case, for_individual, today), header=case_header(case),
        period_from=fmt_date(since_day) if since_day else fmt_date(case["order"]["imposed_on"]),
        period_to=fmt_date(today), rows=_redact_rows(rows, for_individual), counts=count_rows,
        steps=redact(steps, for_individual), position=pos.summary(), large_type=large_type)


def _appt_date(case: dict[str, Any], appt_id: str | None) -> str | None:
    return next((a["date"] for a in case.get("appointments", []) if a["id"] == appt_id), None)


def _redact_rows(rows: Sequence[tuple[Any, AttendanceRow]], for_individual: bool
                 ) -> tuple[AttendanceRow | Withheld, ...]:
    """Attendance rows stay in the person's copy (their own attendance); only a row's
    not-for-disclosure notes are left out, with "Information withheld" in their place."""
    out: list[AttendanceRow | Withheld] = []
    for sensitivity, row in rows:
        if for_individual:
            notes = row.notes if disclosable(sensitivity) else "Information withheld"
            out.append(AttendanceRow(row.date, row.time, row.kind, row.outcome, row.failure, notes, False))
        else:
            out.append(row)
    return tuple(out)


# ---------------------------------------------------------------------------- PDF
def _scaled(b: Any, large: bool) -> None:
    """Large type: every style 1.5 times bigger (at least 14 pt body text)."""
    if not large:
        return
    for name, style in list(b.s.items()):
        b.s[name] = ParagraphStyle(name + "-large", parent=style, fontSize=style.fontSize * 1.5,
                                   leading=style.leading * 1.5)


def _letter_head(b: Any, d: Any) -> list[Flowable]:
    out: list[Flowable] = [b.p(escape(d.meta.title), "title"),
                           b.p(f"Case {escape(d.header.reference)} · {escape(d.meta.generated_on)}", "subtitle")]
    if not d.meta.for_individual:
        out.append(b.p("OFFICER'S COPY: for the case file. Print the copy for the individual separately.", "muted"))
    out += [Spacer(1, 6), b.p(escape(d.salutation) + ",", "body"), Spacer(1, 6)]
    return out


def _details_table(b: Any, pairs: Sequence[tuple[str, str]]) -> Table:
    from app.reports.pdf import CONTENT_W, HEAD_BG, RULE

    rows = [[b.p(escape(k), "label"), b.t(v or "Not recorded", "body")] for k, v in pairs]
    tbl = Table(rows, colWidths=[CONTENT_W * 0.3, CONTENT_W * 0.7])
    tbl.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, RULE), ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
                             ("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 5),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    return tbl


def appointment_letter_story(d: AppointmentLetterData) -> list[Flowable]:
    from app.reports.pdf import _Builder

    b = _Builder(d.meta)
    _scaled(b, d.large_type)
    out = _letter_head(b, d)
    out += [b.t("You have an appointment with the justice social work service as part of your "
                "Community Payback Order. Please come on time.", "body"), Spacer(1, 8)]
    out.append(_details_table(b, [("Date", d.when), ("Time", d.time), ("What it is", d.kind),
                                  ("Where", d.place), ("You will see", d.with_whom),
                                  ("Please bring", d.bring or "Nothing extra")]))
    out += [Spacer(1, 10), b.h1("If you cannot come"),
            b.t(f"Contact {d.contact} before the appointment and tell us why. If you are ill, we may ask "
                "for a note from your doctor. Missing an appointment without a good reason can lead to a "
                "warning, and then to your case going back to court.", "body"),
            Spacer(1, 10), b.t("Yours sincerely,", "body"), Spacer(1, 18), b.t(d.contact, "body"),
            b.t("Responsible officer", "muted")]
    return out


def warning_letter_story(d: WarningLetterData) -> list[Flowable]:
    from app.reports.pdf import _Builder

    b = _Builder(d.meta)
    _scaled(b, d.large_type)
    out = _letter_head(b, d)
    out += [b.h1(d.step), b.t(d.failure_text, "body"), Spacer(1, 6),
            _details_table(b, [("Appointment", f"{d.failure_kind}, {d.failure_when}"),
                               ("Warning", d.step),
                               ("Failures to comply so far", str(d.failures))]),
            Spacer(1, 8), b.h1("What happens next"), b.t(d.next_text, "body"), Spacer(1, 6),
            b.t(f"If there was a reason you could not attend that you have not told us about, contact {d.contact} "
                "as soon as possible.", "body"),
            Spacer(1, 10), b.t("Yours sincerely,", "body"), Spacer(1, 18), b.t(d.contact, "body"),
            b.t("Responsible officer", "muted")]
    return out


def compliance_story(d: ComplianceData) -> list[Flowable]:
    from app.reports.pdf import CONTENT_W, NFD_BG, WITHHELD_BG, _Builder

    b = _Builder(d.meta)
    _scaled(b, d.large_type)
    out: list[Flowable] = [*b.title_block(d.restricted), *b.case_details(d.header)]
    out += b.section("Position", b.t(d.position, "body"),
                     b.p(f"Period: {escape(d.period_from)} to {escape(d.period_to)}", "muted"))
    w = CONTENT_W
    rows: list[list[Any]] = [[b.p(h, "cellhead") for h in ("Date", "Time", "Appointment", "Outcome", "Notes")]]
    extra: list[tuple[Any, ...]] = []
    for r in d.rows:
        if isinstance(r, Withheld):
            continue
        n = len(rows)
        notes = b.nfd_label() + "<br/>" + escape(r.notes) if r.not_for_disclosure else escape(r.notes)
        if r.notes == "Information withheld":
            notes = f"<i>{escape(r.notes)}</i>"
            extra.append(("BACKGROUND", (4, n), (4, n), WITHHELD_BG))
        outcome = f"<b>{escape(r.outcome)}</b>" if r.failure else escape(r.outcome)
        rows.append([b.t(r.date, "cell"), b.t(r.time, "cell"), b.t(r.kind, "cell"), b.p(outcome, "cell"),
                     b.p(notes, "cell")])
        if r.not_for_disclosure:
            extra.append(("BACKGROUND", (0, n), (-1, n), NFD_BG))
    table: Flowable = (b.table(rows, [w * 0.13, w * 0.09, w * 0.22, w * 0.2, w * 0.36], extra=extra)
                       if len(rows) > 1 else b.p("<i>No appointments in the period.</i>", "muted"))
    out += b.section("Attendance", table)
    count_rows = [[b.p("Outcome", "cellhead"), b.p("Number", "cellhead")]] + [
        [b.t(k, "cell"), b.t(str(v), "cell")] for k, v in d.counts]
    out += b.section("Totals", b.table(count_rows, [w * 0.5, w * 0.2]))
    out += b.section("Warnings and breach steps", b.entries(d.steps, kind_header="Step", text_header="Details",
                                                             empty="None taken."))
    return out


def register() -> None:
    """Add the letters to the PDF layer's stories (app/reports/pdf.py knows nothing of them)."""
    from app.reports import pdf

    pdf.STORIES.setdefault(AppointmentLetterData, appointment_letter_story)
    pdf.STORIES.setdefault(WarningLetterData, warning_letter_story)
    pdf.STORIES.setdefault(ComplianceData, compliance_story)
