"""Writing tables: .xlsx workbooks and CSV files (ivr.spreadsheet), all or nothing.

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

from ivr.errors import UserError
from ivr.i18n import _
from ivr.spreadsheet import CsvCells, XlsxSheet
from ivr.spreadsheet import write_xlsx as write_workbook
from ivr.spreadsheet import write_csv as write_table


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


def write_csv(path: Path, sheet: Sheet) -> None:
    write_table(path, sheet.headers, sheet.rows)


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    """A workbook of ``sheets`` (ivr.spreadsheet streams it): bold headers, each column as wide as its widest
    cell (8 to 60), the header row frozen, a filter on the header."""
    out = [XlsxSheet(sheet.name, sheet.headers, sheet.rows, _shown(CsvCells(sheet.headers, sheet.rows).widths()),
                     auto_filter=len(sheet.rows) or None) for sheet in sheets]
    write_workbook(path, out)


def write_xlsx_rows(path: Path, name: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """One sheet written as its rows come: memory stays that of one row, however many rows (a month's answers
    export). Columns get a width from their header, set before the rows."""
    write_workbook(path, [XlsxSheet(name, headers, rows, [min(max(len(str(h)) + 4, 12), 40) for h in headers])])


def xlsx_and_csvs_of(sheets: Sequence[Sheet], ahead: bool = False,
                     ) -> tuple[Callable[[Path], None], list[Callable[[Path], None]]]:
    """How to write ``sheets`` as a workbook and as a CSV each (the same files as ``xlsx_of`` and ``csv_of``),
    each sheet's cells formatted once (``CsvCells``): its CSV's text and the workbook's column widths.
    ``ahead``: formatted now, for files written by different processes (ivr.reports.parallel: a child
    inherits them)."""
    made: dict[int, CsvCells] = {}

    def cells(i: int) -> CsvCells:
        if i not in made:
            made[i] = CsvCells(sheets[i].headers, sheets[i].rows)
        return made[i]

    if ahead:
        for i in range(len(sheets)):
            cells(i)

    def workbook(path: Path) -> None:
        write_workbook(path, [XlsxSheet(sheet.name, sheet.headers, sheet.rows, _shown(cells(i).widths()),
                                        auto_filter=len(sheet.rows) or None)
                              for i, sheet in enumerate(sheets)])

    def table(i: int) -> Callable[[Path], None]:
        def write(path: Path) -> None:
            with path.open("w", encoding="utf-8-sig", newline="") as out:
                out.write(cells(i).text())
        return write

    return workbook, [table(i) for i in range(len(sheets))]


def _shown(widths: Sequence[int]) -> list[int]:
    """A column's width in the workbook: its widest cell and a margin, from 8 to 60 characters."""
    return [min(max(w + 2, 8), 60) for w in widths]


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
        produce(self.place(final))

    def place(self, final: Path) -> Path:
        """The temporary file (made empty, next to ``final``) to write what goes to ``final``."""
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
        return tmp

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
