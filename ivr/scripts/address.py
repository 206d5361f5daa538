"""How the robot addresses a person (xưng hô): from birth year and sex when the list gives them.

Vietnamese has no neutral "you": an older person is ông (a man) or bà (a woman), a younger adult anh or
chị. Calling someone born in 1959 "anh/chị" is rude; calling a 30-year-old "ông" is odd. The rule:

| birth year | sex  | form       |
|------------|------|------------|
| age >= elder_age | Nam | ông  |
| age >= elder_age | Nữ  | bà   |
| age >= elder_age | ?   | ông/bà |
| age <  elder_age | Nam | anh  |
| age <  elder_age | Nữ  | chị  |
| age <  elder_age | ?   | anh/chị |
| ?                | any | neutral (setting ``call.neutral_address``, default anh/chị) |

Age is counted in calendar years (this year minus the birth year), as lists give only the year.
The forms are a closed set (:data:`FORMS`), so a prompt that uses only ``{xung_ho}`` can be rendered,
and recorded by a person, once per form instead of once per contact.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from ivr.errors import UserError
from ivr.i18n import _
from ivr.scripts.model import ADDRESS_FORMS as FORMS

MALE, FEMALE = "M", "F"
DEFAULT_ELDER_AGE = 60
DEFAULT_NEUTRAL = "anh/chị"


class AddressSettings(Protocol):
    """Where the rule's settings live (ivr.config.CallSettings: call.elder_age, call.neutral_address)."""

    @property
    def elder_age(self) -> int: ...
    @property
    def neutral_address(self) -> str: ...


@dataclass(frozen=True)
class AddressRule:
    """The settings of the rule: from which age a person is ông/bà, and the form when age is unknown."""

    elder_age: int = DEFAULT_ELDER_AGE
    neutral: str = DEFAULT_NEUTRAL

    @classmethod
    def of(cls, settings: AddressSettings) -> AddressRule:
        return cls(settings.elder_age, settings.neutral_address)

    def __post_init__(self) -> None:
        if self.neutral not in FORMS:
            raise UserError(_("call.neutral_address: {value!r} is not a form of address (one of: {forms})").format(
                value=self.neutral, forms=", ".join(FORMS)))
        if not 1 <= self.elder_age <= 120:
            raise UserError(_("call.elder_age: {value} is not an age (1-120)").format(value=self.elder_age))


def form_of_address(birth_year: int | None, sex: str | None, today: dt.date, rule: AddressRule) -> str:
    """The form of address for one person (see the table in the module docstring)."""
    if birth_year is None or birth_year > today.year:
        return rule.neutral
    elder = today.year - birth_year >= rule.elder_age
    if sex == MALE:
        return "ông" if elder else "anh"
    if sex == FEMALE:
        return "bà" if elder else "chị"
    return "ông/bà" if elder else "anh/chị"


def given_name(full_name: str) -> str:
    """The name a person is called by: the last word of a Vietnamese full name (Nguyễn Văn An -> An)."""
    words = full_name.split()
    return words[-1] if words else ""
