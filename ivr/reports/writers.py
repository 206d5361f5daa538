"""Writing tables: .xlsx workbooks (openpyxl) and CSV files, all or nothing.

- A CSV is UTF-8 with a BOM and semicolons, what Excel in a Vietnamese locale opens correctly with a
  double-click (the same as the importer's error reports).
- A cell a spreadsheet would run as a formula is written as text (ivr.spreadsheet, the one cell writer
  of the project, which the importer's error report uses too): names and addresses come from lists the
  CDC received from many hands.
- Every file goes to a temporary name in its folder first; the set is renamed into place only when all
  of them are written, so a failed report leaves no half-written or mixed set of files behind.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ivr.errors import UserError
from ivr.i18n import _
from ivr.spreadsheet import csv_cell
from ivr.spreadsheet import write_csv as write_table

DATE_FORMAT, DATETIME_FORMAT = "DD/MM/YYYY", "DD/MM/YYYY HH:MM"


@dataclass(frozen=True)
class Sheet:
    """One table: a sheet of the workbook and one CSV. ``contact_ids``/``inbound_call_ids``: whose personal
    data its rows hold (for the register of written files)."""

    name: str
    slug: str  # for file names: tong-hop, danh-sach-khan...
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    contact_ids: frozenset[int] = frozenset()
    inbound_call_ids: frozenset[int] = frozenset()


def _text(value: Any) -> str:
    return csv_cell(value)


def write_csv(path: Path, sheet: Sheet) -> None:
    write_table(path, sheet.headers, sheet.rows)


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    wb = Workbook()
    for default in list(wb.worksheets):
        wb.remove(default)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name[:31])
        ws.append(list(sheet.headers))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        widths = [len(str(h)) for h in sheet.headers]
        for r, row in enumerate(sheet.rows, start=2):
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c)
                if isinstance(value, bool):
                    value = "Có" if value else "Không"
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # text, never a formula (ivr.spreadsheet)
                elif isinstance(value, dt.datetime):
                    cell.number_format = DATETIME_FORMAT
                elif isinstance(value, dt.date):
                    cell.number_format = DATE_FORMAT
                widths[c - 1] = max(widths[c - 1], len(_text(value)))
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 60)
        ws.freeze_panes = "A2"
        if sheet.rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(sheet.headers))}{len(sheet.rows) + 1}"
    wb.save(path)


def write_xlsx_rows(path: Path, name: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """One sheet written as its rows come (openpyxl's write-only mode): memory stays that of one row, however
    many rows (a month's answers export). Columns get a width from their header, set before the rows."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(name[:31])
    for c, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(len(str(header)) + 4, 12), 40)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    ws.append([_stream_cell(ws, h, bold) for h in headers])
    for row in rows:
        ws.append([_stream_cell(ws, v) for v in row])
    wb.save(path)


def _stream_cell(ws: Any, value: Any, font: Font | None = None) -> Any:
    if isinstance(value, bool):
        value = "Có" if value else "Không"
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # text, never a formula (ivr.spreadsheet)
    elif isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    if font is not None:
        cell.font = font
    return cell


def csv_of(sheet: Sheet) -> Callable[[Path], None]:
    """How to write ``sheet`` as a CSV file (for OutputSet.write)."""
    return lambda path: write_csv(path, sheet)


def xlsx_of(sheets: Sequence[Sheet]) -> Callable[[Path], None]:
    return lambda path: write_xlsx(path, sheets)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class OutputSet:
    """Files written together: each into a temporary file next to its final path, then all renamed."""

    _pending: list[tuple[Path, Path]] = field(default_factory=list)

    def write(self, final: Path, produce: Callable[[Path], None]) -> None:
        folder = final.parent
        if not folder.is_dir():
            raise UserError(_("{folder}: no such folder (create it first, or choose another place)").format(folder=folder))
        try:
            fd, name = tempfile.mkstemp(prefix=".tmp-", suffix=final.suffix, dir=folder)
        except OSError as exc:
            raise UserError(_("{folder}: cannot write there ({strerror})").format(folder=folder, strerror=exc.strerror)) from None
        os.close(fd)
        tmp = Path(name)
        self._pending.append((tmp, final))
        produce(tmp)

    def commit(self) -> list[Path]:
        """Rename every file into place; the paths written, in order."""
        for tmp, final in self._pending:
            os.chmod(tmp, 0o640)  # personal data: not for every user of the machine
            os.replace(tmp, final)
        done = [final for _, final in self._pending]
        self._pending.clear()
        return done

    def abort(self) -> None:
        for tmp, _ in self._pending:
            tmp.unlink(missing_ok=True)
        self._pending.clear()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is not None:
            self.abort()
