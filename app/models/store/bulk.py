"""Bulk loading: many validated cases at once, with SQLAlchemy Core ``executemany``.

``add_cases`` writes exactly the rows ``bundle.build_case`` + an ORM flush would (the same
field tables, the same column types, ids given in the same order), but as one
``executemany`` per table instead of the unit of work's per-object bookkeeping: about an
order of magnitude faster for thousands of cases.  It is for bulk loads of data already
known to be valid (the benchmark store, ``benchmarks/dataset.py``); it runs the case rules
but not the JSON schema, and it writes no per-case audit event (the caller audits the load).
The note search index is filled by its triggers, as for any insert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert

from app.models.store import bundle as B
from app.models.store import entities as E
from app.models.store.facade import Tx

# The tables add_cases writes, in foreign-key order (parents first).
_TABLES: tuple[type[Any], ...] = (
    E.Case, E.Individual, E.Order, E.Requirement, E.UpwSession, E.Assessment, E.Goal, E.GoalAction,
    E.GoalProgress, E.Review, E.ReviewGoalProgress, E.Note, E.Flag, E.Consent, E.Referral, E.Appointment,
    E.EnforcementAction, E.Learning, E.Contract, E.ContractAim, E.ContractShare,
)


def _fields(row: dict[str, Any], fields: list[B.Field], data: dict[str, Any]) -> dict[str, Any]:
    """``bundle.fill`` onto a row dict: every declared column, None when absent."""
    to_value = B._to_value
    for key, attr, kind in fields:
        value = data.get(key)
        row[attr] = None if value is None else to_value(kind, value)
    return row


class _Rows:
    """Rows per table with the next id of each (ids are given here, in insertion order)."""

    def __init__(self, next_ids: dict[str, int]) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {cls.__tablename__: [] for cls in _TABLES}
        self.next_ids = next_ids

    def add(self, cls: type[Any], row: dict[str, Any]) -> int:
        table = cls.__tablename__
        row["id"] = new_id = self.next_ids[table]
        self.next_ids[table] = new_id + 1
        self.rows[table].append(row)
        return new_id


def _case_rows(out: _Rows, data: dict[str, Any], now: dt.datetime) -> None:
    case_id = out.add(E.Case, {"reference": data["reference"], "supervision_intensity": data.get("supervision_intensity"),
                               "lists_present": B._lists_present(data, B.CASE_LISTS), "created_at": now,
                               "updated_at": now})
    out.add(E.Individual, _fields({"case_id": case_id}, B.INDIVIDUAL, data["individual"]))
    order = data["order"]
    order_id = out.add(E.Order, _fields({"case_id": case_id}, B.ORDER + B.ORDER_TAIL, order))
    for i, req in enumerate(order["requirements"]):
        out.add(E.Requirement, _fields({"order_id": order_id, "position": i}, B.REQUIREMENT, req))
    for key, (cls, fields) in B.CASE_LISTS.items():
        for i, item in enumerate(data.get(key, [])):
            if key == "goals":
                goal_id = out.add(E.Goal, _fields({"case_id": case_id, "position": i,
                                                   "lists_present": B._lists_present(item, ("actions", "progress"))},
                                                  B.GOAL, item))
                for j, action in enumerate(item.get("actions", [])):
                    out.add(E.GoalAction, _fields({"goal_id": goal_id, "position": j}, B.ACTION, action))
                for j, progress in enumerate(item.get("progress", [])):
                    out.add(E.GoalProgress, _fields({"goal_id": goal_id, "position": j}, B.PROGRESS, progress))
            elif key == "reviews":
                review_id = out.add(E.Review, _fields({"case_id": case_id, "position": i,
                                                       "lists_present": B._lists_present(item, ("goal_progress",))},
                                                      B.REVIEW_HEAD + B.REVIEW_TAIL, item))
                for j, gp in enumerate(item.get("goal_progress", [])):
                    out.add(E.ReviewGoalProgress, _fields({"review_id": review_id, "position": j}, B.REVIEW_GOAL, gp))
            else:
                out.add(cls, _fields({"case_id": case_id, "position": i}, fields, item))
    if "learning" in data:
        out.add(E.Learning, _fields({"case_id": case_id}, B.LEARNING, data["learning"]))
    if "contract" in data:
        contract = data["contract"]
        contract_id = out.add(E.Contract, _fields({"case_id": case_id,
                                                   "lists_present": B._lists_present(contract, ("aims", "shared_with"))},
                                                  B.CONTRACT_HEAD + B.CONTRACT_TAIL, contract))
        for i, aim in enumerate(contract.get("aims", [])):
            out.add(E.ContractAim, _fields({"contract_id": contract_id, "position": i}, B.AIM, aim))
        for i, share in enumerate(contract.get("shared_with", [])):
            out.add(E.ContractShare, _fields({"contract_id": contract_id, "position": i}, B.SHARE, share))


def add_cases(tx: Tx, cases: Iterable[dict[str, Any]], now: dt.datetime | None = None) -> list[str]:
    """Insert validated bundle cases (the case rules are checked here; the JSON schema is the
    caller's) in ``tx`` with one Core ``executemany`` per table.  Returns their references."""
    now = tx.store.clock.now() if now is None else now
    cases = list(cases)
    for i, case in enumerate(cases):
        B.check_case_rules(case, f"$.cases[{i}]")
    s = tx.session
    s.flush()
    next_ids = {cls.__tablename__: int(tx.execute_raw(f"SELECT coalesce(max(id), 0) + 1 FROM {cls.__tablename__}")
                                       .fetchone()[0]) for cls in _TABLES}
    out = _Rows(next_ids)
    for case in cases:
        _case_rows(out, case, now)
    for cls in _TABLES:
        rows = out.rows[cls.__tablename__]
        if rows:
            s.execute(insert(cls.__table__), _same_keys(rows))
    for case in cases:
        tx.touched(case["reference"])
    return [c["reference"] for c in cases]


def _same_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """executemany needs one set of keys: every row gets every key the table's rows use."""
    keys = set().union(*rows)
    if all(len(r) == len(keys) for r in rows):
        return rows
    return [{k: r.get(k) for k in keys} for r in rows]
