"""Report data -> PDF bytes with reportlab.  No Qt, no database, no redaction decisions:
everything here comes from the dataclasses in ``app.reports.data``, already redacted for
the person's copy.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app.paths import resource_path
from app.reports.data import (
    WITHHELD_TEXT,
    CaseHeader,
    ContractData,
    DocMeta,
    Entry,
    GoalRating,
    PlanData,
    PlanGoal,
    ReportData,
    ReviewData,
    Withheld,
    has_restricted,
)

MARKING = "OFFICIAL-SENSITIVE"
NFD_MARK = "NOT FOR DISCLOSURE"
FONT = "CasebookSans"
FONT_BOLD = "CasebookSans-Bold"
FONT_ITALIC = "CasebookSans-Oblique"
FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf", FONT_ITALIC: "DejaVuSans-Oblique.ttf"}

PAGE_W, PAGE_H = A4
MARGIN_X = 20 * mm
MARGIN_TOP = 26 * mm
MARGIN_BOTTOM = 22 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#5a5a5a")
RULE = colors.HexColor("#9aa5b1")
HEAD_BG = colors.HexColor("#e8edf2")
ACCENT = colors.HexColor("#1f3a5f")
NFD_RED = colors.HexColor("#a30000")
NFD_BG = colors.HexColor("#fbeaea")
WITHHELD_BG = colors.HexColor("#f0f0f0")

_fonts_ready = False


def register_fonts() -> None:
    """Register the embedded Unicode TTF (DejaVu Sans, see resources/fonts/) once."""
    global _fonts_ready
    if _fonts_ready:
        return
    for name, filename in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(resource_path(f"fonts/{filename}"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD)
    _fonts_ready = True


# ---------------------------------------------------------------------------- styles
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8.5, leading=11, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5),
        "cellhead": ParagraphStyle("cellhead", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=11),
        "label": ParagraphStyle("label", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=11,
                                textColor=MUTED),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=19, leading=23,
                                textColor=ACCENT, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, leading=13, textColor=MUTED,
                                   spaceAfter=6),
        "h1": ParagraphStyle("h1", parent=base, fontName=FONT_BOLD, fontSize=12.5, leading=16, textColor=ACCENT,
                             spaceBefore=10, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=13.5, textColor=INK,
                             spaceBefore=8, spaceAfter=3),
        "withheld": ParagraphStyle("withheld", parent=base, fontName=FONT_ITALIC, fontSize=9, leading=11.5,
                                   textColor=MUTED),
        "banner": ParagraphStyle("banner", parent=base, fontName=FONT_BOLD, fontSize=9, leading=12,
                                 textColor=NFD_RED, alignment=TA_CENTER),
    }


def text(value: str) -> str:
    """User text -> Paragraph markup (escaped; line breaks kept)."""
    return escape(value).replace("\r\n", "\n").replace("\n", "<br/>")


class _Builder:
    """Shared pieces of all three documents."""

    def __init__(self, meta: DocMeta) -> None:
        self.meta = meta
        self.s = _styles()

    def p(self, markup: str, style: str = "body") -> Paragraph:
        return Paragraph(markup, self.s[style])

    def t(self, value: str, style: str = "body") -> Paragraph:
        return Paragraph(text(value), self.s[style])

    def or_none(self, value: str, style: str = "cell", none: str = "Not recorded") -> Paragraph:
        if value.strip():
            return self.t(value, style)
        return self.p(f"<i>{escape(none)}</i>", "muted")

    def nfd_label(self) -> str:
        return f'<font name="{FONT_BOLD}" color="#a30000">{NFD_MARK}</font>'

    def withheld(self) -> Paragraph:
        return self.p(f"<i>{escape(WITHHELD_TEXT)}</i>", "withheld")

    def h1(self, title: str) -> Flowable:
        return self.p(escape(title), "h1")

    def h2(self, title: str) -> Flowable:
        return self.p(escape(title), "h2")

    def section(self, title: str, *content: Flowable) -> list[Flowable]:
        """A heading kept with the start of its content."""
        if not content:
            return [self.h1(title)]
        return [CondPageBreak(30 * mm), KeepTogether([self.h1(title), content[0]]), *content[1:]]

    def title_block(self, restricted: bool) -> list[Flowable]:
        out: list[Flowable] = [self.p(escape(self.meta.title), "title")]
        sub = f"Community Payback Order · {escape(self.meta.audience_label)} · prepared {self.meta.generated_on}"
        out.append(self.p(sub, "subtitle"))
        if not self.meta.for_individual:
            msg = ("OFFICER'S COPY: contains third-party information marked NOT FOR DISCLOSURE. "
                   "Do not give this copy to the individual." if restricted else
                   "OFFICER'S COPY: for the case file. Print the copy for the individual separately.")
            banner = Table([[self.p(escape(msg), "banner")]], colWidths=[CONTENT_W])
            banner.setStyle(TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("BOX", (0, 0), (-1, -1), 0.8, NFD_RED if restricted else RULE),
                ("BACKGROUND", (0, 0), (-1, -1), NFD_BG if restricted else HEAD_BG),
                ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]))
            out += [banner, Spacer(1, 4)]
        return out

    def table(self, rows: list[list[Any]], widths: Sequence[float], *, header: bool = True,
              extra: Sequence[tuple[Any, ...]] = ()) -> Table:
        tbl = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0)
        style: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_BG))
        tbl.setStyle(TableStyle(style + list(extra)))
        return tbl

    def kv_grid(self, pairs: Sequence[tuple[str, Any]]) -> Table:
        """Label/value pairs two to a row; a pair whose label ends with '*' spans the row."""
        rows: list[list[Any]] = []
        extra: list[tuple[Any, ...]] = []
        pending: list[Any] = []

        def val(v: Any) -> Any:
            return v if isinstance(v, Flowable) else self.or_none(str(v))

        def full_row(cells: list[Any]) -> None:
            rows.append(cells + ["", ""])
            r = len(rows) - 1
            extra.extend([("SPAN", (1, r), (3, r)), ("BACKGROUND", (0, r), (0, r), HEAD_BG)])

        for label, value in pairs:
            if label.endswith("*"):
                if pending:
                    full_row(pending)
                    pending = []
                full_row([self.p(escape(label[:-1]), "label"), val(value)])
                continue
            pending += [self.p(escape(label), "label"), val(value)]
            if len(pending) == 4:
                rows.append(pending)
                r = len(rows) - 1
                extra.extend([("BACKGROUND", (0, r), (0, r), HEAD_BG), ("BACKGROUND", (2, r), (2, r), HEAD_BG)])
                pending = []
        if pending:
            full_row(pending)
        w = CONTENT_W
        return self.table(rows, [w * 0.17, w * 0.33, w * 0.17, w * 0.33], header=False, extra=extra)

    def case_details(self, h: CaseHeader, include_officer: bool = True) -> list[Flowable]:
        pairs: list[tuple[str, Any]] = [
            ("Name", h.name), ("Case reference", h.reference),
            ("Preferred name", h.preferred_name), ("Date of birth", h.date_of_birth),
            ("Court", h.court), ("Order imposed", h.imposed_on),
            ("Responsible officer", h.officer), ("Order ends", h.ends_on),
            ("Requirements*", "; ".join(h.requirements)),
        ]
        if not include_officer:
            pairs = [p for p in pairs if p[0] != "Responsible officer"]
        return [self.kv_grid(pairs)]

    def entries(self, items: Sequence[Entry | Withheld], *, kind_header: str | None = "Kind",
                text_header: str = "Details", empty: str = "None recorded.") -> Flowable:
        """A table of dated entries; withheld places show 'Information withheld'."""
        if not items:
            return self.p(f"<i>{escape(empty)}</i>", "muted")
        w = CONTENT_W
        if kind_header:
            widths = [w * 0.14, w * 0.2, w * 0.66]
            head = [self.p("Date", "cellhead"), self.p(escape(kind_header), "cellhead"),
                    self.p(escape(text_header), "cellhead")]
        else:
            widths = [w * 0.14, w * 0.86]
            head = [self.p("Date", "cellhead"), self.p(escape(text_header), "cellhead")]
        rows: list[list[Any]] = [head]
        extra: list[tuple[Any, ...]] = []
        for item in items:
            r = len(rows)
            if isinstance(item, Withheld):
                rows.append([self.withheld()] + [""] * (len(widths) - 1))
                extra += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), WITHHELD_BG)]
                continue
            body = text(item.text) if item.text else ""
            if item.source:
                body += (" " if body else "") + f'<font color="#5a5a5a">(Source: {escape(item.source)})</font>'
            if item.not_for_disclosure:
                body = self.nfd_label() + ("<br/>" + body if body else "")
                extra.append(("BACKGROUND", (0, r), (-1, r), NFD_BG))
            cells: list[Any] = [self.t(item.date, "cell")]
            if kind_header:
                cells.append(self.t(item.label, "cell"))
            cells.append(self.p(body or "<i>No details</i>", "cell"))
            rows.append(cells)
        return self.table(rows, widths, extra=extra)

    def text_section(self, title: str, value: str, empty: str = "None recorded.") -> list[Flowable]:
        body = self.t(value) if value.strip() else self.p(f"<i>{escape(empty)}</i>", "muted")
        return self.section(title, body)


# ---------------------------------------------------------------------------- documents
def _contract_story(d: ContractData) -> list[Flowable]:
    b = _Builder(d.meta)
    h = d.header
    who = h.preferred_name or h.name
    story = b.title_block(False)
    story += b.case_details(h)
    intro = (f"This contract sets out specific aims agreed between {text(who)} and the responsible officer "
             "as part of the Community Payback Order. It says what the individual will do, and what the "
             "justice social work service will do to help. It is meant to be realistic and achievable, it "
             "is signed by both, and it is shared only with the agencies listed below.")
    story += b.section("About this contract", b.p(intro),
                       b.p(f"<b>Agreed on:</b> {escape(d.agreed_on) or 'not yet agreed'}"))
    if not d.aims:
        story += b.section("Aims and targets", b.p("<i>No aims recorded yet.</i>", "muted"))
    else:
        story += [CondPageBreak(40 * mm), b.h1("Aims and targets")]
        w = CONTENT_W
        for group in d.aims:
            rows: list[list[Any]] = [[b.p("Aim or target", "cellhead"),
                                      b.p(f"What {escape(who)} will do", "cellhead"),
                                      b.p("What the service will do", "cellhead")]]
            for aim in group.aims:
                rows.append([b.t(aim.target, "cell"), b.or_none(aim.responsibility), b.or_none(aim.commitment)])
            story.append(KeepTogether([b.h2(group.area), b.table(rows, [w * 0.34, w * 0.33, w * 0.33])]))
    if d.shared_with:
        rows = [[b.p("Agency", "cellhead"), b.p("Shared on", "cellhead")]]
        rows += [[b.t(agency, "cell"), b.t(day, "cell")] for agency, day in d.shared_with]
        shared: Flowable = b.table(rows, [CONTENT_W * 0.7, CONTENT_W * 0.3])
    else:
        shared = b.p("<i>Not shared with any agency.</i>", "muted")
    story += b.section("Shared with", shared)
    story.append(KeepTogether([
        b.h1("Signatures"),
        b.p("By signing, both agree to the aims, responsibilities and commitments above.", "small"),
        Spacer(1, 4), _signature_table(b, d)]))
    return story


def _signature_table(b: _Builder, d: ContractData) -> Table:
    """Both signature blocks side by side in ONE table, so their rows (name, signature line,
    date line) line up whether a block holds a captured signature, a recorded date or nothing."""
    gap = 8 * mm
    col_w = (CONTENT_W - gap) / 2
    mark_h = 18 * mm
    cols: list[list[Any]] = []
    for sig in d.signatures:
        mark: Flowable
        if sig.png:
            reader = ImageReader(io.BytesIO(sig.png))
            iw, ih = reader.getSize()
            scale = min((col_w - 8) / iw, mark_h / ih, 1.0 if iw > col_w else 10.0)
            mark = Image(io.BytesIO(sig.png), width=iw * scale, height=ih * scale, mask="auto", hAlign="LEFT")
        else:
            mark = Spacer(1, 1)
        cols.append([
            b.p(escape(sig.role_label), "label"),
            b.t(sig.name) if sig.name else b.p("&nbsp;"),
            mark,
            b.p("Signature", "muted"),
            b.t(sig.signed_on) if sig.signed_on else b.p("&nbsp;"),
            b.p("Date", "muted"),
        ])
    rows = [[left, "", right] for left, right in zip(*cols, strict=True)]
    tbl = Table(rows, colWidths=[col_w, gap, col_w],
                rowHeights=[None, None, mark_h + 5, None, 8 * mm, None])
    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("TOPPADDING", (0, 3), (-1, 3), 1), ("TOPPADDING", (0, 5), (-1, 5), 1),
        ("BOTTOMPADDING", (0, 2), (-1, 2), 2),
    ]
    for col in (0, 2):  # the lines to sign and date on, under each block only
        style += [("LINEABOVE", (col, 3), (col, 3), 0.8, INK), ("LINEABOVE", (col, 5), (col, 5), 0.8, INK)]
    tbl.setStyle(TableStyle(style))
    return tbl


def _review_story(d: ReviewData) -> list[Flowable]:
    b = _Builder(d.meta)
    story = b.title_block(has_restricted(d))
    story += b.case_details(d.header)
    pairs: list[tuple[str, Any]] = [
        ("Review held", d.held_on), ("Kind of review", d.kind),
        ("Period covered", f"{d.period_from} to {d.period_to}"), ("Next review", d.next_review_on),
        ("Attendees*", ", ".join(d.attendees)),
    ]
    if d.attendance:
        pairs.append(("Attendance since the last review*", d.attendance))
    if d.upw_hours or d.upw_liaison:
        pairs += [("Unpaid work*", "; ".join(x for x in (
            d.upw_hours, f"discussed with unpaid work staff before the review: {d.upw_liaison.lower()}"
            if d.upw_liaison else "") if x))]
    story += b.section("The review", b.kv_grid(pairs))
    if d.summary.strip():
        story += b.text_section("Summary", d.summary)
    story += b.text_section("Compliance", d.compliance)
    story += b.section("Progress with each goal", _ratings_table(b, d.goal_progress))
    story += b.text_section("Positive developments", d.positive_developments)
    story += b.text_section("Changes to autonomy or restrictions", d.autonomy_changes, "No changes.")
    story += b.section("Contacts during the period", b.entries(d.contacts, text_header="Note"))
    story += b.section("Protection and risk considerations", b.entries(d.flags, kind_header="Concern"))
    if d.restricted:
        story += b.section("Third-party information discussed at the review",
                           b.entries(d.restricted, kind_header=None, text_header="Notes"))
    story += b.section("Next review", b.p(
        f"The next review is due on <b>{escape(d.next_review_on)}</b>." if d.next_review_on
        else "<i>No date set.</i>"))
    return story


def _ratings_table(b: _Builder, items: Sequence[GoalRating | Withheld]) -> Flowable:
    if not items:
        return b.p("<i>No progress recorded at this review.</i>", "muted")
    w = CONTENT_W
    rows: list[list[Any]] = [[b.p("Goal", "cellhead"), b.p("Progress", "cellhead"), b.p("Comment", "cellhead")]]
    extra: list[tuple[Any, ...]] = []
    for item in items:
        r = len(rows)
        if isinstance(item, Withheld):
            rows.append([b.withheld(), "", ""])
            extra += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), WITHHELD_BG)]
            continue
        comment = text(item.comment)
        if item.not_for_disclosure:
            comment = b.nfd_label() + ("<br/>" + comment if comment else "")
            extra.append(("BACKGROUND", (0, r), (-1, r), NFD_BG))
        goal = f"<b>{escape(item.goal_id)}</b> {text(item.goal)}"
        rows.append([b.p(goal, "cell"), b.t(item.rating, "cell"), b.p(comment or "", "cell")])
    return b.table(rows, [w * 0.4, w * 0.17, w * 0.43], extra=extra)


def _plan_story(d: PlanData) -> list[Flowable]:
    b = _Builder(d.meta)
    story = b.title_block(has_restricted(d))
    story += b.case_details(d.header)
    if d.intensity:
        story.append(Spacer(1, 4))
        story.append(b.p(f"<b>Supervision intensity:</b> {escape(d.intensity)}"))
    if d.flags:
        story += b.section("Protection and risk considerations", b.entries(d.flags, kind_header="Concern"))
    if not d.areas:
        story += b.section("Goals", b.p("<i>No goals recorded yet.</i>", "muted"))
    for area in d.areas:
        story.append(CondPageBreak(50 * mm))
        for i, goal in enumerate(area.goals):
            # The area heading travels with its first goal: never alone at the foot of a page.
            story += _goal_flowables(b, goal, lead=b.h1(area.area) if i == 0 else None)
    return story


def _goal_flowables(b: _Builder, g: PlanGoal, lead: Flowable | None = None) -> list[Flowable]:
    pairs: list[tuple[str, Any]] = [
        ("Specific*", g.description),
        ("Measurable*", g.measure),
        ("Achievable*", g.achievable),
        ("Realistic*", g.realistic),
        ("Time bound", g.target_date), ("Status", g.status),
    ]
    if g.agreed:
        pairs.append(("Agreed with the individual", g.agreed))
    if g.smart_missing:
        pairs.append(("SMART check", b.p(
            f'<font color="#a30000">Not SMART: missing {escape(", ".join(g.smart_missing))}</font>', "cell")))
    short = g.description if len(g.description) <= 70 else g.description[:67].rstrip() + "…"
    head = b.h2(f"{g.goal_id} · {short}")
    out: list[Flowable] = [head, b.kv_grid(pairs)] if lead is None else [lead, head, b.kv_grid(pairs)]
    w = CONTENT_W
    if g.actions:
        rows: list[list[Any]] = [[b.p("Action", "cellhead"), b.p("Who", "cellhead"), b.p("Due", "cellhead"),
                                  b.p("Status", "cellhead")]]
        for a in g.actions:
            rows.append([b.t(a.description, "cell"), b.t(a.owner, "cell"), b.t(a.due_on, "cell"),
                         b.t(a.status, "cell")])
        out += [Spacer(1, 4), b.p("Actions", "label"), b.table(rows, [w * 0.5, w * 0.2, w * 0.13, w * 0.17])]
    if g.progress:
        out += [Spacer(1, 4), b.p("Progress", "label"),
                b.entries(g.progress, kind_header=None, text_header="Progress")]
    # The whole goal on one page where it fits; a long goal still splits across pages.
    return [KeepTogether(out), Spacer(1, 6)]


# ---------------------------------------------------------------------------- page furniture
def _numbered_canvas(meta: DocMeta, restricted: bool) -> type[rl_canvas.Canvas]:
    """A canvas that draws header and footer after layout, so it knows the page count."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab API
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            page = self._pageNumber
            self.saveState()
            top = PAGE_H - 12 * mm
            self.setFillColor(NFD_RED)
            self.setFont(FONT_BOLD, 9)
            self.drawCentredString(PAGE_W / 2, top, MARKING)
            self.setFillColor(INK)
            self.setFont(FONT, 8.5)
            self.drawString(MARGIN_X, top, meta.title)
            self.drawRightString(PAGE_W - MARGIN_X, top, f"Case {meta.reference}")
            self.setStrokeColor(RULE)
            self.setLineWidth(0.6)
            self.line(MARGIN_X, top - 3 * mm, PAGE_W - MARGIN_X, top - 3 * mm)
            bottom = 10 * mm
            self.line(MARGIN_X, bottom + 4.5 * mm, PAGE_W - MARGIN_X, bottom + 4.5 * mm)
            self.setFont(FONT, 8)
            label = meta.audience_label
            if not meta.for_individual and restricted:
                label += f": contains {NFD_MARK} information"
            self.setFillColor(NFD_RED if (not meta.for_individual and restricted) else MUTED)
            self.drawString(MARGIN_X, bottom, label)
            self.setFillColor(NFD_RED)
            self.setFont(FONT_BOLD, 8)
            self.drawCentredString(PAGE_W / 2, bottom - 4 * mm, MARKING)
            self.setFillColor(INK)
            self.setFont(FONT, 8)
            self.drawRightString(PAGE_W - MARGIN_X, bottom, f"Page {page} of {total}")
            self.restoreState()

    return NumberedCanvas


STORIES: dict[type, Callable[[Any], list[Flowable]]] = {
    ContractData: _contract_story,
    ReviewData: _review_story,
    PlanData: _plan_story,
}


def render_pdf(data: ReportData) -> bytes:
    """Lay out one document; returns the PDF bytes."""
    register_fonts()
    meta = data.meta
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=meta.pdf_title, author=meta.officer, subject=meta.pdf_subject,
        creator="Casebook", producer="Casebook (ReportLab)", keywords="", lang="en-GB",
        initialFontName=FONT, displayDocTitle=1,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, CONTENT_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    if type(data) not in STORIES:  # the letters register their own stories
        from app.reports.letters import register

        register()
    story = STORIES[type(data)](data)
    doc.build(story, canvasmaker=_numbered_canvas(meta, has_restricted(data)))
    return buf.getvalue()


def encrypt_pdf(pdf: bytes, password: str) -> bytes:
    """Password-protect with AES-256 (PDF 2.0 security handler /V 5 /R 6); never RC4."""
    from pypdf import PdfReader, PdfWriter

    if not password:
        raise ValueError("an empty password protects nothing")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=password, owner_password=None, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
