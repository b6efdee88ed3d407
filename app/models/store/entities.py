"""SQLAlchemy declarative classes for everything in case-bundle.schema.json, and more.

Lists keep their order through a ``position`` column.  A column left NULL means the
field was absent in the bundle; ``lists_present`` records list fields that were given
explicitly even when empty, so a re-export reproduces the bundle exactly.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


def _fk(target: str) -> Any:
    return mapped_column(ForeignKey(target, ondelete="CASCADE"), index=True)


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    supervision_intensity: Mapped[str | None] = mapped_column(String(10))
    lists_present: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    archived_on: Mapped[dt.date | None] = mapped_column(Date)  # closed: off the caseload, kept

    individual: Mapped[Individual] = relationship(
        back_populates="case", cascade="all, delete-orphan", uselist=False
    )
    order: Mapped[Order] = relationship(back_populates="case", cascade="all, delete-orphan", uselist=False)
    upw_sessions: Mapped[list[UpwSession]] = relationship(
        cascade="all, delete-orphan", order_by="UpwSession.position"
    )
    assessments: Mapped[list[Assessment]] = relationship(
        cascade="all, delete-orphan", order_by="Assessment.position"
    )
    goals: Mapped[list[Goal]] = relationship(cascade="all, delete-orphan", order_by="Goal.position")
    reviews: Mapped[list[Review]] = relationship(cascade="all, delete-orphan", order_by="Review.position")
    notes: Mapped[list[Note]] = relationship(cascade="all, delete-orphan", order_by="Note.position")
    flags: Mapped[list[Flag]] = relationship(cascade="all, delete-orphan", order_by="Flag.position")
    consents: Mapped[list[Consent]] = relationship(cascade="all, delete-orphan", order_by="Consent.position")
    referrals: Mapped[list[Referral]] = relationship(
        cascade="all, delete-orphan", order_by="Referral.position"
    )
    learning: Mapped[Learning | None] = relationship(cascade="all, delete-orphan", uselist=False)
    contract: Mapped[Contract | None] = relationship(cascade="all, delete-orphan", uselist=False)
    plan_versions: Mapped[list[PlanVersion]] = relationship(
        cascade="all, delete-orphan", order_by="PlanVersion.version"
    )
    signatures: Mapped[list[Signature]] = relationship(cascade="all, delete-orphan")
    aliases: Mapped[list[CaseAlias]] = relationship(cascade="all, delete-orphan")
    appointments: Mapped[list[Appointment]] = relationship(
        cascade="all, delete-orphan", order_by="Appointment.position"
    )
    enforcement: Mapped[list[EnforcementAction]] = relationship(
        cascade="all, delete-orphan", order_by="EnforcementAction.position"
    )


class CaseAlias(Base):
    """A reference the case was known by before it was corrected (search and bundle import
    still find it)."""

    __tablename__ = "case_aliases"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    alias: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Draft(Base):
    """An unsaved form kept when Casebook locked itself: inside the encrypted store, never a
    side file; offered back after the next unlock, then deleted."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_reference: Mapped[str | None] = mapped_column(String(40))
    form: Mapped[str] = mapped_column(String(60))
    item_index: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[Any] = mapped_column(JSON)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Individual(Base):
    __tablename__ = "individuals"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    given_names: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    pronouns: Mapped[str | None] = mapped_column(String(40))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(1000))
    phone: Mapped[str | None] = mapped_column(String(40))
    communication_needs: Mapped[list[Any] | None] = mapped_column(JSON)
    interpreter_language: Mapped[str | None] = mapped_column(String(100))
    case: Mapped[Case] = relationship(back_populates="individual")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    court: Mapped[str] = mapped_column(String(200))
    imposed_on: Mapped[dt.date] = mapped_column(Date, index=True)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    responsible_officer: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(20))
    progress_reviews: Mapped[list[Any] | None] = mapped_column(JSON)
    # [{"hearing_on": date, "submitted_on": date}]: reports recorded as submitted (bundle v2)
    progress_review_reports: Mapped[list[Any] | None] = mapped_column(JSON)
    case: Mapped[Case] = relationship(back_populates="order")
    requirements: Mapped[list[Requirement]] = relationship(
        cascade="all, delete-orphan", order_by="Requirement.position"
    )


