"""The Team page (issue 16) over real stores sharing one folder: rows, filters, sorting, the
read-only summary, charts, problems, a slow folder that never blocks the window, handover
requests reaching the officer, and the page in the main window."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.models.rules.clock import Clock
from app.models.rules.deadlines import caseload_due
from app.models.store import Store
from app.settings import Settings
from app.team import cards, identity, requests, status
from app.team.delivery import FileOps
from app.ui.context import AppContext
from app.ui.tasks import Tasks
from app.ui.team_page import TeamPage
from tests.team.test_status import MARKERS, PW, TODAY, make_team
from tests.ui.conftest import FakePrompts, all_texts


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    yield from make_team(tmp_path, monkeypatch)


def _ctx(store: Store) -> AppContext:
    ctx = AppContext(tasks=Tasks(), prompts=FakePrompts(), settings=Settings(), clock=Clock.fixed(TODAY))
    ctx.store = store
    return ctx


def _page(qtbot: Any, ctx: AppContext, share: Path, ops: FileOps | None = None) -> TeamPage:
    page = TeamPage(ctx, folder=share, ops=ops)
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    return page


def _load(qtbot: Any, page: TeamPage) -> status.TeamView:
    with qtbot.waitSignal(page.loaded, timeout=20000) as blocker:
        page.reload()
    assert isinstance(blocker.args[0], status.TeamView)
    return blocker.args[0]


def _publish_all(team: dict[str, Any]) -> dict[str, list[Any]]:
    """Both officers publish; returns each officer's own due items (the caseload_due path)."""
    own = {}
    for key in ("a", "b"):
        store = team["stores"][key]
        assert status.publish_status(store, team["share"]).status == "published"
        own[team["ids"][key]] = caseload_due(store, TODAY)[0]
    return own


def test_rows_filters_sorting_summary_and_charts(qtbot: Any, team: dict[str, Any]) -> None:
    own = _publish_all(team)
    ctx = _ctx(team["stores"]["m"])
    page = _page(qtbot, ctx, team["share"])
    view = _load(qtbot, page)
    ids = team["ids"]

    assert page.officer_model.rowCount() == 2 and page.case_model.rowCount() == 6
    for o in page.officer_model.rows:
        items = own[o.officer_id]
        assert o.cases == 3
        assert o.overdue == sum(1 for i in items if i.status == "overdue")
        week = TODAY + dt.timedelta(days=7)
        assert o.due_this_week == sum(1 for i in items if i.status == "open" and i.due_on <= week)
    assert page.overdue_chart.bars == [(o.name, o.overdue) for o in view.officers]
    assert len(page.weeks_chart.bars) == 8
    page.overdue_chart.grab()  # paints (QPainter) without error
    page.weeks_chart.grab()

    def shown() -> list[str]:
        return sorted(r.reference for r in page.shown_rows())

    page.filters["da"].setChecked(True)
    assert shown() == ["AAA-2026-0102", "BBB-2026-0102"]
    page.filters["da"].setChecked(False)
    page.filters["u18"].setChecked(True)
    assert shown() == ["AAA-2026-0103", "BBB-2026-0103"]
    page.filters["u18"].setChecked(False)
    page.officer_filter.setCurrentIndex(page.officer_filter.findData(ids["b"]))
    assert shown() == ["BBB-2026-0101", "BBB-2026-0102", "BBB-2026-0103"]
    page.officer_filter.setCurrentIndex(0)
    page.filters["overdue"].setChecked(True)
    late = {i.case for items in own.values() for i in items if i.status == "overdue"}
    assert late and shown() == sorted(late)
    page.filters["week"].setChecked(True)
    assert all(r.overdue and r.due_this_week for r in page.shown_rows())
    page.filters["overdue"].setChecked(False)
    page.filters["week"].setChecked(False)
    assert page.proxy.rowCount() == 6 and page.count.text() == "Showing 6 of 6 cases"

    # sortable: by reference, both ways (the proxy hands sorting to the plain rows)
    page.cases_view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
    refs = [r.reference for r in page.shown_rows()]
    assert refs == sorted(refs)
    page.cases_view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert [r.reference for r in page.shown_rows()] == sorted(refs, reverse=True)

    # the read-only summary of the selected case, from the packet
    page.cases_view.setCurrentIndex(page.proxy.index(0, 0))
    text = page.summary.toPlainText()
    first = page.shown_rows()[0]
    assert first.reference in text and first.name in text and "Due items" in text
    assert page.summary.isReadOnly()
    everything = all_texts(page, visible_only=False)
    for marker in MARKERS.values():
        assert marker not in everything

    # privacy mode hides the whole page body
    ctx.set_privacy(True)
    assert not page.body.isVisible() and page.privacy_note.isVisible()
    ctx.set_privacy(False)
    page.clear()
    assert page.case_model.rowCount() == 0 and page.officer_model.rowCount() == 0 and not page.summary.toPlainText()
    ctx.tasks.stop()


