"""The retention purge's reads and its one write transaction (the service is ivr.protection.retention).

Personal data past retention is anonymised, not the rows deleted: the ledger keeps its attempts, so the
figures of past days and months stay the same after a purge, but nothing left names anyone.
- contacts: name, phone, birth year, address, exposure and quarantine dates are emptied; the pseudonym
  (which logs and CDRs carry) is replaced by a new random one, so old logs no longer lead to the row;
  category, district, commune, list dates and the opt-out stay (they are what the figures count by).
  The name key becomes ``purged:<id>``: that is how a purged contact is recognised;
- households: the phone, once every member of the household is purged;
- answers of purged contacts: deleted (health data); the attempt's outcome stays, and so does the fact
  that an attempt reported a symptom (table ``purged_symptoms``, one attempt id a row: a call cut short
  after "fever: yes" has no ``symptomatic`` outcome), so the figures of past days do not change;
- hotline calls started before the cut-off or made by a purged contact: the caller's number is emptied
  and the self-declaration answers are deleted; call-back tasks of that time lose their number, and one
  still open past retention is closed (cancelled): nobody will call back after so long;
- imports listed before the cut-off: the paths of their stored copy and error report (the files are
  deleted by the service); files in the register of written files: marked deleted.
A contact with a call pending in a running campaign, or a call claimed or dialling on its phone, is kept
until that call is over; the calls still pending in campaigns that do not run (draft, paused, cancelled)
do not keep anyone past retention: they are deleted with the purge (they would call a number no more).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Sequence, cast

from sqlalchemy import ColumnElement, CursorResult, ForeignKey, Table, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ivr.storage import models as m
from ivr.storage import records as r
from ivr.storage.base import StoreBase, chunks, contact_record
from ivr.storage.contact_store import being_imported
from ivr.storage.hotline import CallbackTask, InboundAnswer, InboundCall
from ivr.storage.written_files import mark_deleted

PURGED_PREFIX = "purged:"
UNFINISHED = (r.AttemptStatus.PENDING.value, r.AttemptStatus.CLAIMED.value, r.AttemptStatus.DIALING.value)
A, C, H = m.CallAttempt, m.Contact, m.Household
# Core tables: one UPDATE statement executed for many rows
CT, HT = cast(Table, m.Contact.__table__), cast(Table, m.Household.__table__)


class PurgedSymptom(m.Base):
    """An attempt whose answers, deleted by the purge, reported a symptom (no personal data: an id)."""

    __tablename__ = "purged_symptoms"
    attempt_id: Mapped[int] = mapped_column(ForeignKey("call_attempts.id"), primary_key=True)


@dataclass(frozen=True)
class AudioSubject:
    """A contact and when prompts were rendered for them, in which scripts: what it takes to find their
    personalised audio again (the cache is keyed by a hash of the text)."""

    contact: r.Contact
    scripts: frozenset[str]
    days: frozenset[dt.date]


@dataclass(frozen=True)
class ImportFiles:
    id: int
    stored_path: str | None
    error_report: str | None


@dataclass(frozen=True)
class PurgePlan:
    cutoff: dt.date  # contacts last seen before this day are purged
    inbound_before: dt.datetime  # hotline calls that started before this time are purged
    subjects: tuple[AudioSubject, ...]
    kept_in_flight: int
    imports: tuple[ImportFiles, ...]
    phones: tuple[str, ...] = ()  # an erasure: also the hotline calls and call-back tasks of these numbers
    erase: bool = False  # an erasure on request: whatever the list dates; pending calls of the person expire

    @property
    def contact_ids(self) -> list[int]:
        return [s.contact.id for s in self.subjects]


@dataclass(frozen=True)
class PurgeCounts:
    contacts: int = 0
    households: int = 0
    answers: int = 0
    inbound_calls: int = 0
    inbound_answers: int = 0
    callback_tasks: int = 0


class PurgeStore(StoreBase):
    def plan(self, cutoff: dt.date, inbound_before: dt.datetime) -> PurgePlan:
        """Who and what the purge would remove now (nothing is changed)."""
        with self._read() as s:
            # Not the people an import is writing right now (a late, back-dated list): theirs is the import's undo.
            old = [C.last_seen < cutoff, ~C.name_key.startswith(PURGED_PREFIX), ~being_imported(C.id)]
            rows = list(s.scalars(select(C).where(*old, *self._idle()).order_by(C.id)))
            kept = s.scalar(select(func.count()).select_from(C).where(*old)) or 0
            imports = [ImportFiles(*row) for row in s.execute(
                select(m.Import.id, m.Import.stored_path, m.Import.error_report)
                .where(m.Import.list_date < cutoff, m.Import.status == "done",
                       or_(m.Import.stored_path.is_not(None), m.Import.error_report.is_not(None)))
                .order_by(m.Import.id))]
            subjects = self._subjects(s, rows)
        return PurgePlan(cutoff, inbound_before, tuple(subjects), int(kept) - len(subjects), tuple(imports))

    def plan_erase(self, contact_ids: Sequence[int], phones: Sequence[str]) -> PurgePlan:
        """An erasure on request: these contacts whatever their list dates, and the hotline calls and call-back
        tasks of these numbers. A contact whose phone is in a call right now is kept (kept_in_flight)."""
        with self._read() as s:
            wanted = [C.id.in_(sorted(set(contact_ids))), ~C.name_key.startswith(PURGED_PREFIX)]
            rows = list(s.scalars(select(C).where(*wanted, *self._not_calling()).order_by(C.id)))
            kept = s.scalar(select(func.count()).select_from(C).where(*wanted)) or 0
            subjects = self._subjects(s, rows)
        return PurgePlan(dt.date.max, dt.datetime.min.replace(tzinfo=dt.timezone.utc), tuple(subjects),
                         int(kept) - len(subjects), (), tuple(sorted(set(phones))), erase=True)

    def find_erasable(self, phone_e164: str | None, contact_id: int | None) -> tuple[list[int], list[int]]:
        """(contact ids, hotline call ids) an erasure request names: the contact, or everyone on that phone
        and every hotline call from it."""
        with self._read() as s:
            if contact_id is not None:
                row = s.get(C, contact_id)
                if row is None:
                    return [], []
                ids = [row.id]
            else:
                ids = list(s.scalars(select(C.id).join(H, H.id == C.household_id)
                                     .where(or_(C.phone_e164 == phone_e164, H.phone_e164 == phone_e164))))
            conditions: list[ColumnElement[bool]] = [InboundCall.contact_id.in_(ids)]
            if phone_e164:
                conditions.append(InboundCall.caller_e164 == phone_e164)
            calls = list(s.scalars(select(InboundCall.id).where(or_(*conditions))))
            return sorted(set(ids)), sorted(calls)

    def sharing(self, subjects: Sequence[AudioSubject]) -> list[AudioSubject]:
        """Contacts that stay and have the same name or address as one purged: their prompts may be the
        very same audio files, which must then stay."""
        ids = {x.contact.id for x in subjects}
        names = sorted({x.contact.full_name for x in subjects if x.contact.full_name})
        addresses = sorted({x.contact.address for x in subjects if x.contact.address})
        found: dict[int, m.Contact] = {}
        with self._read() as s:
            for column, values in ((C.full_name, names), (C.address, addresses)):
                for chunk in chunks(values):
                    for row in s.scalars(select(C).where(column.in_(chunk),
                                                         ~C.name_key.startswith(PURGED_PREFIX))):
                        if row.id not in ids:
                            found[row.id] = row
            return self._subjects(s, [found[i] for i in sorted(found)])

    def answers_of(self, contact_ids: Sequence[int]) -> list[tuple[int, str, str, str]]:
        """(attempt id, script, question id, value) of every answer of these contacts."""
        out: list[tuple[int, str, str, str]] = []
        with self._read() as s:
            for chunk in chunks(list(contact_ids)):
                out += [(attempt_id, script, question_id, value) for attempt_id, script, question_id, value
                        in s.execute(select(m.Answer.attempt_id, m.Answer.script, m.Answer.question_id,
                                            m.Answer.value).where(m.Answer.contact_id.in_(chunk)))]
        return out

    def purge(self, plan: PurgePlan, deleted_files: Sequence[int], imports_cleared: Sequence[int],
              symptomatic_attempts: Sequence[int], *, operator: str, action_object: str,
              now: dt.datetime) -> PurgeCounts:
        """Anonymise everything the plan names, in one transaction (re-checking that each contact is still
        idle and past retention), keep which of their attempts reported a symptom, mark the deleted files,
        and audit it."""
        with self._write() as s:
            ids: list[int] = []
            for chunk in chunks(plan.contact_ids):
                still = self._not_calling() if plan.erase else [C.last_seen < plan.cutoff, *self._idle()]
                ids += s.scalars(select(C.id).where(C.id.in_(chunk), ~C.name_key.startswith(PURGED_PREFIX), *still))
            purged = set(ids)
            for chunk in chunks(sorted(set(symptomatic_attempts))):
                known = set(s.scalars(select(PurgedSymptom.attempt_id).where(PurgedSymptom.attempt_id.in_(chunk))))
                theirs = {a for a, contact in s.execute(select(A.id, A.contact_id).where(A.id.in_(chunk)))
                          if contact in purged}
                s.add_all(PurgedSymptom(attempt_id=a) for a in sorted(theirs - known))
            s.flush()
            households: set[int] = set()
            answers = 0
            for chunk in chunks(ids):
                households |= set(s.scalars(select(C.household_id).where(C.id.in_(chunk))))
                answers += _count(s.execute(delete(m.Answer).where(m.Answer.contact_id.in_(chunk)),
                                            execution_options={"synchronize_session": False}))
                s.execute(update(CT).where(CT.c.id == bindparam("_id")).values(
                    full_name="", name_key=bindparam("_key"), phone_e164="", birth_year=None, sex=None, address=None,
                    exposure_date=None, quarantine_start=None, pseudonym=bindparam("_pseudonym"), updated_at=now),
                    [{"_id": i, "_key": f"{PURGED_PREFIX}{i}", "_pseudonym": self._pseudonyms()} for i in chunk])
            for chunk in chunks(ids):  # calls never made, of campaigns not running: they would call no one
                s.execute(delete(A).where(A.contact_id.in_(chunk), A.status == r.AttemptStatus.PENDING.value),
                          execution_options={"synchronize_session": False})
            emptied = [h for h in sorted(households) if not s.scalar(
                select(exists().where(C.household_id == h, ~C.name_key.startswith(PURGED_PREFIX))))]
            if emptied:
                s.execute(update(HT).where(HT.c.id == bindparam("_id")).values(phone_e164=bindparam("_phone")),
                          [{"_id": h, "_phone": f"purged-{h}"} for h in emptied])
            calls, call_answers, tasks = self._hotline(s, ids, plan.inbound_before, plan.phones)
            for chunk in chunks(list(imports_cleared)):
                s.execute(update(m.Import).where(m.Import.id.in_(chunk)).values(stored_path=None, error_report=None),
                          execution_options={"synchronize_session": False})
            mark_deleted(s, deleted_files, now)
            self._audit(s, operator, "contacts.erase" if plan.erase else "retention.purge", action_object, len(ids),
                        now)
            return PurgeCounts(len(ids), len(emptied), answers, calls, call_answers, tasks)

    def compact(self) -> bool:
        """Make the database files forget what was purged: SQLite keeps deleted and overwritten text in
        free pages (and the WAL) until VACUUM; PostgreSQL keeps old row versions until VACUUM.

        Returns False when SQLite could not truncate its write-ahead log (another process had the database
        open for reading): the WAL file may then still hold purged text until the next checkpoint.
        On PostgreSQL, plain VACUUM marks the dead row versions reusable but does not overwrite them in
        the table files, the WAL segments or the backups: see README ("Personal data")."""
        if self._postgres:
            tables = ", ".join(model.__tablename__ for model in (m.Contact, m.Household, m.Answer, InboundCall,
                                                                 InboundAnswer, CallbackTask))
            with self._engine.execution_options(isolation_level="AUTOCOMMIT").connect() as connection:
                connection.exec_driver_sql(f"VACUUM {tables}")
            return True
        raw = self._engine.raw_connection()  # autocommit (the driver issues no BEGIN): VACUUM needs that
        try:
            cursor = raw.cursor()
            cursor.execute("VACUUM")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, wal_pages, _done = cursor.fetchone() or (0, 0, 0)
            cursor.close()
        finally:
            raw.close()
        # busy: a reader kept the checkpoint from finishing; wal_pages > 0: the WAL was not emptied.
        return not busy and wal_pages <= 0

    # -- helpers ---------------------------------------------------------------------------------------
    @staticmethod
    def _idle() -> list[Any]:
        """No call of the contact is pending, claimed or dialling in a running campaign, and no call is in
        progress on its phone (the household's active attempt). A pending call of a campaign that is not
        running (draft, paused, cancelled) does not keep anyone past retention."""
        running = select(m.Campaign.id).where(m.Campaign.status == r.CampaignStatus.RUNNING.value)
        busy = exists().where(A.contact_id == C.id, A.status.in_(UNFINISHED), A.campaign_id.in_(running))
        household_busy = exists().where(H.id == C.household_id, H.active_attempt_id.is_not(None))
        return [~busy, ~household_busy]

    @staticmethod
    def _not_calling() -> list[Any]:
        """No call is in progress on the contact's phone (claimed or dialling: the household's active attempt)."""
        return [~exists().where(H.id == C.household_id, H.active_attempt_id.is_not(None))]

    @staticmethod
    def _subjects(s: Session, rows: Sequence[m.Contact]) -> list[AudioSubject]:
        scripts: dict[int, set[str]] = {row.id: set() for row in rows}
        days: dict[int, set[dt.date]] = {row.id: set() for row in rows}
        for chunk in chunks([row.id for row in rows]):
            query = (select(A.contact_id, m.Campaign.script_name, m.Campaign.created_at, A.scheduled_at,
                            A.claimed_at, A.started_at)
                     .join(m.Campaign, m.Campaign.id == A.campaign_id).where(A.contact_id.in_(chunk)))
            for contact_id, script, *times in s.execute(query):
                scripts[contact_id].add(script)
                days[contact_id].update(t.date() for t in times if t is not None)
        return [AudioSubject(contact_record(row), frozenset(scripts[row.id]), frozenset(days[row.id]))
                for row in rows]

    @staticmethod
    def _hotline(s: Session, ids: Sequence[int], before: dt.datetime,
                 phones: Sequence[str] = ()) -> tuple[int, int, int]:
        I = InboundCall
        mine = [I.started_at < before] + [I.contact_id.in_(chunk) for chunk in chunks(list(ids))]
        mine += [I.caller_e164.in_(chunk) for chunk in chunks(list(phones))]
        call_ids = list(s.scalars(select(I.id).where(or_(*mine))))
        answers = calls = 0
        for chunk in chunks(call_ids):
            answers += _count(s.execute(delete(InboundAnswer).where(InboundAnswer.call_id.in_(chunk)),
                                        execution_options={"synchronize_session": False}))
            calls += _count(s.execute(update(I).where(I.id.in_(chunk), I.caller_e164.is_not(None))
                                      .values(caller_e164=None), execution_options={"synchronize_session": False}))
        T = CallbackTask
        theirs = [T.requested_at < before] + [T.contact_id.in_(chunk) for chunk in chunks(list(ids))]
        theirs += [T.phone_e164.in_(chunk) for chunk in chunks(list(phones))]
        tasks = _count(s.execute(update(T).where(T.status != "open", T.phone_e164 != "", or_(*theirs))
                                 .values(phone_e164=""), execution_options={"synchronize_session": False}))
        # Still open past retention: nobody calls back after so long; closed, and the number goes too.
        tasks += _count(s.execute(update(T).where(T.status == "open", or_(*theirs))
                                  .values(phone_e164="", status="cancelled", done_by="retention"),
                                  execution_options={"synchronize_session": False}))
        return calls, answers, tasks


def _count(result: Any) -> int:
    """Rows an UPDATE or DELETE changed."""
    return int(cast(CursorResult[Any], result).rowcount or 0)
