"""One function per user action.  Each schedules its store work on the worker thread
(``ctx.tasks``) and reports back on the GUI thread through ``on_done`` / ``on_error``.

Every operation that changes the store then emits ``ctx.events.changed(Changes)`` with what its
store call changed (the ``Changes`` the store returns, or, while a store method still returns
something else, the change-set this module works out from the call).  The caseload and the
workspace redraw only what it names; nothing reloads everything after a save."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.atomic import write_bytes_atomic
from app.models.errors import NotFoundError
from app.models.rules.appointments import Position, case_position
from app.models.rules.calendar import WorkingCalendar
from app.models.rules.deadlines import (
    CaseWarning,
    DeadlineConfig,
    DueItem,
    UpwProgress,
    case_due,
    caseload_due,
    upw_progress,
)
from app.models.store import (
    CaseSummary,
    Changes,
    Store,
    cases,
    custody,
    drafts,
    search,
    security,
    store_config,
)
from app.reports.render import (
    SIGNATURE_DOCUMENT,
    record_export,
    render_document,
    suggested_filename,
)
from app.ui.context import AppContext
from app.ui.table_models import CaseloadRow, build_caseload_rows, first_screen_refs

Done = Callable[[Any], None] | None
Failed = Callable[[BaseException], None] | None

STORE_SETTING_KEYS = ["officer_name", "intensity_weeks", "report_days_before", "shared_drive_folder",
                      "recovery_recipient", "team_manager"]


@dataclass(frozen=True)
class CaseData:
    """Everything the case workspace shows, loaded in one go on the worker."""

    case: dict[str, Any]
    due: list[DueItem]
    warnings: list[CaseWarning]
    upw: UpwProgress | None
    plan_versions: list[dict[str, Any]]
    signed_on: dict[str, dt.date | None] = field(default_factory=dict)  # contract signatures by role
    enforcement: Position | None = None  # where the person is in the warning/breach process
    custody: Any = None  # custody.CustodyState when the case travelled; ``.read_only`` while handed over


# ------------------------------------------------------------------ store lifecycle
def open_store(ctx: AppContext, path: Path, passphrase: str, on_done: Done, on_error: Failed) -> None:
    clock = ctx.clock
    ctx.tasks.run(lambda: Store.open(path, passphrase, clock=clock), on_done, on_error)


def create_store(ctx: AppContext, path: Path, passphrase: str, on_done: Done, on_error: Failed,
                 officer: str | None = None) -> None:
    """Create the store and give it its officer identity (id, keys, display name) at once."""
    clock = ctx.clock

    def work() -> Store:
        from app.team import identity

        store = Store.create(path, passphrase, clock=clock)
        try:
            identity.ensure(store, officer or None)
        except BaseException:
            store.close()
            raise
        return store

    ctx.tasks.run(work, on_done, on_error)


def close_store(ctx: AppContext, on_done: Done = None) -> None:
    """Drop the store from the context at once (nothing new can reach it) and close it on the worker."""
    store, ctx.store = ctx.store, None
    ctx.tasks.cancel_pending()
    if store is not None:
        ctx.tasks.run(store.close, on_done, lambda exc: None)
    elif on_done is not None:
        on_done(None)


# ------------------------------------------------------------------ reading
def load_caseload(ctx: AppContext, on_done: Done, on_error: Failed = None, on_rows: Done = None,
                  first_screen: int | None = None) -> None:
    """Load the caseload in two steps on the worker, so the first screen never waits for the
    whole caseload's timescales: the rows first (names, requirements, flags; ``on_rows`` gets
    ``(rows, total)``), then every row with due dates and overdue counts (``on_done``).

    ``first_screen=n``: the first step reads only the first ``n`` rows in the default order
    (by name), chosen from every case's name alone, and says how many cases there are."""
    store = ctx.require_store()
    today = ctx.clock.today()

    def rows_only() -> tuple[list[Any] | None, list[CaseloadRow], int]:
        if first_screen:
            names = store.case_names()
            page = store.list_cases(refs=first_screen_refs(names, first_screen))
            return None, build_caseload_rows(page, (), (), today), len(names)
        summaries = store.list_cases()
        return summaries, build_caseload_rows(summaries, (), (), today), len(summaries)

    def with_due(summaries: list[Any] | None) -> list[CaseloadRow]:
        if summaries is None:
            summaries = store.list_cases()
        due, warnings = caseload_due(store, today)
        return build_caseload_rows(summaries, due, warnings, today)

    def got_rows(result: tuple[list[Any] | None, list[CaseloadRow], int]) -> None:
        summaries, rows, total = result
        if ctx.store is not store:  # locked meanwhile
            return
        if on_rows is not None:
            on_rows((rows, total))
        ctx.tasks.run(lambda: with_due(summaries), on_done, on_error)

    ctx.tasks.run(rows_only, got_rows, on_error)


