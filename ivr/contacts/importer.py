"""Import a CDC list: read, normalise, merge duplicates, store (all or nothing), report refused rows.

What it guarantees:
- a file that cannot be read imports nothing (one UserError naming the file and what is wrong);
- the same file (same SHA-256) imported again changes nothing and reports the first import's counts;
- the same person twice in one file, or again on a later day's list, is one contact, updated;
- every refused row (and every value left empty because it could not be read) is a line of an error
  report, a CSV next to the stored copy of the file in <data_dir>/imports/, with the row number as the
  spreadsheet shows it, the column, the value and the reason, in Vietnamese.
Counts: rows = imported + updated + duplicates + invalid.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from ivr.contacts.bounds import ImportLimits
from ivr.contacts.fields import FieldError, read_category
from ivr.contacts.readers import read_tables
from ivr.contacts.rows import Problem, parse_row
from ivr.contacts.merge import merge_contact
from ivr.errors import UserError
from ivr.i18n import _
from ivr.spreadsheet import write_csv
from ivr.logs import get_logger
from ivr.storage.contact_store import BATCH_ROWS
from ivr.storage.records import Category, ContactData, ImportBatch
from ivr.storage.repo import Repository

log = get_logger(__name__)
REPORT_HEADER = ("Dòng", "Cột", "Giá trị", "Lý do")
_UNSAFE = re.compile(r"[^\w.\-]+")
_NAME_MAX = 255  # bytes in one file name on the usual file systems (ext4, XFS, NTFS in UTF-8)


@dataclass(frozen=True)
class ImportResult:
    """What the operator is told: counts, where the error report is, and the import's id."""

    import_id: int
    file: str
    list_date: dt.date
    rows: int
    imported: int
    updated: int
    duplicates: int
    invalid: int
    warnings: int
    error_report: str | None
    already_imported: bool = False
    # A file imported before under another day: the day asked for this time (the list keeps ``list_date``).
    other_date: dt.date | None = None

    def as_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["list_date"] = self.list_date.isoformat()
        data["other_date"] = self.other_date.isoformat() if self.other_date else None
        return data


