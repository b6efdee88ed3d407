"""PDF documents over a real encrypted store: redaction, fonts, pagination, encryption, metadata."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import random
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from app.models.demo import demo_case
from app.models.errors import NotFoundError
from app.models.store import Store
from app.reports import data as D
from app.reports.render import build_report_data, render_document, suggested_filename
from tests.reports.sample import (
    ACCENTS,
    NAME,
    NFD_TEXTS,
    ORDINARY_TEXTS,
    REF,
    REF_LONG,
    bundle,
    long_case,
    norm,
    pdf_text,
    sample_case,
)

TODAY = dt.date(2026, 11, 23)
KINDS = ("contract", "review", "plan")


def _png(shift: int) -> bytes:
    """A tiny valid PNG made with Pillow (no Qt in the reports tests)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (300, 90), (255, 255, 255, 0))
    ImageDraw.Draw(img).line([(10, 70), (120, 20 + shift), (200, 60), (290, 15)], fill=(0, 0, 80, 255), width=4)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def sample_store(store: Store) -> Store:
    store.import_bundle(bundle(sample_case(), long_case()))
    return store


@pytest.fixture(scope="module")
def demo_cases() -> list[dict[str, Any]]:
    """Demo cases that carry not-for-disclosure items (seeded: deterministic)."""
    rng = random.Random(7)
    cases = [demo_case(i, rng, TODAY) for i in range(40)]
    seen: set[str] = set()
    out = []
    for c in cases:
        if c["reference"] in seen:
            continue
        seen.add(c["reference"])
        if any(n.get("sensitivity") == "not_for_disclosure" for n in c.get("notes", [])) or any(
                p.get("sensitivity") == "not_for_disclosure" for g in c.get("goals", []) for p in g["progress"]):
            out.append(c)
    assert len(out) >= 5
    return out[:5]  # enough variety; keeps the test quick on a shared machine


def nfd_texts_of(case: dict[str, Any]) -> list[str]:
    texts = []
    for n in case.get("notes", []):
        if n.get("sensitivity") == "not_for_disclosure":
            texts += [n["text"], *([n["source"]] if n.get("source") else [])]
    for g in case.get("goals", []):
        texts += [p["text"] for p in g.get("progress", []) if p.get("sensitivity") == "not_for_disclosure"]
    for f in case.get("flags", []):
        if f.get("sensitivity") == "not_for_disclosure" and f.get("details"):
            texts.append(f["details"])
    for r in case.get("reviews", []):
        texts += [gp["comment"] for gp in r.get("goal_progress", [])
                  if gp.get("sensitivity") == "not_for_disclosure" and gp.get("comment")]
        if r.get("restricted_notes"):
            texts.append(r["restricted_notes"])
    return [norm(t) for t in texts]


# ---------------------------------------------------------------------------- redaction
def test_sample_person_copies_contain_no_nfd_text_and_show_withheld(sample_store: Store) -> None:
    review = pdf_text(render_document(sample_store, "review", REF, for_individual=True))
    plan = pdf_text(render_document(sample_store, "plan", REF, for_individual=True))
    contract = pdf_text(render_document(sample_store, "contract", REF, for_individual=True))
    for doc in (review, plan, contract):
        for secret in NFD_TEXTS.values():
            assert norm(secret) not in doc
        assert "NFD-" not in doc  # not even a fragment of a withheld item
        assert "NOT FOR DISCLOSURE" not in doc
        assert "Domestic abuse" not in doc  # the restricted flag itself is withheld, not just its details
    # Withheld places are visible: review goal progress, contacts, flags, restricted notes; plan progress, flags.
    assert review.count(D.WITHHELD_TEXT) == 4
    assert plan.count(D.WITHHELD_TEXT) == 2
    # Ordinary information is still there.
    for key in ("note", "review_gp", "flag"):
        assert norm(ORDINARY_TEXTS[key]) in review
    assert norm(ORDINARY_TEXTS["progress"]) in plan
    assert norm(ORDINARY_TEXTS["aim"]) in contract


def test_sample_officer_copies_show_nfd_text_marked(sample_store: Store) -> None:
    review = pdf_text(render_document(sample_store, "review", REF))
    plan = pdf_text(render_document(sample_store, "plan", REF))
    for key in ("note", "note_source", "review_gp", "restricted", "flag"):
        assert norm(NFD_TEXTS[key]) in review, key
    for key in ("progress", "flag"):
        assert norm(NFD_TEXTS[key]) in plan, key
    assert D.WITHHELD_TEXT not in review and D.WITHHELD_TEXT not in plan
    assert review.count("NOT FOR DISCLOSURE") >= 5
    assert "Officer's copy" in review and "Officer's copy" in plan


