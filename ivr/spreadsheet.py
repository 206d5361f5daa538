"""The one place that writes spreadsheet cells (CSV and .xlsx): every table the project writes goes here.

A cell a spreadsheet would run as a formula is written as text ("formula injection"): names, addresses
and the raw values of refused rows come from lists the CDC received from many hands, and the files are
made to be double-clicked into Excel. Text starting with = + - @ (or a tab or carriage return, which
Excel skips before looking) gets a leading apostrophe in CSV; in .xlsx every string is stored as a
string, never as a formula. A negative number written as text ("-5") is left as it is.

A CSV is UTF-8 with a BOM and semicolons: what Excel in a Vietnamese locale opens correctly.
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any, Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def escape_text(text: str) -> str:
    """Text a spreadsheet will show as it is, never run."""
    return "'" + text if text.startswith(FORMULA_START) and not is_number(text) else text


def csv_cell(value: Any) -> str:
    """A cell as CSV text: dates as dd/mm/yyyy [HH:MM], booleans as Có/Không, None empty, text escaped."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return escape_text(str(value))


def write_csv(path: Path, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> None:
    """A whole CSV file: headers, then rows, every cell through ``csv_cell``."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow([csv_cell(h) for h in headers])
        writer.writerows([csv_cell(v) for v in row] for row in rows)
