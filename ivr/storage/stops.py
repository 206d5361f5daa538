"""Who is not to be called: a person stopped by staff (F0, hospitalised, moved, deceased, opted out), and
phones whose household asked not to be called (``contacts.opted_out``, per phone).

Stores only; the reasons are checked by the domain (ivr/contacts/stops.py). Every campaign's enqueue
leaves out stopped people and opted-out phones (ivr/storage/ledger.py asks ``stopped_ids``); stopping
closes the person's pending attempts in the same transaction, so a campaign already running skips them too.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from typing import Any, cast

from sqlalchemy import CursorResult, ForeignKey, Select, String, delete, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage import models as m
from ivr.storage.base import StoreBase
from ivr.storage.types import UtcDateTime

STOPPED_OUTCOME = "stopped"  # the outcome of a pending attempt closed because its person was stopped


class ContactStop(m.Base):
    """A person no campaign calls again, and why."""

    __tablename__ = "contact_stops"
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    reason: Mapped[str] = mapped_column(String(16))
    operator: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


@dataclass(frozen=True)
class Person:
    """A contact as staff pick them for a stop."""

    id: int
    full_name: str
    phone_e164: str
    household_id: int
    opted_out: bool
    stop_reason: str | None


@dataclass(frozen=True)
class StoppedRow:
    """A line of the report's list of people not called."""

    contact_id: int | None
    full_name: str | None
    phone_e164: str
    ward: str | None
    district: str | None
    category: str | None
    reason: str  # a stop reason, or "opted_out" for a phone whose household asked
    at: dt.datetime | None
    operator: str | None


class StopStore(StoreBase):
    def people(self, contact_id: int | None = None, phone_e164: str | None = None) -> list[Person]:
        """The person with this id, or everyone on this phone."""
        C = m.Contact
        query = (select(C.id, C.full_name, C.phone_e164, C.household_id, C.opted_out, ContactStop.reason)
                 .outerjoin(ContactStop, ContactStop.contact_id == C.id).order_by(C.id))
        query = query.where(C.id == contact_id) if contact_id is not None else query.where(C.phone_e164 == phone_e164)
        with self._read() as s:
            return [Person(*row) for row in s.execute(query)]

    def stop(self, contact_id: int, reason: str, operator: str, now: dt.datetime) -> int:
        """Stop calling one person: recorded (or its reason changed), pending attempts closed; audited.

        Returns the pending attempts closed.
        """
        A = m.CallAttempt
        with self._write() as s:
            if s.get(m.Contact, contact_id) is None:
                raise UserError(_("contact #{id}: no such contact").format(id=contact_id))
            row = s.get(ContactStop, contact_id)
            if row is None:
                s.add(ContactStop(contact_id=contact_id, reason=reason, operator=operator, at=now))
            else:
                row.reason, row.operator, row.at = reason, operator, now
            closed = _count(s.execute(update(A).where(A.contact_id == contact_id, A.status == "pending")
                               .values(status="done", outcome=STOPPED_OUTCOME, ended_at=now),
                               execution_options={"synchronize_session": False}))
            self._audit(s, operator, f"contact.stop.{reason}", f"contact:{contact_id}", 1, now)
            return closed

    def resume(self, contact_id: int, operator: str, now: dt.datetime) -> bool:
        """Call a stopped person again (a mistake undone). False if they were not stopped."""
        with self._write() as s:
            gone = _count(s.execute(delete(ContactStop).where(ContactStop.contact_id == contact_id)))
            if gone:
                self._audit(s, operator, "contact.resume", f"contact:{contact_id}", 1, now)
            return gone > 0

    def set_opt_out(self, phone_e164: str, opted_out: bool, operator: str, now: dt.datetime) -> int:
        """Opt a phone (its whole household) out of every campaign, or back in; audited.

        Opting out closes the phone's pending attempts. Returns the people on that phone.
        """
        A, C = m.CallAttempt, m.Contact
        with self._write() as s:
            people = _count(s.execute(update(C).where(C.phone_e164 == phone_e164).values(opted_out=opted_out),
                                      execution_options={"synchronize_session": False}))
            if opted_out:
                households = select(m.Household.id).where(m.Household.phone_e164 == phone_e164)
                s.execute(update(A).where(A.household_id.in_(households), A.status == "pending")
                          .values(status="done", outcome="opted_out", ended_at=now),
                          execution_options={"synchronize_session": False})
            self._audit(s, operator, "contacts.optout" if opted_out else "contacts.optin", "phone", people,
                        now)
            return people

    def not_called(self) -> list[StoppedRow]:
        """Everyone no campaign calls: stopped people, and the people of opted-out phones."""
        C = m.Contact
        with self._read() as s:
            out = [StoppedRow(cid, name, phone, ward, district, category, reason, at, operator)
                   for cid, name, phone, ward, district, category, reason, at, operator in s.execute(
                       select(C.id, C.full_name, C.phone_e164, C.ward, C.district, C.category, ContactStop.reason,
                              ContactStop.at, ContactStop.operator)
                       .join(ContactStop, ContactStop.contact_id == C.id).order_by(C.id))]
            stopped = {r.contact_id for r in out}
            out += [StoppedRow(cid, name, phone, ward, district, category, "opted_out", None, None)
                    for cid, name, phone, ward, district, category in s.execute(
                        select(C.id, C.full_name, C.phone_e164, C.ward, C.district, C.category)
                        .where(C.opted_out.is_(True)).order_by(C.id)) if cid not in stopped]
            return out


def stopped_ids() -> Select[tuple[int]]:
    """The ids of stopped people, as a subquery for the ledger's enqueue and count."""
    return select(ContactStop.contact_id)


def _count(result: Any) -> int:
    """Rows an UPDATE or DELETE touched."""
    return int(cast("CursorResult[Any]", result).rowcount or 0)
