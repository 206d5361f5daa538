"""The call-attempt ledger: enqueue, claim, dial, answer, finish, recover. Every attempt state change is here.

An attempt moves pending -> claimed -> dialing -> done, and each move is one transaction:
- claiming is atomic across workers: PostgreSQL locks the attempt and its household with
  ``FOR UPDATE SKIP LOCKED`` (another worker skips them instead of waiting); SQLite runs the whole claim
  in one ``BEGIN IMMEDIATE`` transaction. A household with an attempt claimed or dialing, in any campaign,
  is never claimed again until that attempt is finished or released;
- ``mark_dialing`` records the channel id before the originate is sent, so after a crash every call that
  may exist on the PBX is known by its channel id;
- an answer is written the moment the key is pressed, once per (attempt, question);
- finishing an attempt and scheduling the next one (per the retry policy) happen in one transaction, and
  finishing twice changes nothing, so replays after a crash neither lose nor duplicate attempts.
When to call again is the domain's decision: the retry policy is passed in (``RetryRule``). The domain
records attempts through ivr.calls.recorder (answers in order, the end with the policy, across outages).
May be imported by any domain module; imports none (tests/unit/test_architecture.py).
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Protocol, Sequence

from sqlalchemy import func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage.stops import stopped_ids
from ivr.storage import models as m
from ivr.storage import records as r
from ivr.storage import hot_sql as sql
from ivr.storage.base import StoreBase, answer_record, attempt_record, contact_record
from ivr.storage.leases import LeaseLost, lease_alive
from ivr.storage.types import UtcDateTime

A, H = m.CallAttempt, m.Household
PENDING, CLAIMED = r.AttemptStatus.PENDING.value, r.AttemptStatus.CLAIMED.value
DIALING, DONE = r.AttemptStatus.DIALING.value, r.AttemptStatus.DONE.value
_OPEN_CAMPAIGN = (r.CampaignStatus.DRAFT.value, r.CampaignStatus.RUNNING.value, r.CampaignStatus.PAUSED.value)


class RetryRule(Protocol):
    """The retry policy, as the ledger needs it (ivr.calls.policy.RetryPolicy is one): the domain decides
    when to call again, the ledger only stores the answer."""

    def knows(self, outcome: str) -> bool:
        """True if ``outcome`` may be recorded."""
        ...

    def next_due(self, outcome: str, attempt_no: int, ended_at: dt.datetime,
                 previous: Sequence[str]) -> dt.datetime | None:
        """When the next attempt is due (None: never again), given the household's earlier outcomes."""
        ...


class InboundTarget(Protocol):
    """The campaign attempt an inbound call stands in for (ivr.hotline.recognition.CallbackChoice is one):
    ``attempt_id`` a pending attempt to take over, or None to record attempt number ``attempt_no``."""

    @property
    def campaign_id(self) -> int: ...
    @property
    def contact_id(self) -> int: ...
    @property
    def household_id(self) -> int: ...
    @property
    def attempt_id(self) -> int | None: ...
    @property
    def attempt_no(self) -> int: ...


# One answer of a batch: (the attempt as the caller holds it, the answer, when it was given).
GivenAt = tuple[r.Attempt, r.GivenAnswer, dt.datetime]


class AttemptConflict(Exception):
    """The attempt is not in the state the caller assumed (released, finished, unknown): do not dial it."""


class AttemptWrites(Protocol):
    """What the attempt recorder (ivr.calls.recorder) writes: answers, then the end with the retry rule."""

    def record_answer(self, attempt_id: int, answer: r.GivenAnswer, at: dt.datetime, *,
                      owner: r.Attempt | None = None) -> bool: ...
    def record_answers(self, given: Sequence[GivenAt]) -> None: ...
    def finish_attempt(self, attempt_id: int, outcome: str, sip_cause: int | None, hangup_cause: int | None,
                       answered_at: dt.datetime | None, ended_at: dt.datetime, *,
                       policy: RetryRule) -> r.Attempt | None: ...


