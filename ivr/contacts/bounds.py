"""Bounded imports: a list file is measured before anything reads it whole.

The fast xlsx reader (python-calamine) loads a whole sheet into memory, and a CSV is decoded whole. So a
file is first checked against ``ImportLimits``, from what the file says about itself without expanding it:
- its size on disk;
- for an .xlsx (a zip archive): the number of parts, the size every part says it expands to, and the
  expansion ratio of the archive (a "zip bomb" is a few kilobytes that expand to gigabytes: a real
  workbook expands 5 to 20 times, a bomb thousands of times);
- for each worksheet: the dimensions it declares (``<dimension ref="A1:J100004"/>``), rows and columns;
- then, while reading, the rows and columns actually met (a writer may declare no dimensions, or wrong
  ones), so memory stays bounded by the limits whatever the file claims.
A refusal is one UserError, in the staff's language, naming the file and the limit; nothing is read or
written before it. The check reads the zip's central directory and the first bytes of each sheet only.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr.errors import UserError
from ivr.i18n import _

MIB = 1 << 20
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')
# A row number of 7 digits or more: looked for as the attribute alone (a literal the regex engine finds at
# the speed of a byte search), then checked to be a <row>'s r (_ROW_TAG) only where one is found.
_LONG_NUMBER = re.compile(rb'r="(\d{7,})"')
_ROW_TAG = re.compile(rb'<(?:\w+:)?row(?:\s[^<>]*)?\sr="$')
_TAIL = 4096  # bytes kept from the previous block: a <row ...> start tag is shorter
EXCEL_MAX_ROWS = 1_048_576  # the last row Excel has: a sheet numbering a row beyond it is damaged (or hostile)
_DIMENSION_SCAN = 4096  # the <dimension> element comes before the sheet's data, within the first bytes


@dataclass(frozen=True)
class ImportLimits:
    """What one list file may hold. The defaults fit a province's daily list (100,000 rows) with room."""

    max_file_bytes: int = 64 * MIB
    max_rows: int = 250_000  # rows of one file, all sheets together
    max_columns: int = 200
    max_sheets: int = 50
    max_parts: int = 1_000  # parts of an .xlsx archive
    # The whole .xlsx once decompressed: calamine holds about 3.5 times the sheet XML in memory (100,000 rows
    # x 10 columns: 57 MB of XML, 202 MB peak RSS), so this bounds the memory of a read to well under 1 GB.
    max_expanded_bytes: int = 192 * MIB
    max_ratio: float = 100.0  # decompressed size / compressed size of the .xlsx archive


def check_file(path: Path, limits: ImportLimits) -> None:
    """Refuse a file larger than the limit (every format)."""
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise UserError(_("{path}: the file is {size} MB, more than the {limit} MB a list may have: split it "
                          "into several files").format(path=path, size=_mb(size), limit=_mb(limits.max_file_bytes)))


def check_xlsx(path: Path, limits: ImportLimits) -> None:
    """Refuse an .xlsx whose archive or declared sheet dimensions exceed the limits (before reading it)."""
    check_file(path, limits)
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > limits.max_parts:
                raise _refused(path, _("{count} parts in the archive (at most {limit})").format(
                    count=len(parts), limit=limits.max_parts))
            expanded = sum(p.file_size for p in parts)
            packed = sum(p.compress_size for p in parts)
            if expanded > limits.max_expanded_bytes:
                raise _refused(path, _("it expands to {size} MB (at most {limit} MB)").format(
                    size=_mb(expanded), limit=_mb(limits.max_expanded_bytes)))
            if expanded > MIB and expanded > limits.max_ratio * max(packed, 1):
                raise _refused(path, _("it expands {ratio:.0f} times its size (at most {limit:.0f}): a "
                                       "compressed bomb, not a workbook").format(
                    ratio=expanded / max(packed, 1), limit=limits.max_ratio))
            sheets = [p for p in parts if p.filename.startswith("xl/worksheets/") and p.filename.endswith(".xml")]
            if len(sheets) > limits.max_sheets:
                raise _refused(path, _("{count} sheets (at most {limit})").format(count=len(sheets),
                                                                                 limit=limits.max_sheets))
            for part in sheets:
                with archive.open(part) as stream:
                    head = stream.read(_DIMENSION_SCAN)
                    rows, columns = declared_dimensions(head)
                    check_dimensions(path, part.filename, rows, columns, limits)
                    if _numbers_a_row_beyond(head, stream, EXCEL_MAX_ROWS):
                        raise UserError(_("{path}, sheet {sheet}: a row beyond row {last}, the last one Excel "
                                          "allows: the workbook is damaged").format(path=path, sheet=part.filename, last=EXCEL_MAX_ROWS))
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError):
        return  # damaged: the reader says so in its own words (no size could be read, nothing was expanded)


def _numbers_a_row_beyond(head: bytes, stream: Any, last: int) -> bool:
    """Whether the sheet numbers a row beyond ``last`` (``<row r="2000000000">``): calamine would quietly
    put such a row next to the others, where openpyxl filled the gap. The XML is read in blocks (the
    archive's expansion was bounded above), looking only at row numbers of 7 digits or more."""
    tail = b""
    block = head
    while block:
        text = tail + block
        for match in _LONG_NUMBER.finditer(text):
            if int(match.group(1)) > last:
                tag = text.rfind(b"<", 0, match.start())
                if _ROW_TAG.match(text[max(tag, 0):match.start(1)]):
                    return True
        tail = text[-_TAIL:]
        block = stream.read(1 << 20)
    return False


def declared_dimensions(head: bytes) -> tuple[int, int]:
    """Rows and columns a worksheet declares in its first bytes (0, 0 when it declares none)."""
    match = _DIMENSION.search(head)
    if match is None:
        return 0, 0
    first_col, first_row, last_col, last_row = match.groups()
    column = last_col or first_col
    row = last_row or first_row
    return (int(row) if row else 0), (column_number(column.decode()) if column else 0)


def check_dimensions(path: Path, sheet: str, rows: int, columns: int, limits: ImportLimits) -> None:
    """Refuse a sheet (declared or as read) with more rows or columns than the limits."""
    if rows > limits.max_rows:
        raise _refused(path, _("sheet {sheet}: {rows} rows (at most {limit})").format(
            sheet=sheet, rows=rows, limit=limits.max_rows))
    if columns > limits.max_columns:
        raise _refused(path, _("sheet {sheet}: {columns} columns (at most {limit})").format(
            sheet=sheet, columns=columns, limit=limits.max_columns))


def too_many_rows(path: Path, limits: ImportLimits) -> UserError:
    """A file found, while read, to hold more rows than the limit (all its sheets together)."""
    return UserError(_("{path}: more than {limit} rows: split the list into several files").format(
        path=path, limit=limits.max_rows))


def column_number(letters: str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27."""
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - ord("A") + 1)
    return number


def _refused(path: Path, what: str) -> UserError:
    return UserError(_("{path}: refused before reading: {what}").format(path=path, what=what))


def _mb(size: int) -> str:
    return f"{size / MIB:.1f}".rstrip("0").rstrip(".")
