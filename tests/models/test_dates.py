"""One set of date helpers (app/models/rules/dates.py), used by screen, PDF, CLI and rules."""

from __future__ import annotations

import datetime as dt

import pytest

from app.models.rules import dates

D = dt.date
TODAY = D(2026, 11, 23)


@pytest.mark.parametrize(("typed", "iso"), [
    ("2/12/26", "2026-12-02"), ("02/12/2026", "2026-12-02"), ("3.4.85", "1985-04-03"), ("today", "2026-11-23"),
    ("t", "2026-11-23"), ("tomorrow", "2026-11-24"), ("yesterday", "2026-11-22"), ("+7", "2026-11-30"),
    ("-3", "2026-11-20"), ("+2w", "2026-12-07"), ("2026-12-25", "2026-12-25"), ("", None), ("  ", None),
])
def test_parse(typed: str, iso: str | None) -> None:
    assert dates.parse(typed, TODAY) == iso


@pytest.mark.parametrize("bad", ["31/02/2026", "soon", "1/13/26"])
def test_parse_refuses_in_one_line(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a date"):
        dates.parse(bad, TODAY)


def test_show_age_months_and_cli_form() -> None:
    assert dates.show(D(2026, 1, 5)) == "05/01/2026" == dates.show("2026-01-05") == dates.show("2026-01-05T10:00")
    assert dates.show(dt.datetime(2026, 1, 5, 10, 0)) == "05/01/2026"
    assert dates.show(None) == "" == dates.show("")
    assert dates.age_on(D(2009, 3, 1), D(2026, 2, 28)) == 16 and dates.age_on(D(2009, 3, 1), D(2026, 3, 1)) == 17
    assert dates.add_months(D(2026, 11, 30), 3) == D(2027, 2, 28) and dates.add_months(D(2027, 8, 31), 6) == D(2028, 2, 29)
    assert dates.add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)
    assert dates.parse_dmy_or_iso("24/12/2026") == D(2026, 12, 24) == dates.parse_dmy_or_iso("2026-12-24")
    with pytest.raises(ValueError):
        dates.parse_dmy_or_iso("24/12/26")
    assert dates.iso_date("2026-12-24") == D(2026, 12, 24) and dates.iso_date("nope") is None


def test_everyone_uses_the_one_module() -> None:
    from app.commands import holidays
    from app.models.rules import appointments
    from app.reports import data
    from app.ui import forms, table_models

    assert data.fmt_date is dates.show and table_models.fmt_date is dates.show
    assert table_models.age_on is dates.age_on and appointments._date is dates.iso_date
    assert forms.parse_date("2/12/26", TODAY) == "2026-12-02" and forms.show_date("2026-12-02") == "02/12/2026"
    assert holidays.cli_date("24/12/2026") == D(2026, 12, 24)