def load_caseload_due(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    """Every row again with its due dates, in one step (deadline settings or the calendar changed)."""
    store = ctx.require_store()
    today = ctx.clock.today()

    def work() -> list[CaseloadRow]:
        due, warnings = caseload_due(store, today)
        return mark_custody(store, build_caseload_rows(store.list_cases(), due, warnings, today))

    ctx.tasks.run(work, on_done, on_error)


def handover_text(state: Any) -> str:
    """The caseload's Handover column for a case's custody (empty while it is held here)."""
    if state is None or not state.read_only:
        return ""
    if state.state == "pending":
        return f"Pending to {state.who()}" + (" (cancelling)" if state.cancel_requested else "")
    if state.state == "accepting":
        return f"Accepting from {state.who()}"
    return f"Transferred to {state.who()}"


def mark_custody(store: Store, rows: list[CaseloadRow], held: dict[str, Any] | None = None) -> list[CaseloadRow]:
    """Fill each row's Handover text (one read of the custody table, on the worker)."""
    states = custody.states(store) if held is None else held
    if states:
        for r in rows:
            r.handover = handover_text(states.get(r.reference))
    return rows


def summary_of(case: dict[str, Any]) -> CaseSummary:
    """The caseload summary of one bundle-format case (what ``Store.list_cases`` gives for it)."""
    ind, order = case["individual"], case["order"]
    day = dt.date.fromisoformat
    return CaseSummary(
        reference=case["reference"], given_names=ind["given_names"], family_name=ind["family_name"],
        preferred_name=ind.get("preferred_name"), date_of_birth=day(ind["date_of_birth"]), court=order["court"],
        imposed_on=day(order["imposed_on"]), ends_on=day(order["ends_on"]) if order.get("ends_on") else None,
        status=order.get("status"), responsible_officer=order.get("responsible_officer"),
        requirements=tuple(r["kind"] for r in order.get("requirements", [])),
        open_flags=tuple(f["kind"] for f in case.get("flags", []) if not f.get("closed_on")),
        supervision_intensity=case.get("supervision_intensity"),
    )


def load_caseload_rows(ctx: AppContext, refs: set[str], on_done: Done, on_error: Failed = None) -> None:
    """Caseload rows, with due dates, of just the cases ``refs`` (one ``case_due`` each); on_done
    gets ``(rows, gone)``: the rows, and the references no longer in the store."""
    store = ctx.require_store()
    today = ctx.clock.today()

    def work() -> tuple[list[CaseloadRow], set[str]]:
        cal, config = WorkingCalendar.for_store(store), DeadlineConfig.for_store(store)
        rows: list[CaseloadRow] = []
        gone: set[str] = set()
        held = custody.states(store)
        for ref in sorted(refs):
            state = held.get(ref)
            if state is not None and state.state in ("transferred", "gone"):
                gone.add(ref)  # off the caseload, as list_cases decides
                continue
            try:
                case = store.get_case(ref)
            except NotFoundError:
                gone.add(ref)
                continue
            due, warnings = case_due(case, today, cal, config)
            rows.extend(build_caseload_rows([summary_of(case)], due, warnings, today))
        return mark_custody(store, rows, held), gone

    ctx.tasks.run(work, on_done, on_error)


def search_cases(ctx: AppContext, text: str, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    include = not ctx.privacy
    ctx.tasks.run(lambda: search.search_cases(store, text, include_restricted=include), on_done, on_error)


def search_caseload(ctx: AppContext, text: str, on_done: Done, on_error: Failed = None) -> None:
    """The matching cases and the notes that matched (a search.SearchResult).  In privacy mode
    restricted notes are not searched and no note text comes back."""
    store = ctx.require_store()
    private = ctx.privacy
    ctx.tasks.run(lambda: search.search_caseload(store, text, include_restricted=not private,
                                                 snippets=not private), on_done, on_error)


def load_case(ctx: AppContext, ref: str, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    today = ctx.clock.today()

    def work() -> CaseData:
        view = store.cases.view(ref, SIGNATURE_DOCUMENT)  # one transaction
        case, config = view.case, view.config
        due, warnings = case_due(case, today, view.calendar, config)
        position = case_position(case, config.enforcement, view.calendar.add_working_days, today)
        return CaseData(case, due, warnings, upw_progress(case, today, config), view.plan_versions,
                        view.signed_on, position, view.custody)

    ctx.tasks.run(work, on_done, on_error)


# ------------------------------------------------------------------ editing (each one transaction)
def changes_of(result: Any) -> Changes | None:
    """The change-set a store method returned: a ``Changes``, or a result with ``.changes``."""
    if isinstance(result, Changes):
        return result
    found = getattr(result, "changes", None)
    return found if isinstance(found, Changes) else None


def mutate(ctx: AppContext, work: Callable[[], Any], made: Callable[[Any], Changes], on_done: Done,
            on_error: Failed) -> None:
    """Run ``work`` on the worker; on the GUI thread call ``on_done(result)``, then emit
    ``ctx.events.changed`` with the store's change-set (``made(result)`` when it gave none)."""
    events = ctx.events

    def done(result: Any) -> None:
        changes = changes_of(result)
        if changes is None:
            changes = made(result)
        try:
            if on_done is not None:
                on_done(result)
        finally:
            if not changes.empty:
                events.changed.emit(changes)

    ctx.tasks.run(work, done, on_error)


def create_case(ctx: AppContext, data: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    mutate(ctx, lambda: store.create_case(data), lambda ref: Changes(caseload=True).case(str(ref)),
            on_done, on_error)


def update_case(ctx: AppContext, ref: str, changes: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    mutate(ctx, lambda: store.update_case(ref, changes), lambda _: Changes().case(ref, *changes),
            on_done, on_error)


def add_item(ctx: AppContext, ref: str, key: str, item: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    mutate(ctx, lambda: store.add_item(ref, key, item), lambda _: Changes().case(ref, key), on_done, on_error)


def update_item(ctx: AppContext, ref: str, key: str, index: int, item: dict[str, Any], on_done: Done,
                on_error: Failed) -> None:
    store = ctx.require_store()
    mutate(ctx, lambda: store.update_item(ref, key, index, item), lambda _: Changes().case(ref, key),
            on_done, on_error)


def delete_item(ctx: AppContext, ref: str, key: str, index: int, on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    mutate(ctx, lambda: store.delete_item(ref, key, index), lambda _: Changes().case(ref, key), on_done, on_error)


def add_note(ctx: AppContext, ref: str, note: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    add_item(ctx, ref, "notes", note, on_done, on_error)


def record_review(ctx: AppContext, ref: str, review: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    """Add the review and snapshot the plan version in one transaction."""
    store = ctx.require_store()
    mutate(ctx, lambda: store.plans.record_review(ref, review),
           lambda _: Changes().case(ref, "reviews", "plan_versions"), on_done, on_error)


def save_plan_version(ctx: AppContext, ref: str, reason: str | None, on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    mutate(ctx, lambda: store.save_plan_version(ref, reason), lambda _: Changes().case(ref, "plan_versions"),
            on_done, on_error)


def load_store_settings(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    """The store settings, plus ``"local_holidays"``: [(date, name), ...]."""
    store = ctx.require_store()

    def work() -> dict[str, Any]:
        from app.team import identity

        values = store.settings.get_many(STORE_SETTING_KEYS)
        values["local_holidays"] = store.local_holidays()
        values["identity"] = identity.ensure(store).as_dict()
        return values

    ctx.tasks.run(work, on_done, on_error)


def save_store_settings(ctx: AppContext, values: dict[str, Any], on_done: Done, on_error: Failed,
                        holidays: list[tuple[dt.date, str]] | None = None) -> None:
    """Settings (and, when given, the full list of local holidays) in one transaction."""
    store = ctx.require_store()
    # the keys saved (changed or not) and the calendar when given: the screens redraw as they did
    mutate(ctx, lambda: store_config.save_store_config(store, values, holidays)
           | Changes(settings=set(values), calendar=holidays is not None), lambda _: Changes(), on_done, on_error)


# ------------------------------------------------------------------ documents (PDF)
def render_pdf(ctx: AppContext, ref: str, document: str, for_individual: bool, review_date: dt.date | None,
               on_done: Done, on_error: Failed, **letter: Any) -> None:
    """Render on the worker; nothing is recorded (a preview is not an export).  ``letter``:
    ``appointment`` and ``large_type`` for the letters (app/reports/render.py)."""
    store = ctx.require_store()
    ctx.tasks.run(lambda: render_document(store, document, ref, review_date=review_date,
                                          for_individual=for_individual, **letter), on_done, on_error)


def save_pdf(ctx: AppContext, ref: str, document: str, for_individual: bool, pdf: bytes, path: Path,
             password: str | None, on_done: Done, on_error: Failed, appointment: str | None = None) -> None:
    """Write the PDF atomically (AES-256 when a password is given), then audit the export."""
    store = ctx.require_store()

    made: list[Changes] = []  # a warning letter leaving the app records the warning (a change-set)

    def work() -> Path:
        from app.reports.pdf import encrypt_pdf  # reportlab: loaded on the worker, not at start

        data = encrypt_pdf(pdf, password) if password else pdf
        write_bytes_atomic(path, data)
        made.append(record_export(store, document, ref, for_individual=for_individual, appointment=appointment)
                    or Changes())
        return path

    mutate(ctx, work, lambda _: made[0] if made else Changes(), on_done, on_error)


def queue_pdf(ctx: AppContext, ref: str, document: str, for_individual: bool, review_date: dt.date | None,
              pdf: bytes, password: str | None, on_done: Done, on_error: Failed,
              appointment: str | None = None) -> None:
    """Queue the PDF in the store's outbox for the team's shared drive, then audit the export.
    Returns (on_done) the file name it will be delivered as."""
    store = ctx.require_store()

    made: list[Changes] = []

    def work() -> str:
        from app.reports.pdf import encrypt_pdf

        data = encrypt_pdf(pdf, password) if password else pdf
        name = suggested_filename(document, ref, for_individual=for_individual, review_date=review_date)
        shared = store.documents.share(name, document, ref, data, lambda: record_export(
            store, document, ref, for_individual=for_individual, appointment=appointment))
        made.append(shared.changes)
        return name

    mutate(ctx, work, lambda _: made[0] if made else Changes(), on_done, on_error)


def record_printed(ctx: AppContext, ref: str, document: str, for_individual: bool,
                   on_done: Done = None, on_error: Failed = None, appointment: str | None = None) -> None:
    store = ctx.require_store()
    mutate(ctx, lambda: record_export(store, document, ref, for_individual=for_individual,
                                       appointment=appointment), lambda _: Changes(), on_done, on_error)


def save_signatures(ctx: AppContext, ref: str, signatures: dict[str, tuple[bytes, dt.date]], on_done: Done,
                    on_error: Failed) -> None:
    """signatures: role ('individual' | 'officer') -> (PNG bytes, signed on)."""
    store = ctx.require_store()

    mutate(ctx, lambda: store.signatures.save_all(ref, SIGNATURE_DOCUMENT, signatures),
           lambda _: Changes().case(ref, "signatures", "contract"), on_done, on_error)


# ------------------------------------------------------------------ security
def record_nfd_view(ctx: AppContext, ref: str, what: str) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: security.record_nfd_view(store, ref, what), None, lambda exc: None)


# ------------------------------------------------------------------ case lifecycle
def delete_case(ctx: AppContext, ref: str, on_done: Done, on_error: Failed) -> None:
    """Take a verified backup, then delete the case; on_done(backup path)."""
    store = ctx.require_store()

    def work() -> Path:
        store.get_case(ref)  # a missing case fails before a backup is taken
        backup = security.rolling_backup(store, "before-delete")
        cases.delete(store, ref)
        return backup

    ctx.tasks.run(work, on_done, on_error)


def archive_case(ctx: AppContext, ref: str, archived: bool, on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: cases.archive(store, ref, archived), on_done, on_error)


def rename_case(ctx: AppContext, old: str, new: str, on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: cases.rename(store, old, new), on_done, on_error)


def archived_cases(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: cases.archived_references(store), on_done, on_error)


def first_run_facts(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    """on_done((number of cases, officer name or None)): is this a new, empty store?"""
    store = ctx.require_store()
    ctx.tasks.run(lambda: (store.count_cases(), store.settings.get("officer_name")), on_done, on_error)


def save_drafts(ctx: AppContext, kept: list[drafts.Draft], on_done: Done = None, on_error: Failed = None) -> None:
    """Keep unsaved forms encrypted in the store (before an automatic lock closes it)."""
    store = ctx.require_store()
    ctx.tasks.run(lambda: drafts.save(store, kept), on_done, on_error)


def take_drafts(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: drafts.take(store), on_done, on_error)


def check_passphrase(ctx: AppContext, given: str, on_done: Done, on_error: Failed = None) -> None:
    """on_done(True/False): is ``given`` the open store's passphrase (leaving privacy mode)."""
    store = ctx.require_store()
    ctx.tasks.run(lambda: security.passphrase_matches(store, given), on_done, on_error)


def change_passphrase(ctx: AppContext, old: str, new: str, on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: security.change_passphrase(store, old, new), on_done, on_error)


# ------------------------------------------------------------------ export and sync entry points
def sync_now(ctx: AppContext) -> None:
    """Deliver every queued export to the shared drive now (ignoring the retry back-off)."""
    if ctx.sync is None:
        ctx.prompts.info("Unlock a store first: its queued exports are kept inside it.")
        return
    ctx.sync.sync_now()


# ------------------------------------------------------------------ off-laptop copies (issue 14)
def copy_due(ctx: AppContext, on_done: Callable[[Any], None]) -> None:
    """``on_done((due, problem))``: due when the record changed since the last off-laptop copy
    and the shared drive folder is reachable now; problem is why a due copy cannot go."""
    store = ctx.require_store()

    def work() -> tuple[bool, str | None]:
        from app.team import copies
        from app.team.delivery import NoFolderError, configured_folder, folder_problem

        if not copies.changed_since_last(store):
            return False, None
        try:
            problem = folder_problem(configured_folder(store))
        except NoFolderError as exc:
            return False, str(exc)
        return problem is None, problem

    ctx.tasks.run(work, on_done, lambda exc: on_done((False, str(exc))))


def take_copy(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    """Deliver an off-laptop copy now if the record changed since the last one."""
    store = ctx.require_store()

    def work() -> Any:
        from app.team import copies

        return copies.take_copy(store)

    ctx.tasks.run(work, on_done, on_error)


def restore_from_shared(ctx: AppContext, new: Path, folder: Path, officer: str | None, on_done: Done,
                        on_error: Failed, *, passphrase: str | None = None, identity_file: Path | None = None,
                        new_passphrase: str | None = None) -> None:
    """Restore the newest good copy on the shared drive to the new file ``new`` (on the worker)."""
    clock = ctx.clock

    def work() -> Any:
        from app.team import copies

        identities = None if identity_file is None else copies.load_identity_file(identity_file)
        return copies.restore_from_shared(new, folder, officer=officer, passphrase=passphrase,
                                          recovery_identities=identities, new_passphrase=new_passphrase,
                                          clock=clock)

    ctx.tasks.run(work, on_done, on_error)


def officers_on_drive(ctx: AppContext, folder: Path, on_done: Done, on_error: Failed) -> None:
    def work() -> list[str]:
        from app.team import copies
        from app.team.delivery import SyncError, folder_problem

        problem = folder_problem(folder)
        if problem is not None:
            raise SyncError(problem)
        return copies.officers_on_drive(folder)

    ctx.tasks.run(work, on_done, on_error)
