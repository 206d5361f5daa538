"""The script variables of one person ({xung_ho}, {ten}, {ho_ten}, {dia_chi}, {ngay_cach_ly}): personal data,
used for prompts only, never logged. Pure: reads the attributes it needs from any contact-like object."""
from __future__ import annotations

import datetime as dt
from typing import Protocol

from ivr.scripts.address import AddressRule, form_of_address, given_name


class ContactFacts(Protocol):
    """What the variables are made of (ivr.storage.records.Contact has it)."""

    @property
    def full_name(self) -> str: ...
    @property
    def birth_year(self) -> int | None: ...
    @property
    def sex(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def ward(self) -> str | None: ...
    @property
    def district(self) -> str | None: ...
    @property
    def list_date(self) -> dt.date: ...
    @property
    def quarantine_start(self) -> dt.date | None: ...


def contact_variables(contact: ContactFacts, today: dt.date, rule: AddressRule = AddressRule()) -> dict[str, str]:
    """The script variables of one contact on ``today`` (the day of quarantine counts from its start; the form
    of address from the birth year and sex, by ``rule``: ivr/scripts/address.py)."""
    start = contact.quarantine_start or contact.list_date
    day = (today - start).days + 1 if start else None
    return {
        "xung_ho": form_of_address(contact.birth_year, contact.sex, today, rule),
        "ten": given_name(contact.full_name or ""),
        "ho_ten": contact.full_name or "",
        "dia_chi": ", ".join(p for p in (contact.address, contact.ward, contact.district) if p),
        "ngay_cach_ly": str(day) if day and day > 0 else "",
    }


__all__ = ["ContactFacts", "contact_variables"]
