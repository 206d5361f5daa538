"""Text keys for Vietnamese lists: diacritics-insensitive folding and tidy display text.

Lists from different communes spell the same header or the same name differently ("Họ và tên",
"HO VA TEN", "Ho  va ten"); comparing folded keys makes those equal without changing what is stored.
"""
from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Control characters that are not white space (NUL, ESC, DEL, C1): never part of a name or an address,
# and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x9f]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")
# Letters that do not decompose into a base letter plus combining marks.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "ø": "o", "ł": "l"})


@functools.lru_cache(maxsize=65536)  # a list repeats its wards, districts, dates and categories
def clean(value: str) -> str:
    """Composed Unicode (NFC) without control characters, runs of whitespace collapsed to one space and
    the ends trimmed."""
    return _SPACES.sub(" ", _CONTROL.sub("", unicodedata.normalize("NFC", value))).strip()


class _Folding(dict[int, str]):
    """str.translate table folding one character at a time (computed once per character met, then
    looked up): a 100,000-row list folds a few hundred distinct characters, not millions."""

    def __missing__(self, code: int) -> str:
        ch = chr(code).translate(_SPECIAL)
        decomposed = unicodedata.normalize("NFD", ch)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().translate(_SPECIAL)
        self[code] = folded
        return folded


_FOLD = _Folding()


def strip_accents(value: str) -> str:
    """Remove Vietnamese diacritics (tone and vowel marks, đ -> d) and casefold."""
    if value.isascii():
        return value.casefold()
    # Per character is the same as per string for composed text; decomposed input (a base letter followed
    # by combining marks) folds the marks to "" one by one, as the whole-string NFD did.
    return unicodedata.normalize("NFC", value).translate(_FOLD)


def name_key(value: str) -> str:
    """Identity key of a person's name: casefolded, diacritics removed, whitespace collapsed.

    "Nguyễn  Văn An" and "NGUYEN VAN AN" give the same key, so the same person on two lists is one contact.
    """
    return _SPACES.sub(" ", strip_accents(value)).strip()


def header_key(value: str) -> str:
    """Key of a column header: letters and digits only, diacritics removed ("Xã/Phường" -> "xaphuong")."""
    return _NOT_WORD.sub("", strip_accents(value))


def preferred_name(stored: str, incoming: str) -> str:
    """Of two spellings of the same name (same name_key), the one to display.

    More diacritics carry more information ("Nguyễn Văn An" over "NGUYEN VAN AN"), and mixed case reads
    better than all capitals or all lower case; on a tie the incoming (newer) spelling wins, so a
    corrected accent is taken.
    """
    if incoming == stored:  # the usual case on the next day's list: nothing to weigh
        return incoming
    return incoming if _name_quality(incoming) >= _name_quality(stored) else stored


def _name_quality(name: str) -> tuple[int, int]:
    marks = sum(1 for ch in unicodedata.normalize("NFD", name) if unicodedata.combining(ch)) + name.count("đ") \
        + name.count("Đ")
    return marks, int(not (name.isupper() or name.islower()))
