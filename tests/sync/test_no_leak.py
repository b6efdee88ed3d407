"""Nothing on the shared drive is readable without a key: documents exported for cases with
distinctive (synthetic) names, references and note text, a not-for-disclosure marker among
them, leave none of those strings in any file name or byte under the shared folder, the
manifests included; and ``casebook documents --open`` gives back the exact PDF."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.models.store import Store, outbox
from app.reports.render import render_document, suggested_filename
from app.team.delivery import sync_outbox

REFS = ("ZQX-2026-7731", "ZQX-2026-7732")
SECRETS = ("Quillonbeck", "Ysoldewyn", "Marrowgate-Thistlecombe", "NFDMARKER-ossifrage-55", "zebraquartz note text")


def _store(tmp_path: Path, passphrase: str, example_bundle: dict[str, Any]) -> Path:
    path = tmp_path / "leak.cbk"
    data = copy.deepcopy(example_bundle)
    base = data["cases"][0]
    cases = []
    for i, ref in enumerate(REFS):
        case = copy.deepcopy(base)
        case["reference"] = ref
        case["individual"]["family_name"] = SECRETS[0] if i == 0 else SECRETS[2]
        case["individual"]["given_names"] = SECRETS[1]
        for note in case.get("notes", []):
            note["text"] = f"{note['text']} {SECRETS[4]}"
        cases.append(case)
    data["cases"] = cases
    with Store.create(path, passphrase, actor="test-officer") as s:
        s.import_bundle(data)
        for ref in REFS:
            s.add_item(ref, "notes", {"date": "2026-11-20", "kind": "office", "sensitivity": "not_for_disclosure",
                                      "text": f"{SECRETS[3]} {SECRETS[4]}"})
    return path


def test_shared_folder_holds_no_names_references_or_note_text(tmp_path: Path, passphrase: str,
                                                              example_bundle: dict[str, Any],
                                                              monkeypatch: pytest.MonkeyPatch,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = _store(tmp_path, passphrase, example_bundle)
    share = tmp_path / "share"
    share.mkdir()
    queued: dict[str, bytes] = {}
    with Store.open(path, passphrase) as s:
        for ref in REFS:
            for kind, individual in (("plan", False), ("plan", True)):
                pdf = render_document(s, kind, ref, for_individual=individual)
                name = suggested_filename(kind, ref, for_individual=individual)
                assert ref in name
                s.documents.share(name, kind, ref, pdf)
                queued[name] = pdf
        report = sync_outbox(s, share)
        assert report.waiting == 0 and len(report.delivered) == len(queued)
    everything = [p for p in share.rglob("*")]
    assert any(p.name == outbox.MANIFEST_NAME for p in everything)
    needles = [*REFS, *SECRETS, *queued, "case-management-plan", "officer-copy", "test-officer"]
    for p in everything:
        rel = p.relative_to(share).as_posix()
        for needle in needles:
            assert needle.casefold() not in rel.casefold(), (needle, rel)
        if p.is_file():
            raw = p.read_bytes()
            for needle in needles:
                assert needle.encode() not in raw, (needle, rel)
                assert needle.encode("utf-16-le") not in raw, (needle, rel)
            assert b"%PDF" not in raw  # no document in clear

    # read back: listed with kind and case reference, opened to the exact bytes, owner-only
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    assert main(["documents", "--store", str(path), "--shared", str(share), "--json"]) == 0
    import json

    listed = json.loads(capsys.readouterr().out)["documents"]
    assert sorted((d["case_reference"], d["document_kind"]) for d in listed) == sorted(
        (ref, kind) for ref in REFS for kind in ("plan", "plan"))
    for d in listed:
        out = tmp_path / f"{d['id']}.pdf"
        assert main(["documents", "--store", str(path), "--shared", str(share), "--open", d["id"],
                     "--to", str(out)]) == 0
        assert out.read_bytes() == queued[d["filename"]]
        assert (out.stat().st_mode & 0o077) == 0
    capsys.readouterr()

    # bad requests: one line each, exit 2
    victim, gone = sorted(share.rglob("*.pdf.age"))[:2]
    good_id, gone_id = victim.name[: -len(".pdf.age")], gone.name[: -len(".pdf.age")]
    victim.write_bytes(victim.read_bytes()[:-20])  # damaged
    gone.unlink()  # moved away
    for args, words in [
        (["--open", "nope", "--to", str(tmp_path / "w.pdf")], "not a document id"),
        (["--open", gone_id, "--to", str(tmp_path / "v.pdf")], "missing"),
        (["--open", "99-20261123T090000000Z-0123abcd", "--to", str(tmp_path / "x.pdf")], "no document"),
        (["--open", good_id, "--to", str(tmp_path / "y.pdf")], "cannot be opened"),
        (["--open", good_id], "--open needs --to"),
        (["--to", str(tmp_path / "z.pdf")], "--to goes with --open"),
        (["--open", good_id, "--to", str(tmp_path / "no-such-dir" / "z.pdf")], "no folder"),
    ]:
        code = main(["documents", "--store", str(path), "--shared", str(share), *args])
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert err.startswith("casebook: ") and err.count("\n") == 1 and words in err, (args, err)
    assert not (tmp_path / "y.pdf").exists() and not (tmp_path / "v.pdf").exists()
