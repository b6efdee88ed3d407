"""The case lifecycle part: delete a mistaken case, archive (close) or reopen one, correct a
reference (the old one kept as an alias), and find a case by a reference it used to have.

Each action is one transaction on the public ``Tx``, audited (the references, never case
content), returning the ``Changes`` it made.  A deleted case is gone from the store; only a
backup taken before it can bring it back (the desktop app and the CLI take one first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from app.models.errors import NotFoundError, ValidationError
from app.models.store import entities as E
from app.models.store.changes import Changes

if TYPE_CHECKING:
    from app.models.store.facade import Store

MAX_REFERENCE = 40  # the bundle schema's maxLength


def delete(store: Store, ref: str) -> Changes:
    """Remove the case and everything in it (its aliases too)."""
    with store.transaction() as tx:
        case = tx.case(ref)
        tx.session.delete(case)
        tx.audit("delete", "case", ref)
        tx.changes.caseload = True
        tx.changes.cases.add(ref)
        return tx.changes


def archive(store: Store, ref: str, archived: bool = True) -> Changes:
    """Close the case (off the caseload and its due dates, kept whole) or reopen it."""
    with store.transaction() as tx:
        case = tx.case(ref)
        if archived and case.archived_on is not None:
            raise ValidationError(f"case {ref!r} is already archived")
        if not archived and case.archived_on is None:
            raise ValidationError(f"case {ref!r} is not archived")
        case.archived_on = store.clock.today() if archived else None
        tx.audit("archive" if archived else "unarchive", "case", ref)
        tx.changes.caseload = True
        tx.touched(ref)
        return tx.changes


def check_reference(ref: str) -> str:
    ref = " ".join(ref.split())
    if not ref:
        raise ValidationError("the new reference is empty", "$.reference")
    if len(ref) > MAX_REFERENCE:
        raise ValidationError(f"the new reference is longer than {MAX_REFERENCE} characters", "$.reference")
    return ref


def rename(store: Store, old: str, new: str) -> Changes:
    """Correct a case's reference; ``old`` stays as an alias (search, bundle import)."""
    new = check_reference(new)
    if new == old:
        raise ValidationError("the new reference is the same as the current one", "$.reference")
    with store.transaction() as tx:
        case = tx.case(old)
        s = tx.session
        taken = s.scalar(select(E.Case.reference).where(E.Case.reference == new))
        if taken is not None:
            raise ValidationError(f"reference {new!r} is already in this store", "$.reference")
        alias_of = s.scalar(select(E.CaseAlias).where(E.CaseAlias.alias == new))
        if alias_of is not None:
            if alias_of.case_id != case.id:
                raise ValidationError(f"reference {new!r} was used by another case in this store",
                                      "$.reference")
            s.delete(alias_of)  # back to a reference it had before
        case.reference = new
        s.add(E.CaseAlias(case_id=case.id, alias=old, created_at=store.clock.now()))
        # queued exports and the custody of a case name the reference it had when made: kept as is
        tx.audit("renamed", "case", old, f"now {new}")  # the old reference's audited state: gone
        tx.audit("rename", "case", new, f"was {old}")
        tx.changes.caseload = True
        tx.changes.cases.update({old, new})
        return tx.changes


def aliases(store: Store, ref: str) -> list[str]:
    with store.transaction() as tx:
        case = tx.case(ref)
        return sorted(tx.session.scalars(select(E.CaseAlias.alias).where(E.CaseAlias.case_id == case.id)))


def all_aliases(store: Store) -> dict[str, str]:
    """Every old reference -> the case's current reference."""
    with store.transaction() as tx:
        rows = tx.session.execute(select(E.CaseAlias.alias, E.Case.reference)
                                  .join(E.Case, E.Case.id == E.CaseAlias.case_id))
        return {alias: ref for alias, ref in rows}


def resolve(store: Store, ref: str) -> str:
    """The current reference of a case known by ``ref`` (itself, or an old reference)."""
    with store.transaction() as tx:
        s = tx.session
        if s.scalar(select(E.Case.id).where(E.Case.reference == ref)) is not None:
            return ref
        now = s.scalar(select(E.Case.reference).join(E.CaseAlias, E.CaseAlias.case_id == E.Case.id)
                       .where(E.CaseAlias.alias == ref))
        if now is None:
            raise NotFoundError(f"no case with reference {ref!r}")
        return str(now)


def archived_references(store: Store) -> list[str]:
    with store.transaction() as tx:
        return sorted(tx.session.scalars(select(E.Case.reference).where(E.Case.archived_on.is_not(None))))