def test_person_copy_data_never_holds_withheld_text(sample_store: Store) -> None:
    """Redaction happens in data.py: the PDF layer never receives the text at all."""
    for kind in KINDS:
        report = build_report_data(sample_store, kind, REF, for_individual=True)
        dumped = repr(dataclasses.asdict(report))
        for secret in NFD_TEXTS.values():
            assert secret not in dumped
        assert "not_for_disclosure=True" not in repr(report)


def test_redaction_follows_the_sensitivity_field_not_the_wording(store: Store) -> None:
    case = sample_case()
    # Same wording as an ordinary item, but marked not for disclosure: must go.
    case["notes"].append({"date": "2026-07-09", "kind": "office", "text": "Plain ordinary words (XYZ-MARKED)",
                          "sensitivity": "not_for_disclosure"})
    # Scary wording but ordinary sensitivity: stays.
    case["notes"].append({"date": "2026-07-10", "kind": "office", "text": "NOT FOR DISCLOSURE victim (XYZ-ORD)",
                          "sensitivity": "ordinary"})
    store.import_bundle(bundle(case))
    text = pdf_text(render_document(store, "review", REF, for_individual=True))
    assert "XYZ-MARKED" not in text
    assert "XYZ-ORD" in text


def test_disclosable_fails_closed() -> None:
    assert D.disclosable(None) and D.disclosable("ordinary")
    assert not D.disclosable("not_for_disclosure")
    assert not D.disclosable("secret-new-level")


def test_demo_cases_redacted_in_every_person_copy(store: Store, demo_cases: list[dict[str, Any]]) -> None:
    store.import_bundle(bundle(*demo_cases))
    checked_present = 0
    for case in demo_cases:
        ref = case["reference"]
        secrets = nfd_texts_of(case)
        assert secrets
        kinds = ["plan"] + (["review"] if case.get("reviews") else []) + (["contract"] if case.get("contract") else [])
        for kind in kinds:
            person = pdf_text(render_document(store, kind, ref, for_individual=True))
            for secret in secrets:
                assert secret not in person, (ref, kind)
            assert "NOT FOR DISCLOSURE" not in person
        officer_all = pdf_text(render_document(store, "plan", ref))
        # Progress entries and open flags are in the officer's plan; notes in the review period.
        for g in case.get("goals", []):
            for p in g["progress"]:
                if p.get("sensitivity") == "not_for_disclosure":
                    assert norm(p["text"]) in officer_all
                    checked_present += 1
        for f in case.get("flags", []):
            if f.get("sensitivity") == "not_for_disclosure" and f.get("details") and not f.get("closed_on"):
                assert norm(f["details"]) in officer_all
                checked_present += 1
    assert checked_present > 0


# ---------------------------------------------------------------------------- content, fonts, layout
def test_accented_names_round_trip_exactly(sample_store: Store) -> None:
    contract = pdf_text(render_document(sample_store, "contract", REF))
    assert NAME in contract
    assert "Ciarán O'Neill" in contract
    assert norm(ACCENTS) in contract
    assert "Comhairle nan Eilean Siar (example)" in contract
    review = pdf_text(render_document(sample_store, "review", REF, for_individual=True))
    assert "Agnieszka Wiśniewska (unpaid work)" in review
    plan = pdf_text(render_document(sample_store, "plan", REF_LONG, for_individual=True))
    assert "Łucja Żaneta Wiśniewska" in plan


