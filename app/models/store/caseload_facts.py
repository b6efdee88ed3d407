"""Set-based loading of deadline facts for a whole store (a few queries, no full cases).

Mirrors ``deadlines.facts_from_case`` exactly: the same filters (records on or after the
imposition date; first contact = home visit or office note; open safety plan flags with a
review date) and the same orderings, so ``caseload_due`` and ``case_due`` agree.

Speed (docs/BENCHMARKS.md: 5,000 cases, 250,000 notes): five plain SQL statements read
through SQLAlchemy's driver-level API, so no per-value type processing runs; dates arrive as
the ISO text SQLAlchemy's ``Date`` stores and are parsed once per distinct value.  The
per-case minimums (first contact, first assessment) are correlated ``min()`` lookups on the
case indexes inside the main statement.  Unpaid work sessions are read once in date order
and both the first session and the session that reached the required hours are found in one
pass in Python (the same running sum ``facts_from_case`` does), which is several times cheaper
than a SQL window function over every session.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import json
import operator
import re
import threading
import weakref
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeVar

from app.models.rules import appointments as appts
from app.models.rules.dates import iso_date as _date
from app.models.rules.deadlines import (
    FIRST_CONTACT_NOTE_KINDS,
    HOURS_TOLERANCE,
    OTHER_ACTIVITY,
    UNPAID_WORK,
    CaseFacts,
    CaseWarning,
    DeadlineConfig,
    DueItem,
    Requirement,
    ReviewFact,
    _due_rows,
    _gc_paused,
    _Row,
    _warning_sort_key,
    facts_warnings,
    reports_submitted,
    safety_plan_fact,
    sort_in_turns,
)

if TYPE_CHECKING:  # pragma: no cover
    from app.models.rules.calendar import WorkingCalendar
    from app.models.store import Store, Tx

_T = TypeVar("_T")

# SQLAlchemy's SQLite Date reads "Y-M-D" leniently with this pattern; ISO text is the fast path.
_LENIENT_DATE = re.compile(r"(\d+)-(\d+)-(\d+)")

_BASE_SQL = f"""
SELECT c.id, c.reference, c.supervision_intensity, i.date_of_birth,
       o.imposed_on, o.ends_on, o.status, o.progress_reviews, o.progress_review_reports,
       (SELECT min(n.date) FROM notes n
         WHERE n.case_id = o.case_id AND n.kind IN ({", ".join("?" * len(FIRST_CONTACT_NOTE_KINDS))})
           AND n.date >= o.imposed_on),
       (SELECT min(a.completed_on) FROM assessments a
         WHERE a.case_id = o.case_id AND a.completed_on >= o.imposed_on),
       (SELECT min(p.date) FROM appointments p
         WHERE p.case_id = o.case_id AND p.kind IN ({", ".join("?" * len(FIRST_CONTACT_NOTE_KINDS))})
           AND p.outcome IN ({", ".join("?" * len(appts.ATTENDED_OUTCOMES))}) AND p.date >= o.imposed_on)
  FROM cases c
  JOIN individuals i ON i.case_id = c.id
  JOIN orders o ON o.case_id = c.id
 WHERE c.id NOT IN (SELECT case_id FROM case_custody WHERE state = 'transferred' AND case_id IS NOT NULL)
   {{only}}
 ORDER BY c.reference
"""

_REQUIREMENTS_SQL = """
SELECT o.case_id, r.kind, r.hours, r.months, r.complete_by
  FROM orders o JOIN requirements r ON r.order_id = o.id
 WHERE TRUE {only}
 ORDER BY o.case_id, r.position
"""

_SESSIONS_SQL = """
SELECT u.case_id, u.date, u.hours, u.kind
  FROM upw_sessions u JOIN orders o ON o.case_id = u.case_id
 WHERE u.date >= o.imposed_on {only}
 ORDER BY u.case_id, u.date, u.position
"""

_REVIEWS_SQL = """
SELECT r.case_id, r.held_on, r.kind, r.next_review_on, r.scheduled_review_months
  FROM reviews r JOIN orders o ON o.case_id = r.case_id
 WHERE r.held_on >= o.imposed_on {only}
 ORDER BY r.case_id, r.held_on, r.position