def test_problems_are_listed_never_shown_as_data(qtbot: Any, team: dict[str, Any]) -> None:
    share, ids, stores = team["share"], team["ids"], team["stores"]
    assert status.publish_status(stores["a"], share).status == "published"
    body = status.build_status(stores["b"])
    body["officer_id"], body["manager_id"] = ids["a"], ids["m"]
    where = status.status_dir(share, ids["m"])
    forged = status.seal_packet(body, identity.signing_private(stores["b"]), identity.ensure(stores["m"]).recipient)
    (where / f"{ids['a']}-20990101T000000000Z-abcdef.status.age").write_bytes(forged)
    (where / f"{ids['b']}-20990101T000000000Z-abcdef.status.age").write_bytes(b"age-encryption.org/v1\n-> X")
    ctx = _ctx(stores["m"])
    page = _page(qtbot, ctx, share)
    _load(qtbot, page)
    assert [r.reference[:3] for r in page.case_model.rows] == ["AAA"] * 3
    assert page.problems.isVisible() and "signature" in page.problems.text()
    assert page.skipped.isVisible() and "unreadable" in page.skipped.text()
    ctx.tasks.stop()


class SlowOps(FileOps):
    """A network folder that hangs listing the status folder until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()

    def listdir(self, path: Path) -> list[str]:
        if path.parent.name == "status":
            self.entered.set()
            self.release.wait(30)
        return super().listdir(path)


def test_a_slow_folder_never_blocks_the_window(qtbot: Any, team: dict[str, Any]) -> None:
    _publish_all(team)
    ctx = _ctx(team["stores"]["m"])
    ops = SlowOps()
    page = _page(qtbot, ctx, team["share"], ops)
    got: list[Any] = []
    page.loaded.connect(got.append)
    page.reload()
    qtbot.waitUntil(ops.entered.is_set, timeout=20000)
    # the folder is hanging, yet the GUI thread runs: events are processed, the store worker is free
    ticks: list[int] = []
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, lambda: ticks.append(1))
    qtbot.waitUntil(lambda: ticks == [1], timeout=5000)
    assert page.reading and got == [] and "Reading" in page.state.text()
    done: list[int] = []
    ctx.tasks.run(lambda: 1, done.append)
    qtbot.waitUntil(lambda: done == [1], timeout=5000)
    ops.release.set()
    qtbot.waitUntil(lambda: bool(got), timeout=20000)
    assert page.officer_model.rowCount() == 2 and not page.reading
    ctx.tasks.stop()


def test_request_handover_reaches_the_officer(qtbot: Any, team: dict[str, Any]) -> None:
    share, ids, stores = team["share"], team["ids"], team["stores"]
    _publish_all(team)
    ctx = _ctx(stores["m"])
    page = _page(qtbot, ctx, share)
    _load(qtbot, page)
    page.officer_filter.setCurrentIndex(page.officer_filter.findData(ids["a"]))
    page.cases_view.setCurrentIndex(page.proxy.index(0, 0))
    row = page.shown_rows()[0]
    assert page.request_button.isEnabled()
    prompts = ctx.prompts
    assert isinstance(prompts, FakePrompts)
    prompts.choices.append(0)  # the only other officer: B
    prompts.texts.append("Rebalancing caseloads")
    page.request_button.click()
    qtbot.waitUntil(lambda: ctx.tasks.pending == 0 and "requested" in page.state.text(), timeout=20000)
    assert any("Beathag" in msg and "cases" in msg for kind, msg in prompts.calls if kind == "choose")

    found = requests.load_requests(stores["a"], share)
    assert found.problems == []
    assert [(r.case, r.to_officer, r.from_officer, r.note) for r in found.requests] == [
        (row.reference, ids["b"], ids["m"], "Rebalancing caseloads")]
    # A's own app shows the request on its Team page
    a_ctx = _ctx(stores["a"])
    a_page = _page(qtbot, a_ctx, share)
    _load(qtbot, a_page)
    assert a_page.request_count == 1 and a_page.requests_label.isVisible()
    assert row.reference in a_page.requests_label.text() and "Rebalancing caseloads" in a_page.requests_label.text()
    a_ctx.tasks.stop()
    # B is not A's manager: a request B signs is a problem for A, never a request
    requests.send_request(stores["b"], share, ids["a"], row.reference, ids["b"], "", "give it to me")
    found = requests.load_requests(stores["a"], share)
    assert len(found.requests) == 1 and [p.reason for p in found.problems] == ["not from this store's team manager"]
    # nothing readable on the drive
    for f in (share / "casebook" / "requests").rglob("*.request.age"):
        data = f.read_bytes()
        assert row.reference.encode() not in data and b"Rebalancing" not in data
    ctx.tasks.stop()


def test_requests_cli(team: dict[str, Any], capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    from app.cli import main

    share, ids, stores, paths = team["share"], team["ids"], team["stores"], team["paths"]
    ref = stores["a"].case_references()[0]
    requests.send_request(stores["m"], share, ids["a"], ref, ids["b"], "Beathag", "please")
    for store in stores.values():
        store.close()
    capsys.readouterr()
    assert main(["requests", "--store", str(paths["a"]), "--shared", str(share), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [(r["case"], r["to_officer"]) for r in out["requests"]] == [(ref, ids["b"])]
    assert main(["requests", "--store", str(paths["a"]), "--shared", str(share)]) == 0
    assert f"{ref}  hand over to Beathag" in capsys.readouterr().out


def test_stale_laptop_warning_and_main_window_page(qtbot: Any, team: dict[str, Any], make_window: Any) -> None:
    share, paths, stores = team["share"], team["paths"], team["stores"]
    status.publish_status(stores["a"], share, now=dt.datetime.combine(TODAY - dt.timedelta(days=10), dt.time(9),
                                                                      tzinfo=dt.UTC))
    stores["m"].set_setting("shared_drive_folder", str(share))
    for store in stores.values():
        store.close()
    w = make_window()
    w.ctx.clock = Clock.fixed(TODAY)
    w.start_with(paths["m"], PW)
    qtbot.waitUntil(lambda: w.ctx.store is not None and w.ctx.tasks.pending == 0, timeout=20000)
    with qtbot.waitSignal(w.team.loaded, timeout=20000):
        w.act_team.trigger()
    assert w.pages.currentWidget() is w.team
    officer = w.team.officer_model.rows[0]
    assert officer.stale and officer.not_synced_days == 10
    assert w.team.officer_model.data(w.team.officer_model.index(0, 6)) == "Not synced for 10 days"
    w.lock()
    assert w.team.case_model.rowCount() == 0


def test_settings_sets_the_team_manager(qtbot: Any, team: dict[str, Any], make_window: Any) -> None:
    share, paths, ids, stores = team["share"], team["paths"], team["ids"], team["stores"]
    stores["a"].set_setting("shared_drive_folder", str(share))
    status.set_manager(stores["a"], None, None)
    for store in stores.values():
        store.close()
    w = make_window()
    w.start_with(paths["a"], PW)
    qtbot.waitUntil(lambda: w.ctx.store is not None and w.ctx.tasks.pending == 0, timeout=20000)
    w.open_settings()
    d = w.settings_dialog
    qtbot.waitUntil(lambda: w.ctx.tasks.pending == 0 and d.loaded, timeout=20000)
    assert d.manager.text() == ""
    d.manager.setText("not-an-id")
    d.save()
    assert "Team manager" in d.error.text() and d.isVisible()
    d.manager.setText(ids["m"])
    with qtbot.waitSignal(d.finished, timeout=20000):
        d.save()
    qtbot.waitUntil(lambda: w.ctx.tasks.pending == 0, timeout=20000)
    w.close()  # closing may first deliver an off-laptop copy (the folder is set): wait for the store to close
    qtbot.waitUntil(lambda: w.ctx.store is None, timeout=60000)
    with Store.open(paths["a"], PW) as a:
        assert status.manager_id(a) == ids["m"] and ids["m"] in cards.pins(a)
