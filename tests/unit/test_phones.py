"""Phone normalisation: cell values as the CDC lists hold them -> E.164, or the reason for refusing."""
from __future__ import annotations

import pytest

from ivr.contacts import phones as p
from ivr.contacts.phones import InvalidPhone, normalize_phone

ACCEPTED = [
    # (cell value, E.164, kind)
    ("0912345678", "+84912345678", "mobile"),
    ("0912 345 678", "+84912345678", "mobile"),
    ("0912.345.678", "+84912345678", "mobile"),
    ("0912-345-678", "+84912345678", "mobile"),
    ("'0912345678", "+84912345678", "mobile"),            # Excel's text prefix
    (912345678, "+84912345678", "mobile"),                # Excel number: the leading zero is lost
    (912345678.0, "+84912345678", "mobile"),
    ("912345678", "+84912345678", "mobile"),              # ... and the same through a CSV
    ("+84912345678", "+84912345678", "mobile"),
    ("+84 (0) 912 345 678", "+84912345678", "mobile"),
    ("84912345678", "+84912345678", "mobile"),
    ("0084912345678", "+84912345678", "mobile"),
    ("0841234567", "+84841234567", "mobile"),             # VinaPhone 084, not a country code
    (841234567, "+84841234567", "mobile"),                # ... that lost its zero
    ("0868123456", "+84868123456", "mobile"),
    ("0591234567", "+84591234567", "mobile"),
    ("02373852222", "+842373852222", "landline"),         # Thanh Hóa landline
    (2373852222, "+842373852222", "landline"),
    ("02435123456", "+842435123456", "landline"),         # Hà Nội landline
    ("0912345678 / 0987654321", "+84912345678", "mobile"),  # two numbers: the first callable one
    ("không có / 0987654321", "+84987654321", "mobile"),
    ("0912345678 - 0987654321", "+84912345678", "mobile"),
    ("0912345678 hoặc 0987654321", "+84912345678", "mobile"),
]

# The 2018 move of 11-digit mobile prefixes, each written four ways.
OLD_PREFIXES = [
    ("0162", "032"), ("0163", "033"), ("0164", "034"), ("0165", "035"), ("0166", "036"), ("0167", "037"),
    ("0168", "038"), ("0169", "039"), ("0120", "070"), ("0121", "079"), ("0122", "077"), ("0126", "076"),
    ("0128", "078"), ("0123", "083"), ("0124", "084"), ("0125", "085"), ("0127", "081"), ("0129", "082"),
    ("0186", "056"), ("0188", "058"), ("0199", "059"),
]

REFUSED = [
    (None, p.MISSING),
    ("", p.MISSING),
    ("   ", p.MISSING),
    ("abc", p.NOT_A_NUMBER),
    ("09O1234567", p.NOT_A_NUMBER),                       # letter O
    (912345678.5, p.NOT_A_NUMBER),
    ("8.49123E+10", p.ROUNDED),
    ("8,49123E+10", p.ROUNDED),
    ("19001234", p.PREMIUM),
    ("1900 9095", p.PREMIUM),
    ("+84 1900 9095", p.PREMIUM),
    ("18001119", p.SERVICE),
    ("1080", p.SHORT),
    ("113", p.SHORT),
    ("+14155552671", p.FOREIGN),
    ("0014155552671", p.FOREIGN),
    ("0241234567", p.INVALID),                            # Hà Nội needs 8 digits after 024
    ("0521234567", p.INVALID),                            # unassigned prefix
    ("09123456789012", p.INVALID),
    ("xx / yy", p.NOT_A_NUMBER),
]


@pytest.mark.parametrize(("raw", "e164", "kind"), ACCEPTED)
def test_accepted(raw: object, e164: str, kind: str) -> None:
    assert normalize_phone(raw) == p.Phone(e164, kind)


@pytest.mark.parametrize(("old", "new"), OLD_PREFIXES)
@pytest.mark.parametrize("form", ["national", "spaced", "plus84", "84", "zero_lost"])
def test_old_eleven_digit_mobiles_move_to_ten_digits(old: str, new: str, form: str) -> None:
    subscriber = "1234567"
    raw = {
        "national": f"{old}{subscriber}",
        "spaced": f"{old} {subscriber[:3]} {subscriber[3:]}",
        "plus84": f"+84{old[1:]}{subscriber}",
        "84": f"84{old[1:]}{subscriber}",
        "zero_lost": int(f"{old[1:]}{subscriber}"),
    }[form]
    assert normalize_phone(raw).e164 == f"+84{new[1:]}{subscriber}"


def test_the_table_of_old_prefixes_is_the_published_one() -> None:
    assert p.OLD_MOBILE_PREFIXES == {old: new for old, new in OLD_PREFIXES}


@pytest.mark.parametrize(("raw", "reason"), REFUSED)
def test_refused(raw: object, reason: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        normalize_phone(raw)
    assert caught.value.key == reason
    assert caught.value.reason  # the text staff read (the catalogue's translation)
