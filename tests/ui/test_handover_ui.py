"""Case handover in the desktop app (issue 15): two real stores sharing one temp folder.

The window runs on officer A's store (the ui_store cases); officer B's store is driven through
the core (``app.team.handover``), as B's own laptop would.  A's shared-drive passes run on A's
worker, followed by what the window does after every sync pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTableWidget,
    QWidget,
)

from app.models.rules.clock import Clock
from app.models.store import Store, custody
from app.models.store import outbox as O
from app.team import cards, handover, identity, layout
from tests.team.conftest import grep_folder, make_store
from tests.ui.conftest import TODAY, open_case, unlock, wait_idle

REF = "CPO-2026-0001"  # A's case
B_REF = "CPO-2026-0101"  # B's case (tests/data/full-bundle.json)
A_NAME = "Ailsa Synthetic-Sender"
B_NAME = "Beathag Synthetic-Colleague"
NOTE = "Synthetic note: Tuesday allotment placement continues"
# what a read-only case may still offer: reading, printing, going back, cancelling the handover
ALLOWED_BUTTONS = {"← Caseload", "Export PDF…", "Appointment &letter…", "&Warning letter…", "Compliance s&ummary…",
                   "Lar&ge type", "Cancel han&dover"}
ALLOWED_KEYS = {f"Alt+{i}" for i in range(10)} | {"Alt+Left"}


@pytest.fixture
def team(tmp_path: Path, ui_store: Path, passphrase: str) -> Any:
    share = tmp_path / "share"
    share.mkdir()
    a = Store.open(ui_store, passphrase, clock=Clock.fixed(TODAY))
    identity.ensure(a, A_NAME)
    a.set_setting(O.SETTING_FOLDER, str(share))
    a.appointments.book(REF, {"date": TODAY.isoformat(), "start": "10:00", "kind": "office"}, confirm=True)
    cards.publish_card(a, share)
    a_id = identity.ensure(a).officer_id
    a.close()
    b = make_store(tmp_path / "b.cbk", passphrase)
    identity.ensure(b, B_NAME)
    b.set_setting(O.SETTING_FOLDER, str(share))
    cards.publish_card(b, share)
    cards.pin_for_use(b, share, a_id)  # B knows A: B's card, re-published, names B to A (sealed)
    assert cards.publish_card(b, share)
    yield {"share": share, "a_path": ui_store, "a_id": a_id, "b": b, "b_id": identity.ensure(b).officer_id}
    b.close()


def _window(qtbot: Any, make_window: Any, team: Any, passphrase: str) -> Any:
    w = make_window(sync_delay_ms=600_000)  # the shared-drive passes are the test's (_sync)
    unlock(qtbot, w, team["a_path"], passphrase)
    wait_idle(qtbot, w)
    return w


def _sync(qtbot: Any, w: Any) -> None:
    """A's handover pass on A's worker, then what the window does after every sync pass."""
    store = w.ctx.store
    w.ctx.tasks.run(lambda: handover.sync(store))
    wait_idle(qtbot, w)
    w._after_sync_pass()
    wait_idle(qtbot, w)


def offered_edits(w: Any) -> list[str]:
    """Every control or shortcut on the open case (and the window's case actions) that would
    change it: what a read-only case must not offer."""
    ws = w.workspace
    out = []
    for x in ws.findChildren(QWidget):
        if not x.isEnabled():
            continue
        if isinstance(x, QAbstractButton):
            # the tab bar's scroll arrows and a list's select-all corner only move around
            if x.text() not in ALLOWED_BUTTONS and not isinstance(x.parent(), QTabBar | QTableView):
                out.append(f"button {x.text()!r} ({x.accessibleName()}) {type(x).__name__} in {type(x.parent()).__name__}")
        elif isinstance(x, QLineEdit | QPlainTextEdit):
            if not x.isReadOnly():
                out.append(f"field {x.accessibleName()}")
        elif isinstance(x, QComboBox):
            if x.accessibleName() != "Plan version":
                out.append(f"choice {x.accessibleName()}")
        elif isinstance(x, QListWidget | QTableWidget):
            out.append(f"list field {x.accessibleName()}")
    for sc in ws.findChildren(QShortcut):
        if sc.isEnabled() and sc.key().toString() not in ALLOWED_KEYS:
            out.append(f"shortcut {sc.key().toString()}")
    for act in (w.act_new_note, w.act_save, w.act_archive, w.act_rename, w.act_delete, w.act_handover):
        if act.isEnabled():
            out.append(f"action {act.text()!r} ({act.shortcut().toString()})")
    return out


def _hand_over_from_gui(qtbot: Any, w: Any, team: Any) -> None:
    open_case(qtbot, w, REF)
    assert offered_edits(w) != []  # an ordinary case is editable (the check below means something)
    w.act_handover.trigger()
    qtbot.waitUntil(lambda: w.handover_dialog is not None and w.handover_dialog.isVisible(), timeout=10000)
    d = w.handover_dialog
    assert d.list.count() == 1 and d.list.item(0).text().startswith(f"{B_NAME} ({team['b_id']})")
    # B's card is not pinned yet: its fingerprint must be typed as B reads it out
    fp = d.chosen().card.fingerprint
    assert d.typed.isVisible() and not d.ok.isEnabled()
    d.typed.setText("000000 111111")
    assert not d.ok.isEnabled()
    d.typed.setText(f"  {fp} ")
    assert d.ok.isEnabled()
    d.note.setText(NOTE)
    reloads: list[int] = []
    w.caseload.reload = lambda: reloads.append(1)  # type: ignore[method-assign]
    qtbot.keyClick(d.note, Qt.Key.Key_Return)  # Enter = Hand over
    qtbot.waitUntil(lambda: w.workspace.read_only and not d.isVisible(), timeout=10000)
    wait_idle(qtbot, w)
    assert reloads == []  # only that case was redrawn, never the whole caseload
    del w.caseload.reload


def test_hand_over_from_the_gui_makes_the_case_read_only(qtbot: Any, make_window: Any, team: Any,
                                                        passphrase: str) -> None:
    w = _window(qtbot, make_window, team, passphrase)
    _hand_over_from_gui(qtbot, w, team)
    banner = w.workspace.custody_banner
    assert banner.isVisible() and banner.cancel.isVisible() and banner.cancel.isEnabled()
    assert banner.text.text() == f"Handover to {B_NAME} pending — read-only"
    assert offered_edits(w) == [], "; ".join(offered_edits(w))
    for i in range(w.workspace.tabs.count()):  # every tab, sub-tabs included
        w.workspace.tabs.setCurrentIndex(i)
        inner = w.workspace.tabs.currentWidget().inner
        for j in range(inner.count() if inner is not None else 0):
            inner.setCurrentIndex(j)
            assert offered_edits(w) == [], w.workspace.tabs.tabText(i)
    # selecting another item (which re-enables Delete on an editable case) offers nothing either
    w.workspace.show_tab("notes")
    notes = w.workspace.notes
    notes.view.selectRow(1)
    assert notes.index is not None and not notes.delete_button.isEnabled() and not notes.save_button.isEnabled()
    # Ctrl+B on the Appointments tab opens no booking
    w.workspace.show_tab("appointments")
    appts = w.workspace.tab("appointments")
    qtbot.keyClick(appts.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert appts.dialog is None
    # the caseload says so, and the case's actions are off there too
    w.show_caseload()
    wait_idle(qtbot, w)
    row = next(r for r in w.caseload.model.rows if r.reference == REF)
    assert row.handover == f"Pending to {B_NAME}"
    w.caseload.select_reference(REF)
    assert not w.act_new_note.isEnabled() and not w.act_delete.isEnabled() and not w.act_handover.isEnabled()
    w.caseload.select_reference("CPO-2026-0777")
    assert w.act_new_note.isEnabled() and w.act_handover.isEnabled()
    # the packet went into the store: the core refuses edits all the same
    store = w.ctx.store
    got: list[Any] = []
    w.ctx.tasks.run(lambda: custody.state_of(store, REF), got.append)
    wait_idle(qtbot, w)
    assert got[0].state == "pending" and got[0].counterpart == team["b_id"]


def test_cancel_restores_editing(qtbot: Any, make_window: Any, team: Any, passphrase: str) -> None:
    w = _window(qtbot, make_window, team, passphrase)
    _hand_over_from_gui(qtbot, w, team)
    w.ctx.prompts.confirm_answers.append(True)
    w.workspace.custody_banner.cancel.click()
    qtbot.waitUntil(lambda: not w.workspace.read_only, timeout=10000)
    wait_idle(qtbot, w)
    assert not w.workspace.custody_banner.isVisible()
    notes = w.workspace.notes
    assert notes.new_button.isEnabled() and notes.save_button.isEnabled() and not notes.form.read_only
    assert w.workspace.tab("appointments").book_shortcut.isEnabled() and w.act_new_note.isEnabled()
    assert next(r for r in w.caseload.model.rows if r.reference == REF).handover == ""
    assert "cancelled" in w.statusBar().currentMessage()
    # and it really saves
    notes.new_item()
    notes.form.widgets["text"].setPlainText("Synthetic note after the cancel")
    notes.save()
    wait_idle(qtbot, w)
    assert not notes.dirty and any(n["text"] == "Synthetic note after the cancel" for n in notes.items)


def _b_hands_over(team: Any) -> None:
    b = team["b"]
    handover.hand_over(b, B_REF, team["a_id"], NOTE)
    handover.sync(b)


def test_incoming_banner_accept_imports_and_the_case_appears(qtbot: Any, make_window: Any, team: Any,
                                                             passphrase: str) -> None:
    w = _window(qtbot, make_window, team, passphrase)
    assert not w.incoming.isVisible()
    _b_hands_over(team)
    _sync(qtbot, w)
    assert w.incoming.isVisible() and len(w.incoming.rows) == 1
    text = w.incoming.rows[0][0].text()
    assert B_REF in text and B_NAME in text and NOTE in text
    assert B_REF not in {r.reference for r in w.caseload.model.rows}
    w.ctx.set_privacy(True)  # it names a case: hidden while the person may see the screen
    assert not w.incoming.isVisible()
    w.ctx.set_privacy(False)
    w.incoming.rows[0][1].click()  # Accept
    qtbot.waitUntil(lambda: B_REF in {r.reference for r in w.caseload.model.rows}, timeout=10000)
    wait_idle(qtbot, w)
    assert not w.incoming.isVisible()
    assert "accepted" in w.statusBar().currentMessage()
    assert [k for k in w.ctx.prompts.kinds() if k == "error"] == []
    open_case(qtbot, w, B_REF)
    assert not w.workspace.read_only  # the acknowledgement reached the drive: it is A's to edit
    handover.sync(team["b"])
    assert custody.state_of(team["b"], B_REF).state == "transferred"  # type: ignore[union-attr]


def test_decline_sends_it_back_and_imports_nothing(qtbot: Any, make_window: Any, team: Any, passphrase: str) -> None:
    w = _window(qtbot, make_window, team, passphrase)
    _b_hands_over(team)
    _sync(qtbot, w)
    count = len(w.caseload.all_rows)
    w.ctx.prompts.texts.append("  ")
    w.incoming.rows[0][2].click()  # Decline… with no reason: asked for one, nothing sent
    wait_idle(qtbot, w)
    assert w.incoming.isVisible() and "give the reason" in w.ctx.prompts.calls[-1][1]
    w.ctx.prompts.texts.append("Synthetic: not my patch")
    w.incoming.rows[0][2].click()  # Decline…
    qtbot.waitUntil(lambda: not w.incoming.isVisible(), timeout=10000)
    wait_idle(qtbot, w)
    assert "declined" in w.statusBar().currentMessage()
    assert len(w.caseload.all_rows) == count and B_REF not in {r.reference for r in w.caseload.all_rows}
    handover.sync(team["b"])
    state = custody.state_of(team["b"], B_REF)
    assert state is not None and state.state == "held"  # B may edit it again


def test_a_refused_packet_shows_one_line_and_imports_nothing(qtbot: Any, make_window: Any, team: Any,
                                                            passphrase: str) -> None:
    w = _window(qtbot, make_window, team, passphrase)
    _b_hands_over(team)
    [path] = layout.handovers_dir(team["share"], team["a_id"]).glob("*.handover")
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01  # altered on the drive
    path.write_bytes(bytes(data))
    _sync(qtbot, w)
    assert w.incoming.isVisible() and "Problem:" in w.incoming.rows[0][0].text()
    before = len(w.caseload.all_rows)
    w.incoming.rows[0][1].click()  # Accept
    qtbot.waitUntil(lambda: "error" in w.ctx.prompts.kinds(), timeout=10000)
    wait_idle(qtbot, w)
    [msg] = [m for k, m in w.ctx.prompts.calls if k == "error"]
    assert "\n" not in msg and "signature does not verify" in msg and "nothing imported" in msg
    assert len(w.caseload.all_rows) == before and B_REF not in {r.reference for r in w.caseload.all_rows}
    store = w.ctx.store
    got: list[Any] = []
    w.ctx.tasks.run(lambda: [c.reference for c in store.list_cases(include_archived=True)], got.append)
    wait_idle(qtbot, w)
    assert B_REF not in got[0]
    # the packet stays listed (with its problem) until it is declined or withdrawn
    assert w.incoming.isVisible()
    open_case(qtbot, w, REF)
    assert grep_folder(team["share"], [A_NAME, B_NAME, NOTE]) == []


def test_once_accepted_the_case_reads_transferred_and_leaves_the_caseload(qtbot: Any, make_window: Any, team: Any,
                                                                         passphrase: str) -> None:
    w = _window(qtbot, make_window, team, passphrase)
    w.show_today()
    wait_idle(qtbot, w)
    assert REF in {r.case for r in w.today.data.appointments}  # its appointment, while it is held here
    _hand_over_from_gui(qtbot, w, team)
    _sync(qtbot, w)  # the packet reaches the drive
    b = team["b"]
    handover.sync(b)
    [item] = handover.incoming(b)
    assert item.sender_name == A_NAME and item.note == NOTE
    handover.accept(b, item.packet_id)
    _sync(qtbot, w)  # A's sync sees the acknowledgement
    qtbot.waitUntil(lambda: w.workspace.custody_banner.text.text().startswith("Transferred"), timeout=10000)
    wait_idle(qtbot, w)
    banner = w.workspace.custody_banner
    assert banner.text.text() == f"Transferred to {B_NAME} on {TODAY:%d/%m/%Y} — read-only"
    assert not banner.cancel.isVisible() and offered_edits(w) == []
    assert REF not in {r.reference for r in w.caseload.all_rows}  # off the work lists
    w.show_today()
    wait_idle(qtbot, w)
    assert w.today.data is not None and REF not in {r.case for r in w.today.data.appointments}


def test_the_background_sync_pass_brings_the_incoming_banner(qtbot: Any, make_window: Any, team: Any,
                                                             passphrase: str) -> None:
    _b_hands_over(team)
    w = make_window(sync_delay_ms=0, sync_poll_ms=600_000)  # the real sync service: one pass at unlock
    unlock(qtbot, w, team["a_path"], passphrase)
    qtbot.waitUntil(lambda: w.incoming.isVisible(), timeout=30000)
    assert B_REF in w.incoming.rows[0][0].text() and B_NAME in w.incoming.rows[0][0].text()


def test_a_read_only_case_keeps_distinct_mnemonics(qtbot: Any, make_window: Any, team: Any, passphrase: str) -> None:
    from tests.ui.test_mnemonics import _clashes

    w = _window(qtbot, make_window, team, passphrase)
    _hand_over_from_gui(qtbot, w, team)
    problems: list[str] = []
    for i in range(w.workspace.tabs.count()):
        w.workspace.tabs.setCurrentIndex(i)
        wait_idle(qtbot, w)
        problems += _clashes(w, f"Case tab {w.workspace.tabs.tabText(i)} (handed over)")
    assert problems == [], "\n".join(problems)
