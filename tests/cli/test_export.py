"""`casebook export contract|review|plan`: files, exit codes, one-line errors, audit events."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.cli import main
from app.models.rules.clock import Clock
from app.models.store import Store
from tests.conftest import PASSPHRASE, TODAY
from tests.helpers import run_cli
from tests.reports.sample import (
    NAME,
    NFD_TEXTS,
    REF,
    REF_LONG,
    bundle,
    long_case,
    norm,
    pdf_text,
    sample_case,
)


def _make_store(path: Path) -> Path:
    with Store.create(path, PASSPHRASE, clock=Clock.fixed(TODAY), actor="test-officer") as s:
        s.import_bundle(bundle(sample_case(), long_case(3)))
    return path


@pytest.fixture(scope="module")
def _shared_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store for the tests that only read it (creating a store costs a key derivation)."""
    return _make_store(tmp_path_factory.mktemp("export") / "shared.cbk")


@pytest.fixture
def cli_store(_shared_store: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PASSPHRASE)
    return _shared_store


@pytest.fixture
def own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", PASSPHRASE)
    return _make_store(tmp_path / "own.cbk")


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("casebook: ")
    assert "Traceback" not in err
    return lines[0]


def test_export_each_kind_and_audit(own_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    passphrase: str) -> None:
    cli_store = own_store
    for kind in ("contract", "review", "plan"):
        officer, person = tmp_path / f"{kind}-officer.pdf", tmp_path / f"{kind}-person.pdf"
        assert run(capsys, "export", kind, "--store", cli_store, "--case", REF, "--to", officer)[0] == 0
        code, out, _ = run(capsys, "export", kind, "--store", cli_store, "--case", REF, "--to", person,
                           "--for-individual", "--today", "2026-11-23")
        assert code == 0 and "copy for the individual" in out
        assert NAME in pdf_text(officer.read_bytes())
        text = pdf_text(person.read_bytes())
        for secret in NFD_TEXTS.values():
            assert norm(secret) not in text
        assert (person.stat().st_mode & 0o777) == 0o600
    with Store.open(cli_store, passphrase) as s:
        exports = [(e.entity, e.entity_ref, e.detail) for e in s.audit_events() if e.action == "export"]
        assert s.verify_audit() == []
    assert exports == [(k, REF, d) for k in ("contract", "review", "plan") for d in ("officer", "for-individual")]


def test_review_by_date(cli_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "r.pdf"
    assert run(capsys, "export", "review", "--store", cli_store, "--case", REF, "--review", "15/06/2026",
               "--to", out)[0] == 0
    assert "First review." in pdf_text(out.read_bytes())
    assert run(capsys, "export", "review", "--store", cli_store, "--case", REF, "--review", "2026-08-10",
               "--to", out)[0] == 0
    assert "Second review of the plan." in pdf_text(out.read_bytes())


@pytest.mark.parametrize(("args", "message"), [
    (["export", "plan", "--case", "CPO-NOPE"], "no case with reference 'CPO-NOPE'"),
    (["export", "review", "--case", REF, "--review", "2026-06-16"], "no review held on 16/06/2026"),
    (["export", "review", "--case", REF_LONG], "has no reviews"),
    (["export", "review", "--case", REF, "--review", "2026-02-30"], "'2026-02-30' is not a date"),
    (["export", "review", "--case", REF, "--review", "tomorrow"], "'tomorrow' is not a date"),
    (["export", "plan", "--case", REF, "--review", "2026-08-10"], "--review applies only to"),
    (["export", "plan", "--case", REF, "--password-file", "/no/such/file"], "cannot read password file"),
    (["export", "leaflet", "--case", REF], "invalid choice"),
], ids=["unknown-case", "no-review-on-date", "no-reviews", "bad-date", "not-a-date", "review-on-plan",
        "password-file", "bad-kind"])
def test_errors_are_one_line_exit_2(cli_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    args: list[str], message: str) -> None:
    out = tmp_path / "out.pdf"
    code, _, err = run(capsys, *args, "--store", cli_store, "--to", out)
    assert code == 2
    assert message in one_line_error(err)
    assert not out.exists()


def test_no_contract(tmp_path: Path, passphrase: str, clock: Clock, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "nc.cbk"
    case = sample_case()
    del case["contract"]
    with Store.create(path, passphrase, clock=clock) as s:
        s.import_bundle(bundle(case))
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    code, _, err = run(capsys, "export", "contract", "--store", path, "--case", REF, "--to", tmp_path / "c.pdf")
    assert code == 2
    assert f"case {REF} has no engagement contract" in one_line_error(err)


def test_empty_password_file(cli_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pw = tmp_path / "pw.txt"
    pw.write_text("\n", encoding="utf-8")
    code, _, err = run(capsys, "export", "plan", "--store", cli_store, "--case", REF, "--to", tmp_path / "p.pdf",
                       "--password-file", pw)
    assert code == 2 and "is empty" in one_line_error(err)


def test_password_file_gives_aes256(cli_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pw = tmp_path / "pw.txt"
    pw.write_text("Glè mhath ✓\n", encoding="utf-8")
    out = tmp_path / "p.pdf"
    code, stdout, _ = run(capsys, "export", "plan", "--store", cli_store, "--case", REF, "--to", out,
                          "--for-individual", "--password-file", pw)
    assert code == 0 and "AES-256" in stdout
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    enc = reader.trailer["/Encrypt"].get_object()
    assert (enc["/V"], enc["/R"]) == (5, 6)
    assert not PdfReader(io.BytesIO(out.read_bytes())).decrypt("wrong")
    assert NAME in pdf_text(out.read_bytes(), password="Glè mhath ✓")


def test_existing_file_replaced_atomically(cli_store: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "plan.pdf"
    out.write_bytes(b"old contents")
    assert run(capsys, "export", "plan", "--store", cli_store, "--case", REF, "--to", out)[0] == 0
    assert out.read_bytes().startswith(b"%PDF-")
    assert sorted(p.name for p in folder.iterdir()) == ["plan.pdf"]  # no temp file left behind
    # A failed export leaves the existing file as it was.
    before = out.read_bytes()
    assert run(capsys, "export", "plan", "--store", cli_store, "--case", "CPO-NOPE", "--to", out)[0] == 2
    assert out.read_bytes() == before


def test_subprocess_and_wrong_passphrase(cli_store: Path, tmp_path: Path, passphrase: str) -> None:
    out = tmp_path / "c.pdf"
    ok = run_cli("export", "contract", "--store", cli_store, "--case", REF, "--to", out, passphrase=passphrase)
    assert ok.returncode == 0, ok.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    bad = run_cli("export", "contract", "--store", cli_store, "--case", REF, "--to", out, passphrase="nope")
    assert bad.returncode == 3
    assert bad.stderr.startswith("casebook: ") and len(bad.stderr.strip().splitlines()) == 1
