"""Save README screenshots of the desktop app (offscreen) into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py

Builds a synthetic demo store (app.models.demo, fixed date 23/11/2026) in a temp folder.
"""

from __future__ import annotations

import datetime as dt
import sys

from shots import PASSPHRASE, SIZE, prepare, save, settler

TMP = prepare("casebook-shots-")

from PySide6.QtWidgets import QApplication  # noqa: E402

from app.models.demo import demo_bundle  # noqa: E402
from app.models.rules.clock import default_clock  # noqa: E402
from app.models.store import Store  # noqa: E402


def main() -> int:
    today = dt.date(2026, 11, 23)
    path = TMP / "demo.cbk"
    store = Store.create(path, PASSPHRASE, clock=default_clock(), actor="demo")
    bundle = demo_bundle(40, today=today)
    store.import_bundle(bundle)
    store.close()
    # a case with a contract (for the contract and signature shots), goals, reviews, restricted notes
    # and flags shows the most
    def richness(c: dict) -> int:
        nfd = sum(1 for n in c.get("notes", []) if n.get("sensitivity") == "not_for_disclosure")
        return (len(c.get("goals", [])) * 3 + len(c.get("reviews", [])) * 2 + nfd * 2 + len(c.get("flags", []))
                + (30 if "contract" in c else 0) + (3 if nfd else -20) + (4 if c["order"].get("status") == "active"
                                                                              else -10))
    rich = max(bundle["cases"], key=richness)["reference"]

    app = QApplication.instance() or QApplication(sys.argv)
    from app.ui.main_window import MainWindow
    from app.ui.workspace import TAB_NAMES

    w = MainWindow()
    # no modal message box may stop the script (the demo store has no off-laptop copy: a warning)
    w.ctx.prompts.warn = lambda message: print("warning:", message)  # type: ignore[method-assign]
    w.resize(*SIZE)
    w.show()

    settle = settler(app, w)

    def shot(name: str) -> None:
        settle()
        save(w, name)

    w.ctx.settings.add_recent_store(path)
    w.unlock_page.refresh_recent()
    w.start_with(path)
    w.unlock_page.passphrase.setText(PASSPHRASE)
    shot("unlock")
    w.unlock_page.submit()
    settle(lambda: w.caseload.model.rowCount() > 0 and bool(w.sync_label.text()))
    settle(lambda: w.today.data is not None)
    shot("today")  # the first page after unlock: today's and this week's appointments and due items
    w.show_caseload()
    w.caseload.view.sortByColumn(3, w.caseload.view.horizontalHeader().sortIndicatorOrder().AscendingOrder)
    shot("caseload")
    # a search: the cases, and under them the notes that matched (restricted notes found, text withheld)
    w.caseload.search.setText("phone")
    w.caseload._run_search()
    settle(lambda: w.caseload.notes_view.isVisible())
    shot("search-notes")
    w.caseload.search.clear()
    settle()
    # the short new case form, filled in by keyboard: one requirement, one flag
    w.new_case()
    form = w.new_case_page.form
    for key, value in (("individual.given_names", "Ciarán"), ("individual.family_name", "O'Neill"),
                       ("individual.date_of_birth", "01/02/1990"), ("reference", "CPO-2026-0100"),
                       ("order.court", "Paisley Sheriff Court"), ("order.imposed_on", "23/11/2026"),
                       ("supervision_months", "12")):
        form.widgets[key].setText(value)  # type: ignore[attr-defined]
    form.set_field("supervision_intensity", "medium")
    form.set_field("flag_kinds", ["domestic_abuse"])
    w.new_case_page._follow_requirements()
    form.widgets["flag_kinds"].setFocus()
    shot("new-case")
    form.mark_saved()
    w.show_caseload()
    # Tools: the backups, ready to restore one
    from app.models.store.security import rolling_backup
    from app.ui.tools_dialog import ToolsDialog

    store = w.ctx.store
    w.ctx.tasks.run(lambda: rolling_backup(store, "by-hand"))
    settle()
    w.open_tools(ToolsDialog.BACKUPS, restore=True)
    tools = w.tools_dialog
    settle(lambda: tools is not None and tools.selected_backup() is not None)
    if tools is not None:
        save(tools, "tools-backups")
        tools.tabs.setCurrentIndex(0)
        settle()
        save(tools, "tools-outbox")
        tools.reject()
    w.open_case(rich, 0)
    settle(lambda: w.workspace.data is not None)
    for name in ("Summary", "Plan", "Reviews", "Notes", "Unpaid work", "Contract"):
        w.workspace.tabs.setCurrentIndex(TAB_NAMES.index(name))
        if name == "Plan" and w.workspace.plan.editor.items:
            w.workspace.plan.editor._go_to(0)
        if name == "Reviews" and w.workspace.reviews.items:
            w.workspace.reviews._go_to(len(w.workspace.reviews.items) - 1)
        if name == "Notes":
            nfd = [i for i, n in enumerate(w.workspace.notes.items) if n.get("sensitivity") == "not_for_disclosure"]
            if nfd:
                w.workspace.notes._go_to(nfd[0])
        shot("case-" + name.lower().replace(" ", "-"))
    # the Appointments tab of a case with a failure to comply and a warning
    def enforcement(c: dict) -> int:
        appts = c.get("appointments", [])
        fails = sum(1 for a in appts if a.get("outcome") == "unacceptable_absence")
        acceptable = sum(1 for a in appts if a.get("outcome") == "acceptable_absence")
        return fails * 5 + acceptable * 3 + len(c.get("enforcement", [])) * 4 + min(len(appts), 8)
    busy = max(bundle["cases"], key=enforcement)["reference"]
    w.open_case(busy, 0)
    settle(lambda: w.workspace.data is not None and w.workspace.ref == busy)
    shot("case-summary-enforcement")
    w.workspace.show_tab("appointments")
    shot("case-appointments")
    w.open_case(rich, TAB_NAMES.index("Contract"))
    settle(lambda: w.workspace.data is not None and w.workspace.ref == rich)
    # capturing the contract signatures
    from PySide6.QtCore import QPointF

    w.workspace.capture_signatures()
    sig = w.workspace.signature_dialog
    if sig is not None:
        pad = sig.pads["individual"]
        pad.begin_stroke(QPointF(40, 90))
        for i in range(60):
            pad.extend_stroke(QPointF(40 + i * 5, 90 - 25 * __import__("math").sin(i / 4) * (1 - i / 80)))
        pad.end_stroke()
        settle()
        save(sig, "signatures")
        sig.reject()
    # the PDF preview of the person's copy of the plan
    w.workspace._export("plan", "individual")
    settle(lambda: w.workspace.export_dialog is not None)
    dialog = w.workspace.export_dialog
    if dialog is not None:
        dialog.resize(940, 700)
        settle()
        save(dialog, "pdf-preview")
        dialog.reject()
    # a blank review refused at the field, scrolled to and focused
    w.workspace.tabs.setCurrentIndex(TAB_NAMES.index("Reviews"))
    w.workspace.reviews.new_item(force=True)
    w.workspace.reviews.form.widgets["next_review_on"].setText("31/02/2027")
    w.workspace.reviews.form.widgets["attendees"].setPlainText("Officer")
    w.workspace.reviews.save()
    shot("field-error")
    w.workspace.reviews.revert()
    w.workspace.tabs.setCurrentIndex(TAB_NAMES.index("Notes"))
    w.set_privacy(True)
    shot("privacy-mode")
    w.show_caseload()
    shot("privacy-caseload")
    w._apply_privacy(False)  # (leaving by the toolbar asks the store's passphrase)
    w.open_case(rich, TAB_NAMES.index("Notes"))
    settle(lambda: w.workspace.data is not None)
    w.new_note()
    w.workspace.notes.form.widgets["text"].setPlainText("Half-typed note at the visit")
    w.idle.stop()
    w.idle._begin_countdown()
    w.idle.left_ms = 24_000
    w.idle._tick()
    shot("lock-countdown")
    w.idle.stop()
    w.workspace.discard_all()
    w._do_lock()
    settle()
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
