"""Phone numbers from CDC lists -> E.164, or a reason (in the staff's language) why the number cannot be called.

What the lists really contain: numbers typed by hand with spaces and dots, numbers stored as Excel
numbers that lost their leading zero (912345678), international forms (+84..., 84..., 0084...),
11-digit mobile numbers from before the 2018 renumbering (0162... -> 032...), which `phonenumbers`
does not translate, and now and then a hotline, a 1900 premium number or two numbers in one cell.
Only Vietnamese subscriber numbers (mobile or landline) are accepted: the trunk calls Vietnam only,
and calling premium-rate or service numbers costs money and reaches no person.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

from ivr.i18n import N_, _

# The 2018 move of 11-digit mobile prefixes to 10 digits (old numbers stopped working 30 Jun 2019).
OLD_MOBILE_PREFIXES: dict[str, str] = {
    **{f"016{d}": f"03{d}" for d in "23456789"},
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0186": "056", "0188": "058", "0199": "059",
}

# Reasons, as message ids of the staff catalogue (ivr/locale): InvalidPhone.reason is the translation.
MISSING = N_("no phone number")
NOT_A_NUMBER = N_("not a phone number")
ROUNDED = N_("Excel turned the number into a power of ten (E+) and lost digits: enter the cell again as text")
FOREIGN = N_("a foreign number: the system calls Vietnamese numbers only")
PREMIUM = N_("a 1900 premium-rate number: not called")
SERVICE = N_("a switchboard or service number, not a subscriber's")
SHORT = N_("too short (a switchboard or service number): not a subscriber's number")
INVALID = N_("not a valid phone number")

_CALLABLE = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "landline",
}
_SEPARATORS = re.compile(r"[\s.\-()]+")
_SEVERAL = re.compile(r"[;,/|\n]|\s+-\s+|\s+(?:hoặc|hoac|or)\s+", re.IGNORECASE)
_SCIENTIFIC = re.compile(r"^\d([.,]\d+)?e\+?\d+$", re.IGNORECASE)
_DIGITS = re.compile(r"^\+?\d+$")
_MAX_DIGITS = 15  # E.164's longest number; a longer cell is no phone number (and int() refuses > 4,300 digits)


class InvalidPhone(ValueError):
    """The value is not a callable Vietnamese subscriber number.

    ``key`` is one of the reasons above; ``reason`` is its text for a health worker, in the staff's language.
    """

    def __init__(self, key: str) -> None:
        self.key = key
        self.reason = _(key)
        super().__init__(self.reason)


@dataclass(frozen=True)
class Phone:
    """A callable number: E.164 (+84...) and whether it is a mobile or a landline."""

    e164: str
    kind: str


def normalize_phone(raw: object) -> Phone:
    """Return the E.164 form of a cell's phone value, or raise InvalidPhone with the reason.

    A cell holding several numbers ("0912345678 / 0987654321") gives its first callable one.
    """
    text = _as_text(raw)
    if not text:
        raise InvalidPhone(MISSING)
    if _SCIENTIFIC.match(text.replace(" ", "")):
        raise InvalidPhone(ROUNDED)
    parts = [p for p in _SEVERAL.split(text) if p.strip()]
    first_error: InvalidPhone | None = None
    for part in parts:
        try:
            return _normalize_one(part)
        except InvalidPhone as exc:
            first_error = first_error or exc
    raise first_error or InvalidPhone(MISSING)


def _as_text(raw: object) -> str:
    if raw is None or isinstance(raw, bool):
        return ""
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        if not raw.is_integer():
            raise InvalidPhone(NOT_A_NUMBER)
        return str(int(raw))
    return str(raw).strip().lstrip("'").strip()


def _normalize_one(part: str) -> Phone:
    compact = _SEPARATORS.sub("", part)
    if not _DIGITS.match(compact):
        raise InvalidPhone(NOT_A_NUMBER)
    national = _national(compact)
    if len(national) == 11 and national[:4] in OLD_MOBILE_PREFIXES:
        national = OLD_MOBILE_PREFIXES[national[:4]] + national[4:]
    return _classify(national)


def _national(digits: str) -> str:
    """Vietnamese national form (leading 0) from any international, national or zero-less form."""
    if digits.startswith("+"):
        if not digits.startswith("+84"):
            raise InvalidPhone(FOREIGN)
        return "0" + digits[3:].removeprefix("0")
    if digits.startswith("0084"):
        return "0" + digits[4:].removeprefix("0")
    if digits.startswith("00"):
        raise InvalidPhone(FOREIGN)
    if digits.startswith("1900"):
        raise InvalidPhone(PREMIUM)
    if digits.startswith("1800"):
        raise InvalidPhone(SERVICE)
    if len(digits) <= 6:
        raise InvalidPhone(SHORT)
    if digits.startswith("84") and len(digits) in (11, 12):
        return "0" + digits[2:]
    if digits.startswith("0"):
        return digits
    if len(digits) in (9, 10):
        return "0" + digits  # an Excel number that lost its leading zero
    raise InvalidPhone(INVALID)


def _classify(national: str) -> Phone:
    if not 2 <= len(national) <= _MAX_DIGITS or not national.startswith("0") or not national.isdigit():
        raise InvalidPhone(INVALID)
    if national.startswith("00"):  # zeros after the 0 vanish from the number: its prefix is not its type's
        return _classify_slow(national)
    kind, error = _kind_of(national[:_TYPE_PREFIX], len(national))
    if error is not None:
        raise InvalidPhone(error)
    return Phone(f"+84{int(national[1:])}", kind)


# Vietnam's numbering plan (phonenumbers' metadata) tells a number's type by at most the first four digits
# after the 0 and the length: every pattern is a prefix of up to 4 digits then \d{n}. So the type is
# computed once per (first five digits, length), not once per number: a 100,000-row list has a few
# hundred such keys (tests/unit/test_phone_prefix_cache.py checks this against phonenumbers).
_TYPE_PREFIX = 5


@functools.lru_cache(maxsize=65536)
def _kind_of(prefix: str, length: int) -> tuple[str, str | None]:
    """(kind, None) for a callable number of this prefix and length, else ("", the refusal's reason)."""
    national = prefix + "0" * (length - len(prefix))
    try:
        return _classify_slow(national).kind, None
    except InvalidPhone as exc:
        return "", exc.key


def _classify_slow(national: str) -> Phone:
    """phonenumbers' own classification of one national number (the reference of the cache above)."""
    # The digits are already clean, so the number is built directly: phonenumbers.parse() would cost
    # three times as much as the classification itself on a 100,000-row list.
    number = phonenumbers.PhoneNumber(country_code=84, national_number=int(national[1:]))
    # number_type() is what is_valid_number() computes (UNKNOWN = invalid); computed once, it halves the cost.
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.PREMIUM_RATE:
        raise InvalidPhone(PREMIUM)
    if kind == PhoneNumberType.UNKNOWN:
        raise InvalidPhone(SHORT if len(national) <= 6 else INVALID)
    if kind not in _CALLABLE:
        raise InvalidPhone(SERVICE)
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), _CALLABLE[kind])
