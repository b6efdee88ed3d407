"""One function per user action.  Each schedules its store work on the worker thread
(``ctx.tasks``) and reports back on the GUI thread through ``on_done`` / ``on_error``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.models import casework, search
from app.models.calendar import WorkingCalendar
from app.models.deadlines import (
    CaseWarning,
    DeadlineConfig,
    DueItem,
    UpwProgress,
    case_due,
    caseload_due,
    upw_progress,
)
from app.models.store import Store
from app.ui.context import AppContext
from app.ui.table_models import CaseloadRow, build_caseload_rows

Done = Callable[[Any], None] | None
Failed = Callable[[BaseException], None] | None

STORE_SETTING_KEYS = ["officer_name", "intensity_weeks", "report_days_before", "shared_drive_folder"]


@dataclass(frozen=True)
class CaseData:
    """Everything the case workspace shows, loaded in one go on the worker."""

    case: dict[str, Any]
    due: list[DueItem]
    warnings: list[CaseWarning]
    upw: UpwProgress | None
    plan_versions: list[dict[str, Any]]


# ------------------------------------------------------------------ store lifecycle
def open_store(ctx: AppContext, path: Path, passphrase: str, on_done: Done, on_error: Failed) -> None:
    clock = ctx.clock
    ctx.tasks.run(lambda: Store.open(path, passphrase, clock=clock), on_done, on_error)


def create_store(ctx: AppContext, path: Path, passphrase: str, on_done: Done, on_error: Failed) -> None:
    clock = ctx.clock
    ctx.tasks.run(lambda: Store.create(path, passphrase, clock=clock), on_done, on_error)


def close_store(ctx: AppContext, on_done: Done = None) -> None:
    """Drop the store from the context at once (nothing new can reach it) and close it on the worker."""
    store, ctx.store = ctx.store, None
    ctx.tasks.cancel_pending()
    if store is not None:
        ctx.tasks.run(store.close, on_done, lambda exc: None)
    elif on_done is not None:
        on_done(None)


# ------------------------------------------------------------------ reading
def load_caseload(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    today = ctx.clock.today()

    def work() -> list[CaseloadRow]:
        summaries = store.list_cases()
        due, warnings = caseload_due(store, today)
        return build_caseload_rows(summaries, due, warnings, today)

    ctx.tasks.run(work, on_done, on_error)


def search_cases(ctx: AppContext, text: str, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    include = not ctx.privacy
    ctx.tasks.run(lambda: search.search_cases(store, text, include_restricted=include), on_done, on_error)


def load_case(ctx: AppContext, ref: str, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    today = ctx.clock.today()

    def work() -> CaseData:
        case = store.get_case(ref)
        due, warnings = case_due(case, today, WorkingCalendar.for_store(store), DeadlineConfig.for_store(store))
        return CaseData(case, due, warnings, upw_progress(case, today), store.plan_versions(ref))

    ctx.tasks.run(work, on_done, on_error)


# ------------------------------------------------------------------ editing (each one transaction)
def create_case(ctx: AppContext, data: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: store.create_case(data), on_done, on_error)


def update_case(ctx: AppContext, ref: str, changes: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: store.update_case(ref, changes), on_done, on_error)


def add_item(ctx: AppContext, ref: str, key: str, item: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: store.add_item(ref, key, item), on_done, on_error)


def update_item(ctx: AppContext, ref: str, key: str, index: int, item: dict[str, Any], on_done: Done,
                on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: store.update_item(ref, key, index, item), on_done, on_error)


def delete_item(ctx: AppContext, ref: str, key: str, index: int, on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: store.delete_item(ref, key, index), on_done, on_error)


def add_note(ctx: AppContext, ref: str, note: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    add_item(ctx, ref, "notes", note, on_done, on_error)


def record_review(ctx: AppContext, ref: str, review: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    """Add the review and snapshot the plan version in one transaction."""
    store = ctx.require_store()
    ctx.tasks.run(lambda: casework.record_review(store, ref, review), on_done, on_error)


def save_plan_version(ctx: AppContext, ref: str, reason: str | None, on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: store.save_plan_version(ref, reason), on_done, on_error)


def load_store_settings(ctx: AppContext, on_done: Done, on_error: Failed = None) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: casework.get_settings(store, STORE_SETTING_KEYS), on_done, on_error)


def save_store_settings(ctx: AppContext, values: dict[str, Any], on_done: Done, on_error: Failed) -> None:
    store = ctx.require_store()
    ctx.tasks.run(lambda: casework.set_settings(store, values), on_done, on_error)


# ------------------------------------------------------------------ hooks wired by other engineers
def export_pdf(ctx: AppContext, ref: str, document: str, copy: str) -> None:
    """Export a PDF: document is 'contract' | 'review' | 'plan'; copy is 'officer' | 'individual'.
    HOOK: the documents engineer wires this to app.reports."""
    ctx.prompts.info("PDF export is not available yet in this build.")


def sync_now(ctx: AppContext) -> None:
    """Synchronise with the shared drive.  HOOK: the sync engineer wires this."""
    ctx.prompts.info("Sync is not available yet in this build.")
