"""merge_contact (ivr.contacts.merge) against the rule written out field by field: a value the other list left
empty never erases a known one, otherwise the newer list's value wins; the better-spelled name is kept."""
from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace
from typing import Any

import pytest

from ivr.contacts.merge import merge_contact
from ivr.storage.records import MERGED_FIELDS, ContactData

KNOWN = dict(full_name="Nguyễn Văn An", category="F1", birth_year=1950, sex="M", address="Số 1 Lê Lợi",
             ward="Ba Đình", district="TP Thanh Hóa", exposure_date=dt.date(2021, 7, 1),
             quarantine_start=dt.date(2021, 7, 2))
GIVEN = dict(full_name="NGUYEN VAN AN", category="F2", birth_year=1951, sex="F", address="Số 2 Lê Lợi",
             ward="Lam Sơn", district="Huyện Đông Sơn", exposure_date=dt.date(2021, 7, 5),
             quarantine_start=dt.date(2021, 7, 6))
OPTIONAL = [f for f in MERGED_FIELDS if f not in ("full_name", "category")]


def expected(known: Any, incoming: ContactData, newer: bool) -> dict[str, Any]:
    out = {}
    for name in MERGED_FIELDS:
        stored, given = getattr(known, name), getattr(incoming, name)
        out[name] = given if given is not None and (newer or stored is None) else stored
    out["full_name"] = "Nguyễn Văn An"  # more diacritics, mixed case: whichever list it came from
    return out


@pytest.mark.parametrize("newer", [True, False])
@pytest.mark.parametrize("field", OPTIONAL)
def test_each_field_follows_the_rule(field: str, newer: bool) -> None:
    for stored_empty, given_empty in itertools.product([False, True], repeat=2):
        known = SimpleNamespace(**{**KNOWN, **({field: None} if stored_empty else {})})
        incoming = ContactData(row="2", name_key="nguyen van an", phone_e164="+84912345678",
                               **{**GIVEN, **({field: None} if given_empty else {})})
        assert merge_contact(known, incoming, newer) == expected(known, incoming, newer), \
            (field, newer, stored_empty, given_empty)


@pytest.mark.parametrize("newer", [True, False])
@pytest.mark.parametrize("empty", [(), ("birth_year",), ("sex", "exposure_date"), tuple(OPTIONAL)])
def test_a_list_that_says_what_is_stored_changes_nothing(empty: tuple[str, ...], newer: bool) -> None:
    """The contact store relies on it: a known person whose list gives exactly the stored values is not merged,
    only their dates are written (ivr.storage.contact_store._update_known)."""
    values = {**KNOWN, **{f: None for f in empty}}
    for name in ("Nguyễn Văn An", "NGUYEN VAN AN"):
        known = SimpleNamespace(**{**values, "full_name": name})
        incoming = ContactData(row="2", name_key="nguyen van an", phone_e164="+84912345678",
                               **{**values, "full_name": name})
        assert merge_contact(known, incoming, newer) == {f: getattr(known, f) for f in MERGED_FIELDS}
