"""The caseload model over 5,000 plain rows (no store), filters, sort; search core helpers."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from app.models.rules.deadlines import DueItem
from app.models.store import CaseSummary, search
from app.settings import Settings
from app.ui.caseload import CaseloadPage
from app.ui.context import AppContext
from app.ui.table_models import build_caseload_rows
from app.ui.tasks import Tasks
from tests.ui.conftest import TODAY, FakePrompts


def _summaries(n: int) -> tuple[list[CaseSummary], list[DueItem]]:
    rows, due = [], []
    for i in range(n):
        ref = f"CPO-2026-{i:05d}"
        rows.append(CaseSummary(
            reference=ref, given_names=["Màiri", "Ciarán", "Eilidh"][i % 3], family_name=f"Family{i}",
            preferred_name=None, date_of_birth=dt.date(2010 if i % 50 == 0 else 1990, 1, 1), court="Court",
            imposed_on=dt.date(2026, 1, 1), ends_on=None, status="active", responsible_officer=None,
            requirements=("offender_supervision",), open_flags=("domestic_abuse",) if i % 10 == 0 else (),
            supervision_intensity="medium"))
        due.append(DueItem(ref, "plan_review", TODAY + dt.timedelta(days=i % 30 - 5),
                           "overdue" if i % 30 < 5 else "open", None, "Plan review"))
    return rows, due


def test_caseload_with_5000_rows(qtbot: Any) -> None:
    summaries, due = _summaries(5000)
    rows = build_caseload_rows(summaries, due, [], TODAY)
    from app.models.rules.clock import Clock

    ctx = AppContext(tasks=Tasks(), prompts=FakePrompts(), settings=Settings(), clock=Clock.fixed(TODAY))  # type: ignore[arg-type]
    page = CaseloadPage(ctx)
    qtbot.addWidget(page)
    page.resize(1300, 700)
    page.show()
    start = time.perf_counter()
    page.set_rows(rows)
    qtbot.wait(10)
    assert page.model.rowCount() == 5000
    assert time.perf_counter() - start < 5  # generous: only to catch something pathological
    assert page.view.verticalHeader().defaultSectionSize() > 0
    page.filters["overdue"].setChecked(True)
    assert page.model.rowCount() == sum(1 for i in range(5000) if i % 30 < 5)
    page.filters["overdue"].setChecked(False)
    page.filters["u18"].setChecked(True)
    assert page.model.rowCount() == 100
    page.filters["u18"].setChecked(False)
    page.filters["da"].setChecked(True)
    assert page.model.rowCount() == 500
    page.filters["da"].setChecked(False)
    page.filters["week"].setChecked(True)
    assert all(r.next_due_on <= TODAY + dt.timedelta(days=7) for r in page.model.rows)
    page.filters["week"].setChecked(False)
    page.view.sortByColumn(4, page.view.horizontalHeader().sortIndicatorOrder().AscendingOrder)
    assert page.model.rows[0].overdue == 1
    badges = page.model.data(page.model.index(0, 5))
    assert isinstance(badges, str)
    ctx.tasks.stop()


def test_fts_query_is_sanitised() -> None:
    assert search.fts_query("") is None
    assert search.fts_query('  "AND ( *') == '"and"*'
    assert search.fts_query("O'Neill rent") == '"neill"* "rent"*'  # single letters: name match only
    assert search.fts_query("Màiri") == '"mairi"*'


def test_search_cases_in_store(loaded_store: Any) -> None:
    assert search.search_cases(loaded_store, "macaskill") == ["CPO-2026-0001"]
    assert search.search_cases(loaded_store, "explained") == ["CPO-2026-0001"]  # note text
    assert search.search_cases(loaded_store, "expl") == ["CPO-2026-0001"]  # prefix
    assert search.search_cases(loaded_store, "zzzz") == []
    assert search.search_cases(loaded_store, "NEAR(") == []
