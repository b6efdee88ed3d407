"""The Store facade: every public method is one transaction.

Callers (the CLI, the GUI's worker, reports, sync) never see a Session or an ORM
object: data goes in and out as bundle-shaped dicts (see case-bundle.schema.json) or
small frozen dataclasses.  Every mutator validates first, writes in one transaction,
appends a hash-chained audit event in that same transaction, and leaves the store
untouched when anything fails.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, configure_mappers, selectinload

from app.models.errors import NotFoundError, StoreError, ValidationError
from app.models.rules.clock import Clock, default_clock
from app.models.rules.deadlines import future_record_problem
from app.models.store import bundle as B
from app.models.store import content, custody, db, instance_lock, parts, seal, security
from app.models.store import entities as E
from app.models.store.changes import Changes
from app.models.store.migrations import migrate
from app.models.store.settings import Settings
from app.models.store.timescales import LocalCalendar, Timescales

if TYPE_CHECKING:
    from app.models.store.appointments import Appointments

LIST_DEFS = {
    "unpaid_work_sessions": "upw_session",
    "assessments": "assessment",
    "goals": "goal",
    "reviews": "review",
    "notes": "note",
    "flags": "flag",
    "consents": "consent",
    "referrals": "referral",
}
GENESIS_HASH = seal.GENESIS_HASH
# Audit entities that are not about one case (their ref is a setting key, a date, an id):
# every other audited event with a ref carries the content hash of that case.
NON_CASE_ENTITIES = frozenset({"store", "setting", "local_holiday", "bundle", "outbox"})
_AUTO: Any = object()


_first = itemgetter(0)

@dataclass(slots=True)
class CaseSummary:
    """One caseload row: plain values, cheap to build for thousands of cases (read-only by
    convention; not frozen, as a frozen dataclass costs several times more to build)."""

    reference: str
    given_names: str
    family_name: str
    preferred_name: str | None
    date_of_birth: dt.date
    court: str
    imposed_on: dt.date
    ends_on: dt.date | None
    status: str | None
    responsible_officer: str | None
    requirements: tuple[str, ...]
    open_flags: tuple[str, ...]
    supervision_intensity: str | None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_ref: str | None
    detail: str | None
    prev_hash: str
    hash: str
    content_hash: str | None = None


def audit_hash(prev_hash: str, at: str, actor: str, action: str, entity: str, ref: str | None,
               detail: str | None, content_hash: str | None = None) -> str:
    """The chain hash of one event; the content hash (schema 3) is chained when present,
    so events written before it still verify."""
    fields = [prev_hash, at, actor, action, entity, ref, detail]
    if content_hash is not None:
        fields.append(content_hash)
    payload = json.dumps(fields, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _case_options() -> list[Any]:
    return [
        selectinload(E.Case.individual),
        selectinload(E.Case.order).selectinload(E.Order.requirements),
        selectinload(E.Case.upw_sessions),
        selectinload(E.Case.assessments),
        selectinload(E.Case.goals).selectinload(E.Goal.actions),
        selectinload(E.Case.goals).selectinload(E.Goal.progress),
        selectinload(E.Case.reviews).selectinload(E.Review.goal_progress),
        selectinload(E.Case.notes),
        selectinload(E.Case.flags),
        selectinload(E.Case.consents),
        selectinload(E.Case.referrals),
        selectinload(E.Case.learning),
        selectinload(E.Case.contract).selectinload(E.Contract.aims),
        selectinload(E.Case.contract).selectinload(E.Contract.shared_with),
        selectinload(E.Case.appointments),
        selectinload(E.Case.enforcement),
    ]


class Store:
    """An open, unlocked store.  Use ``Store.create`` or ``Store.open``; ``close`` when done."""

    def __init__(self, path: Path, conn: Any, passphrase: str, clock: Clock | None = None,
                 actor: str | None = None) -> None:
        self.path = Path(path)
        self._conn = conn
        self._passphrase = passphrase
        self._engine = db.make_engine(conn)
        self._lock = threading.RLock()
        self.clock = clock or default_clock()
        self.actor = actor or _default_actor()
        self.closed = False
        self._instance_lock: Any = None
        # Audit events owed since unlock (the unlock itself, failed attempts before it): written
        # with the session's first change, or at a clean close -- never by a refused command.
        self._deferred: list[tuple[str, str, str | None, str | None]] = []
        self._after_deferred: list[Any] = []
        self._seal_key: bytes | None = None  # None: a store without a seal (schema < 3)
        self._seal_was_closed = False
        self._wrote = False
        self.seal_problem = ""  # set (and every change refused) when opened with inspect=True
        self._wal_kept: bytes | None = None
        self._open: Session | None = None  # the session of the transaction in progress (under _lock)
        configure_mappers()  # once per process, at unlock rather than in the first change

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, path: Path | str, passphrase: str, **kw: Any) -> Store:
        if not passphrase:
            raise ValidationError("a passphrase is required")
        path = Path(path)
        store = cls._locked(path, passphrase, kw, create=True)
        store._audit_now("create", "store", None, None)
        return store

    @classmethod
    def open(cls, path: Path | str, passphrase: str, *, inspect: bool = False, **kw: Any) -> Store:
        """Unlock an existing store.  Nothing is written until the first change (or a clean
        close): the unlock's audit event waits, so a command refused after unlocking leaves
        the store file byte-identical (the attempt goes to the side file instead).

        A store that does not match its seal (see seal.py) raises RollbackError; with
        ``inspect`` it opens read-only instead (``seal_problem`` says why; every change is
        refused), so ``audit --verify`` can show what is wrong."""
        path = Path(path)
        store = cls._locked(path, passphrase, kw, create=False, inspect=inspect)
        events, done = security.pending_unlock_events(path)
        store._deferred[:0] = events
        store._after_deferred.append(done)
        if kw.get("actor") is None:
            store.actor = store._officer_actor() or store.actor
        store._deferred.append(("unlock", "store", None, f"login {_default_actor()}"))
        return store

    def _officer_actor(self) -> str | None:
        """The officer id (issue 14) names the actor in the audit trail once a store has one;
        the login name is recorded as detail of each unlock."""
        value = self.get_setting("officer_id")
        return value if isinstance(value, str) and value else None

    @classmethod
    def _locked(cls, path: Path, passphrase: str, kw: dict[str, Any], *, create: bool,
                inspect: bool = False) -> Store:
        """Take the single-instance lock, connect (create, or unlock with the damage checks),
        compare the seal (refusing a store that went back in time), migrate (an existing store
        is backed up first); release everything on failure."""
        lock = instance_lock.acquire(path, create_dirs=create)
        try:
            sealed: dict[str, Any] | None = None
            file_hash, wal_size, wal_kept = None, 0, None
            if create:
                conn = db.open_connection(path, passphrase, create=True)
            else:
                security.clean_stale_partials(path)  # what a killed backup or restore left
                sealed = seal.read(path)
                wal = seal.wal_path(path)
                wal_size = wal.stat().st_size if wal.is_file() else 0
                if sealed and sealed.get("closed"):
                    file_hash = seal.file_sha256(path)  # before SQLite has the file open
                # SQLite deletes the -wal when its last connection closes, even one that then
                # refuses the store: a refused store gets its log back as it was (evidence).
                wal_kept = wal.read_bytes() if 0 < wal_size <= 256 * 1024 * 1024 else None
                conn = security.unlock(path, passphrase, kw.get("clock"))
            problem = ""
            try:
                try:
                    note = "" if create else security.check_seal(conn, path, passphrase, sealed, file_hash, wal_size)
                except seal.RollbackError as exc:
                    if not inspect:
                        db.close_leaving_log(conn, path, passphrase)
                        _put_back(wal, wal_kept)
                        raise
                    note, problem = "", str(exc)
                if not problem:
                    migrate(conn, None if create else (lambda dest: db.export_copy(conn, dest, passphrase)), path)
                key = security.seal_key(conn)
            except BaseException:
                conn.close()
                raise
        except BaseException:
            lock.release()
            raise
        store = cls(path, conn, passphrase, **kw)
        store._instance_lock = lock
        store._seal_key = key
        store._seal_was_closed = bool(sealed and sealed.get("closed"))
        store.seal_problem = problem
        store._wal_kept = wal_kept if problem else None
        if note:
            store._deferred.append(("seal", "store", None, note))
        return store

    # ------------------------------------------------------------------ named parts
    @property
    def cases(self) -> parts.Cases:
        """Whole cases and their lifecycle (app/models/store/parts.py)."""
        return parts.Cases(self)

    @property
    def items(self) -> parts.Items:
        """The items of a case's lists."""
        return parts.Items(self)

    @property
    def plans(self) -> parts.Plans:
        """Plan versions and reviews (``plans.record_review``: the review and the plan version)."""
        return parts.Plans(self)

    @property
    def signatures(self) -> parts.Signatures:
        """Captured signatures (``signatures.save_all``: every role or none)."""
        return parts.Signatures(self)

    @property
    def outbox(self) -> parts.Outbox:
        """Documents queued for the shared drive."""
        return parts.Outbox(self)

    @property
    def documents(self) -> parts.Documents:
        """Documents leaving the app (``documents.share``: queued and audited together)."""
        return parts.Documents(self)

    @property
    def security(self) -> parts.Security:
        """Passphrase, backups, not-for-disclosure views, commit state."""
        return parts.Security(self)

    @property
    def appointments(self) -> Appointments:
        """Appointments, outcomes and enforcement steps (app/models/store/appointments.py)."""
        from app.models.store.appointments import Appointments

        return Appointments(self)

    def close(self, aborted: bool = False) -> None:
        """Lock the store.  ``aborted`` (a command refused after unlocking): the owed unlock
        event is not written; the attempt is noted in the side file instead."""
        if self.closed:
            return
        with self._lock:
            if self.seal_problem:
                self._deferred = []  # a store that does not match its seal is never written
            if self._deferred:
                if aborted:
                    security.record_refused_command(self.path, self.clock)
                else:
                    try:
                        with self._tx() as s:
                            self._flush_deferred(s)
                    except (StoreError, db.DatabaseError, OSError):
                        pass
            head = None
            try:
                if self._seal_key is not None:
                    head = self._head()
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except db.DatabaseError:
                pass
            self._engine.dispose()  # closes the one connection (StaticPool)
            self._conn.close()
            if self.seal_problem:
                _put_back(seal.wal_path(self.path), self._wal_kept)
            self._passphrase = ""
            self.closed = True
            try:
                if head is not None and self._seal_key is not None and (self._wrote or not self._seal_was_closed):
                    seal.write(self.path, self._seal_key, head, closed=True)
            except OSError:
                pass  # the next open sees the store ahead of its seal, which is accepted
            finally:
                if self._instance_lock is not None:
                    self._instance_lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(aborted=exc_type is not None)

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """One transaction.  A transaction that changed anything also adds one to the
        commit counter (in the same transaction) and, once committed, updates the seal.
        Entered again by the thread inside one (a store method called inside
        ``store.transaction()``), it joins that transaction: all commits together or nothing."""
        if self.closed:
            raise StoreError("the store is locked")
        with self._lock:
            if self._open is not None:  # this thread is inside a transaction already: join it
                yield self._open
                return
            deferred = list(self._deferred)
            wrote = False
            try:
                with Session(self._engine, expire_on_commit=False) as session, session.begin():
                    before = self._conn.total_changes
                    self._open = session
                    try:
                        yield session
                    finally:
                        self._open = None
                    session.flush()
                    if self._conn.total_changes != before:
                        if self.seal_problem:
                            raise seal.RollbackError(self.seal_problem)
                        wrote = True
                        if self._deferred:  # a change that was not audited still owes the unlock event
                            self._flush_deferred(session)
                            session.flush()
                        if self._seal_key is not None:
                            self._conn.execute("UPDATE store_seal SET counter = counter + 1")
                        head = self._head() if self._seal_key is not None else None
            except BaseException:
                self._deferred = deferred
                raise
            if wrote:
                self._wrote = True
                if not self._deferred and deferred:
                    callbacks, self._after_deferred = self._after_deferred, []
                    for callback in callbacks:
                        callback()
                if head is not None and self._seal_key is not None:
                    try:
                        seal.write(self.path, self._seal_key, head, closed=False)
                    except OSError:
                        pass  # the next open sees the store ahead of its seal, which is accepted

    def _head(self) -> seal.Head:
        counter = self._conn.execute("SELECT counter FROM store_seal WHERE id = 1").fetchone()
        last = self._conn.execute("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1").fetchone()
        return seal.Head(int(counter[0]) if counter else 0, int(last[0]) if last else 0,
                         str(last[1]) if last else GENESIS_HASH)

    def commit_state(self) -> dict[str, Any]:
        """The authenticated commit state for an off-laptop copy's metadata: commit counter,
        audit head, and an HMAC over them under the seal key (see ``security.commit_state``)."""
        return security.commit_state(self)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """The public transaction: ``with store.transaction() as tx:`` gives a ``Tx`` (its
        session, case lookup, audit, and the change-set being built).  Everything done inside
        commits together or not at all.  Store parts and multi-step actions use this; nothing
        outside the store package touches a private member.  Store methods called inside
        join it, so several calls become one transaction."""
        with self._tx() as s:
            yield Tx(self, s)

    # ------------------------------------------------------------------ audit
    def _audit(self, s: Session, action: str, entity: str, ref: str | None, detail: str | None = None,
               content_hash: Any = _AUTO) -> None:
        """Append one hash-chained event.  An event about a case (any entity but
        NON_CASE_ENTITIES, with a ref) carries the hash of that case's rows as they are now,
        in this transaction (``content.DELETED`` once the case is gone)."""
        custody.refuse_if_read_only(s, entity, ref, action)  # a case handed over is read-only
        if self._deferred:
            self._flush_deferred(s)
        if content_hash is _AUTO:
            content_hash = self._content_hash(s, entity, ref)
        self._append_event(s, action, entity, ref, detail, content_hash)

    def _append_event(self, s: Session, action: str, entity: str, ref: str | None, detail: str | None,
                      content_hash: str | None) -> None:
        prev = s.scalar(select(E.AuditEvent.hash).order_by(E.AuditEvent.id.desc()).limit(1)) or GENESIS_HASH
        at = self.clock.now().isoformat(timespec="seconds")
        h = audit_hash(prev, at, self.actor, action, entity, ref, detail, content_hash)
        s.add(E.AuditEvent(at=at, actor=self.actor, action=action, entity=entity, entity_ref=ref,
                           detail=detail, prev_hash=prev, hash=h, content_hash=content_hash))

    def _flush_deferred(self, s: Session) -> None:
        events, self._deferred = self._deferred, []
        for action, entity, ref, detail in events:
            self._append_event(s, action, entity, ref, detail, None)

    def _raw(self, s: Session) -> Any:
        s.flush()
        s.connection()
        return lambda sql, params: self._conn.execute(sql, params).fetchall()

    def _content_hash(self, s: Session, entity: str, ref: str | None) -> str | None:
        if ref is None or entity in NON_CASE_ENTITIES:
            return None
        return content.case_hashes(self._raw(s), [ref]).get(ref, content.DELETED)

    def _audit_now(self, action: str, entity: str, ref: str | None, detail: str | None) -> None:
        with self._tx() as s:
            self._audit(s, action, entity, ref, detail)

    def record_event(self, action: str, entity: str, ref: str | None = None, detail: str | None = None) -> None:
        """Record something that changed nothing in the store (an export, a viewing)."""
        self._audit_now(action, entity, ref, detail)

    def audit_events(self) -> list[AuditRow]:
        with self._tx() as s:
            rows = s.scalars(select(E.AuditEvent).order_by(E.AuditEvent.id)).all()
            return [AuditRow(r.id, r.at, r.actor, r.action, r.entity, r.entity_ref, r.detail,
                             r.prev_hash, r.hash, r.content_hash) for r in rows]

    def verify_audit(self) -> list[str]:
        """Problems in the hash chain, then cases whose rows no longer match their last
        audited state ([] when intact).  The first content problem names the first such case
        (by reference)."""
        problems = [f"seal: {self.seal_problem}"] if self.seal_problem else []
        prev = GENESIS_HASH
        events = self.audit_events()
        last: dict[str, AuditRow] = {}
        mentioned: set[str] = set()
        for r in events:
            if r.prev_hash != prev:
                problems.append(f"audit event {r.id}: chain broken (previous hash differs)")
            if audit_hash(r.prev_hash, r.at, r.actor, r.action, r.entity, r.entity_ref, r.detail,
                          r.content_hash) != r.hash:
                problems.append(f"audit event {r.id}: contents altered")
            prev = r.hash
            if r.entity_ref is not None and r.entity not in NON_CASE_ENTITIES:
                mentioned.add(r.entity_ref)
                if r.content_hash is not None:
                    last[r.entity_ref] = r
        with self._tx() as s:
            current = content.case_hashes(self._raw(s))
        for ref in sorted(set(last) | set(current)):
            event = last.get(ref)
            now = current.get(ref, content.DELETED)
            if event is None:
                if ref not in mentioned:
                    problems.append(f"case {ref}: not in the audit trail at all (added outside Casebook)")
                continue  # audited before schema 3: no content hash to compare with
            if event.content_hash == now:
                continue
            if now == content.DELETED:
                problems.append(f"case {ref}: deleted outside Casebook (its last audited state is event {event.id})")
            elif event.content_hash == content.DELETED:
                problems.append(f"case {ref}: present, but the audit trail records its deletion (event {event.id})")
            else:
                problems.append(f"case {ref}: its data no longer matches its last audited state (event "
                                f"{event.id}): changed outside Casebook")
        return problems

    # ------------------------------------------------------------------ reading
    def _case(self, s: Session, ref: str, full: bool = False) -> E.Case:
        stmt = select(E.Case).where(E.Case.reference == ref)
        if full:
            stmt = stmt.options(*_case_options())
        case = s.scalar(stmt)
        if case is None:
            raise NotFoundError(f"no case with reference {ref!r}")
        return case

    def case_references(self) -> list[str]:
        with self._tx() as s:
            return list(s.scalars(select(E.Case.reference).order_by(E.Case.reference)))

    def count_cases(self) -> int:
        with self._tx() as s:
            return int(s.scalar(select(func.count(E.Case.id))) or 0)

    @staticmethod
    def _caseload_from(include_archived: bool) -> str:
        """The cases the caseload lists (list_cases and case_names agree on it): each with its
        person and order, not handed over, not archived (unless asked)."""
        return (
            "FROM cases c JOIN individuals i ON i.case_id = c.id JOIN orders o ON o.case_id = c.id "
            "WHERE c.id NOT IN (SELECT case_id FROM case_custody WHERE state = 'transferred' "
            "AND case_id IS NOT NULL) "  # handed over: off the caseload (issue 15)
            + ("" if include_archived else "AND c.archived_on IS NULL ")
        )

    def case_names(self, include_archived: bool = False) -> list[tuple[str, str, str, str | None]]:
        """(reference, given names, family name, preferred name) of every case ``list_cases``
        lists, in no particular order: what the caseload's first screen is chosen by."""
        with self._tx() as s:
            s.connection()  # begin the transaction on the store's one connection
            return self._conn.execute(
                "SELECT c.reference, i.given_names, i.family_name, i.preferred_name "
                + self._caseload_from(include_archived)).fetchall()

    def list_cases(self, include_archived: bool = False, refs: Iterable[str] | None = None) -> list[CaseSummary]:
        """Every open case (archived ones too with ``include_archived``; only the references
        ``refs`` when given) as a caseload row, ordered by reference: three flat queries,
        plain DB-API rows.

        At 5,000 cases the ORM's (and even Core's) result machinery cost more than the query
        itself, so this reads the driver's rows directly (see docs/BENCHMARKS.md)."""
        day = dt.date.fromisoformat
        wanted = None if refs is None else sorted(set(refs))
        with self._tx() as s:
            s.connection()  # begin the transaction on the store's one connection
            conn = self._conn
            sql = ("SELECT c.reference, c.supervision_intensity, i.given_names, i.family_name, "
                   "i.preferred_name, i.date_of_birth, o.court, o.imposed_on, o.ends_on, o.status, "
                   "o.responsible_officer, o.id, c.id " + self._caseload_from(include_archived))
            if wanted is not None:
                sql += f"AND c.reference IN ({','.join('?' * len(wanted))}) "
            # Sorted here, not by ORDER BY: walking the reference index visits the table's rows
            # out of order (about 2.5x the whole query at 5,000 cases); Python's order of str is
            # SQLite's BINARY order of the same UTF-8 text.
            rows = sorted(conn.execute(sql, wanted or ()).fetchall(), key=_first)
            # Requirements and open flags as two flat reads (covering indexes, in order) grouped
            # here: per-row correlated group_concat subqueries cost more than the whole join.
            only_orders = only_cases = ""
            if wanted is not None:
                only_orders = f"WHERE order_id IN ({','.join(str(int(r[11])) for r in rows) or 'NULL'}) "
                only_cases = f"AND case_id IN ({','.join(str(int(r[12])) for r in rows) or 'NULL'}) "
            reqs: dict[int, list[str]] = {}
            for order_id, kind in conn.execute(
                    f"SELECT order_id, kind FROM requirements {only_orders}ORDER BY order_id, position"):
                reqs.setdefault(order_id, []).append(kind)
            flags: dict[int, list[str]] = {}
            for case_id, kind in conn.execute(
                    f"SELECT case_id, kind FROM flags WHERE closed_on IS NULL {only_cases}"
                    "ORDER BY case_id, position"):
                flags.setdefault(case_id, []).append(kind)
        none: tuple[str, ...] = ()
        return [
            CaseSummary(
                reference=ref, given_names=given, family_name=family, preferred_name=preferred,
                date_of_birth=day(dob), court=court, imposed_on=day(imposed),
                ends_on=day(ends) if ends else None, status=status, responsible_officer=officer,
                requirements=tuple(reqs[order_id]) if order_id in reqs else none,
                open_flags=tuple(flags[case_id]) if case_id in flags else none,
                supervision_intensity=intensity,
            )
            for (ref, intensity, given, family, preferred, dob, court, imposed, ends, status, officer,
                 order_id, case_id) in rows
        ]

    def get_case(self, ref: str) -> dict[str, Any]:
        """The whole case as a bundle-format dict."""
        with self._tx() as s:
            return B.dump_case(self._case(s, ref, full=True))

    def get_cases(self, refs: Iterable[str] | None = None) -> list[dict[str, Any]]:
        with self._tx() as s:
            stmt = select(E.Case).options(*_case_options()).order_by(E.Case.reference)
            if refs is not None:
                wanted = list(refs)
                stmt = stmt.where(E.Case.reference.in_(wanted))
            cases = s.scalars(stmt).all()
            if refs is not None:
                found = {c.reference for c in cases}
                missing = [r for r in wanted if r not in found]
                if missing:
                    raise NotFoundError(f"no case with reference {missing[0]!r}")
                by_ref = {c.reference: c for c in cases}
                cases = [by_ref[r] for r in wanted]
            return [B.dump_case(c) for c in cases]

    def caseload_facts(self, config: Any = None, **kw: Any) -> list[Any]:
        """One ``CaseFacts`` per case for the caseload's due dates, in one transaction
        (app/models/store/caseload_facts.py; the rules call this, never import the store)."""
        from app.models.store.caseload_facts import load_caseload_facts

        return load_caseload_facts(self, config, **kw)

    def due_cache(self) -> Any:
        """This open store's due-date cache (app/models/store/caseload_facts.py ``DueCache``)."""
        from app.models.store.caseload_facts import due_cache

        return due_cache(self)

    # ------------------------------------------------------------------ bundles
    def import_bundle(self, data: Any) -> list[str]:
        """Validate the whole bundle, then add every case in one transaction (all or nothing)."""
        if not isinstance(data, dict):
            B.check(data)
        with self._tx() as s:
            existing = set(s.scalars(select(E.Case.reference)))
            # a case whose reference was corrected is still found by its old one
            aliases = {alias: ref for alias, ref in s.execute(
                select(E.CaseAlias.alias, E.Case.reference).join(E.Case, E.Case.id == E.CaseAlias.case_id))}
            B.validate_bundle(data, existing, aliases)
            now = self.clock.now()
            refs = []
            for case_data in data["cases"]:
                s.add(B.build_case(case_data, now))
                refs.append(case_data["reference"])
            s.flush()
            self._audit(s, "import", "bundle", None, f"{len(refs)} case(s)")
            hashes = content.case_hashes(self._raw(s), refs)
            for ref in refs:  # one event per case, carrying its content hash
                self._append_event(s, "import", "case", ref, None, hashes[ref])
                if len(refs) > 50:
                    s.flush()
            return refs

    def export_bundle(self, refs: Iterable[str] | None = None, exported_by: str | None = None,
                      *, record: bool = True) -> dict[str, Any]:
        """The cases as a bundle.  ``record=False``: the caller records the export (with
        ``record_export_bundle``) only once the file is written."""
        with self.transaction():  # read and audited together
            cases = self.get_cases(refs)
            out = B.new_bundle(cases, exported_by or self.actor, self.clock.now())
            if record:
                self.record_export_bundle(out)
        return out

    def record_export_bundle(self, bundle: dict[str, Any]) -> None:
        cases = bundle["cases"]
        self.record_event("export", "bundle", cases[0]["reference"] if len(cases) == 1 else None,
                          f"{len(cases)} case(s)")

    # ------------------------------------------------------------------ cases
    def create_case(self, data: dict[str, Any]) -> str:
        B.check(data, "case")
        B.check_case_rules(data, "$")
        B.check_entry_rules(data, self.clock.today())
        with self._tx() as s:
            if s.scalar(select(E.Case.id).where(E.Case.reference == data["reference"])) is not None:
                raise ValidationError(f"reference {data['reference']!r} is already in this store",
                                      "$.reference")
            s.add(B.build_case(data, self.clock.now()))
            self._audit(s, "create", "case", data["reference"])
        return str(data["reference"])

    def update_case(self, ref: str, changes: dict[str, Any]) -> None:
        """Replace top-level parts of a case: individual, order, supervision_intensity,
        learning, contract (None removes an optional part)."""
        allowed = {"individual", "order", "supervision_intensity", "learning", "contract"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(f"cannot change {sorted(unknown)[0]!r} this way")
        with self._tx() as s:
            case = self._case(s, ref, full=True)
            merged = B.dump_case(case)
            for key, value in changes.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            B.check(merged, "case")
            B.check_case_rules(merged, "$")
            if {"individual", "order"} & set(changes):
                B.check_entry_rules(merged, self.clock.today())
            if "order" in changes:
                today = self.clock.today().isoformat()
                for i, report in enumerate(merged["order"].get("progress_review_reports") or []):
                    if report["submitted_on"] > today:
                        raise ValidationError("a progress review report can only be recorded as submitted once "
                                              "it has been, not dated after today",
                                              f"$.order.progress_review_reports[{i}].submitted_on")
            if "individual" in changes:
                B.fill(case.individual, B.INDIVIDUAL, merged["individual"])
            if "order" in changes:
                B.fill(case.order, B.ORDER + B.ORDER_TAIL, merged["order"])
                case.order.requirements = [
                    B.fill(E.Requirement(position=i), B.REQUIREMENT, r)
                    for i, r in enumerate(merged["order"]["requirements"])
                ]
            if "supervision_intensity" in changes:
                case.supervision_intensity = merged.get("supervision_intensity")
            if "learning" in changes:
                case.learning = B.fill(E.Learning(), B.LEARNING, merged["learning"]) if "learning" in merged else None
            if "contract" in changes:
                case.contract = B.build_contract(merged["contract"]) if "contract" in merged else None
            case.updated_at = self.clock.now()
            self._audit(s, "update", "case", ref, ",".join(sorted(changes)))

    def delete_case(self, ref: str) -> None:
        with self._tx() as s:
            case = self._case(s, ref)
            s.delete(case)
            self._audit(s, "delete", "case", ref)

    # ------------------------------------------------------------------ list items
    def _check_item(self, s: Session, case: E.Case, key: str, item: Any, index: int | None) -> None:
        if key not in LIST_DEFS:
            raise ValidationError(f"unknown list {key!r}")
        B.check(item, LIST_DEFS[key])
        future = future_record_problem(key, item, self.clock.today())
        if future is not None:
            raise future
        if key == "reviews":
            B.check_review_rules(item)
        if key == "flags":
            B.check_flag_rules(item)
            today = self.clock.today()
            for i, review in enumerate(item.get("reviews") or []):
                if review["reviewed_on"] > today.isoformat():
                    raise ValidationError("a safety plan review can only be recorded once it has been held, "
                                          "not dated after today", f"$.reviews[{i}].reviewed_on")
        if key == "goals":
            others = s.scalars(select(E.Goal.goal_key).where(E.Goal.case_id == case.id,
                                                             E.Goal.position != (-1 if index is None else index)))
            if item["id"] in set(others):
                raise ValidationError(f"goal id {item['id']!r} is already used in this case", "$.id")
        if key == "reviews":
            B.check_review_entry(item)
            goals = set(s.scalars(select(E.Goal.goal_key).where(E.Goal.case_id == case.id)))
            for g, gp in enumerate(item.get("goal_progress", [])):
                if gp["goal_id"] not in goals:
                    raise ValidationError(f"unknown goal {gp['goal_id']!r}", f"$.goal_progress[{g}].goal_id")

    def _item_at(self, s: Session, case: E.Case, key: str, index: int) -> Any:
        cls = B.CASE_LISTS[key][0]
        obj = s.scalar(select(cls).where(cls.case_id == case.id, cls.position == index))
        if obj is None:
            raise NotFoundError(f"no item {index} in {key} of {case.reference}")
        return obj

    def add_item(self, ref: str, key: str, item: dict[str, Any]) -> int:
        """Append an item to one of a case's lists; returns its index."""
        with self._tx() as s:
            case = self._case(s, ref)
            self._check_item(s, case, key, item, None)
            cls = B.CASE_LISTS[key][0]
            pos = int(s.scalar(select(func.coalesce(func.max(cls.position) + 1, 0)).where(cls.case_id == case.id)))
            obj = B.build_item(key, item, pos)
            obj.case_id = case.id
            s.add(obj)
            if key not in (case.lists_present or []):
                case.lists_present = [*(case.lists_present or []), key]
            case.updated_at = self.clock.now()
            self._audit(s, "create", LIST_DEFS[key], ref, f"#{pos}")
            return pos

    def update_item(self, ref: str, key: str, index: int, item: dict[str, Any]) -> None:
        with self._tx() as s:
            case = self._case(s, ref)
            self._check_item(s, case, key, item, index)
            old = self._item_at(s, case, key, index)
            if key == "goals" and old.goal_key != item["id"]:
                self._refuse_if_reviewed(s, case, old.goal_key, "renamed")
            s.delete(old)
            s.flush()
            obj = B.build_item(key, item, index)
            obj.case_id = case.id
            s.add(obj)
            case.updated_at = self.clock.now()
            self._audit(s, "update", LIST_DEFS[key], ref, f"#{index}")

    def delete_item(self, ref: str, key: str, index: int) -> None:
        with self._tx() as s:
            case = self._case(s, ref)
            if key not in LIST_DEFS:
                raise ValidationError(f"unknown list {key!r}")
            old = self._item_at(s, case, key, index)
            if key == "goals":
                self._refuse_if_reviewed(s, case, old.goal_key, "deleted")
            s.delete(old)
            s.flush()
            cls = B.CASE_LISTS[key][0]
            s.execute(update(cls).where(cls.case_id == case.id, cls.position > index)
                      .values(position=cls.position - 1))
            case.updated_at = self.clock.now()
            self._audit(s, "delete", LIST_DEFS[key], ref, f"#{index}")

    def _refuse_if_reviewed(self, s: Session, case: E.Case, goal_key: str, verb: str) -> None:
        used = s.scalar(
            select(func.count(E.ReviewGoalProgress.id))
            .join(E.Review, E.Review.id == E.ReviewGoalProgress.review_id)
            .where(E.Review.case_id == case.id, E.ReviewGoalProgress.goal_key == goal_key)
        )
        if used:
            raise ValidationError(
                f"goal {goal_key} is recorded in a review and cannot be {verb}; mark it revised or discontinued"
            )

    # ------------------------------------------------------------------ plan versions
    def save_plan_version(self, ref: str, reason: str | None = None) -> int:
        """Snapshot the current goals so this version of the plan stays readable."""
        with self._tx() as s:
            case = self._case(s, ref, full=True)
            latest = s.scalar(select(func.max(E.PlanVersion.version)).where(E.PlanVersion.case_id == case.id))
            version = int(latest or 0) + 1
            s.add(E.PlanVersion(case_id=case.id, version=version, saved_at=self.clock.now(), reason=reason,
                                goals=[B.dump_goal(g) for g in case.goals]))
            self._audit(s, "create", "plan_version", ref, f"v{version}")
            return version

    def plan_versions(self, ref: str) -> list[dict[str, Any]]:
        with self._tx() as s:
            case = self._case(s, ref)
            rows = s.scalars(select(E.PlanVersion).where(E.PlanVersion.case_id == case.id)
                             .order_by(E.PlanVersion.version)).all()
            return [{"version": r.version, "saved_at": r.saved_at, "reason": r.reason, "goals": r.goals}
                    for r in rows]

    # ------------------------------------------------------------------ signatures
    def save_signature(self, ref: str, document: str, role: str, png: bytes, signed_on: dt.date) -> None:
        """Keep a captured signature (encrypted, in the store).  For the contract, the
        contract's own "signed on" date for that role is set to the same day, so the record
        and the signature never disagree."""
        if role not in ("individual", "officer"):
            raise ValidationError("a signature is the individual's or the officer's")
        if not png.startswith(b"\x89PNG"):
            raise ValidationError("a signature must be a PNG image")
        with self._tx() as s:
            case = self._case(s, ref)
            s.execute(delete(E.Signature).where(E.Signature.case_id == case.id, E.Signature.document == document,
                                                E.Signature.role == role))
            s.add(E.Signature(case_id=case.id, document=document, role=role, png=png, signed_on=signed_on,
                              captured_at=self.clock.now()))
            if document == "contract":
                contract = s.scalar(select(E.Contract).where(E.Contract.case_id == case.id))
                if contract is not None:
                    setattr(contract, f"signed_by_{role}_on", signed_on)
                    case.updated_at = self.clock.now()
            self._audit(s, "create", "signature", ref, f"{document}/{role}")

    def get_signature(self, ref: str, document: str, role: str) -> tuple[bytes, dt.date] | None:
        with self._tx() as s:
            case = self._case(s, ref)
            sig = s.scalar(select(E.Signature).where(E.Signature.case_id == case.id,
                                                     E.Signature.document == document, E.Signature.role == role))
            return None if sig is None else (sig.png, sig.signed_on)

    # ------------------------------------------------------------------ store settings
    @property
    def settings(self) -> Settings:
        """The store settings, each declared once (app/models/store/settings.py)."""
        return Settings(self)

    def get_setting(self, key: str, default: Any = None) -> Any:
        """What is stored under ``key`` (else ``default``); ``store.settings.get`` gives the
        value in force of a declared setting."""
        return self.settings.stored(key, default)

    def set_setting(self, key: str, value: Any) -> None:
        """Store ``value`` as given (None removes it), unchecked; Casebook itself uses
        ``store.settings.set``, which validates against the declaration."""
        with self.transaction() as tx:
            self.settings.put_raw(tx, key, value)

    def local_working_days(self) -> list[tuple[dt.date, str]]:
        """Scottish public holidays the service works on (see ``store.calendar``)."""
        return self.calendar.working_days()

    @property
    def timescales(self) -> Timescales:
        """Records that close due items: scheduled review choice, reports submitted, safety plan reviews."""
        return Timescales(self)

    @property
    def calendar(self) -> LocalCalendar:
        """Local holidays and working-day overrides."""
        return LocalCalendar(self)

    def local_holidays(self) -> list[tuple[dt.date, str]]:
        with self._tx() as s:
            return [(h.day, h.name) for h in s.scalars(select(E.LocalHoliday).order_by(E.LocalHoliday.day))]

    def set_local_holiday(self, day: dt.date, name: str | None) -> None:
        """Add (or with name None remove) a local holiday."""
        with self.transaction() as tx:
            self.calendar.put_holiday(tx, day, name)

    # ------------------------------------------------------------------ maintenance
    def backup(self, dest: Path | str) -> Path:
        """A consistent encrypted copy, verified by reopening it."""
        dest = Path(dest)
        if dest.resolve() == self.path.resolve():
            raise StoreError("a backup cannot replace the store itself")
        with self._lock:
            if self.closed:
                raise StoreError("the store is locked")
            db.export_copy(self._conn, dest, self._passphrase)
        self.record_event("backup", "store", None, dest.name)
        return dest

    def optimize(self) -> None:
        """Let SQLite refresh its query-planner statistics (after a large import)."""
        with self._lock:
            if self.closed:
                raise StoreError("the store is locked")
            self._conn.execute("PRAGMA optimize")

    def check(self) -> list[str]:
        """Integrity problems found on a fresh connection ([] when healthy)."""
        return check_store(self.path, self._passphrase)


class Tx:
    """One open transaction on the store (see ``Store.transaction``)."""

    __slots__ = ("store", "session", "changes")

    def __init__(self, store: Store, session: Session) -> None:
        self.store = store
        self.session = session
        self.changes = Changes()

    def case(self, ref: str, full: bool = False) -> E.Case:
        """The case entity with this reference (NotFoundError if none)."""
        return self.store._case(self.session, ref, full)

    def audit(self, action: str, entity: str, ref: str | None, detail: str | None = None) -> None:
        """Append a hash-chained audit event in this transaction."""
        self.store._audit(self.session, action, entity, ref, detail)

    def touched(self, ref: str, *lists: str) -> None:
        """Record in the change-set that case ``ref`` (and these lists of it) changed."""
        self.changes.case(ref, *lists)

    def execute_raw(self, sql: str, params: Any = ()) -> Any:
        """A DB-API cursor over the store's one connection inside this transaction (fast reads)."""
        self.session.connection()
        return self.store._conn.execute(sql, params)


def _put_back(wal: Path, data: bytes | None) -> None:
    """Restore a -wal SQLite removed on closing a connection to a refused store."""
    if data is None or (wal.is_file() and wal.stat().st_size == len(data)):
        return
    try:
        db.create_private_file(wal) if not wal.exists() else None
        with open(wal, "r+b") as fh:
            fh.write(data)
            fh.truncate(len(data))
    except OSError:
        pass


def check_store(path: Path | str, passphrase: str) -> list[str]:
    conn = db.open_connection(Path(path), passphrase)
    try:
        return db.integrity_problems(conn)
    finally:
        conn.close()


def _default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no login name on this system
        return "unknown"
