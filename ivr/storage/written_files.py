"""The register of files this system wrote (reports, exports): where, what, by whom, and whose data.

Decree 13/2023 wants personal data kept no longer than needed, wherever it was copied. A report or an
export that lists people is such a copy, so every file written is registered here with the people (and
hotline calls) it names; the retention purge (ivr.protection.retention) deletes the files naming anyone it purges.
The file's SHA-256 is kept so that a file replaced by someone else since is reported, not deleted.
Registering a file and its audit entry is one transaction (migration 0003_written_files).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, delete, insert, or_, select, text, \
    update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ivr.storage import models as m
from ivr.storage.base import StoreBase, chunks
from ivr.storage.hotline import InboundCall
from ivr.storage.types import UtcDateTime


# The checksum of a file registered before it is written (``FileRegister.reserve``): a registration still
# PENDING names a file this system was writing when it stopped.
PENDING = ""


class WrittenFile(m.Base):
    """One file written by a report or an export (a file written again is registered again)."""

    __tablename__ = "written_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(40))  # e.g. report.daily.urgent.csv
    personal: Mapped[bool] = mapped_column(Boolean)  # names people (phone, name, answers)
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    operator: Mapped[str] = mapped_column(String(120))
    written_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)


class WrittenFileSubject(m.Base):
    """A person (contact) or a hotline caller (inbound call) whose personal data a written file holds."""

    __tablename__ = "written_file_subjects"
    __table_args__ = (CheckConstraint("(contact_id IS NULL) <> (inbound_call_id IS NULL)", name="one_subject"),
                      # Only the few rows of hotline callers in the index (migration 0015).
                      Index("ix_written_file_subjects_inbound_call_id", "inbound_call_id",
                            postgresql_where=text("inbound_call_id IS NOT NULL"),
                            sqlite_where=text("inbound_call_id IS NOT NULL")))
    id: Mapped[int] = mapped_column(primary_key=True)
    # written_files.id, without a foreign key (migration 0014): checked row by row, it was three quarters of
    # registering a daily report; this store adds a file's subjects with the file, deletes them before it
    # (``cancel``, ``mark_deleted``) and reads them through it.
    file_id: Mapped[int] = mapped_column(Integer, index=True)
    # contacts.id, without a foreign key (migration 0015): a daily report names ~80,000 people, and each
    # row's check read and share-locked its contact (0.8 s of the report's 1.2 s of registering). Contacts are
    # never deleted (a purge blanks them in place), and the ids come from the report's own reads.
    contact_id: Mapped[int | None] = mapped_column(Integer, index=True)
    inbound_call_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_calls.id"))


@dataclass(frozen=True)
class FileToRegister:
    """A file just written: its path, kind, checksum, row count and whose data it holds."""

    path: str
    kind: str
    sha256: str
    rows: int
    contact_ids: frozenset[int] = frozenset()
    inbound_call_ids: frozenset[int] = frozenset()

    @property
    def personal(self) -> bool:
        return bool(self.contact_ids or self.inbound_call_ids)


@dataclass(frozen=True)
class RegisteredFile:
    id: int
    path: str
    kind: str
    sha256: str
    rows: int
    operator: str
    written_at: dt.datetime


class FileRegister(StoreBase):
    """Storage API of the register. Every method is one transaction."""

    def record(self, files: Sequence[FileToRegister], *, operator: str, action: str, obj: str, rows: int,
               at: dt.datetime) -> list[int]:
        """Register written files and add the audit entry of the report/export that wrote them."""
        with self._write() as s:
            ids = self._add(s, files, operator, at)
            self._audit(s, operator, action, obj, rows, at)
            return ids

    def reserve(self, files: Sequence[FileToRegister], *, operator: str, at: dt.datetime) -> list[int]:
        """Register files about to be written (their ``sha256`` not known yet: ``PENDING``), with whose data
        they will hold, before a byte of them is written: a process that dies while writing leaves no file
        the purge cannot find. ``complete`` gives the checksums and the audit entry, ``cancel`` withdraws."""
        with self._write() as s:
            return self._add(s, [dataclasses.replace(f, sha256=PENDING) for f in files], operator, at)

    def complete(self, ids: Sequence[int], sha256s: Sequence[str], *, operator: str, action: str, obj: str,
                 rows: int, at: dt.datetime) -> None:
        """The reserved files are written: their checksums, and the audit entry, in one transaction."""
        with self._write() as s:
            for file_id, sha256 in zip(ids, sha256s, strict=True):
                s.execute(update(WrittenFile).where(WrittenFile.id == file_id).values(sha256=sha256))
            self._audit(s, operator, action, obj, rows, at)

    def cancel(self, ids: Sequence[int]) -> None:
        """Reserved files that were not written after all: their registrations go (subjects first)."""
        with self._write() as s:
            s.execute(delete(WrittenFileSubject).where(WrittenFileSubject.file_id.in_(list(ids))))
            s.execute(delete(WrittenFile).where(WrittenFile.id.in_(list(ids))))

    def _add(self, s: Session, files: Sequence[FileToRegister], operator: str, at: dt.datetime) -> list[int]:
        ids = []
        for f in files:
            row = WrittenFile(path=f.path, kind=f.kind, personal=f.personal, sha256=f.sha256, rows=f.rows,
                              operator=operator, written_at=at)
            s.add(row)
            s.flush()
            ids.append(row.id)
            if self._postgres:
                # One statement per file and kind of subject: a daily workbook of a province names a
                # hundred thousand people, which row by row took seconds (issue 18).
                for column, wanted in (("contact_id", f.contact_ids), ("inbound_call_id", f.inbound_call_ids)):
                    if wanted:
                        s.execute(text(f"INSERT INTO written_file_subjects (file_id, {column}) "
                                       "SELECT :file_id, subject FROM unnest(CAST(:ids AS integer[])) AS subject "
                                       "ORDER BY subject"), {"file_id": row.id, "ids": sorted(wanted)})
                continue
            subjects = [{"file_id": row.id, "contact_id": c, "inbound_call_id": None}
                        for c in sorted(f.contact_ids)]
            subjects += [{"file_id": row.id, "contact_id": None, "inbound_call_id": i}
                         for i in sorted(f.inbound_call_ids)]
            if subjects:
                s.execute(insert(WrittenFileSubject), subjects)
        return ids

    def naming(self, contact_ids: Iterable[int], inbound_before: dt.datetime | None = None,
               inbound_call_ids: Iterable[int] = ()) -> list[RegisteredFile]:
        """Files not yet deleted that name any of these contacts, any of these hotline calls, or any hotline
        call that started before ``inbound_before``."""
        contacts, calls = sorted(set(contact_ids)), sorted(set(inbound_call_ids))
        conditions = []
        S = WrittenFileSubject
        for chunk in chunks(contacts):
            conditions.append(S.contact_id.in_(chunk))
        for chunk in chunks(calls):
            conditions.append(S.inbound_call_id.in_(chunk))
        if inbound_before is not None:
            conditions.append(S.inbound_call_id.in_(select(InboundCall.id)
                                                    .where(InboundCall.started_at < inbound_before)))
        if not conditions:
            return []
        query = (select(WrittenFile).where(WrittenFile.deleted_at.is_(None),
                                           WrittenFile.id.in_(select(S.file_id).where(or_(*conditions))))
                 .order_by(WrittenFile.id))
        with self._read() as s:
            return [RegisteredFile(f.id, f.path, f.kind, f.sha256, f.rows, f.operator, f.written_at)
                    for f in s.scalars(query)]

    def same_paths(self, paths: Iterable[str]) -> list[RegisteredFile]:
        """Every registration (not deleted) of these paths: a file written again is registered again."""
        out: list[RegisteredFile] = []
        with self._read() as s:
            for chunk in chunks(sorted(set(paths))):
                query = (select(WrittenFile).where(WrittenFile.path.in_(chunk), WrittenFile.deleted_at.is_(None))
                         .order_by(WrittenFile.id))
                out += [RegisteredFile(f.id, f.path, f.kind, f.sha256, f.rows, f.operator, f.written_at)
                        for f in s.scalars(query)]
        return out

    def files(self, include_deleted: bool = False) -> list[RegisteredFile]:
        query = select(WrittenFile).order_by(WrittenFile.id)
        if not include_deleted:
            query = query.where(WrittenFile.deleted_at.is_(None))
        with self._read() as s:
            return [RegisteredFile(f.id, f.path, f.kind, f.sha256, f.rows, f.operator, f.written_at)
                    for f in s.scalars(query)]


def mark_deleted(s: Session, file_ids: Sequence[int], at: dt.datetime) -> None:
    """In the caller's transaction (the purge's): the files are gone, and so is the list of whose data they
    held."""
    for chunk in chunks(list(file_ids)):
        s.execute(update(WrittenFile).where(WrittenFile.id.in_(chunk)).values(deleted_at=at),
                  execution_options={"synchronize_session": False})
        s.execute(delete(WrittenFileSubject).where(WrittenFileSubject.file_id.in_(chunk)),
                  execution_options={"synchronize_session": False})