class Attempts(AttemptWrites, Protocol):
    """What the domain may ask of the ledger (Ledger implements it; fakes may too)."""

    def enqueue_contacts(self, campaign_id: int, now: dt.datetime, monitoring_days: int = 1) -> int: ...
    def count_eligible(self, *, import_id: int | None, list_date: dt.date | None, category: str | None,
                       monitoring_days: int = 1) -> int: ...
    def claim_due_attempts(self, campaign_id: int, worker_id: str, now: dt.datetime,
                           limit: int, *, leased: bool = False) -> list[r.Attempt]: ...
    def claim_for_inbound(self, target: InboundTarget, channel_id: str, worker_id: str,
                          now: dt.datetime) -> int | None: ...
    def release_inbound(self, attempt_id: int, created: bool) -> None: ...
    def mark_dialing(self, attempt_id: int, channel_id: str, at: dt.datetime, *,
                     leased_by: str | None = None) -> r.Attempt: ...
    def answers_for_attempt(self, attempt_id: int) -> list[r.Answer]: ...
    def contact_answers(self, contact_id: int) -> list[r.Answer]: ...
    def release_stale_claims(self, worker_id: str | None = None, older_than: dt.datetime | None = None,
                             campaign_id: int | None = None) -> int: ...
    def attempts_in_flight(self, worker_id: str | None = None) -> list[r.Attempt]: ...
    def in_flight_elsewhere(self, campaign_id: int, worker_id: str) -> int: ...
    def get_attempt(self, attempt_id: int) -> r.Attempt: ...
    def campaign_attempts(self, campaign_id: int) -> list[r.Attempt]: ...
    def next_due_at(self, campaign_id: int) -> dt.datetime | None: ...
    def upcoming_contacts(self, campaign_id: int, until: dt.datetime, limit: int) -> list[int]: ...


@functools.lru_cache(maxsize=2)
def _answer_insert(postgres: bool) -> Any:
    """The answer's INSERT (first answer wins), built once per dialect and executed with each answer's
    parameters: building it again with ``.values()`` for every answer made SQLAlchemy cache-key it every time
    (bench/README.md, "Controller CPU per call")."""
    insert = pg_insert if postgres else sqlite_insert
    return (insert(m.table_of(m.Answer)).on_conflict_do_nothing(index_elements=["attempt_id", "question_id"])
            .returning(m.Answer.id))


@functools.lru_cache(maxsize=2)
def _answers_insert(postgres: bool) -> Any:
    """The answers' INSERT for a batch (executemany, first answer wins, nothing returned)."""
    insert = pg_insert if postgres else sqlite_insert
    return insert(m.table_of(m.Answer)).on_conflict_do_nothing(index_elements=["attempt_id", "question_id"])


