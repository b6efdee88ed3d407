"""The benchmark harness works end to end at a tiny scale (the real run is `make bench`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks import run as R

KEYS = {"unlock", "caseload_first_screen", "caseload_with_due", "search_p50", "search_p95", "open_case", "save_note",
        "due_dates", "contract_pdf",
        "review_pdf_20_pages", "plan_pdf", "sync_files", "cold_start_window", "cold_start_version",
        "gui_max_block", "encrypted_plain_ratio", "peak_rss", "team_page_open", "team_page_filter"}


def test_harness_runs_at_tiny_scale(tmp_path: Path) -> None:
    cfg = R.Config(cases=20, notes_per_case=5, repeats=1, search_repeats=1, sync_files=3, subprocesses=False,
                   work=tmp_path / "work", json_out=tmp_path / "results.json", markdown_out=tmp_path / "B.md",
                   progress=False, scale_json_out=tmp_path / "scale.json")
    out = R.Bench(cfg).run()
    by_key = {m["key"]: m for m in out["measurements"]}
    assert set(by_key) == KEYS
    assert out["summary"]["error"] == 0, [m for m in out["measurements"] if m["status"] == "error"]
    for key in ("unlock", "caseload_first_screen", "search_p95", "open_case", "encrypted_plain_ratio", "peak_rss"):
        assert by_key[key]["value"] is not None and by_key[key]["value"] > 0, key
    assert by_key["caseload_first_screen"]["plain"] is not None  # measured on the plain copy too
    assert by_key["cold_start_window"]["status"] == "skipped"
    assert out["dataset"]["cases"] == 21 and out["dataset"]["notes"] >= 20 * 5
    assert json.loads(cfg.json_out.read_text(encoding="utf-8"))["measurements"]  # type: ignore[union-attr]
    table = cfg.markdown_out.read_text(encoding="utf-8")  # type: ignore[union-attr]
    assert "| Caseload first screen (rows, before due dates) | ≤ 40 ms |" in table
    assert by_key["save_note"]["value"] is not None and by_key["save_note"]["note"].endswith(": 1")
    # the cached store is reused, and the plain copy never outlives the run
    assert len(list((tmp_path / "work").glob("store-*.cbk"))) == 1
    assert not (tmp_path / "work" / "run").exists()


@pytest.mark.parametrize("exc, status", [(R.NotAvailable("app.x is not in this build yet"), "not available"),
                                         (RuntimeError("boom"), "error")])
def test_a_missing_or_broken_part_is_reported_not_raised(exc: Exception, status: str) -> None:
    bench = R.Bench(R.Config(progress=False))

    def body(m: R.Measurement) -> None:
        raise exc

    m = bench.measure(R.Measurement("x", "X", "ms", 10), body)
    assert m.status == status and m.value is None and m.note


def test_scale_mode_reports_growth_between_sizes(tmp_path: Path) -> None:
    """`make bench-scale` in quick mode: two tiny sizes, the interactive measurements at each
    and the growth exponent between them, in its JSON file and the table."""
    cfg = R.Config(notes_per_case=3, repeats=1, search_repeats=1, subprocesses=False, work=tmp_path / "work",
                   json_out=tmp_path / "results.json", markdown_out=tmp_path / "B.md", progress=False,
                   scale_json_out=tmp_path / "scale.json", scale=(10, 30))
    out = R.run_scale(cfg)
    assert [z["cases"] for z in out["sizes"]] == [11, 31]  # each with the large review case
    rows = {r["key"]: r for r in out["rows"]}
    assert {"caseload_first_screen", "caseload_with_due", "search_p95", "open_case", "save_note", "due_dates"} <= set(rows)
    for r in rows.values():
        assert len(r["values"]) == 2 and len(r["growth"]) == 1
        assert all(v is not None and v > 0 for v in r["values"]), r
    assert json.loads((tmp_path / "scale.json").read_text(encoding="utf-8"))["rows"]
    table = (tmp_path / "B.md").read_text(encoding="utf-8")
    assert "## Growth with the caseload" in table and "| 11 cases | 31 cases | growth 11→31 |" in table
    assert not (tmp_path / "work" / "run").exists()


def test_growth_exponent() -> None:
    assert R.growth(1000, 10.0, 2000, 20.0) == 1.0
    assert R.growth(1000, 10.0, 2000, 40.0) == 2.0
    assert R.growth(1000, 10.0, 4000, 10.0) == 0.0
    assert R.growth(1000, None, 2000, 5.0) is None


def test_bad_scale_argument_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        R.parse_args(["--scale", "lots"])
    assert exc.value.code == 2 and "--scale takes numbers" in capsys.readouterr().err