"""

_FAILURES_SQL = f"""
SELECT p.case_id, p.date, p.appt_key, p.outcome
  FROM appointments p JOIN orders o ON o.case_id = p.case_id
 WHERE p.outcome IN ({", ".join("?" * len(appts.FAILURE_OUTCOMES))}) AND p.date >= o.imposed_on {{only}}
 ORDER BY p.case_id, p.date, p.start
"""

_ENFORCEMENT_SQL = """
SELECT e.case_id, e.date, e.step, e.failure
  FROM enforcement_actions e
 WHERE TRUE {only}
 ORDER BY e.case_id, e.date, e.position
"""

_SAFETY_SQL = """
SELECT f.case_id, f.review_on, f.closed_on, f.reviews
  FROM flags f
 WHERE f.kind = 'victim_safety_plan' AND (f.review_on IS NOT NULL OR f.reviews IS NOT NULL) {only}
 ORDER BY f.case_id, f.position
"""


def _column_date(text: Any) -> dt.date:
    """A stored Date column value, read as SQLAlchemy's Date type would read it."""
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        match = _LENIENT_DATE.match(str(text))
        if match is None:
            raise ValueError(f"Couldn't parse date string: {text!r}") from None
        return dt.date(*map(int, match.groups()))


DateReader = Callable[[Any], "dt.date | None"]


def _date_reader() -> tuple[DateReader, DateReader]:
    """Parse stored dates, each distinct value once (the same dates recur across cases).

    Returns (known, read): ``known`` is the bare cache lookup (a C call, None on a miss), so
    hot loops write ``known(x) or read(x)``; ``read`` parses and remembers (None for NULL)."""
    seen: dict[Any, dt.date] = {}
    known = seen.get

    def read(text: Any) -> dt.date | None:
        if text is None:
            return None
        day = known(text)
        if day is None:
            day = seen[text] = _column_date(text)
        return day

    return known, read


def _progress_reviews(raw: str | None) -> tuple[dt.date, ...]:
    """The order's progress review hearings from the JSON column (most orders have none)."""
    if raw is None or raw == "null" or raw == "[]":
        return ()
    value = json.loads(raw)
    return tuple(d for p in value or [] for d in [_date(p)] if d is not None)


def _json_list(raw: str | None) -> list[Any]:
    if raw is None or raw == "null" or raw == "[]":
        return []
    return list(json.loads(raw) or [])


def load_caseload_facts(store: Store, config: DeadlineConfig | None = None) -> list[CaseFacts]:
    """One ``CaseFacts`` per case, ordered by reference, read in a single transaction
    (``config``: the other activity cap decides when the hours were reached)."""
    with store.transaction() as tx:
        return [facts for _id, facts in _load_facts(tx, config or DeadlineConfig())]


def _only(sql: str, column: str, case_ids: Collection[int] | None) -> str:
    """``sql`` for every case, or restricted to the cases ``case_ids``.  The ids are integers
    from the store itself, written into the statement so any number of them takes one query."""
    if case_ids is None:
        return sql.replace("{only}", "")
    ids = ",".join(str(int(i)) for i in case_ids) or "NULL"
    return sql.replace("{only}", f"AND {column} IN ({ids})")