class Ledger(StoreBase):
    def enqueue_contacts(self, campaign_id: int, now: dt.datetime, monitoring_days: int = 1) -> int:
        """Create attempt 1, due at ``now``, for each household of the campaign's list not yet enqueued.

        ``monitoring_days``: a day's campaign also calls the people of the lists of the previous
        ``monitoring_days - 1`` days (F1 monitoring repeats daily until quarantine ends, counted from
        the list that named them).

        Eligible: people on the campaign's list (the day's list of its category, or its import) who have
        not opted out. One attempt per phone: a household is called once, through its first member.
        Running it again adds only households that are new (e.g. a list re-imported with more people).
        """
        C, CI = m.Contact, m.ContactImport
        with self._write() as s:
            camp = s.get(m.Campaign, campaign_id)
            if camp is None:
                raise UserError(_("campaign {campaign_id}: no such campaign").format(campaign_id=campaign_id))
            if camp.status not in _OPEN_CAMPAIGN:
                raise UserError(_("campaign {campaign_id} is {status}: no more contacts can be added").format(campaign_id=campaign_id, status=camp.status))
            members = _members(camp.import_id, camp.list_date, camp.category, monitoring_days)
            already = select(A.id).where(A.campaign_id == campaign_id, A.household_id == C.household_id).exists()
            chosen = (
                select(literal(campaign_id), func.min(C.id), C.household_id, literal(1), literal(PENDING),
                       literal(now, UtcDateTime()))
                .where(C.id.in_(members), C.opted_out.is_(False), C.id.not_in(stopped_ids()), ~already)
                .group_by(C.household_id)
            )
            columns = ["campaign_id", "contact_id", "household_id", "attempt_no", "status", "scheduled_at"]
            created = s.scalars(m.table_of(A).insert().from_select(columns, chosen).returning(A.id)).all()
            return len(created)

    def count_eligible(self, *, import_id: int | None, list_date: dt.date | None, category: str | None,
                       monitoring_days: int = 1) -> int:
        """The households a new campaign with this selection would call (what ``enqueue_contacts`` enqueues
        for it): shown before a campaign is created, and an empty selection is refused."""
        C = m.Contact
        members = _members(import_id, list_date, category, monitoring_days)
        with self._read() as s:
            return int(s.scalar(select(func.count(func.distinct(C.household_id)))
                                .where(C.id.in_(members), C.opted_out.is_(False),
                                       C.id.not_in(stopped_ids()))) or 0)

    def claim_due_attempts(self, campaign_id: int, worker_id: str, now: dt.datetime,
                           limit: int, *, leased: bool = False) -> list[r.Attempt]:
        """Take up to ``limit`` pending attempts due by ``now`` for ``worker_id``, oldest due first.

        Only while the campaign is running. Each claimed attempt marks its household busy, so no other
        worker (and no other campaign) calls that phone until the attempt is finished or released.
        ``leased``: the claim carries the worker's lease (ivr.storage.leases): LeaseLost, and nothing
        claimed, if that lease is no longer alive on the database's clock.
        """
        return [attempt for attempt, _contact in self._claim(campaign_id, worker_id, now, limit, leased, False)]

    def claim_due_with_contacts(self, campaign_id: int, worker_id: str, now: dt.datetime, limit: int, *,
                                leased: bool = False) -> list[tuple[r.Attempt, r.Contact]]:
        """``claim_due_attempts``, and each attempt's contact read in the same transaction (the dialer needs
        both: one round trip instead of one more per call)."""
        return [(a, c) for a, c in self._claim(campaign_id, worker_id, now, limit, leased, True) if c is not None]

    def _claim(self, campaign_id: int, worker_id: str, now: dt.datetime, limit: int, leased: bool,
               contacts: bool) -> list[tuple[r.Attempt, r.Contact | None]]:
        if limit <= 0:
            return []
        with self._write_conn() as c:
            if leased and not lease_alive(c, worker_id):
                raise LeaseLost(f"worker {worker_id}: lease expired, claiming nothing")
            picked: dict[int, int] = {}
            for attempt_id, household_id in c.execute(sql.claim_pick(self._postgres),
                                                      {"campaign_id": campaign_id, "now": now, "limit": limit}):
                picked.setdefault(household_id, attempt_id)
            if not picked:
                return []
            ids = list(picked.values())
            c.execute(sql.claim_mark(), {"ids": ids, "worker_id": worker_id, "at": now})
            c.execute(sql.household_busy(), [{"hid": hid, "aid": aid} for hid, aid in picked.items()])
            attempts = _attempt_records(c.execute(sql.attempts_by_ids(), {"ids": ids}))
            people: dict[int, r.Contact] = {}
            if contacts:
                people = {row.id: contact_record(row) for row in c.execute(
                    sql.contacts_by_ids(), {"ids": sorted({a.contact_id for a in attempts})})}
            return [(a, people.get(a.contact_id)) for a in attempts]

    def mark_dialing(self, attempt_id: int, channel_id: str, at: dt.datetime, *,
                     leased_by: str | None = None) -> r.Attempt:
        """Record the channel id of a claimed attempt before originating it. Repeating it is harmless;
        an attempt that is no longer claimed (released, finished) raises AttemptConflict: do not dial.

        ``leased_by``: the worker whose claim this is, under its lease: LeaseLost if that lease has expired
        (a worker cut off while marking must not dial what was taken over meanwhile), AttemptConflict if
        the claim is no longer that worker's."""
        with self._write_conn() as c:
            if leased_by is not None and not lease_alive(c, leased_by):
                raise LeaseLost(f"worker {leased_by}: lease expired, not dialling attempt {attempt_id}")
            c.execute(sql.mark_dialing(leased_by is not None),
                      {"attempt_id": attempt_id, "worker_id": leased_by, "cid": channel_id, "at": at})
            found = _attempt_records(c.execute(sql.attempt_by_id(), {"attempt_id": attempt_id}))
            if not found:
                raise AttemptConflict(f"attempt {attempt_id}: no such attempt")
            attempt = found[0]
            if not (attempt.status == DIALING and attempt.channel_id == channel_id):
                raise AttemptConflict(f"attempt {attempt_id} is {attempt.status}, not claimed: not dialling it")
            return attempt

    def claim_for_inbound(self, target: InboundTarget, channel_id: str, worker_id: str,
                          now: dt.datetime) -> int | None:
        """Make an inbound call the household's campaign attempt: dialing, with the inbound channel id.

        Returns the attempt id, or None when the household got busy meanwhile (a dialer claimed it) or the
        pending attempt was taken.
        """
        try:
            with self._write() as s:
                query = select(H).where(H.id == target.household_id)
                household = s.scalar(query.with_for_update() if self._postgres else query)
                if household is None or household.active_attempt_id is not None:
                    return None
                if target.attempt_id is not None:
                    row = s.get(A, target.attempt_id)
                    if row is None or row.status != PENDING:
                        return None
                else:
                    row = A(campaign_id=target.campaign_id, contact_id=target.contact_id,
                            household_id=target.household_id, attempt_no=target.attempt_no, scheduled_at=now)
                    s.add(row)
                row.status, row.claimed_by, row.claimed_at = DIALING, worker_id, now
                row.channel_id, row.started_at = channel_id, now
                s.flush()
                household.active_attempt_id = row.id
                return row.id
        except IntegrityError:
            return None  # a concurrent claim won the household or the attempt number

    def release_inbound(self, attempt_id: int, created: bool) -> None:
        """Undo ``claim_for_inbound`` (the caller did not prove who they are): the attempt is pending again
        for the robot, or deleted when the claim had created it; the household is free again."""
        with self._write() as s:
            row = s.get(A, attempt_id)
            if row is None:
                return
            s.execute(update(H).where(H.id == row.household_id, H.active_attempt_id == attempt_id)
                      .values(active_attempt_id=None), execution_options={"synchronize_session": False})
            if created:
                s.delete(row)
            else:
                row.status, row.claimed_by, row.claimed_at, row.channel_id, row.started_at = \
                    PENDING, None, None, None, None

    def record_answer(self, attempt_id: int, answer: r.GivenAnswer, at: dt.datetime, *,
                      owner: r.Attempt | None = None) -> bool:
        """Store an answer the moment it is given. False if this question already has an answer in this
        attempt (a replay after a restart): the first answer stays.

        ``owner``: the attempt as the caller already holds it (the dialer), which saves looking it up.
        """
        with self._write_conn() as s:
            if owner is not None and owner.id == attempt_id:
                contact_id, campaign_id = owner.contact_id, owner.campaign_id
            else:
                attempt = s.execute(sql.attempt_owner(), {"attempt_id": attempt_id}).first()
                if attempt is None:
                    raise AttemptConflict(f"attempt {attempt_id}: no such attempt")
                contact_id, campaign_id = attempt.contact_id, attempt.campaign_id
            params = {"attempt_id": attempt_id, "contact_id": contact_id, "campaign_id": campaign_id,
                      "question_id": answer.question_id, "script": answer.script, "script_version": answer.version,
                      "key": answer.key, "value": answer.value, "answered_at": at}
            # RETURNING, not rowcount: SQLAlchemy 2.1 with psycopg reports -1 for a Core INSERT.
            return s.execute(_answer_insert(self._postgres), params).first() is not None

    def record_answers(self, given: Sequence[GivenAt]) -> None:
        """Store the answers of many attempts in one transaction, in the given order (each attempt's in the
        order its resident gave them); as ``record_answer``, a question already answered in an attempt keeps
        its first answer. The attempts are the callers' (the dialer's claims): no look-up."""
        if not given:
            return
        rows = [{"attempt_id": attempt.id, "contact_id": attempt.contact_id, "campaign_id": attempt.campaign_id,
                 "question_id": answer.question_id, "script": answer.script, "script_version": answer.version,
                 "key": answer.key, "value": answer.value, "answered_at": at} for attempt, answer, at in given]
        with self._write_conn() as c:
            c.execute(_answers_insert(self._postgres), rows)

    def contact_answers(self, contact_id: int) -> list[r.Answer]:
        """Every answer a person gave, oldest first (the console's page of a person)."""
        with self._read() as s:
            rows = s.scalars(select(m.Answer).where(m.Answer.contact_id == contact_id)
                             .order_by(m.Answer.answered_at, m.Answer.id))
            return [answer_record(a) for a in rows]

    def answers_for_attempt(self, attempt_id: int) -> list[r.Answer]:
        with self._read() as s:
            rows = s.scalars(select(m.Answer).where(m.Answer.attempt_id == attempt_id).order_by(m.Answer.id))
            return [answer_record(a) for a in rows]

    def finish_attempt(self, attempt_id: int, outcome: str, sip_cause: int | None, hangup_cause: int | None,
                       answered_at: dt.datetime | None, ended_at: dt.datetime, *,
                       policy: RetryRule) -> r.Attempt | None:
        """Record how an attempt ended and, in the same transaction, schedule the next one per ``policy``.

        Returns the next attempt, or None when the household is not to be called again. Finishing an
        attempt that is already done changes nothing and returns the next attempt scheduled back then.
        An ``opted_out`` outcome opts out everyone on that phone and closes their other pending attempts.
        """
        if not policy.knows(outcome):
            raise ValueError(f"unknown call outcome {outcome!r}")
        with self._write_conn() as c:
            row = c.execute(sql.finish_read(self._postgres), {"attempt_id": attempt_id}).first()
            if row is None:
                raise AttemptConflict(f"attempt {attempt_id}: no such attempt")
            if row.status == DONE:
                found = _attempt_records(c.execute(sql.attempt_following(), {
                    "campaign_id": row.campaign_id, "household_id": row.household_id,
                    "attempt_no": row.attempt_no + 1}))
                return found[0] if found else None
            if row.status == PENDING:
                raise AttemptConflict(f"attempt {attempt_id} was never claimed: it cannot be finished")
            duration = (ended_at - answered_at).total_seconds() if answered_at else None
            c.execute(sql.finish_write(), {"attempt_id": attempt_id, "v_outcome": outcome, "v_sip": sip_cause,
                                           "v_hangup": hangup_cause, "v_answered": answered_at,
                                           "v_ended": ended_at, "v_duration": duration})
            c.execute(sql.household_free(), {"hid": row.household_id, "aid": row.id})
            if outcome == "opted_out":
                c.execute(sql.opt_out_contacts(), {"hid": row.household_id})
                c.execute(sql.opt_out_pending(), {"hid": row.household_id, "at": ended_at})
            if c.execute(sql.contact_opted_out(), {"contact_id": row.contact_id}).scalar():
                return None
            previous = c.execute(sql.previous_outcomes(), {
                "campaign_id": row.campaign_id, "household_id": row.household_id,
                "attempt_no": row.attempt_no}).scalars().all()
            due = policy.next_due(outcome, row.attempt_no, ended_at, [o for o in previous if o])
            if due is None:
                return None
            new_id = c.execute(sql.add_following(), {
                "v_campaign": row.campaign_id, "v_contact": row.contact_id, "v_household": row.household_id,
                "v_no": row.attempt_no + 1, "v_due": due}).scalar_one()
            return r.Attempt(id=new_id, campaign_id=row.campaign_id, contact_id=row.contact_id,
                             household_id=row.household_id, attempt_no=row.attempt_no + 1,
                             status=r.AttemptStatus.PENDING, scheduled_at=due.astimezone(dt.timezone.utc),
                             phone_e164=row.phone_e164, pseudonym=row.pseudonym)

    def release_stale_claims(self, worker_id: str | None = None,
                             older_than: dt.datetime | None = None, campaign_id: int | None = None) -> int:
        """Put claimed-but-never-dialled attempts back to pending (after a worker crashed or stopped).

        Selects by the worker that claimed them, by claim time (claimed before ``older_than``), or both.
        Attempts already dialling are not touched: resolve them with attempts_in_flight and the PBX.
        """
        if worker_id is None and older_than is None:
            raise ValueError("release_stale_claims needs a worker id or a time")
        query = select(A.id).where(A.status == CLAIMED)
        if worker_id is not None:
            query = query.where(A.claimed_by == worker_id)
        if older_than is not None:
            query = query.where(A.claimed_at < older_than)
        if campaign_id is not None:
            query = query.where(A.campaign_id == campaign_id)
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        with self._write() as s:
            ids = list(s.scalars(query))
            if not ids:
                return 0
            s.execute(update(A).where(A.id.in_(ids)).values(status=PENDING, claimed_by=None, claimed_at=None),
                      execution_options={"synchronize_session": False})
            s.execute(update(H).where(H.active_attempt_id.in_(ids)).values(active_attempt_id=None),
                      execution_options={"synchronize_session": False})
            return len(ids)

    def attempts_in_flight(self, worker_id: str | None = None) -> list[r.Attempt]:
        """Attempts dialling with no end recorded (all workers' if ``worker_id`` is None): after a restart
        the dialer looks each channel id up on the PBX and finishes the attempt or follows the live call."""
        where = [A.status == DIALING] + ([A.claimed_by == worker_id] if worker_id is not None else [])
        with self._read() as s:
            return self._attempts(s, *where)

    def in_flight_elsewhere(self, campaign_id: int, worker_id: str) -> int:
        """Attempts of the campaign claimed or dialling by other workers (a dialer with nothing due waits
        for them: their calls may end unfinished, or their worker die and leave them to be taken over)."""
        with self._read() as s:
            return int(s.scalar(select(func.count()).select_from(A).where(
                A.campaign_id == campaign_id, A.status.in_((CLAIMED, DIALING)),
                A.claimed_by.is_distinct_from(worker_id))) or 0)

    def get_attempt(self, attempt_id: int) -> r.Attempt:
        with self._read() as s:
            return self._one(s, attempt_id)

    def campaign_attempts(self, campaign_id: int) -> list[r.Attempt]:
        """Every attempt of a campaign, by due time (reports, tests)."""
        with self._read() as s:
            return self._attempts(s, A.campaign_id == campaign_id)

    def next_due_at(self, campaign_id: int) -> dt.datetime | None:
        """When the earliest pending attempt is due (the dialer sleeps until then), None if none is."""
        with self._read() as s:
            return s.scalar(select(func.min(A.scheduled_at)).where(A.campaign_id == campaign_id,
                                                                   A.status == PENDING))

    def upcoming_contacts(self, campaign_id: int, until: dt.datetime, limit: int) -> list[int]:
        """The contacts of the next ``limit`` pending attempts due by ``until``, in the order the dialer claims
        them (its look-ahead prepares their audio while it dials others). A read: nothing is claimed."""
        if limit <= 0:
            return []
        with self._read_conn() as c:
            return list(c.execute(sql.upcoming_contacts(), {"campaign_id": campaign_id, "until": until,
                                                            "limit": limit}).scalars())

    # -- helpers ---------------------------------------------------------------------------------------
    def _one(self, s: Session, attempt_id: int) -> r.Attempt:
        found = self._attempts(s, A.id == attempt_id)
        if not found:
            raise AttemptConflict(f"attempt {attempt_id}: no such attempt")
        return found[0]

    @staticmethod
    def _attempts(s: Session, *where: Any) -> list[r.Attempt]:
        query = (select(A, H.phone_e164, m.Contact.pseudonym)
                 .join(H, H.id == A.household_id).join(m.Contact, m.Contact.id == A.contact_id)
                 .where(*where).order_by(A.scheduled_at, A.id)
                 .execution_options(populate_existing=True))
        return [attempt_record(a, phone, pseudonym) for a, phone, pseudonym in s.execute(query)]


