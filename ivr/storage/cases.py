"""The cases store: what staff must act on, one per person and reason, and the calls that added to each.

Stores only: which outcome opens which case is decided in ivr/cases/ (pure rules) and handed in here as
``Opening`` rows. A source (a call attempt, a hotline call, a call-back task) is processed once: the
``case_sources`` row written in the same transaction makes a second sync a no-op, and the partial unique
index on (person, reason) among cases not closed means two processes never open the same case twice.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage import models as m
from ivr.storage.base import StoreBase, chunks
from ivr.storage.hotline import CallbackTask, InboundCall
from ivr.storage.types import UtcDateTime

OPEN, REFERRED, CLOSED = "open", "referred", "closed"
_NOT_CLOSED = "status <> 'closed'"


class Case(m.Base):
    """One person (a contact, or a caller's phone when the hotline did not know them) and one reason."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("uq_cases_person_reason_active", "person_key", "reason", unique=True,
              sqlite_where=text(_NOT_CLOSED), postgresql_where=text(_NOT_CLOSED)),
        Index(None, "status", "reason"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    person_key: Mapped[str] = mapped_column(String(40))  # "contact:<id>" or "phone:<E.164>"
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    phone_e164: Mapped[str | None] = mapped_column(String(16))  # a caller the hotline did not know
    reason: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    category: Mapped[str | None] = mapped_column(String(8))
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    last_event_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    events: Mapped[int] = mapped_column(Integer, default=1)
    referred_to: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(1000))
    updated_by: Mapped[str | None] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class CaseEvent(m.Base):
    """A call (or hotline call, or call-back task) that opened or added to a case."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(12))  # call | hotline | callback
    source_id: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(String(40))  # the call's outcome
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CaseSource(m.Base):
    """Every source looked at once, whether it opened a case or not: the sync's memory."""

    __tablename__ = "case_sources"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(12))
    source_id: Mapped[int] = mapped_column(Integer)


class CaseSyncMark(m.Base):
    """How far every call attempt has been looked at (PostgreSQL only; issue 18, item 6): each attempt of id up
    to ``seen_through`` is done and has its ``case_sources`` row, so a sync starts after it instead of
    comparing every attempt ever made (a month of a province: a million) with what it has seen.

    The mark moves in two steps: ``candidate`` is how far everything was seen at ``candidate_at``; only once
    that is older than ``MARK_DELAY`` does the mark move there (or less, if what is seen now says so). An
    attempt row whose insert was not committed when the candidate was taken (its id was drawn, but it was not
    visible yet) is visible by then, and holds the mark back. On SQLite (embedded, one writer, and a rowid can
    come back after its row is deleted) there is no mark: every sync compares all attempts."""

    __tablename__ = "case_sync_marks"
    source: Mapped[str] = mapped_column(String(12), primary_key=True)  # call
    seen_through: Mapped[int] = mapped_column(Integer)
    candidate: Mapped[int] = mapped_column(Integer)
    candidate_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


MARK_DELAY = dt.timedelta(minutes=10)  # far longer than any transaction that inserts attempts


@dataclass(frozen=True)
class CallRow:
    """A finished outbound attempt not yet looked at."""

    attempt_id: int
    contact_id: int
    category: str | None
    outcome: str
    ended_at: dt.datetime
    answers: dict[str, str]
    retry_scheduled: bool


@dataclass(frozen=True)
class HotlineRow:
    """A hotline call or a call-back task not yet looked at."""

    source: str  # "hotline" | "callback"
    source_id: int
    contact_id: int | None
    phone_e164: str | None
    at: dt.datetime
    symptomatic: bool
    callback: bool
    staff_unanswered: bool = False  # asked for staff: none free, or hung up while waiting in the queue


@dataclass(frozen=True)
class Opening:
    """What the domain decided for one source: open (or add to) a case for each reason."""

    source: str
    source_id: int
    contact_id: int | None
    phone_e164: str | None
    category: str | None
    reasons: tuple[str, ...]
    detail: str | None
    at: dt.datetime


def _person_key(o: Opening) -> str:
    return f"contact:{o.contact_id}" if o.contact_id is not None else f"phone:{o.phone_e164}"


