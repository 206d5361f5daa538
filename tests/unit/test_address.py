"""The form of address (xưng hô) from birth year and sex, as a table."""
from __future__ import annotations

import datetime as dt

import pytest

from ivr.scripts.address import AddressRule, form_of_address, given_name
from ivr import i18n
from ivr.errors import UserError
from ivr.scripts.model import ADDRESS_FORMS

TODAY = dt.date(2026, 11, 30)
RULE = AddressRule()


@pytest.mark.parametrize("birth_year,sex,rule,expected", [
    (1959, "M", RULE, "ông"),            # 67
    (1959, "F", RULE, "bà"),
    (1959, None, RULE, "ông/bà"),        # sex unknown: both
    (1966, "F", RULE, "bà"),             # 60 this year: ông/bà from 60
    (1967, "F", RULE, "chị"),            # 59
    (1967, "M", RULE, "anh"),
    (1990, None, RULE, "anh/chị"),
    (2008, "M", RULE, "anh"),
    (None, "M", RULE, "anh/chị"),        # no birth year: the neutral form
    (None, None, RULE, "anh/chị"),
    (2030, "F", RULE, "anh/chị"),        # a year in the future is not an age
    (1967, "F", AddressRule(elder_age=55), "bà"),                 # threshold is a setting
    (1959, "M", AddressRule(elder_age=70), "anh"),
    (None, "F", AddressRule(neutral="ông/bà"), "ông/bà"),       # so is the neutral form
])
def test_form_of_address(birth_year: int | None, sex: str | None, rule: AddressRule, expected: str) -> None:
    assert form_of_address(birth_year, sex, TODAY, rule) == expected
    assert expected in ADDRESS_FORMS  # every form the rule gives can be rendered and recorded in advance


@pytest.mark.parametrize("kwargs,message", [
    ({"neutral": "bạn"}, "call.neutral_address: 'bạn' is not a form of address"),
    ({"elder_age": 0}, "call.elder_age: 0 is not an age"),
])
def test_bad_settings_are_refused(kwargs: dict[str, object], message: str) -> None:
    i18n.set_language("en")
    try:
        with pytest.raises(UserError, match=message):
            AddressRule(**kwargs)  # type: ignore[arg-type]
    finally:
        i18n.reset()


@pytest.mark.parametrize("full,given", [("Nguyễn Văn An", "An"), ("Lê Thị  Minh Khai ", "Khai"), ("Hoa", "Hoa"),
                                        ("", "")])
def test_given_name(full: str, given: str) -> None:
    assert given_name(full) == given
