"""The statements of a call's hot path, built once per dialect and executed with parameters on a connection.

Each call of a campaign runs about ten database calls (claim, contact, audio register, dialing, answers, end).
Built again for every call, as ORM statements in a Session, SQLAlchemy spent most of their CPU building,
cache-keying and loading objects rather than in the database (bench/README.md, "Controller CPU per call").
A statement built once is cache-keyed once (its key is memoised) and its rows are plain tuples. The SQL is
the same as the ORM statements' it replaces (tests/storage on SQLite and PostgreSQL).
Imports none of the domain.
"""
from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Integer, bindparam, insert, select, update

from ivr.storage import models as m
from ivr.storage import records as r
from ivr.storage.types import UtcDateTime

AT, HT, CT = m.table_of(m.CallAttempt), m.table_of(m.Household), m.table_of(m.Contact)
CAMP = m.table_of(m.Campaign)
PENDING, CLAIMED = r.AttemptStatus.PENDING.value, r.AttemptStatus.CLAIMED.value
DIALING, DONE = r.AttemptStatus.DIALING.value, r.AttemptStatus.DONE.value


def _when(name: str) -> Any:
    return bindparam(name, type_=UtcDateTime())


def _attempt_rows() -> Any:
    """An attempt with its household's phone and its contact's pseudonym (what ``attempt_record`` takes)."""
    return (select(AT, HT.c.phone_e164, CT.c.pseudonym)
            .join(HT, HT.c.id == AT.c.household_id).join(CT, CT.c.id == AT.c.contact_id))


@functools.cache
def attempt_by_id() -> Any:
    return _attempt_rows().where(AT.c.id == bindparam("attempt_id"))


@functools.cache
def attempts_by_ids() -> Any:
    return (_attempt_rows().where(AT.c.id.in_(bindparam("ids", expanding=True)))
            .order_by(AT.c.scheduled_at, AT.c.id))


@functools.cache
def attempt_following() -> Any:
    """The attempt scheduled after one (finishing an attempt twice returns it)."""
    return (_attempt_rows().where(AT.c.campaign_id == bindparam("campaign_id"),
                                  AT.c.household_id == bindparam("household_id"),
                                  AT.c.attempt_no == bindparam("attempt_no"))
            .order_by(AT.c.scheduled_at, AT.c.id))


@functools.cache
def attempt_owner() -> Any:
    """The contact and campaign an answer is filed under."""
    return select(AT.c.contact_id, AT.c.campaign_id).where(AT.c.id == bindparam("attempt_id"))


# -- claim ------------------------------------------------------------------------------------------------
@functools.cache
def claim_pick(postgres: bool) -> Any:
    query = (select(AT.c.id, AT.c.household_id)
             .join(HT, HT.c.id == AT.c.household_id)
             .join(CAMP, CAMP.c.id == AT.c.campaign_id)
             .where(AT.c.campaign_id == bindparam("campaign_id"), AT.c.status == PENDING,
                    AT.c.scheduled_at <= _when("now"), HT.c.active_attempt_id.is_(None),
                    CAMP.c.status == r.CampaignStatus.RUNNING.value)
             .order_by(AT.c.scheduled_at, AT.c.id)
             .limit(bindparam("limit", type_=Integer)))
    return query.with_for_update(skip_locked=True, of=(AT, HT)) if postgres else query


@functools.cache
def claim_mark() -> Any:
    return (update(AT).where(AT.c.id.in_(bindparam("ids", expanding=True)), AT.c.status == PENDING)
            .values(status=CLAIMED, claimed_by=bindparam("worker_id"), claimed_at=_when("at")))


@functools.cache
def household_busy() -> Any:
    """Executed with one parameter set per household: ``hid``, ``aid``."""
    return update(HT).where(HT.c.id == bindparam("hid")).values(active_attempt_id=bindparam("aid"))


@functools.cache
def household_free() -> Any:
    return (update(HT).where(HT.c.id == bindparam("hid"), HT.c.active_attempt_id == bindparam("aid"))
            .values(active_attempt_id=None))


# -- dialing ----------------------------------------------------------------------------------------------
@functools.cache
def mark_dialing(mine: bool) -> Any:
    """``mine``: only while the claim is ``worker_id``'s."""
    where = [AT.c.id == bindparam("attempt_id"), AT.c.status == CLAIMED]
    if mine:
        where.append(AT.c.claimed_by == bindparam("worker_id"))
    return update(AT).where(*where).values(status=DIALING, channel_id=bindparam("cid"),
                                           started_at=_when("at"))


# -- the end ----------------------------------------------------------------------------------------------
@functools.cache
def finish_read(postgres: bool) -> Any:
    """The attempt to finish (locked on PostgreSQL), with what its next attempt's record needs."""
    query = attempt_by_id()
    return query.with_for_update(of=AT) if postgres else query


@functools.cache
def finish_write() -> Any:
    return (update(AT).where(AT.c.id == bindparam("attempt_id"))
            .values(status=DONE, outcome=bindparam("v_outcome"), sip_cause=bindparam("v_sip", type_=Integer),
                    hangup_cause=bindparam("v_hangup", type_=Integer),
                    answered_at=_when("v_answered"), ended_at=_when("v_ended"),
                    duration=bindparam("v_duration", type_=AT.c.duration.type)))


@functools.cache
def contact_opted_out() -> Any:
    return select(CT.c.opted_out).where(CT.c.id == bindparam("contact_id"))


@functools.cache
def previous_outcomes() -> Any:
    return (select(AT.c.outcome).where(AT.c.campaign_id == bindparam("campaign_id"),
                                       AT.c.household_id == bindparam("household_id"),
                                       AT.c.attempt_no < bindparam("attempt_no"))
            .order_by(AT.c.attempt_no))


@functools.cache
def add_following() -> Any:
    return (insert(AT).values(campaign_id=bindparam("v_campaign"), contact_id=bindparam("v_contact"),
                              household_id=bindparam("v_household"), attempt_no=bindparam("v_no"),
                              status=PENDING, scheduled_at=_when("v_due"))
            .returning(AT.c.id))


@functools.cache
def opt_out_contacts() -> Any:
    return update(CT).where(CT.c.household_id == bindparam("hid")).values(opted_out=True)


@functools.cache
def opt_out_pending() -> Any:
    return (update(AT).where(AT.c.household_id == bindparam("hid"), AT.c.status == PENDING)
            .values(status=DONE, outcome="opted_out", ended_at=_when("at")))


@functools.cache
def upcoming_contacts() -> Any:
    """The contacts of the next pending attempts due by ``until`` (the dialer's look-ahead, every second)."""
    return (select(AT.c.contact_id)
            .where(AT.c.campaign_id == bindparam("campaign_id"), AT.c.status == PENDING,
                   AT.c.scheduled_at <= _when("until"))
            .order_by(AT.c.scheduled_at, AT.c.id).limit(bindparam("limit", type_=Integer)))


@functools.cache
def campaign_by_id() -> Any:
    return select(CAMP).where(CAMP.c.id == bindparam("campaign_id"))


# -- contacts ---------------------------------------------------------------------------------------------
@functools.cache
def contact_by_id() -> Any:
    return select(CT).where(CT.c.id == bindparam("contact_id"))


@functools.cache
def contacts_by_ids() -> Any:
    return select(CT).where(CT.c.id.in_(bindparam("ids", expanding=True)))


__all__ = ["attempt_by_id", "attempts_by_ids", "claim_pick", "contact_by_id", "contacts_by_ids", "finish_read"]
