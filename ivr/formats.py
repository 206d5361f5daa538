"""What staff type and read: dates (DD/MM/YYYY or ISO), months (MM/YYYY or YYYY-MM), national phone numbers.

Pure functions; the CLI's option types (ivr/cli/params.py) and the reports call them.
"""
from __future__ import annotations

import datetime as dt
import re

from ivr.errors import UserError
from ivr.i18n import _

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_YM = re.compile(r"^(\d{4})-(\d{1,2})$")


def parse_date(value: str, option: str = "--date") -> dt.date:
    """'15/07/2021', '15-07-2021', '15.7.2021' (day first, as staff write) or '2021-07-15' (ISO).

    Raise UserError naming the option otherwise (also for an impossible day such as 31/02/2021).
    """
    text = value.strip()
    iso = _ISO.match(text)
    dmy = _DMY.match(text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif dmy:
        day, month, year = (int(g) for g in dmy.groups())
    else:
        raise UserError(_("{option} {value!r}: expected a date as DD/MM/YYYY (or YYYY-MM-DD), e.g. 15/07/2021")
                        .format(option=option, value=value))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise UserError(_("{option} {value!r}: there is no such day").format(option=option, value=value)) from None


def parse_month(value: str, option: str = "--month") -> tuple[int, int]:
    """'07/2021', '7/2021' or '2021-07' -> (2021, 7); UserError naming the option otherwise."""
    text = value.strip()
    ym = _YM.match(text)
    my = _MY.match(text)
    if ym:
        year, month = int(ym.group(1)), int(ym.group(2))
    elif my:
        month, year = int(my.group(1)), int(my.group(2))
    else:
        raise UserError(_("{option} {value!r}: expected a month as MM/YYYY (or YYYY-MM), e.g. 07/2021")
                        .format(option=option, value=value))
    if not 1 <= month <= 12:
        raise UserError(_("{option} {value!r}: there is no such month").format(option=option, value=value))
    return year, month


def show_date(value: dt.date | dt.datetime | None) -> str:
    """A date as staff read it: DD/MM/YYYY ('' for none)."""
    return "" if value is None else value.strftime("%d/%m/%Y")


def national(e164: str) -> str:
    """+84912345678 -> 0912345678: how the operator's trunk expects Vietnamese numbers (and a report's column;
    a foreign number loses its +)."""
    return "0" + e164[3:] if e164.startswith("+84") else e164.lstrip("+")


def national_phone(e164: str | None) -> str:
    """A Vietnamese number as staff read and dial it: +84912345678 -> 0912345678 ('' for none).

    A foreign number keeps its international form (+ and digits).
    """
    if not e164:
        return ""
    if e164.startswith("+84"):
        return "0" + e164[3:]
    return e164
