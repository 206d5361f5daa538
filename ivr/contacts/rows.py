"""One row of a list -> a ContactData ready to store, or the problems that refuse it.

A row is refused when the person cannot be called or identified: no usable phone number, no name,
no F1/F2 category. A wrong optional value (an unreadable date or birth year) does not keep a person
from being called: the value is left empty and the problem is still reported, so the list can be fixed.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from sqlalchemy import String

from ivr.i18n import document_text
from ivr.contacts import fields as f
from ivr.contacts.phones import InvalidPhone, normalize_phone
from ivr.contacts.readers import Column, Table
from ivr.contacts.text import clean, name_key
from ivr.storage.models import Contact
from ivr.storage.records import ContactData

KEPT_EMPTY = " (đã để trống ô này, người này vẫn được nhập)"
TOO_LONG = "nội dung quá dài (tối đa {width} ký tự)"
# The widths of the text columns a contact is stored in: a longer value would not fit (PostgreSQL refuses it).
WIDTHS: dict[str, int] = {c.name: c.type.length for c in Contact.__table__.columns
                          if isinstance(c.type, String) and c.type.length}


@dataclass(frozen=True)
class Problem:
    """One line of the error report: where (row as the spreadsheet shows it, column), the value, and why."""

    row: str
    column: str
    value: str
    reason: str
    refused: bool


@dataclass(frozen=True)
class ParsedRow:
    """The result for one non-blank row: the contact (None when refused) and the problems found."""

    contact: ContactData | None
    problems: tuple[Problem, ...]


def parse_row(table: Table, number: int, values: Sequence[Any], default_category: str | None,
              today: dt.date) -> ParsedRow | None:
    """Read one data row; None for a blank row (nothing but perhaps its STT)."""
    cells = {c.field: (c, values[c.index] if c.index < len(values) else None) for c in table.columns}
    for field, (_, v) in cells.items():  # a loop, not all(genexpr): this runs for every row
        if field != f.SEQ and not _blank(v):
            break
    else:
        return None
    label = table.row_label(number)
    problems: list[Problem] = []
    refused = False

    def problem(field: str, value: Any, reason: str, refuse: bool) -> None:
        column = _column(cells[field][0]) if field in cells else f.LABELS[field]
        shown = "" if value is None else str(value)
        problems.append(Problem(label, column, shown, reason if refuse else reason + KEPT_EMPTY, refuse))

    def cell(field: str) -> Any:
        return cells[field][1] if field in cells else None

    name = f.read_text(cell(f.FULL_NAME))
    key = name_key(name) if name is not None else ""
    if name is None:
        problem(f.FULL_NAME, None, f.MISSING_NAME, True)
        refused = True
    elif len(name) > WIDTHS[f.FULL_NAME] or len(key) > WIDTHS["name_key"]:
        problem(f.FULL_NAME, cell(f.FULL_NAME), TOO_LONG.format(width=WIDTHS[f.FULL_NAME]), True)
        refused = True
    try:
        phone = normalize_phone(cell(f.PHONE)).e164
    except InvalidPhone as exc:
        problem(f.PHONE, cell(f.PHONE), document_text(exc.key), True)
        refused = True
    try:
        category = f.read_category(cell(f.CATEGORY)) or default_category
        if category is None:
            problem(f.CATEGORY, None, f.MISSING_CATEGORY, True)
            refused = True
    except f.FieldError as exc:
        problem(f.CATEGORY, cell(f.CATEGORY), exc.reason, True)
        refused = True

    optional: dict[str, Any] = {}
    for field, reader in _readers(today).items():
        try:
            optional[field] = reader(cell(field))
        except f.FieldError as exc:
            problem(field, cell(field), exc.reason, False)
            optional[field] = None
    if refused:
        return ParsedRow(None, tuple(problems))
    assert name is not None and category is not None
    contact = ContactData(row=label, full_name=name, name_key=key, phone_e164=phone,
                         category=category, **optional)
    return ParsedRow(contact, tuple(problems))


@functools.lru_cache(maxsize=4)
def _readers(today: dt.date) -> dict[str, Callable[[Any], Any]]:
    """The optional fields' readers (made once per day of import, not once per row)."""
    return {
        f.BIRTH_YEAR: lambda v: f.read_birth_year(v, today),
        f.SEX: f.read_sex,
        f.EXPOSURE_DATE: f.read_date,
        f.QUARANTINE_START: f.read_date,
        f.ADDRESS: lambda v: _fitting(f.ADDRESS, f.read_text(v)),
        f.WARD: lambda v: _fitting(f.WARD, f.read_text(v)),
        f.DISTRICT: lambda v: _fitting(f.DISTRICT, f.read_text(v)),
    }


def _fitting(field: str, text: str | None) -> str | None:
    if text is not None and len(text) > WIDTHS[field]:
        raise f.FieldError(TOO_LONG.format(width=WIDTHS[field]))
    return text


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not clean(value))


def _column(column: Column) -> str:
    return f"{column.letter} ({column.header})"