def test_font_is_embedded_unicode_ttf(sample_store: Store) -> None:
    reader = PdfReader(io.BytesIO(render_document(sample_store, "contract", REF)))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            f = font.get_object()
            fonts.add(f["/BaseFont"])
            assert "/ToUnicode" in f
            descriptor = f["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor  # embedded TrueType
    assert all("DejaVu" in str(name) or "Casebook" in str(name) for name in fonts)


def test_header_marking_page_numbers_and_metadata(sample_store: Store) -> None:
    pdf = render_document(sample_store, "plan", REF_LONG, for_individual=True)
    reader = PdfReader(io.BytesIO(pdf))
    n = len(reader.pages)
    assert n > 1
    for i, page in enumerate(reader.pages, start=1):
        t = norm(page.extract_text())
        assert f"Page {i} of {n}" in t
        assert "OFFICIAL-SENSITIVE" in t
        assert f"Case {REF_LONG}" in t
    meta = reader.metadata
    assert meta is not None
    assert meta.title == f"Case Management Plan {REF_LONG}"
    assert meta.author == "Ciarán O'Neill"
    assert meta.creator == "Casebook"
    assert "copy for the individual" in (meta.subject or "")
    all_meta = " ".join(str(v) for v in meta.values())
    assert "Łucja" not in all_meta and "Wiśniewska" not in all_meta


def test_dates_shown_dd_mm_yyyy(sample_store: Store) -> None:
    review = pdf_text(render_document(sample_store, "review", REF))
    assert "10/08/2026" in review and "05/10/2026" in review
    assert "15/06/2026 to 10/08/2026" in review  # period since the previous review
    assert "2026-08-10" not in review


def test_review_picked_by_date(sample_store: Store) -> None:
    first = pdf_text(render_document(sample_store, "review", REF, review_date=dt.date(2026, 6, 15)))
    assert "First review." in first and "Second review of the plan." not in first
    latest = pdf_text(render_document(sample_store, "review", REF))
    assert "Second review of the plan." in latest
    with pytest.raises(NotFoundError, match="no review held on 16/06/2026"):
        render_document(sample_store, "review", REF, review_date=dt.date(2026, 6, 16))
    with pytest.raises(NotFoundError, match="no reviews"):
        render_document(sample_store, "review", REF_LONG)


def test_plan_smart_fields_actions_and_check(sample_store: Store) -> None:
    officer = pdf_text(render_document(sample_store, "plan", REF))
    for part in ("Accommodation", "Move into a settled tenancy", "Tenancy signed", "Flat in view",
                 "29/01/2027", "Attend housing options interview", "Housing Options", "Done 19/05/2026",
                 "Substance use", "Not SMART: missing M, A, R, T"):
        assert part in officer, part
    person = pdf_text(render_document(sample_store, "plan", REF, for_individual=True))
    assert "Not SMART" not in person


def test_contract_signatures_captured_or_blank(sample_store: Store) -> None:
    blank = render_document(sample_store, "contract", REF)
    text = pdf_text(blank)
    assert "Signature" in text and "Date" in text
    assert "Ciarán O'Neill" in text and NAME in text
    sample_store.save_signature(REF, "contract", "individual", _png(0), dt.date(2026, 5, 14))
    sample_store.save_signature(REF, "contract", "officer", _png(40), dt.date(2026, 5, 15))
    signed = render_document(sample_store, "contract", REF, for_individual=True)
    reader = PdfReader(io.BytesIO(signed))
    images = [img for page in reader.pages for img in page.images]
    assert len(images) >= 2
    text = pdf_text(signed)
    assert "14/05/2026" in text and "15/05/2026" in text


def test_missing_contract_and_case(store: Store) -> None:
    case = sample_case()
    del case["contract"]
    store.import_bundle(bundle(case))
    with pytest.raises(NotFoundError, match="no engagement contract"):
        render_document(store, "contract", REF)
    with pytest.raises(NotFoundError, match="no case"):
        render_document(store, "plan", "CPO-NOPE")


# ---------------------------------------------------------------------------- encryption
def test_password_protection_is_aes256(sample_store: Store) -> None:
    pdf = render_document(sample_store, "review", REF, for_individual=True, password="pässwörd-✓")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted
    enc = reader.trailer["/Encrypt"].get_object()
    assert enc["/V"] == 5 and enc["/R"] == 6
    assert enc["/CF"]["/StdCF"]["/CFM"] == "/AESV3"
    locked = PdfReader(io.BytesIO(pdf))
    assert not locked.decrypt("wrong")
    with pytest.raises(Exception):  # noqa: B017 - pypdf refuses to read without the password
        locked.pages[0].extract_text()
    text = pdf_text(pdf, password="pässwörd-✓")
    assert NAME in text
    assert b"Nic a' Phearsain" not in pdf


def test_suggested_filename_has_no_name() -> None:
    assert suggested_filename("contract", REF) == f"{REF}_engagement-contract_officer-copy.pdf"
    name = suggested_filename("review", "CPO/2026 1", for_individual=True, review_date=dt.date(2026, 8, 10))
    assert name == "CPO_2026_1_review-summary_2026-08-10_individual-copy.pdf"


def test_reports_never_import_qt() -> None:
    import subprocess
    import sys

    code = ("import sys, app.reports.render, app.commands.export; "
            "bad = [m for m in sys.modules if m.startswith('PySide6')]; "
            "sys.exit(1 if bad else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2]).returncode == 0