class Requirement(Base):
    __tablename__ = "requirements"
    # the caseload's requirement list, read in order without a sort (Store.list_cases; v8)
    __table_args__ = (Index("ix_requirements_caseload", "order_id", "position", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = _fk("orders.id")
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    hours: Mapped[int | None] = mapped_column(Integer)
    months: Mapped[int | None] = mapped_column(Integer)
    complete_by: Mapped[dt.date | None] = mapped_column(Date)
    details: Mapped[str | None] = mapped_column(Text)


class UpwSession(Base):
    __tablename__ = "upw_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    position: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    hours: Mapped[float] = mapped_column(Float)
    kind: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)


class Assessment(Base):
    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    position: Mapped[int] = mapped_column(Integer)
    tool: Mapped[str] = mapped_column(String(100))
    completed_on: Mapped[dt.date] = mapped_column(Date)
    risk_level: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("case_id", "goal_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    position: Mapped[int] = mapped_column(Integer)
    goal_key: Mapped[str] = mapped_column(String(40))
    need_area: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    measure: Mapped[str | None] = mapped_column(Text)
    achievable: Mapped[str | None] = mapped_column(Text)
    realistic: Mapped[str | None] = mapped_column(Text)
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(String(20))
    agreed_with_individual: Mapped[bool | None] = mapped_column(Boolean)
    lists_present: Mapped[list[Any]] = mapped_column(JSON, default=list)
    actions: Mapped[list[GoalAction]] = relationship(
        cascade="all, delete-orphan", order_by="GoalAction.position"
    )
    progress: Mapped[list[GoalProgress]] = relationship(
        cascade="all, delete-orphan", order_by="GoalProgress.position"
    )


class GoalAction(Base):
    __tablename__ = "goal_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = _fk("goals.id")
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(20))
    agency: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)


class GoalProgress(Base):
    __tablename__ = "goal_progress"
    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = _fk("goals.id")
    position: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    sensitivity: Mapped[str | None] = mapped_column(String(20))


class Review(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    position: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str | None] = mapped_column(String(30))
    attendees: Mapped[list[Any] | None] = mapped_column(JSON)
    upw_liaison_done: Mapped[bool | None] = mapped_column(Boolean)
    summary: Mapped[str | None] = mapped_column(Text)
    compliance: Mapped[str | None] = mapped_column(Text)
    positive_developments: Mapped[str | None] = mapped_column(Text)
    autonomy_changes: Mapped[str | None] = mapped_column(Text)
    next_review_on: Mapped[dt.date | None] = mapped_column(Date)
    restricted_notes: Mapped[str | None] = mapped_column(Text)
    # Departmental reviews: which scheduled review this is, in months after imposition (bundle v2)
    scheduled_review_months: Mapped[int | None] = mapped_column(Integer)
    lists_present: Mapped[list[Any]] = mapped_column(JSON, default=list)
    goal_progress: Mapped[list[ReviewGoalProgress]] = relationship(
        cascade="all, delete-orphan", order_by="ReviewGoalProgress.position"
    )