def _load_facts(tx: Tx, config: DeadlineConfig, case_ids: Collection[int] | None = None
                ) -> list[tuple[int, CaseFacts]]:
    """(case id, facts) of every case, or of the cases ``case_ids``, ordered by reference."""
    def fetch(sql: str, column: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        # The DB-API cursor of the store's connection (same transaction): plain tuples, no Row
        # objects or per-value processing for ~90,000 rows.
        cursor = tx.execute_raw(_only(sql, column, case_ids), params)
        try:
            return cursor.fetchall()  # type: ignore[no-any-return]
        finally:
            cursor.close()

    base = fetch(_BASE_SQL, "c.id", (*FIRST_CONTACT_NOTE_KINDS, *FIRST_CONTACT_NOTE_KINDS,
                                     *sorted(appts.ATTENDED_OUTCOMES)))
    requirement_rows = fetch(_REQUIREMENTS_SQL, "o.case_id")
    session_rows = fetch(_SESSIONS_SQL, "u.case_id")
    review_rows = fetch(_REVIEWS_SQL, "r.case_id")
    safety_rows = fetch(_SAFETY_SQL, "f.case_id")
    failure_rows = fetch(_FAILURES_SQL, "p.case_id", tuple(sorted(appts.FAILURE_OUTCOMES)))
    action_rows = fetch(_ENFORCEMENT_SQL, "e.case_id")

    known, day = _date_reader()  # known(text) is None for a date not yet parsed (or NULL)

    reqs: dict[int, list[Requirement]] = {}
    shared: dict[tuple[Any, ...], Requirement] = {}  # frozen: equal requirements share one object
    for case_id, kind, hours, months, complete_by in requirement_rows:
        key = (kind, hours, months, complete_by)
        requirement = shared.get(key)
        if requirement is None:
            requirement = shared[key] = Requirement(kind, hours, months, day(complete_by))
        reqs.setdefault(case_id, []).append(requirement)

    # Unpaid work in (date, position) order: the first session, and the session whose running
    # total (other activity only up to the cap) reached the required hours: exactly the running
    # sum of ``facts_from_case``.
    required = {case_id: sum(int(r.hours or 0) for r in rs if r.kind == UNPAID_WORK) for case_id, rs in reqs.items()}
    first_session: dict[int, Any] = {}
    reached: dict[int, Any] = {}
    current: int | None = None
    work = other = 0.0
    target = 0.0
    cap: float | None = None
    counting = False
    for case_id, when, hours, kind in session_rows:
        if case_id != current:
            current = case_id
            first_session[case_id] = when
            need = required.get(case_id, 0)
            counting = need > 0
            work = other = 0.0
            target = need - HOURS_TOLERANCE
            cap = config.other_activity_cap(need)
        if counting:
            if kind == OTHER_ACTIVITY:
                other += float(hours)
            else:
                work += float(hours)
            if work + (other if cap is None else min(other, cap)) >= target:
                reached[case_id] = when
                counting = False

    reviews: dict[int, list[ReviewFact]] = {}
    for r_case, held_on, r_kind, next_on, months in review_rows:
        review = ReviewFact(known(held_on) or day(held_on), r_kind,  # type: ignore[arg-type]
                            known(next_on) or day(next_on), months)
        reviews.setdefault(r_case, []).append(review)

    # Victim safety plans: few rows; built by the same function as ``facts_from_case``.
    safety: dict[int, list[Any]] = {}
    for f_case, review_on, closed_on, flag_reviews in safety_rows:
        plan = safety_plan_fact({"kind": "victim_safety_plan", "review_on": review_on, "closed_on": closed_on,
                                 "reviews": _json_list(flag_reviews)})
        if plan is not None:
            safety.setdefault(f_case, []).append(plan)

    failures: dict[int, list[appts.Failure]] = {}
    for p_case, p_day, p_key, p_outcome in failure_rows:
        failures.setdefault(p_case, []).append(appts.Failure(day(p_day), p_key, p_outcome))  # type: ignore[arg-type]
    actions: dict[int, list[appts.Action]] = {}
    for e_case, e_day, e_step, e_failure in action_rows:
        actions.setdefault(e_case, []).append(appts.Action(day(e_day), e_step, e_failure))  # type: ignore[arg-type]

    out: list[tuple[int, CaseFacts]] = []
    append = out.append
    no_reqs: list[Requirement] = []
    for case_id, ref, intensity, dob, imposed, ends, status, progress, reports, contact, assessed, attended in base:
        if attended is not None and (contact is None or attended < contact):
            contact = attended
        facts = CaseFacts(
            reference=ref,
            date_of_birth=known(dob) or day(dob),
            imposed_on=known(imposed) or day(imposed),  # type: ignore[arg-type]
            ends_on=known(ends) or day(ends),
            status=status,
            intensity=intensity,
            requirements=tuple(reqs.get(case_id, no_reqs)),
            progress_reviews=_progress_reviews(progress),
            reports_submitted=reports_submitted({"progress_review_reports": _json_list(reports)}) if reports else (),
            first_contact=known(contact) or day(contact),
            first_upw_session=day(first_session.get(case_id)),
            upw_completed_on=day(reached.get(case_id)),
            first_assessment=known(assessed) or day(assessed),
            reviews=tuple(reviews.get(case_id, ())),
            safety_plans=tuple(safety.get(case_id, ())),
            failures=tuple(failures.get(case_id, ())),
            enforcement=tuple(actions.get(case_id, ())),
        )
        append((case_id, facts))
    return out


# ---------------------------------------------------------------------------- the due date cache
# Tables whose rows feed ``CaseFacts`` (the statements above), with the column naming the case.
# A write to any of them -- through any Store method, import or merge -- marks its case for
# recomputation (temporary triggers, below).  Goals, contracts, consents and the rest do not
# move a due date, so writing them recomputes nothing.  Keep this in step with the statements.
WATCHED_TABLES: dict[str, str] = {
    "cases": "id", "individuals": "case_id", "orders": "case_id", "notes": "case_id",
    "assessments": "case_id", "appointments": "case_id", "upw_sessions": "case_id", "reviews": "case_id",
    "flags": "case_id", "enforcement_actions": "case_id",
    "case_aliases": "case_id",  # for the name index of the search (search.py)
}
# Requirements name their order, not their case.
_REQUIREMENT_CASE = "SELECT case_id, total_changes() FROM main.orders WHERE id = {row}.order_id"

_DIRTY_DDL = "CREATE TEMP TABLE IF NOT EXISTS due_dirty (case_id INTEGER PRIMARY KEY, gen INTEGER NOT NULL)"
_TRIGGER_PREFIX = "due_dirty_"


def _trigger_ddl(tables: Collection[str]) -> list[str]:
    """Temporary (per connection, never in the store file) triggers that note, for every row
    written to a watched table, its case id and the connection's change count at that moment.
    They run inside the writing transaction, so a rolled-back change notes nothing."""
    out: list[str] = []
    for table in sorted(tables):
        for op, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            if table == "requirements":
                body = " ".join(f"INSERT OR REPLACE INTO temp.due_dirty(case_id, gen) "
                                f"{_REQUIREMENT_CASE.format(row=r)};" for r in rows)
            else:
                column = WATCHED_TABLES[table]
                body = " ".join(f"INSERT OR REPLACE INTO temp.due_dirty(case_id, gen) "
                                f"VALUES ({r}.{column}, total_changes());" for r in rows)
            out.append(f"CREATE TEMP TRIGGER IF NOT EXISTS {_TRIGGER_PREFIX}{table}_{op.lower()} "
                       f"AFTER {op} ON main.{table} BEGIN {body} END")
    return out


class ChangeLog:
    """Which cases were written since a given moment, for one open store (see ``_trigger_ddl``).

    ``sync`` installs the triggers when they are missing (first use, or a table rebuilt) and
    returns (epoch, now): a consumer that saw another epoch must start again from nothing;
    ``since(tx, gen)`` names the cases written at or after change count ``gen``."""

    def __init__(self) -> None:
        self.epoch = 0

    def sync(self, tx: Tx) -> tuple[int, int]:
        tables = {r[0] for r in tx.execute_raw("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
        wanted = [t for t in (*WATCHED_TABLES, "requirements") if t in tables]
        have = tx.execute_raw("SELECT count(*) FROM temp.sqlite_master WHERE type = 'trigger' AND name LIKE ?",
                              (_TRIGGER_PREFIX + "%",)).fetchone()[0]
        if have != 3 * len(wanted):
            tx.execute_raw(_DIRTY_DDL)
            for ddl in _trigger_ddl(wanted):
                tx.execute_raw(ddl)
            self.epoch += 1
        return self.epoch, int(tx.execute_raw("SELECT total_changes()").fetchone()[0])

    @staticmethod
    def since(tx: Tx, gen: int) -> set[int]:
        return {r[0] for r in tx.execute_raw("SELECT case_id FROM temp.due_dirty WHERE gen >= ?", (gen,))}


def _fact_dates(facts: CaseFacts) -> list[dt.date]:
    """Every date in ``facts`` (nested records included).  The rules compare today only with
    these (``record date <= today``) and with the due dates they work out (open or overdue,
    derived at read time), so the items worked out for one today hold for every today that
    falls between the same two of these dates."""
    out: list[dt.date] = []
    stack: list[Any] = [facts]
    date = dt.date
    while stack:
        value = stack.pop()
        if isinstance(value, date):
            out.append(value)
        elif isinstance(value, tuple):
            stack.extend(value)
        elif hasattr(value, "__dataclass_fields__"):  # CaseFacts and its records (slots: no __dict__)
            stack.extend(_fields_of(value))
    return out


_FIELD_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}


def _fields_of(value: Any) -> tuple[Any, ...]:
    """A dataclass's field values, in one C call (``attrgetter`` per class)."""
    get = _FIELD_GETTERS.get(type(value))
    if get is None:
        names = [f.name for f in dataclasses.fields(value)]
        pick = operator.attrgetter(*names)
        get = _FIELD_GETTERS[type(value)] = pick if len(names) > 1 else (lambda v: (pick(v),))
    return get(value)


class _Entry:
    """One case's cached due items: their rows (status of open items worked out per today),
    its warnings, and the todays they hold for: ``lo <= today`` and ``today < hi`` (hi None:
    no later date)."""

    __slots__ = ("ref", "rows", "warnings", "lo", "hi")

    def __init__(self, ref: str, rows: list[_Row], warnings: list[CaseWarning], lo: dt.date,
                 hi: dt.date | None) -> None:
        self.ref, self.rows, self.warnings, self.lo, self.hi = ref, rows, warnings, lo, hi

    def holds(self, today: dt.date) -> bool:
        return self.lo <= today and (self.hi is None or today < self.hi)


def _entry(facts: CaseFacts, today: dt.date, cal: WorkingCalendar, config: DeadlineConfig) -> _Entry:
    rows: list[_Row] = []
    _due_rows(facts, today, cal, config, rows)
    lo, hi = dt.date.min, None
    for day in _fact_dates(facts):
        if day <= today:
            if day > lo:
                lo = day
        elif hi is None or day < hi:
            hi = day
    return _Entry(facts.reference, rows, facts_warnings(facts, today), lo, hi)


def _item(row: _Row, today: dt.date) -> DueItem:
    """The DueItem of a cached row on ``today`` (as ``deadlines._items``)."""
    due_on, ref, _rank, label, _n, kind, status, done_on = row
    if done_on is None:
        status = "open" if today <= due_on else "overdue"
    return DueItem(ref, kind, due_on, status, done_on, label)


class DueCache:
    """Every case's due items, kept for one open store (in memory, this session only).

    A case is recomputed only when something it depends on changed: a write to one of its
    rows in ``WATCHED_TABLES`` (noted by temporary triggers on the store's connection, so no
    write path can be missed), a "today" outside the range its items hold for, or -- for
    every case -- a different deadline configuration (store settings) or working calendar
    (local holidays, working-day overrides).  Statuses (open / overdue) are derived from
    today at read time.  ``recomputed`` names the cases the last call worked out again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch = -1
        self.recomputed: set[str] = set()
        self.recomputed_total = 0
        self.clear()

    def clear(self) -> None:
        """Forget everything: the next call works out every case again."""
        self._entries: dict[int, _Entry] = {}
        self._config: DeadlineConfig | None = None
        self._cal: WorkingCalendar | None = None
        self._seen: int | None = None  # the connection's change count when the cache was last brought up to date
        self._today: dt.date | None = None
        self._rows: list[_Row] = []  # every case's rows, sorted (the order of caseload_due)
        self._items: list[DueItem] = []  # the item of each row on _today
        self._warnings: list[CaseWarning] = []

    def due(self, store: Store, today: dt.date, cal: WorkingCalendar, config: DeadlineConfig
            ) -> tuple[list[DueItem], list[CaseWarning]]:
        """(items sorted as ``caseload_due`` sorts them, warnings sorted) for every case."""
        with self._lock, store.transaction() as tx:
            epoch, seen = change_log(store).sync(tx)
            if epoch != self._epoch:
                self.clear()
                self._epoch = epoch
            if self._config != config or self._cal is None or not _same_calendar(self._cal, cal):
                self.clear()
                self._config, self._cal = config, cal
            with _gc_paused():
                if self._seen is None:
                    self._fill(tx, today)
                else:
                    dirty = ChangeLog.since(tx, self._seen)
                    dirty.update(i for i, e in self._entries.items() if not e.holds(today))
                    self._restatus(today)
                    if len(dirty) > max(50, len(self._entries) // 4):
                        self._fill(tx, today)
                    else:
                        self._refresh(tx, today, dirty)
                self._seen = seen
            return list(self._items), list(self._warnings)

    def _fill(self, tx: Tx, today: dt.date) -> None:
        """Work out every case."""
        assert self._config is not None and self._cal is not None
        self._entries = {case_id: _entry(facts, today, self._cal, self._config)
                         for case_id, facts in _load_facts(tx, self._config)}
        self._rows = [row for e in self._entries.values() for row in e.rows]
        sort_in_turns(self._rows)
        self._items = [_item(row, today) for row in self._rows]
        self._today = today
        self._warnings = sorted((w for e in self._entries.values() for w in e.warnings), key=_warning_sort_key)
        self.recomputed = {e.ref for e in self._entries.values()}
        self.recomputed_total += len(self._entries)

    def _restatus(self, today: dt.date) -> None:
        """Open / overdue on a new today: only the rows due between the two todays change."""
        old = self._today
        if old is None or old == today:
            return
        rows, items = self._rows, self._items
        start, stop = bisect.bisect_left(rows, (min(old, today),)), bisect.bisect_left(rows, (max(old, today),))
        for i in range(start, stop):
            if rows[i][7] is None:
                items[i] = _item(rows[i], today)
        self._today = today

    def _refresh(self, tx: Tx, today: dt.date, case_ids: set[int]) -> None:
        """Work out the cases ``case_ids`` again (gone ones are dropped) and move their rows."""
        assert self._config is not None and self._cal is not None
        self.recomputed = set()
        if not case_ids:
            return
        rows, items = self._rows, self._items
        for i in case_ids:
            old = self._entries.pop(i, None)
            if old is not None:
                for row in old.rows:
                    at = bisect.bisect_left(rows, row)
                    del rows[at], items[at]
        for case_id, facts in _load_facts(tx, self._config, case_ids):
            entry = self._entries[case_id] = _entry(facts, today, self._cal, self._config)
            self.recomputed.add(entry.ref)
            for row in entry.rows:
                at = bisect.bisect_left(rows, row)
                rows.insert(at, row)
                items.insert(at, _item(row, today))
        self.recomputed_total += len(case_ids)
        self._warnings = sorted((w for e in self._entries.values() for w in e.warnings), key=_warning_sort_key)


def _same_calendar(a: WorkingCalendar, b: WorkingCalendar) -> bool:
    return a is b or (type(a) is type(b) and a.local_holidays == b.local_holidays
                      and a.working_days == b.working_days)


_PER_STORE: weakref.WeakKeyDictionary[Store, dict[type, Any]] = weakref.WeakKeyDictionary()
_PER_STORE_LOCK = threading.Lock()


def per_store(store: Store, kind: type[_T]) -> _T:
    """The one ``kind()`` object kept for this open store (in memory, gone with the ``Store``)."""
    with _PER_STORE_LOCK:
        objects = _PER_STORE.setdefault(store, {})
        obj = objects.get(kind)
        if obj is None:
            obj = objects[kind] = kind()
        return obj  # type: ignore[no-any-return]


def change_log(store: Store) -> ChangeLog:
    return per_store(store, ChangeLog)


def due_cache(store: Store) -> DueCache:
    """The due date cache of this open store (one per ``Store`` object)."""
    return per_store(store, DueCache)