@dataclass(frozen=True)
class CaseRow:
    """A case as staff see it (the person's name, phone and place come from the contact)."""

    id: int
    reason: str
    status: str
    contact_id: int | None
    full_name: str | None
    phone_e164: str | None
    category: str | None
    ward: str | None
    district: str | None
    address: str | None
    opened_at: dt.datetime
    last_event_at: dt.datetime
    events: int
    referred_to: str | None
    note: str | None
    updated_by: str | None
    updated_at: dt.datetime


class OpenCase(NamedTuple):
    """A case still to act on, as the day's workbook lists it: a plain tuple of the columns it shows, read
    without the ORM (a province has ~100,000: a frozen CaseRow each was 0.5 s of the daily report, issue 18)."""

    id: int
    reason: str
    status: str
    contact_id: int | None
    full_name: str | None
    phone_e164: str | None
    category: str | None
    ward: str | None
    district: str | None
    address: str | None
    opened_at: dt.datetime
    events: int
    referred_to: str | None
    note: str | None


class CaseStore(StoreBase):
    """Cases: read what is unprocessed, record openings, list, and move a case on (audited)."""

    BATCH = 2000

    # -- what the sync reads -------------------------------------------------------------------------
    def calls_seen_through(self) -> int:
        """The attempt id up to which every attempt is done and looked at (0: none, or SQLite)."""
        if not self._postgres:
            return 0
        with self._read() as s:
            return s.scalar(select(CaseSyncMark.seen_through).where(CaseSyncMark.source == "call")) or 0

    def advance_calls_mark(self, now: dt.datetime) -> int:
        """Move the mark forward (see ``CaseSyncMark``); returns it. At most one comparison of the attempts
        after the mark every ``MARK_DELAY``: otherwise the stored row is only locked and read."""
        if not self._postgres:
            return 0
        with self._write() as s:
            s.execute(postgresql.insert(m.table_of(CaseSyncMark))
                      .values(source="call", seen_through=0, candidate=0, candidate_at=now - 2 * MARK_DELAY)
                      .on_conflict_do_nothing(index_elements=["source"]))
            mark = s.scalar(select(CaseSyncMark).where(CaseSyncMark.source == "call").with_for_update())
            assert mark is not None  # inserted above
            if now - mark.candidate_at < MARK_DELAY:
                return mark.seen_through
            seen_now = self._seen_through(s, mark.seen_through)
            mark.seen_through = max(mark.seen_through, min(mark.candidate, seen_now))
            mark.candidate, mark.candidate_at = seen_now, now
            return mark.seen_through

    @staticmethod
    def _seen_through(s: Session, after: int) -> int:
        """The highest attempt id such that every attempt from ``after`` up to it is done and looked at."""
        A = m.CallAttempt
        seen = select(CaseSource.id).where(CaseSource.source == "call", CaseSource.source_id == A.id).exists()
        first_not = s.scalar(select(func.min(A.id)).where(
            A.id > after, ~(A.status == "done") | A.outcome.is_(None) | A.ended_at.is_(None) | ~seen))
        if first_not is not None:
            return int(first_not) - 1
        return int(s.scalar(select(func.max(A.id)).where(A.id > after)) or after)

    def unprocessed_calls(self, limit: int = BATCH, after: int = 0) -> list[CallRow]:
        """Finished calls not looked at yet, by attempt id from ``after`` on (the sync pages through them by
        id: each page is an index range, not a scan of every attempt ever made; issue 18, 1,000,000 attempts)."""
        A = m.CallAttempt
        seen = select(CaseSource.id).where(CaseSource.source == "call", CaseSource.source_id == A.id).exists()
        later = aliased(A)
        following = (select(later.id).where(later.campaign_id == A.campaign_id, later.household_id == A.household_id,
                                            later.attempt_no > A.attempt_no).exists())
        query = (select(A.id, A.contact_id, A.outcome, A.ended_at, m.Campaign.category, following)
                 .join(m.Campaign, m.Campaign.id == A.campaign_id)
                 .where(A.id > after, A.status == "done", A.outcome.is_not(None), A.ended_at.is_not(None), ~seen)
                 .order_by(A.id).limit(limit))
        with self._read() as s:
            rows = s.execute(query).all()
            answers: dict[int, dict[str, str]] = {row.id: {} for row in rows}
            if rows:
                for attempt_id, question, value in s.execute(
                        select(m.Answer.attempt_id, m.Answer.question_id, m.Answer.value)
                        .where(m.Answer.attempt_id.in_(list(answers)))):
                    answers[attempt_id][question] = value
            return [CallRow(r.id, r.contact_id, r.category, r.outcome, r.ended_at, answers[r.id], bool(r[5]))
                    for r in rows]

    def unprocessed_hotline(self, limit: int = BATCH) -> list[HotlineRow]:
        out: list[HotlineRow] = []
        with self._read() as s:
            seen_call = select(CaseSource.id).where(CaseSource.source == "hotline",
                                                    CaseSource.source_id == InboundCall.id).exists()
            for row in s.execute(select(InboundCall.id, InboundCall.contact_id, InboundCall.caller_e164,
                                        InboundCall.started_at, InboundCall.script_result, InboundCall.outcome)
                                 .where(InboundCall.ended_at.is_not(None), ~seen_call)
                                 .order_by(InboundCall.id).limit(limit)):
                out.append(HotlineRow("hotline", row.id, row.contact_id, row.caller_e164, row.started_at,
                                      row.script_result == "symptomatic", False,
                                      row.outcome in ("staff_unavailable", "abandoned")))
            seen_task = select(CaseSource.id).where(CaseSource.source == "callback",
                                                    CaseSource.source_id == CallbackTask.id).exists()
            for task in s.execute(select(CallbackTask.id, CallbackTask.contact_id, CallbackTask.phone_e164,
                                        CallbackTask.requested_at)
                                 .where(~seen_task).order_by(CallbackTask.id).limit(limit)):
                out.append(HotlineRow("callback", task.id, task.contact_id, task.phone_e164, task.requested_at,
                                      False, True))
        return out

    def contact_category(self, contact_id: int) -> str | None:
        with self._read() as s:
            return s.scalar(select(m.Contact.category).where(m.Contact.id == contact_id))

    # -- what the sync writes ------------------------------------------------------------------------
    def record(self, openings: Sequence[Opening]) -> int:
        """Mark each source processed and open (or add to) its cases. Returns the cases opened.

        One transaction for the batch; a source already processed by another process is skipped.
        """
        if not openings:
            return 0
        opened = 0
        with self._write() as s:
            # The whole batch's sources in one statement; those already there (another process took them)
            # are not returned, and skipped. (One savepoint per source cost ~1 ms each: a month of attempts
            # took the first report an hour.)
            table = m.table_of(CaseSource)
            insert = postgresql.insert if self._postgres else sqlite.insert
            taken: set[tuple[str, int]] = set()
            for chunk in chunks([{"source": o.source, "source_id": o.source_id} for o in openings], 1000):
                statement = (insert(table).values(chunk)
                             .on_conflict_do_nothing(index_elements=["source", "source_id"])
                             .returning(table.c.source, table.c.source_id))
                taken.update((row.source, row.source_id) for row in s.execute(statement))
            mine = [o for o in openings if (o.source, o.source_id) in taken and o.reasons]
            opened = self._open_or_add_all(s, mine)
        return opened

    def _open_or_add_all(self, s: Session, openings: Sequence[Opening]) -> int:
        """``_open_or_add`` for a batch: the open cases of its people read (and locked) in one query, the new
        ones added together, the events inserted together. Same result as one source after the other."""
        pairs = [(_person_key(o), reason, o) for o in openings for reason in o.reasons]
        if not pairs:
            return 0
        keys = sorted({key for key, _, _ in pairs})
        cases: dict[tuple[str, str], Case] = {}
        for chunk in chunks(keys, 1000):
            query = select(Case).where(Case.person_key.in_(list(chunk)), Case.status != CLOSED)
            for found in s.scalars(query.with_for_update() if self._postgres else query):
                cases[(found.person_key, found.reason)] = found
        opened = 0
        touched: list[tuple[Case, Opening]] = []
        for key, reason, o in pairs:
            row = cases.get((key, reason))
            if row is None:
                row = cases[(key, reason)] = Case(
                    person_key=key, contact_id=o.contact_id, phone_e164=None if o.contact_id else o.phone_e164,
                    reason=reason, status=OPEN, category=o.category, opened_at=o.at, last_event_at=o.at, events=0,
                    updated_at=o.at)
                s.add(row)
                opened += 1
            row.events += 1
            row.last_event_at = max(row.last_event_at, o.at)
            touched.append((row, o))
        s.flush()  # the new cases get their ids
        s.add_all([CaseEvent(case_id=row.id, source=o.source, source_id=o.source_id, detail=o.detail, at=o.at)
                   for row, o in touched])
        return opened

    # -- what staff read and do ----------------------------------------------------------------------
    def find(self, reasons: Sequence[str] = (), statuses: Sequence[str] = (),
             case_ids: Sequence[int] = ()) -> list[CaseRow]:
        C = m.Contact
        query = (select(Case, C.full_name, C.phone_e164, C.ward, C.district, C.address)
                 .outerjoin(C, C.id == Case.contact_id).order_by(Case.id))
        if reasons:
            query = query.where(Case.reason.in_(list(reasons)))
        if statuses:
            query = query.where(Case.status.in_(list(statuses)))
        if case_ids:
            query = query.where(Case.id.in_(list(case_ids)))
        with self._read() as s:
            return [_row(case, name, phone, ward, district, address)
                    for case, name, phone, ward, district, address in s.execute(query)]

    def get(self, case_id: int) -> CaseRow:
        found = self.find(case_ids=[case_id])
        if not found:
            raise UserError(_("case #{id}: no such case").format(id=case_id))
        return found[0]

    def update(self, case_id: int, *, status: str, operator: str, now: dt.datetime, action: str,
               allowed_from: Sequence[str], note: str | None = None, referred_to: str | None = None) -> CaseRow:
        """Move a case to ``status`` if its current status is one of ``allowed_from``; audited (who, when)."""
        with self._write() as s:
            query = select(Case).where(Case.id == case_id)
            row = s.scalar(query.with_for_update() if self._postgres else query)
            if row is None:
                raise UserError(_("case #{id}: no such case").format(id=case_id))
            if row.status not in allowed_from:
                raise CaseStatusConflict(row.status)
            row.status, row.updated_by, row.updated_at = status, operator, now
            if note is not None:
                row.note = note
            if referred_to is not None:
                row.referred_to = referred_to
            if status == CLOSED:
                row.closed_at = now
            self._audit(s, operator, action, f"case:{case_id}", 1, now)
        return self.get(case_id)

    def events(self, case_id: int) -> list[dict[str, Any]]:
        with self._read() as s:
            return [{"source": e.source, "source_id": e.source_id, "detail": e.detail, "at": e.at}
                    for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))]

    def to_act_on(self, before: dt.datetime) -> list[OpenCase]:
        """Cases not closed that were opened before ``before`` (the day's workbook: what is still to do).
        Columns, not ORM objects, filtered by the database: a province can have a hundred thousand (issue 18)."""
        C = m.Contact
        query = (select(Case.id, Case.reason, Case.status, Case.contact_id, C.full_name,
                        func.coalesce(func.nullif(C.phone_e164, ""), Case.phone_e164), Case.category, C.ward, C.district, C.address,
                        Case.opened_at, Case.events, Case.referred_to, Case.note)
                 .outerjoin(C, C.id == Case.contact_id)
                 .where(Case.status.in_([OPEN, REFERRED]), Case.opened_at < before).order_by(Case.id))
        with self._read() as s:
            return list(map(OpenCase._make, s.connection().execute(query)))


class CaseStatusConflict(Exception):
    """The case is not in a status the move allows (the service words the message)."""

    def __init__(self, current: str) -> None:
        super().__init__(current)
        self.current = current


def _row(case: Case, name: str | None, phone: str | None, ward: str | None, district: str | None,
         address: str | None) -> CaseRow:
    return CaseRow(case.id, case.reason, case.status, case.contact_id, name, phone or case.phone_e164,
                   case.category, ward, district, address, case.opened_at, case.last_event_at, case.events,
                   case.referred_to, case.note, case.updated_by, case.updated_at)

