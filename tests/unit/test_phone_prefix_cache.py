"""The phone classification cached by (first five digits, length) agrees with phonenumbers number by number.

ivr/contacts/phones.py computes a number's type once per prefix and length (issue 18: importing 100,000
rows in 10 s). That is exact only while Vietnam's numbering plan in phonenumbers' metadata decides the
type within the first four digits after the 0; this test fails the day the metadata says otherwise.
"""
from __future__ import annotations

import random

import pytest

from ivr.contacts.phones import InvalidPhone, _classify, _classify_slow


def outcome(classify, national):
    try:
        phone = classify(national)
        return phone.e164, phone.kind
    except InvalidPhone as exc:
        return "refused", exc.key


def numbers():
    rnd = random.Random(18)
    for _ in range(40_000):
        length = rnd.choice([7, 8, 9, 10, 10, 10, 11, 12])
        yield "0" + "".join(rnd.choice("0123456789") for _ in range(length - 1))
    # every 4-digit prefix after the 0 at the lengths lists hold
    for prefix in range(10_000):
        for length in (9, 10, 11):
            yield f"0{prefix:04d}" + "".join(rnd.choice("0123456789") for _ in range(length - 5))


def test_the_cached_classification_is_phonenumbers_own():
    differ = [n for n in numbers() if outcome(_classify, n) != outcome(_classify_slow, n)]
    assert differ == [], differ[:10]


@pytest.mark.parametrize("national", ["0912345678", "0236123456", "0190012345", "012345", "0999999999"])
def test_known_numbers(national):
    assert outcome(_classify, national) == outcome(_classify_slow, national)
