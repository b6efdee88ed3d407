"""Issue 21 hardening: a fuzz target for the bundle reader and validators (hypothesis, a
fixed budget so it runs in every ``make test``), and argument abuse over every verb."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cli import build_parser, main
from app.models.errors import ValidationError
from app.models.store import bundle as B
from tests.security.conftest import store_state

BUDGET = settings(max_examples=300, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

EXAMPLE = (Path(__file__).resolve().parent.parent / "data" / "example-bundle.json").read_text(encoding="utf-8")
TOKENS = ['{', '}', '[', ']', ',', ':', '"sensitivity"', '"not_for_disclosure"', '"hours"', 'NaN', 'Infinity',
          '-Infinity', str(2**63), "9" * 5000, '"\\ud800"', '"\\u0000"', '1e999', 'null', 'true', '"9999-12-31"',
          '"cases"', '"reference"', '"' + "x" * 300 + '"']


@BUDGET
@given(st.data())
def test_fuzz_bundle_reader_raises_only_validation_errors(data: st.DataObject) -> None:
    """Splice hostile tokens into a valid bundle at random places; the reader and every
    validator either accept it or raise ValidationError with a short one-line message."""
    text = EXAMPLE
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 20))
        text = text[:at] + data.draw(st.sampled_from(TOKENS)) + text[at + cut:]
    try:
        value = B.load_bundle_text(text)
        B.validate_bundle(value, ["CPO-2026-0999"])
        for i, case in enumerate(value["cases"]):
            B.check_case_rules(case, f"$.cases[{i}]")
    except ValidationError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 700


@BUDGET
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_fuzz_arbitrary_text_never_escapes_as_another_error(text: str) -> None:
    try:
        B.load_bundle_text(text)
    except ValidationError:
        pass


@BUDGET
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=30),
       st.sampled_from([None, "case", "note", "upw_session", "goal", "review", "flag"]))
def test_fuzz_check_takes_any_python_value(value: Any, definition: str | None) -> None:
    try:
        B.check(value, definition)
    except ValidationError as exc:
        assert "\n" not in str(exc)


def _verbs() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "verb")
    return sorted(sub.choices)  # type: ignore[union-attr]


@pytest.mark.parametrize("verb", _verbs())
def test_argument_abuse_over_every_verb(verb: str, closed_store: Path, passphrase: str, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    fifo = tmp_path / "a.fifo"
    os.mkfifo(fifo)
    nul = tmp_path / "nul-pass"
    nul.write_bytes(b"x\0y")
    abuses = [
        [verb, "--store"],
        [verb, "--store", tmp_path],
        [verb, "--store", fifo],
        [verb, "--store", closed_store, "--no-such-option"],
        [verb, "--store", closed_store, "--today", "9999-99-99", "x" * 5000],
        [verb, "--store", closed_store, "caf\udce9"],
        [verb, "--store", closed_store, "--passphrase-file", fifo],
        [verb, "--store", closed_store, "--passphrase-file", nul],
        [verb, "--store", closed_store, "--passphrase-file", "/dev/zero"],
        [verb, "--store", "\x00"],
    ]
    before = store_state(closed_store)  # the store and every side file (-wal, seal, backups)
    for args in abuses:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        if code == 0 and "--passphrase-file" in args:  # a verb that needs no passphrase never reads it
            assert err == "" and store_state(closed_store) == before
            continue
        assert code in (1, 2, 3), (args, code, out, err)
        assert err.startswith("casebook: ") and err.count("\n") == 1 and len(err) < 500, (args, err)
        assert store_state(closed_store) == before, args


def test_every_verb_is_covered() -> None:
    assert {"init", "import", "export-json", "cases", "check", "backup", "due", "export", "sync", "audit",
            "backups", "restore", "passphrase"} <= set(_verbs())
    json.dumps(_verbs())


# Case 7 for command-line numbers: every whole-number option, given a number too large for
# SQLite (2**63 and beyond), a negative one, or "inf"/"nan", is one line, exit 2, nothing changed.
NUMERIC_OPTIONS = [
    ["due", "--within", "{}"],
    ["backups", "--keep", "{}"],
    ["outbox", "--recent", "{}"],
    ["demo", "--cases", "{}"],
]


@pytest.mark.parametrize("value", [str(2**63), str(2**64 + 1), "9" * 4301, "-1", "inf", "nan", "Infinity"])
@pytest.mark.parametrize("option", NUMERIC_OPTIONS, ids=lambda o: " ".join(o[:2]))
def test_numeric_options_refuse_huge_negative_and_non_finite_values(
        option: list[str], value: str, closed_store: Path, passphrase: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASEBOOK_PASSPHRASE", passphrase)
    store = tmp_path / "new.cbk" if option[0] == "demo" else closed_store
    before = store_state(closed_store)
    code = main([option[0], "--store", str(store), *(a.format(value) for a in option[1:])])
    out, err = capsys.readouterr()
    assert code == 2, (option, value, code, out, err)
    assert err.startswith("casebook: ") and err.count("\n") == 1 and len(err) < 500, err
    assert "Error" not in err and "Traceback" not in err, err  # a message, not an exception's name
    assert store_state(closed_store) == before
    assert not (tmp_path / "new.cbk").exists()
