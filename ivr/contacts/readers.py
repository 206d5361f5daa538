"""Read a CDC list (.xlsx or .csv) into its header and data rows, whatever the layout around them.

The lists come with a title block above the header ("SỞ Y TẾ ... DANH SÁCH F1 NGÀY ..."), blank rows,
notes columns, several sheets, and CSVs as Vietnamese-locale Excel writes them (semicolon-separated,
UTF-8 with a BOM, or the legacy Windows-1258 code page) or comma-separated. The header row is found by
matching known header names; rows keep the number the spreadsheet shows, for the error report.
Anything that makes the file unreadable is one UserError naming the file and what is wrong.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

from ivr.contacts.bounds import EXCEL_MAX_ROWS, ImportLimits, check_dimensions, check_file, check_xlsx, too_many_rows
from ivr.contacts.fields import LABELS, REQUIRED, USUAL_HEADERS, field_for_header
from ivr.errors import UserError
from ivr.i18n import _

HEADER_SCAN_ROWS = 30  # the header is expected within the first rows, below the title block
_MIN_HEADER_FIELDS = 2
_DELIMITERS = (";", ",", "\t")
_CSV_ENCODINGS = ("utf-8-sig", "cp1258")


@dataclass(frozen=True)
class Column:
    """A recognised column: its position, the field it holds, and its header as written in the file."""

    index: int
    field: str
    header: str

    @property
    def letter(self) -> str:
        return str(get_column_letter(self.index + 1))


@dataclass(frozen=True)
class Table:
    """The data of one sheet: recognised columns and the rows below the header, with their row numbers."""

    sheet: str | None
    header_row: int
    columns: tuple[Column, ...]
    rows: Sequence[tuple[int, Sequence[Any]]]

    def row_label(self, row_number: int) -> str:
        """How the spreadsheet shows the row: "12", or "F2!12" when the workbook holds several lists."""
        return f"{self.sheet}!{row_number}" if self.sheet else str(row_number)


def read_tables(path: Path, limits: ImportLimits = ImportLimits()) -> list[Table]:
    """Every list in the file (one per sheet that has a recognised header row).

    The file is measured against ``limits`` first (ivr.contacts.bounds): nothing reads it whole before.
    """
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UserError(_("{path}: no such file").format(path=path))
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_tables(path, limits)
    if suffix in (".csv", ".txt"):
        check_file(path, limits)
        return [_csv_table(path, limits)]
    if suffix == ".xls":
        raise UserError(_("{path}: old Excel 97-2003 (.xls) files are not read; open it in Excel and save as "
                          ".xlsx").format(path=path))
    raise UserError(_("{path}: not a list file (expected .xlsx or .csv)").format(path=path))


def _xlsx_tables(path: Path, limits: ImportLimits) -> list[Table]:
    """The sheets, read by calamine (Rust; ten times openpyxl's read-only mode), after the bounds checks."""
    if not zipfile.is_zipfile(path):
        raise UserError(_("{path}: not a valid .xlsx file (damaged, or not an Excel workbook)").format(path=path))
    check_xlsx(path, limits)
    tables: list[Table] = []
    budget = [limits.max_rows]
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        try:
            names = workbook.sheet_names
            for name in names:
                sheet = workbook.get_sheet_by_name(name)
                # What calamine found (the declared dimensions were checked before): bounded before copying.
                check_dimensions(path, name, sheet.height, sheet.width, limits)
                title = name if len(names) > 1 else None
                rows = _within_limits(path, name, (_cells(row) for row in sheet.iter_rows()), limits, budget)
                table = _table(path, rows, title)
                if table is not None:
                    tables.append(table)
        finally:
            workbook.close()
    except UserError:
        raise
    except Exception as exc:  # calamine raises several types on damaged input; the user needs one message
        raise UserError(_("{path}: cannot read the workbook ({kind}: {exc})").format(path=path, kind=type(exc).__name__, exc=exc)) from None
    if not tables:
        raise UserError(_no_header(path))
    return tables


def _cells(row: Sequence[Any]) -> list[Any]:
    """calamine's cell values as the field readers expect them: no value is None, a whole number an int
    (calamine gives every number as a float: 1985.0, a phone 912345678.0)."""
    return [None if v == "" else int(v) if isinstance(v, float) and v.is_integer() else v for v in row]


def _within_limits(path: Path, sheet: str, rows: Iterable[Sequence[Any]], limits: ImportLimits,
                   budget: list[int]) -> Iterable[Sequence[Any]]:
    """The rows of a sheet, refusing more rows (all sheets together) or columns than the limits."""
    for number, row in enumerate(rows, start=1):
        budget[0] -= 1
        if number > EXCEL_MAX_ROWS:
            raise UserError(_("{path}, sheet {sheet!r}: a row beyond row {last}, the last one Excel allows: "
                              "the workbook is damaged").format(path=path, sheet=sheet, last=EXCEL_MAX_ROWS))
        if budget[0] < 0:
            raise too_many_rows(path, limits)
        if len(row) > limits.max_columns:
            check_dimensions(path, sheet, 0, len(row), limits)
        yield row


def _csv_table(path: Path, limits: ImportLimits) -> Table:
    text = _decode(path)
    best: tuple[int, str] | None = None
    for delimiter in _DELIMITERS:
        head = list(_records(text, delimiter, path, limit=HEADER_SCAN_ROWS))
        score = max((_header_score(row) for row in head), default=0)
        if best is None or score > best[0]:
            best = (score, delimiter)
    assert best is not None
    table = _table(path, _within_limits(path, "CSV", _records(text, best[1], path), limits, [limits.max_rows]), None)
    if table is None:
        raise UserError(_no_header(path))
    return table


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its BOM: Excel's "Unicode Text" (tab-separated)
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UserError(_("{path}: cannot decode the text (expected UTF-8 or Windows-1258)").format(path=path)) from None
    if b"\x00" in data[:4096]:
        raise UserError(_("{path}: not a text CSV file (binary content)").format(path=path))
    for encoding in _CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(_("{path}: cannot decode the text (expected UTF-8 or Windows-1258)").format(path=path))


def _records(text: str, delimiter: str, path: Path, limit: int | None = None) -> Iterable[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for count, record in enumerate(reader):
            if limit is not None and count >= limit:
                return
            yield record
    except csv.Error as exc:  # e.g. a cell longer than the csv module reads (131,072 characters)
        raise UserError(_("{path}, line {line}: cannot read the CSV ({exc})").format(path=path, line=reader.line_num, exc=exc)) from None


def _header_score(row: Sequence[Any]) -> int:
    return len({f for f in (field_for_header(v) for v in row) if f is not None})


def _table(path: Path, rows: Iterable[Sequence[Any]], sheet: str | None) -> Table | None:
    """Find the header within the first rows and collect the rows below it; None if no header."""
    iterator = iter(rows)
    scanned: list[Sequence[Any]] = []
    for row in iterator:
        scanned.append(row)
        if len(scanned) >= HEADER_SCAN_ROWS:
            break
    scores = [_header_score(row) for row in scanned]
    if not scores or max(scores) < _MIN_HEADER_FIELDS:
        return None
    header_index = scores.index(max(scores))
    columns = _columns(scanned[header_index])
    where = (_("{path}, sheet {sheet!r}, header row {row}") if sheet else _("{path}, header row {row}")).format(
        path=path, sheet=sheet, row=header_index + 1)
    present = {c.field for c in columns}
    missing = [f for f in REQUIRED if f not in present]
    if missing:
        names = _(" and ").join(f"'{USUAL_HEADERS[f]}'" for f in missing)
        raise UserError(_("{where}: missing the column {names}").format(where=where, names=names))
    data: list[tuple[int, Sequence[Any]]] = [
        (number, row) for number, row in enumerate(scanned[header_index + 1:], start=header_index + 2)
    ]
    data.extend(enumerate(iterator, start=len(scanned) + 1))  # (number, row) pairs made in C
    return Table(sheet, header_index + 1, columns, data)


def _columns(header: Sequence[Any]) -> tuple[Column, ...]:
    seen: set[str] = set()
    columns = []
    for index, value in enumerate(header):
        field = field_for_header(value)
        if field is not None and field not in seen:  # a repeated header: the first column wins
            seen.add(field)
            columns.append(Column(index, field, " ".join(str(value).split())))
    return tuple(columns)


def _no_header(path: Path) -> str:
    return _("{path}: no header row found in the first {rows} rows "
             "(expected columns such as {name}, {phone}, {birth_year})").format(
        path=path, rows=HEADER_SCAN_ROWS, name=LABELS["full_name"], phone=LABELS["phone"], birth_year=LABELS["birth_year"])
