"""Administrative units: which level the reports group by, and which people an --area filter keeps.

Since 1 July 2025 Vietnam has two levels (province -> commune/ward); lists from 2021 still carry a district
("Huyện") column. ``reports.unit_level`` chooses the grouping of the summary sheet and of the chart:

- ``auto`` (default): districts when the lists carry any (and communes/wards under them), else communes/wards;
- ``district``: districts only (old lists);
- ``commune``: communes/wards only; a ward is named with its district when the list gives one, since
  "Phường 1" exists in many districts.

``--area`` keeps the people of one commune/ward (or one district) by name, compared without case or extra
spaces, and with the unit's kind only when both say one: "Phường Điện Biên", "phường  điện biên",
"P. Điện Biên" and "Điện Biên" name the same ward, "Phường 1" is not "Quận 1"; "Phường 1, Quận 3" names
one ward of one district. The tone mark may sit on either vowel ("Thanh Hoá" is "Thanh Hóa").
"""
from __future__ import annotations

import re
import unicodedata
from typing import Mapping

from ivr.reports import labels
from ivr.reports.figures import Figures

from ivr.config import UNIT_LEVELS as LEVELS

AUTO, DISTRICT, COMMUNE = LEVELS

# The kinds of unit written before a name, and their abbreviations.
_KINDS = {"thành phố": "thành phố", "thị trấn": "thị trấn", "thị xã": "thị xã", "phường": "phường", "quận": "quận",
          "huyện": "huyện", "xã": "xã", "tp.": "thành phố", "tx.": "thị xã", "tt.": "thị trấn", "p.": "phường",
          "q.": "quận", "h.": "huyện", "x.": "xã", "tp": "thành phố", "tx": "thị xã", "tt": "thị trấn"}
_KIND = re.compile(r"^(" + "|".join(re.escape(k) for k in sorted(_KINDS, key=len, reverse=True)) + r")(?:\s+|(?<=\.))",
                   re.IGNORECASE)


def has_districts(by_district: Mapping[str, Figures]) -> bool:
    return any(d != labels.UNKNOWN_PLACE for d in by_district)


def shows_districts(level: str, by_district: Mapping[str, Figures]) -> bool:
    """Whether the summary has district rows at this level."""
    return level == DISTRICT or (level == AUTO and has_districts(by_district))


def shows_communes(level: str) -> bool:
    """Whether the summary has commune/ward rows at this level."""
    return level != DISTRICT


def chart_units(by_district: Mapping[str, Figures], by_commune: Mapping[tuple[str, str], Figures],
                level: str = AUTO) -> tuple[dict[str, Figures], str]:
    """The figures by unit for the chart, and the level's name as the chart's title says it."""
    if level == DISTRICT or (level == AUTO and has_districts(by_district)):
        return dict(by_district), "huyện"
    by_unit: dict[str, Figures] = {}
    for (district, ward), figures in by_commune.items():
        name = ward if level == AUTO or district == labels.UNKNOWN_PLACE else f"{ward} ({district})"
        by_unit[name] = by_unit.get(name, Figures()) + figures
    return by_unit, "xã/phường"


# The five tone marks (combining characters once decomposed): "Hoá" and "Hòa" place them differently.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _syllable(word: str) -> str:
    """A syllable with its tone mark moved to its end, so that the old and new placements compare equal
    ("hoà" and "hòa", "thuý" and "thúy")."""
    letters = unicodedata.normalize("NFD", word)
    tones = "".join(c for c in letters if c in _TONES)
    return unicodedata.normalize("NFC", "".join(c for c in letters if c not in _TONES)) + tones


def area_key(name: str | None) -> tuple[str | None, str]:
    """A unit's name as compared: (its kind or None, the name) lower case, single spaces, each syllable's
    tone mark at its end; "P. Điện Biên" -> ("phường", "điên\u0323 biên"), "Điện Biên" -> (None, ...)."""
    text = " ".join(unicodedata.normalize("NFC", name or "").casefold().split())
    match = _KIND.match(text)
    kind, bare = (None, text) if match is None else (_KINDS[match.group(1)], text[match.end():].strip())
    return kind, " ".join(_syllable(w) for w in bare.split())


def same_unit(given: str, name: str | None) -> bool:
    """Whether a name staff typed names this unit: the same name, and the same kind when both say one."""
    kind, bare = area_key(given)
    other_kind, other_bare = area_key(name)
    return bool(bare) and bare == other_bare and (kind is None or other_kind is None or kind == other_kind)


def in_area(area: str | None, district: str | None, ward: str | None) -> bool:
    """Whether a person of this district and ward is in the --area asked for (None: everyone).

    "Phường 1" keeps that ward of every district (or a district named so); "Phường 1, Quận 3" one ward."""
    if area is None:
        return True
    if "," in area:
        ward_part, _, district_part = area.partition(",")
        return same_unit(ward_part, ward) and same_unit(district_part, district)
    return same_unit(area, ward) or same_unit(area, district)
