"""One call for the CLI, the GUI and the sync outbox: store + case -> finished PDF bytes.

    pdf = render_document(store, "review", "CPO-2026-0001", for_individual=True)
    name = suggested_filename("review", "CPO-2026-0001", for_individual=True, review_date=day)
    record_export(store, "review", "CPO-2026-0001", for_individual=True)   # when it leaves the app

Rendering alone records nothing (a preview is not an export); call ``record_export`` when the
document is saved, printed or queued for the shared drive.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from app.models.errors import NotFoundError, ValidationError
from app.reports import data as D

if TYPE_CHECKING:
    from app.models.store import Store

KINDS = ("contract", "review", "plan", "appointment_letter", "warning_letter", "compliance")
LETTERS = ("appointment_letter", "warning_letter", "compliance")
SIGNATURE_DOCUMENT = "contract"
SIGNATURE_ROLES = ("individual", "officer")


def build_report_data(store: Store, kind: str, ref: str, *, review_date: dt.date | None = None,
                      for_individual: bool = False, appointment: str | None = None, large_type: bool = False,
                      since: dt.date | None = None) -> Any:
    """Read the case and turn it into redacted report data (raises NotFoundError).

    Letters: ``appointment`` names the appointment (appointment letter: default the next one
    booked; warning letter: the failure, default the next warning due); ``large_type`` for the
    large-type version; ``since`` starts the compliance summary (default: the last review)."""
    if kind not in KINDS:
        raise ValidationError(f"unknown document {kind!r}: choose {', '.join(KINDS)}")
    case = store.get_case(ref)
    today = store.clock.today()
    if kind in LETTERS:
        from app.models.rules.calendar import WorkingCalendar
        from app.reports import letters as L

        L.register()
        if kind == "appointment_letter":
            return L.appointment_letter_data(case, appointment, for_individual=for_individual, today=today,
                                             large_type=large_type)
        cal = WorkingCalendar.for_store(store)
        policy = store.appointments.policy()
        if kind == "warning_letter":
            return L.warning_letter_data(case, policy, cal.add_working_days, appointment,
                                         for_individual=for_individual, today=today, large_type=large_type)[0]
        return L.compliance_data(case, policy, cal.add_working_days, for_individual=for_individual, today=today,
                                 since=since, large_type=large_type)
    if kind == "contract":
        if case.get("contract") is None:  # before reading signatures
            raise NotFoundError(f"case {ref} has no engagement contract")
        signatures = {role: store.get_signature(ref, SIGNATURE_DOCUMENT, role) for role in SIGNATURE_ROLES}
        return D.contract_data(case, for_individual=for_individual, today=today, signatures=signatures)
    if kind == "review":
        return D.review_data(case, for_individual=for_individual, today=today, review_date=review_date)
    return D.plan_data(case, for_individual=for_individual, today=today)


def render_document(store: Store, kind: str, ref: str, *, review_date: dt.date | None = None,
                    for_individual: bool = False, password: str | None = None, appointment: str | None = None,
                    large_type: bool = False, since: dt.date | None = None) -> bytes:
    """The finished PDF (AES-256 protected when a password is given)."""
    from app.reports.pdf import (  # reportlab: loaded with the first document, not at start
        encrypt_pdf,
        render_pdf,
    )

    report = build_report_data(store, kind, ref, review_date=review_date, for_individual=for_individual,
                               appointment=appointment, large_type=large_type, since=since)
    pdf = render_pdf(report)
    if password:
        pdf = encrypt_pdf(pdf, password)
    return pdf


def record_export(store: Store, kind: str, ref: str, *, for_individual: bool, appointment: str | None = None
                  ) -> Any:
    """Audit that a document left the app (no case content in the event).

    A warning letter that leaves the app (saved, printed or queued) is the warning: the step it
    answers is recorded as taken today, which meets its due item.  Returns the Changes then."""
    store.record_event("export", kind, ref, "for-individual" if for_individual else "officer")
    if kind != "warning_letter":
        return None
    from app.models.rules.calendar import WorkingCalendar
    from app.reports import letters as L

    case = store.get_case(ref)
    cal = WorkingCalendar.for_store(store)
    _data, step = L.warning_letter_data(case, store.appointments.policy(), cal.add_working_days, appointment,
                                        for_individual=for_individual, today=store.clock.today())
    if step.done_on is not None:
        return None  # a copy of a letter already sent
    return store.appointments.record_step(ref, step.step, failure=step.failure.appointment)


def suggested_filename(kind: str, ref: str, *, for_individual: bool = False,
                       review_date: dt.date | None = None) -> str:
    """A file name with the case reference but never the person's name."""
    safe_ref = re.sub(r"[^A-Za-z0-9._-]+", "_", ref).strip("._") or "case"
    part = {"contract": "engagement-contract", "review": "review-summary", "plan": "case-management-plan",
            "appointment_letter": "appointment-letter", "warning_letter": "warning-letter",
            "compliance": "compliance-summary"}[kind]
    if kind == "review" and review_date is not None:
        part += f"_{review_date.isoformat()}"
    audience = "individual-copy" if for_individual else "officer-copy"
    return f"{safe_ref}_{part}_{audience}.pdf"