def _attempt_records(rows: Any) -> list[r.Attempt]:
    """Attempt records from the rows of a hot_sql attempt query (the attempt, its phone and pseudonym)."""
    return [attempt_record(row, row.phone_e164, row.pseudonym) for row in rows]


__all__: Sequence[str] = ["AttemptConflict", "Attempts", "InboundTarget", "Ledger", "RetryRule"]


def _members(import_id: int | None, list_date: dt.date | None, category: str | None, monitoring_days: int) -> Any:
    """The contacts on a campaign's list: one import's, or the lists of ``monitoring_days`` days up to
    ``list_date`` (F1 monitoring repeats daily until quarantine ends); of one category if given."""
    CI = m.ContactImport
    # Finished imports only: an import being written in batches is not a list yet (ivr.storage.contact_store).
    members = select(CI.contact_id).join(m.Import, m.Import.id == CI.import_id).where(m.Import.status == "done")
    if import_id is not None:
        members = members.where(CI.import_id == import_id)
    elif list_date is not None:  # a campaign has a list date or an import (create_campaign)
        first_day = list_date - dt.timedelta(days=max(monitoring_days, 1) - 1)
        members = members.where(m.Import.list_date.between(first_day, list_date))
    if category is not None:
        members = members.where(CI.category == category)
    return members
