"""The hotline's tables and storage: the inbound call ledger, its answers, call-back tasks and staff agents.

Models live on the shared ``Base`` (migration 0002_hotline). The caller's number is personal data: it is
stored here and nowhere else (logs carry the inbound call id and the channel id only).
Recognising a caller is the hotline's decision (ivr.hotline.recognition.choose_callback) on the rows
``household_attempts`` returns; the chosen attempt is then taken over through the ledger
(``Ledger.claim_for_inbound``), and answers and the outcome go through the ordinary ledger too.
Imports no domain module (calls/, hotline/, contacts/).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage import models as m
from ivr.storage.base import StoreBase
from ivr.storage.records import GivenAnswer
from ivr.storage.hotline_records import (
    CALLBACK_STATUSES, INBOUND_OUTCOMES, AgentRecord, AttemptFacts, CallbackTaskRecord, InboundAnswerRecord, InboundCallRecord,
)
from ivr.storage.types import UtcDateTime

A, H = m.CallAttempt, m.Household


def _one_of(column: str, values: Any) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class InboundCall(m.Base):
    """One call to the hotline, from the first ring to the hang-up."""

    __tablename__ = "inbound_calls"
    __table_args__ = (CheckConstraint(f"outcome IS NULL OR {_one_of('outcome', INBOUND_OUTCOMES)}", name="outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64), unique=True)
    caller_e164: Mapped[str | None] = mapped_column(String(16), index=True)  # None: withheld or not a phone
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    after_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    path: Mapped[list[str]] = mapped_column(JSON, default=list)  # menu choices and queue events, in order
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id"))
    queue_entered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    queue_wait_seconds: Mapped[float | None] = mapped_column(Float)
    answered_by: Mapped[str | None] = mapped_column(String(64))  # the agent's name (e.g. staff1)
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    outcome: Mapped[str | None] = mapped_column(String(24))
    script_result: Mapped[str | None] = mapped_column(String(32))


class InboundAnswer(m.Base):
    """A self-declaration answer of a caller not on any campaign (a recognised caller's go to ``answers``)."""

    __tablename__ = "inbound_answers"
    __table_args__ = (UniqueConstraint("call_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("inbound_calls.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    script: Mapped[str] = mapped_column(String(120))
    script_version: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CallbackTask(m.Base):
    """A caller who asked to be called back by staff (after waiting too long in the queue)."""

    __tablename__ = "callback_tasks"
    __table_args__ = (Index(None, "status", "requested_at"),
                      CheckConstraint(_one_of("status", CALLBACK_STATUSES), name="status"))
    id: Mapped[int] = mapped_column(primary_key=True)
    phone_e164: Mapped[str] = mapped_column(String(16))
    inbound_call_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_calls.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("call_attempts.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(10), default="open")
    done_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    done_by: Mapped[str | None] = mapped_column(String(120))


class Agent(m.Base):
    """A staff member's softphone that can be a member of the hotline queue."""

    __tablename__ = "agents"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)  # the queue member name, e.g. staff1
    interface: Mapped[str] = mapped_column(String(120), unique=True)  # e.g. PJSIP/staff1
    display_name: Mapped[str | None] = mapped_column(String(200))  # personal data: never logged
    logged_in: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class HotlineStore(StoreBase):
    """Storage API of the hotline. Every method is one transaction."""

    # -- inbound calls ---------------------------------------------------------------------------------
    def open_call(self, channel_id: str, caller_e164: str | None, started_at: dt.datetime,
                  after_hours: bool) -> InboundCallRecord:
        """Record a new inbound call; the same channel id again returns the call already recorded."""
        with self._write() as s:
            row = s.scalar(select(InboundCall).where(InboundCall.channel_id == channel_id))
            if row is None:
                row = InboundCall(channel_id=channel_id, caller_e164=caller_e164, started_at=started_at,
                                  after_hours=after_hours, path=[])
                s.add(row)
                s.flush()
            return _call(row)

    def call_by_channel(self, channel_id: str) -> InboundCallRecord | None:
        with self._read() as s:
            row = s.scalar(select(InboundCall).where(InboundCall.channel_id == channel_id))
            return _call(row) if row else None

    def get_call(self, call_id: int) -> InboundCallRecord:
        with self._read() as s:
            return _call(self._call_row(s, call_id))

    def inbound_calls(self, limit: int = 100) -> list[InboundCallRecord]:
        """The newest inbound calls, newest first."""
        with self._read() as s:
            rows = s.scalars(select(InboundCall).order_by(InboundCall.id.desc()).limit(limit))
            return [_call(r) for r in rows]

    def add_path(self, call_id: int, *segments: str) -> None:
        with self._write() as s:
            row = self._call_row(s, call_id)
            row.path = [*(row.path or []), *segments]

    def link_campaign(self, call_id: int, campaign_id: int, contact_id: int, attempt_id: int) -> None:
        """The inbound call stands in for this campaign attempt (a recognised caller)."""
        with self._write() as s:
            row = self._call_row(s, call_id)
            row.contact_id, row.campaign_id, row.attempt_id = contact_id, campaign_id, attempt_id

    def unlink_campaign(self, call_id: int) -> None:
        """Undo ``link_campaign`` (a caller who did not prove who they are): the inbound call is no longer
        the contact's. The attempt goes back to the robot through the ledger (``Ledger.release_inbound``)."""
        with self._write() as s:
            call = self._call_row(s, call_id)
            call.contact_id, call.campaign_id, call.attempt_id = None, None, None

    def count_path_segments(self, caller_e164: str, segment: str, since: dt.datetime) -> int:
        """How many times ``segment`` is in the path of the calls from ``caller_e164`` started since ``since``
        (e.g. failed caller checks today)."""
        with self._read() as s:
            paths = s.scalars(select(InboundCall.path).where(InboundCall.caller_e164 == caller_e164,
                                                             InboundCall.started_at >= since))
            return sum(list(p or ()).count(segment) for p in paths)

    def queue_entered(self, call_id: int, at: dt.datetime) -> None:
        """The caller joined the staff queue (again: the first time stays, the wait adds up)."""
        with self._write() as s:
            row = self._call_row(s, call_id)
            row.queue_entered_at = row.queue_entered_at or at

    def queue_left(self, call_id: int, waited: float, answered_by: str | None, abandoned: bool) -> None:
        """The caller left the queue after ``waited`` seconds: answered, abandoned or timed out."""
        with self._write() as s:
            row = self._call_row(s, call_id)
            row.queue_wait_seconds = round((row.queue_wait_seconds or 0.0) + max(waited, 0.0), 3)
            row.answered_by = answered_by or row.answered_by
            row.abandoned = abandoned

    def record_inbound_answer(self, call_id: int, answer: GivenAnswer, at: dt.datetime) -> None:
        """Store a self-declaration answer; answering the same question again in the call replaces it."""
        insert = pg_insert if self._postgres else sqlite_insert
        values = {"key": answer.key, "value": answer.value, "answered_at": at, "script": answer.script,
                  "script_version": answer.version}
        stmt = insert(InboundAnswer).values(call_id=call_id, question_id=answer.question_id, **values)
        stmt = stmt.on_conflict_do_update(index_elements=["call_id", "question_id"], set_=values)
        with self._write() as s:
            s.execute(stmt)

    def inbound_answers(self, call_id: int) -> list[InboundAnswerRecord]:
        with self._read() as s:
            rows = s.scalars(select(InboundAnswer).where(InboundAnswer.call_id == call_id).order_by(InboundAnswer.id))
            return [InboundAnswerRecord(r.question_id, r.key, r.value, r.script, r.script_version, r.answered_at)
                    for r in rows]

    def finish_call(self, call_id: int, outcome: str, script_result: str | None, ended_at: dt.datetime) -> None:
        if outcome not in INBOUND_OUTCOMES:
            raise ValueError(f"unknown inbound outcome {outcome!r}")
        with self._write() as s:
            row = self._call_row(s, call_id)
            row.outcome, row.script_result, row.ended_at = outcome, script_result, ended_at

    # -- callback recognition --------------------------------------------------------------------------
    def household_attempts(self, phone_e164: str) -> list[AttemptFacts]:
        """Every campaign attempt to the household on this phone, with its campaign's status (the hotline
        chooses among them the call a caller's own call answers)."""
        query = (select(A.id, A.campaign_id, m.Campaign.status, A.contact_id, A.household_id, A.attempt_no,
                        A.status, A.outcome, A.scheduled_at, m.Contact.opted_out)
                 .join(H, H.id == A.household_id).join(m.Campaign, m.Campaign.id == A.campaign_id)
                 .join(m.Contact, m.Contact.id == A.contact_id).where(H.phone_e164 == phone_e164))
        with self._read() as s:
            return [AttemptFacts(attempt_id, campaign_id, campaign_status, contact_id, household_id, attempt_no,
                                 status, outcome, scheduled_at, opted_out)
                    for (attempt_id, campaign_id, campaign_status, contact_id, household_id, attempt_no, status,
                         outcome, scheduled_at, opted_out) in s.execute(query)]

    def robot_call(self, channel_id: str) -> tuple[str, int, int] | None:
        """(phone, contact id, attempt id) of the robot call on ``channel_id`` (a transferred call)."""
        with self._read() as s:
            row = s.execute(select(H.phone_e164, A.contact_id, A.id).join(H, H.id == A.household_id)
                            .where(A.channel_id == channel_id)).first()
            return (row[0], row[1], row[2]) if row else None

    # -- call-back tasks -------------------------------------------------------------------------------
    def add_callback_task(self, phone_e164: str, at: dt.datetime, *, inbound_call_id: int | None = None,
                          contact_id: int | None = None, attempt_id: int | None = None) -> int:
        with self._write() as s:
            row = CallbackTask(phone_e164=phone_e164, requested_at=at, inbound_call_id=inbound_call_id,
                               contact_id=contact_id, attempt_id=attempt_id, status="open")
            s.add(row)
            s.flush()
            return row.id

    def callback_tasks(self, status: str | None = "open") -> list[CallbackTaskRecord]:
        query = select(CallbackTask).order_by(CallbackTask.requested_at, CallbackTask.id)
        if status is not None:
            query = query.where(CallbackTask.status == status)
        with self._read() as s:
            return [CallbackTaskRecord(t.id, t.phone_e164, t.status, t.requested_at, t.inbound_call_id,
                                       t.contact_id, t.attempt_id, t.done_at, t.done_by) for t in s.scalars(query)]

    def close_callback_task(self, task_id: int, status: str, operator: str, now: dt.datetime) -> None:
        """Mark a task done (staff called back) or cancelled; an unknown or closed task is a UserError."""
        if status not in CALLBACK_STATUSES or status == "open":
            raise UserError(_("call-back task status must be done or cancelled, got {status!r}").format(status=status))
        with self._write() as s:
            row = s.get(CallbackTask, task_id)
            if row is None:
                raise UserError(_("call-back task {task_id}: no such task").format(task_id=task_id))
            if row.status != "open":
                raise UserError(_("call-back task {task_id} is already {status}").format(task_id=task_id, status=row.status))
            row.status, row.done_at, row.done_by = status, now, operator
            self._audit(s, operator, f"callback.{status}", f"callback:{task_id}", 1, now)

    # -- agents ----------------------------------------------------------------------------------------
    def add_agent(self, name: str, interface: str, display_name: str | None, *, operator: str,
                  now: dt.datetime) -> AgentRecord:
        with self._write() as s:
            clash = s.scalar(select(Agent).where((Agent.name == name) | (Agent.interface == interface)))
            if clash is not None:
                what = "name" if clash.name == name else "endpoint"
                raise UserError(_("agent {name!r}: an agent with this {what} exists already ({other}, "
                                  "{interface})").format(name=name, what=what, other=clash.name, interface=clash.interface))
            row = Agent(name=name, interface=interface, display_name=display_name, logged_in=False, paused=False,
                        created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            self._audit(s, operator, "agent.add", f"agent:{name}", 1, now)
            return _agent(row)

    def agents(self) -> list[AgentRecord]:
        with self._read() as s:
            return [_agent(a) for a in s.scalars(select(Agent).order_by(Agent.name))]

    def get_agent(self, name: str) -> AgentRecord:
        with self._read() as s:
            return _agent(self._agent_row(s, name))

    def set_agent(self, name: str, *, operator: str, now: dt.datetime, logged_in: bool | None = None,
                  paused: bool | None = None) -> AgentRecord:
        with self._write() as s:
            row = self._agent_row(s, name)
            if logged_in is not None:
                row.logged_in = logged_in
                self._audit(s, operator, "agent.login" if logged_in else "agent.logout", f"agent:{name}", 1, now)
            if paused is not None:
                row.paused = paused
                self._audit(s, operator, "agent.pause" if paused else "agent.unpause", f"agent:{name}", 1, now)
            row.updated_at = now
            return _agent(row)

    # -- helpers ---------------------------------------------------------------------------------------
    @staticmethod
    def _call_row(s: Session, call_id: int) -> InboundCall:
        row = s.get(InboundCall, call_id)
        if row is None:
            raise UserError(_("inbound call {call_id}: no such call").format(call_id=call_id))
        return row

    @staticmethod
    def _agent_row(s: Session, name: str) -> Agent:
        row = s.scalar(select(Agent).where(Agent.name == name))
        if row is None:
            known = ", ".join(s.scalars(select(Agent.name).order_by(Agent.name))) or "none"
            raise UserError(_("agent {name!r}: no such agent (known: {known}); add it with `robocall agents "
                              "add`").format(name=name, known=known))
        return row


def _call(row: InboundCall) -> InboundCallRecord:
    return InboundCallRecord(
        id=row.id, channel_id=row.channel_id, caller_e164=row.caller_e164, started_at=row.started_at,
        ended_at=row.ended_at, after_hours=row.after_hours, path=tuple(row.path or ()), contact_id=row.contact_id,
        campaign_id=row.campaign_id, attempt_id=row.attempt_id, queue_entered_at=row.queue_entered_at,
        queue_wait_seconds=row.queue_wait_seconds, answered_by=row.answered_by, abandoned=row.abandoned,
        outcome=row.outcome, script_result=row.script_result)


def _agent(row: Agent) -> AgentRecord:
    return AgentRecord(row.name, row.interface, row.display_name, row.logged_in, row.paused, row.updated_at)