class ReviewGoalProgress(Base):
    __tablename__ = "review_goal_progress"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = _fk("reviews.id")
    position: Mapped[int] = mapped_column(Integer)
    goal_key: Mapped[str] = mapped_column(String(40))
    rating: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    sensitivity: Mapped[str | None] = mapped_column(String(20))


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_case_position", "case_id", "position"),
        # Deadlines: the first home visit / office note per case without reading note text.
        Index("ix_notes_case_kind_date", "case_id", "kind", "date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    sensitivity: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str | None] = mapped_column(String(200))


class Appointment(Base):
    """A planned contact (schema v3 of the store, bundle version 2): when, what, and its outcome."""

    __tablename__ = "appointments"
    __table_args__ = (
        UniqueConstraint("case_id", "appt_key"),
        Index("ix_appointments_date", "date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    position: Mapped[int] = mapped_column(Integer)
    appt_key: Mapped[str] = mapped_column(String(20))
    date: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[str] = mapped_column(String(5))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    place: Mapped[str | None] = mapped_column(String(200))
    with_whom: Mapped[str | None] = mapped_column(String(200))
    bring: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    sensitivity: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_recorded_on: Mapped[dt.date | None] = mapped_column(Date)
    absence_reason: Mapped[str | None] = mapped_column(Text)
    rescheduled_to: Mapped[str | None] = mapped_column(String(20))


class EnforcementAction(Base):
    """A step of the warning/breach process taken on a case (a warning letter, a breach decision
    or report), answering one failure to comply."""

    __tablename__ = "enforcement_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    position: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(30))
    failure: Mapped[str | None] = mapped_column(String(20))
    details: Mapped[str | None] = mapped_column(Text)
    sensitivity: Mapped[str | None] = mapped_column(String(20))


class Flag(Base):
    __tablename__ = "flags"
    # the caseload's open flags, read in order without a sort (Store.list_cases; v8)
    __table_args__ = (Index("ix_flags_caseload", "case_id", "position", "kind", "closed_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    raised_on: Mapped[dt.date] = mapped_column(Date)
    review_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    details: Mapped[str | None] = mapped_column(Text)
    sensitivity: Mapped[str | None] = mapped_column(String(20))
    # Victim safety plans: [{"reviewed_on": date, "next_review_on": date}] (bundle v2)
    reviews: Mapped[list[Any] | None] = mapped_column(JSON)


class Consent(Base):
    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    position: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(30))
    agency: Mapped[str | None] = mapped_column(String(200))
    given_on: Mapped[dt.date] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    details: Mapped[str | None] = mapped_column(Text)


class Referral(Base):
    __tablename__ = "referrals"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    position: Mapped[int] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    made_on: Mapped[dt.date] = mapped_column(Date)
    with_consent: Mapped[bool | None] = mapped_column(Boolean)
    outcome: Mapped[str | None] = mapped_column(Text)


class Learning(Base):
    __tablename__ = "learning"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    assessment_offered_on: Mapped[dt.date | None] = mapped_column(Date)
    declined: Mapped[bool | None] = mapped_column(Boolean)
    needs_identified: Mapped[list[Any] | None] = mapped_column(JSON)
    provider: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)


class Contract(Base):
    __tablename__ = "contracts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    agreed_on: Mapped[dt.date | None] = mapped_column(Date)
    signed_by_individual_on: Mapped[dt.date | None] = mapped_column(Date)
    signed_by_officer_on: Mapped[dt.date | None] = mapped_column(Date)
    lists_present: Mapped[list[Any]] = mapped_column(JSON, default=list)
    aims: Mapped[list[ContractAim]] = relationship(
        cascade="all, delete-orphan", order_by="ContractAim.position"
    )
    shared_with: Mapped[list[ContractShare]] = relationship(
        cascade="all, delete-orphan", order_by="ContractShare.position"
    )


class ContractAim(Base):
    __tablename__ = "contract_aims"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = _fk("contracts.id")
    position: Mapped[int] = mapped_column(Integer)
    area: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(Text)
    individual_responsibility: Mapped[str | None] = mapped_column(Text)
    service_commitment: Mapped[str | None] = mapped_column(Text)


class ContractShare(Base):
    __tablename__ = "contract_shares"
    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = _fk("contracts.id")
    position: Mapped[int] = mapped_column(Integer)
    agency: Mapped[str] = mapped_column(String(200))
    shared_on: Mapped[dt.date] = mapped_column(Date)


class PlanVersion(Base):
    """A snapshot of the case management plan (goals as bundle JSON) before a revision."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("case_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    version: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(String(200))
    goals: Mapped[list[Any]] = mapped_column(JSON)


class Signature(Base):
    """A captured signature image (PNG bytes), kept only inside the encrypted store."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("case_id", "document", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = _fk("cases.id")
    document: Mapped[str] = mapped_column(String(20))  # contract | review:<date> | plan
    role: Mapped[str] = mapped_column(String(20))  # individual | officer
    png: Mapped[bytes] = mapped_column(LargeBinary)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    captured_at: Mapped[dt.datetime] = mapped_column(DateTime)


class LocalHoliday(Base):
    """A local (council) holiday: not a working day, on top of Scottish public holidays."""

    __tablename__ = "local_holidays"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class LocalWorkingDay(Base):
    """A Scottish public holiday the service works on (a local "working day" override)."""

    __tablename__ = "local_working_days"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class StoreSetting(Base):
    """Store-wide settings (declared in app.settings); value is JSON."""

    __tablename__ = "store_settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class OutboxItem(Base):
    """An export waiting for (or delivered to) the team's shared drive."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    filename: Mapped[str] = mapped_column(String(255))
    document_kind: Mapped[str] = mapped_column(String(40))
    case_reference: Mapped[str | None] = mapped_column(String(40))
    officer: Mapped[str | None] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    delivered_name: Mapped[str | None] = mapped_column(String(255))


class AuditEvent(Base):
    """Append-only, hash-chained record of who did what (never the sensitive text itself)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str] = mapped_column(String(40))
    entity_ref: Mapped[str | None] = mapped_column(String(100))
    detail: Mapped[str | None] = mapped_column(String(400))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the case's rows after this change (app/models/store/content.py); None for
    # events that are not about one case, and for events written before schema 3.
    content_hash: Mapped[str | None] = mapped_column(String(64), default=None)


class CaseCustody(Base):
    """Who holds a case that has been handed over (issue 15): one row per case that ever
    travelled, kept after a purge (``case_id`` NULL) so a return is checked against it.

    ``state``: held (this store is the custodian, editable) | pending (handed to
    ``counterpart``, read-only until they accept or decline, or the hand-over is cancelled) |
    transferred (the counterpart accepted: read-only, off the work lists, purged after the
    retention period) | accepting (imported here; editable once the acknowledgement is on the
    shared drive) | gone (no copy here: purged, or a crossing cancel undid an accept)."""

    __tablename__ = "case_custody"
    custody_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: outlives a purge
    reference: Mapped[str] = mapped_column(String(40), index=True)
    state: Mapped[str] = mapped_column(String(20))
    custody_version: Mapped[int] = mapped_column(Integer, default=0)
    last_packet_hash: Mapped[str | None] = mapped_column(String(64))
    packet_id: Mapped[str | None] = mapped_column(String(40))  # the packet in flight
    counterpart: Mapped[str | None] = mapped_column(String(20))  # officer id
    counterpart_name: Mapped[str | None] = mapped_column(String(100))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[dt.datetime] = mapped_column(DateTime)
    transferred_on: Mapped[dt.date | None] = mapped_column(Date)
    purged_on: Mapped[dt.date | None] = mapped_column(Date)
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)  # audit events of earlier holders


class HandoverMessage(Base):
    """A handover packet or decision (ack, decline, cancel) sent or received (issue 15).

    Outgoing rows are the handover outbox (``blob`` delivered on the next sync); incoming
    rows are what sync collected, kept whole so accept verifies the bytes themselves.  The
    packet id is unique: a packet seen once is never imported again (replay)."""

    __tablename__ = "handover_messages"
    packet_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    kind: Mapped[str] = mapped_column(String(10))  # handover | ack | decline | cancel
    custody_id: Mapped[str | None] = mapped_column(String(40), index=True)
    about: Mapped[str | None] = mapped_column(String(40))  # a decision: the handover packet's id
    peer: Mapped[str | None] = mapped_column(String(20))  # the other officer's id
    folder: Mapped[str] = mapped_column(String(20))  # officer id of the drive folder it goes to / came from
    filename: Mapped[str] = mapped_column(String(80))
    blob: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))  # out: queued|delivered|withdrawn; in: new|accepted|declined|cancelled
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
