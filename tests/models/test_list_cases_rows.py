"""Store.list_cases (plain SQL rows since the benchmarks) agrees with the full cases."""

from __future__ import annotations

import datetime as dt

from app.models.demo import demo_bundle
from app.models.store import Store


def test_list_cases_rows_match_the_cases(store: Store) -> None:
    store.import_bundle(demo_bundle(12, seed=5, today=dt.date(2026, 11, 23), notes_per_case=2))
    rows = store.list_cases()
    cases = store.get_cases()
    assert [r.reference for r in rows] == sorted(c["reference"] for c in cases)
    for row, case in zip(rows, cases, strict=True):
        ind, order = case["individual"], case["order"]
        assert (row.given_names, row.family_name, row.preferred_name) == (
            ind["given_names"], ind["family_name"], ind.get("preferred_name"))
        assert row.date_of_birth == dt.date.fromisoformat(ind["date_of_birth"])
        assert row.imposed_on == dt.date.fromisoformat(order["imposed_on"])
        assert row.ends_on == (dt.date.fromisoformat(order["ends_on"]) if order.get("ends_on") else None)
        assert (row.court, row.status, row.responsible_officer) == (
            order["court"], order.get("status"), order.get("responsible_officer"))
        assert row.requirements == tuple(r["kind"] for r in order["requirements"])
        assert row.open_flags == tuple(f["kind"] for f in case.get("flags", []) if not f.get("closed_on"))
        assert row.supervision_intensity == case.get("supervision_intensity")