class ContactImporter:
    """Imports list files into the repository; copies and error reports go to ``imports_dir``."""

    def __init__(self, repo: Repository, imports_dir: Path, clock: Callable[[], dt.datetime],
                 zone: ZoneInfo, limits: ImportLimits = ImportLimits(), batch_rows: int = BATCH_ROWS,
                 between: Callable[[int], None] | None = None) -> None:
        """``batch_rows``: people written per transaction (ivr.storage.contact_store.BATCH_ROWS);
        ``between``: called after each committed batch with the number of people written so far."""
        self._repo = repo
        self._batch_rows = batch_rows
        self._between = between
        self._limits = limits
        self._dir = imports_dir
        self._clock = clock
        self._zone = zone

    def import_file(self, path: Path, *, category: str | None = None, list_date: dt.date | None = None,
                    operator: str) -> ImportResult:
        """Import ``path``. A row's category is its own F1/F2 cell, else ``category``, else the name of
        its sheet ("F1"/"F2"); ``list_date`` is the day of the list (default: today in local time)."""
        path = Path(path)
        if category is not None and category not in set(Category):
            raise UserError(_("--category must be F1 or F2, got {category!r}").format(category=category))
        if not path.is_file():
            raise UserError(_("{path}: no such file").format(path=path))
        now = self._clock()
        list_date = list_date or now.astimezone(self._zone).date()
        sha256 = _sha256(path)
        previous = self._repo.find_import(sha256)
        if previous is not None:
            self._repo.audit(operator, "contacts.import.repeat", f"import:{previous.id}", 0, now)
            log.info("contacts.import.repeat", import_id=previous.id)
            c = previous.counts
            return ImportResult(previous.id, str(path), previous.list_date, c.rows, 0, c.updated, c.duplicates,
                                c.invalid, 0, previous.error_report, already_imported=True,
                                other_date=list_date if list_date != previous.list_date else None)

        contacts, problems, rows, duplicates = _read(path, category, now.astimezone(self._zone).date(),
                                                     self._limits)
        invalid = len({p.row for p in problems if p.refused})
        warnings = len({p.row for p in problems if not p.refused})
        stored, report = self._write_files(path, sha256, list_date, problems)
        categories = {c.category for c in contacts}
        batch = ImportBatch(
            file_name=path.name, sha256=sha256, list_date=list_date,
            category=category or (categories.pop() if len(categories) == 1 else None), operator=operator,
            contacts=tuple(contacts), rows=rows, duplicates=duplicates, invalid=invalid,
            error_report=str(report) if report else None, stored_path=str(stored),
        )
        try:
            record, already = self._repo.apply_import(batch, now, merge=merge_contact, batch_rows=self._batch_rows,
                                                      between=self._between)
        except BaseException:
            for written in (stored, report):
                if written is not None:
                    written.unlink(missing_ok=True)
            raise
        counts = record.counts
        log.info("contacts.import", import_id=record.id, rows=counts.rows, imported=counts.imported,
                 updated=counts.updated, duplicates=counts.duplicates, invalid=counts.invalid, warnings=warnings)
        return ImportResult(record.id, str(path), record.list_date, counts.rows,
                            0 if already else counts.imported, counts.updated, counts.duplicates, counts.invalid,
                            warnings, record.error_report, already_imported=already)

    def _write_files(self, path: Path, sha256: str, list_date: dt.date,
                     problems: list[Problem]) -> tuple[Path, Path | None]:
        prefix = f"{list_date.isoformat()}_{sha256[:12]}"
        stored = self._dir / _stored_name(prefix, path.name)
        report = self._dir / f"{prefix}_bao-cao-loi.csv" if problems else None
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, stored)
            if report is not None:
                # The project's one cell writer: formula-like cells (a refused row's raw values) as text.
                write_csv(report, REPORT_HEADER, ((p.row, p.column, p.value, p.reason) for p in problems))
        except OSError as exc:  # a full disk or a read-only folder: nothing is imported, nothing is left
            for written in (stored, report):
                if written is not None:
                    written.unlink(missing_ok=True)
            raise UserError(_("{path}: cannot store a copy in {folder} ({error})").format(path=path, folder=self._dir, error=exc.strerror or exc)) from None
        return stored, report


def _read(path: Path, category: str | None, today: dt.date,
          limits: ImportLimits = ImportLimits()) -> tuple[list[ContactData], list[Problem], int, int]:
    """Parse every sheet; merge duplicates (a later row's non-empty values win). Returns the contacts,
    the problems, the number of non-blank rows and the number of duplicate rows."""
    people: dict[tuple[str, str], ContactData] = {}
    problems: list[Problem] = []
    rows = duplicates = 0
    for table in read_tables(path, limits):
        default = category or _sheet_category(table.sheet)
        for number, values in table.rows:
            parsed = parse_row(table, number, values, default, today)
            if parsed is None:
                continue
            rows += 1
            problems.extend(parsed.problems)
            contact = parsed.contact
            if contact is None:
                continue
            earlier = people.get(contact.identity)
            if earlier is None:
                people[contact.identity] = contact
            else:
                duplicates += 1
                people[contact.identity] = _merge_rows(earlier, contact)
    return list(people.values()), problems, rows, duplicates


def _merge_rows(earlier: ContactData, later: ContactData) -> ContactData:
    """The same person twice in one file: the later row's non-empty values win (it is further down the
    list, so presumably newer); the row reference stays the first one."""
    return dataclasses.replace(earlier, **merge_contact(earlier, later, newer=True))


def _sheet_category(sheet: str | None) -> str | None:
    """A workbook with sheets named "F1" and "F2" says the category of their rows."""
    try:
        return read_category(sheet)
    except FieldError:
        return None


def _stored_name(prefix: str, name: str) -> str:
    """``<prefix>_<name>`` with unsafe characters replaced, its stem shortened to fit one file name."""
    safe = Path(_UNSAFE.sub("_", name))
    room = _NAME_MAX - len(f"{prefix}_{safe.suffix}".encode())
    stem = safe.stem.encode()[:room].decode(errors="ignore")  # never cut a character in half
    return f"{prefix}_{stem}{safe.suffix}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
