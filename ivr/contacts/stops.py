"""Taking a person off the calls (F0, hospitalised, moved, deceased, opted out) and a phone's opt-out/opt-in.

Plain service methods for the CLI (`robocall contacts stop|optout|optin`) and the web console. The store
(ivr/storage/stops.py) records and closes pending attempts; every campaign's enqueue leaves them out.
"""
from __future__ import annotations

from dataclasses import dataclass

from ivr.clock import Clock, utcnow
from ivr.contacts.phones import InvalidPhone, normalize_phone
from ivr.errors import UserError
from ivr.i18n import N_, _
from ivr.storage.stops import Person, StopStore, StoppedRow

STOP_REASONS = {
    "f0": N_("became a case (F0)"),
    "hospitalised": N_("hospitalised"),
    "moved": N_("moved away"),
    "deceased": N_("deceased"),
    "opted_out": N_("does not want calls"),
}


def stop_reason_label(reason: str) -> str:
    text = STOP_REASONS.get(reason)
    return _(text) if text else reason


@dataclass(frozen=True)
class Stopped:
    person: Person
    reason: str
    attempts_closed: int


class StopService:
    def __init__(self, store: StopStore, clock: Clock = utcnow) -> None:
        self.store = store
        self.clock = clock

    def find(self, who: str) -> Person:
        """A person by id ("12") or by phone ("0912345678", when one person has that phone)."""
        text = who.strip()
        if text.isdigit() and len(text) <= 9:  # an id; a phone has 9 digits or more and a leading 0 or +
            found = self.store.people(contact_id=int(text))
            if not found:
                raise UserError(_("contact #{id}: no such contact").format(id=text))
            return found[0]
        phone = self._phone(text)
        found = self.store.people(phone_e164=phone)
        if not found:
            raise UserError(_("{phone}: nobody on the lists has this number").format(phone=text))
        if len(found) > 1:
            ids = ", ".join(f"#{p.id} {p.full_name}" for p in found)
            raise UserError(_("{phone}: {n} people share this number ({ids}): give the person's ID").format(
                phone=text, n=len(found), ids=ids))
        return found[0]

    def stop(self, who: str, reason: str, operator: str) -> Stopped:
        if reason not in STOP_REASONS:
            raise UserError(_("--reason {value!r}: expected one of {known}").format(
                value=reason, known=", ".join(STOP_REASONS)))
        person = self.find(who)
        closed = self.store.stop(person.id, reason, operator, self.clock())
        return Stopped(person, reason, closed)

    def resume(self, who: str, operator: str) -> Person:
        person = self.find(who)
        if not self.store.resume(person.id, operator, self.clock()):
            raise UserError(_("contact #{id} was not stopped").format(id=person.id))
        return person

    def people_on(self, phone: str) -> list[Person]:
        """Everyone on the lists with this phone (UserError for a bad number or nobody): whom an opt-out
        of that phone would reach."""
        found = self.store.people(phone_e164=self._phone(phone))
        if not found:
            raise UserError(_("{phone}: nobody on the lists has this number").format(phone=phone))
        return found

    def opt_out(self, phone: str, operator: str) -> int:
        return self._set(phone, True, operator)

    def opt_in(self, phone: str, operator: str) -> int:
        return self._set(phone, False, operator)

    def _set(self, phone: str, opted_out: bool, operator: str) -> int:
        people = self.store.set_opt_out(self._phone(phone), opted_out, operator, self.clock())
        if not people:
            raise UserError(_("{phone}: nobody on the lists has this number").format(phone=phone))
        return people

    def not_called(self) -> list[StoppedRow]:
        return self.store.not_called()

    @staticmethod
    def _phone(text: str) -> str:
        try:
            return normalize_phone(text).e164
        except InvalidPhone as exc:
            raise UserError(_("number {number!r}: {reason}").format(number=text, reason=exc.reason)) from None
