"""The contact store: the CDC's lists (imports) and the people on them, grouped by household phone.

Storage only: how two lists' values for one person merge is the domain's rule (ivr.contacts.merge),
passed in to ``apply_import``. May be imported by any domain module; imports no domain module.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import threading
import time
from contextlib import contextmanager
from operator import attrgetter
from typing import Any, Callable, Iterator, Protocol, Sequence

from sqlalchemy import Integer, Row, String, any_, bindparam, case, delete, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql import column as sql_column

from ivr.errors import UserError
from ivr.i18n import _
from ivr.storage import bulk
from ivr.storage import hot_sql
from ivr.storage import models as m
from ivr.storage import records as r
from ivr.storage.base import StoreBase, chunks, contact_record, import_record

ANALYZE_AFTER = 1000  # rows written by an import after which PostgreSQL's statistics are refreshed
IMPORT_LOCK = 7_404_262_002  # imports run one at a time, so two lists can't both add the same person
# People written per transaction of an import: well under 1 s of SQLite's write lock each, even on a busy
# machine (bench/README.md, "Imports and other writers"), so that the dialer and the hotline never wait long.
BATCH_ROWS = 2000
# After each batch, SQLite's write lock is left free for a while (batch_pause), at most this (seconds): a writer
# waiting for it polls (SQLite's busy handler) at growing intervals of up to 100 ms, and would miss a lock
# taken again at once, batch after batch (bench/README.md, "Imports and other writers").
BATCH_PAUSE = 0.11  # the longest sleep below (100 ms) and a late wake-up
# SQLite's busy handler (sqliteDefaultBusyCallback, behind the busy timeout every connection here sets): a
# connection that finds the lock taken sleeps these milliseconds in turn, then 100 ms at a time, between tries.
BUSY_SLEEPS_MS = (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100)
# Once an import is done, its undo rows are deleted in transactions of this many times BATCH_ROWS: deleting
# one by its key costs a fraction of a person's update (2,000 in ~3 ms on SQLite), so such a transaction holds
# the lock no longer than a batch of people, and there are fewer pauses (bench/README.md, item 5).
UNDO_DELETE_FACTOR = 10
IMPORTING, DONE = "importing", "done"  # imports.status
# A known person's columns an import changes (_merge): saved in import_undo before, restored by an undo.
UPDATED_FIELDS = (*r.MERGED_FIELDS, "list_date", "first_seen", "last_seen", "updated_at")
_MERGE_READS = (*r.MERGED_FIELDS, "list_date", "first_seen", "last_seen")  # what _merge reads of a stored row
# In a row of (id, *_MERGE_READS): the merged values, compared with a list's (_incoming_values). Equal, the
# merge keeps them (a rule that merges a value with itself into that value: tests/unit/test_merge_rule.py),
# so only the person's dates are written, by one statement per batch.
_STORED = slice(1, 1 + len(r.MERGED_FIELDS))
_incoming_values = attrgetter(*r.MERGED_FIELDS)
_MEMORY_IMPORTS = threading.Lock()  # an in-memory SQLite database: one process, so a thread lock suffices


class ContactMerge(Protocol):
    """The merge rule (ivr.contacts.merge.merge_contact): the values of ``records.MERGED_FIELDS`` once
    ``incoming`` is merged into the stored row ``known``; ``newer``: the incoming list is not older."""

    def __call__(self, known: r.PersonValues, incoming: r.ContactData, newer: bool) -> dict[str, Any]: ...



class Contacts(Protocol):
    """What the domain may ask of the contact store (ContactStore implements it; fakes may too)."""

    def find_import(self, sha256: str) -> r.ImportRecord | None: ...
    def get_import(self, import_id: int) -> r.ImportRecord: ...
    def recent_imports(self, limit: int = 50) -> list[r.ImportRecord]: ...
    def apply_import(self, batch: r.ImportBatch, now: dt.datetime, *, merge: ContactMerge,
                     batch_rows: int = ..., between: Callable[[int], None] | None = None
                     ) -> tuple[r.ImportRecord, bool]: ...
    def list_contacts(self, list_date: dt.date | None = None, category: str | None = None) -> list[r.Contact]: ...
    def get_contact(self, contact_id: int) -> r.Contact: ...
    def get_contacts(self, contact_ids: Sequence[int]) -> dict[int, r.Contact]: ...
    def household_members(self, household_id: int) -> list[r.Contact]: ...


class ContactStore(StoreBase):
    """Imports and contacts. Every method is one transaction."""

    _free_until = 0.0  # SQLite: when the pause after this store's last import batch is over (``_batch``)

    # -- imports ---------------------------------------------------------------------------------------
    def find_import(self, sha256: str) -> r.ImportRecord | None:
        with self._read() as s:
            row = s.scalar(select(m.Import).where(m.Import.sha256 == sha256, m.Import.status == DONE))
            return import_record(row) if row else None

    def get_import(self, import_id: int) -> r.ImportRecord:
        with self._read() as s:
            row = s.get(m.Import, import_id)
            if row is None or row.status != DONE:
                raise UserError(_("import {import_id}: no such import").format(import_id=import_id))
            return import_record(row)

    def recent_imports(self, limit: int = 50) -> list[r.ImportRecord]:
        """The newest imports first (the console's list of past imports)."""
        with self._read() as s:
            return [import_record(i) for i in s.scalars(select(m.Import).where(m.Import.status == DONE)
                                                           .order_by(m.Import.id.desc()).limit(limit))]

    def apply_import(self, batch: r.ImportBatch, now: dt.datetime, *, merge: ContactMerge,
                     batch_rows: int = BATCH_ROWS,
                     between: Callable[[int], None] | None = None) -> tuple[r.ImportRecord, bool]:
        """Store a list: new people added, known people updated; all of it or nothing, as others see it.

        Returns the import and whether this file (same sha256) had been imported before, in which case
        nothing changes but an audit entry. A known person is updated with the values of the newer list
        per ``merge``, the domain's rule (ivr.contacts.merge); first_seen/last_seen span every list they were on.
        A new person on a phone whose household opted out is opted out too: the phone asked not to be called.

        Written in pieces, so that SQLite's write lock is never held for long (other writers, the dialer and
        the hotline, wait for it; bench/bench_import_writer_wait.py): the import row (status IMPORTING),
        then the new households, new contacts and their links in committed transactions of ``batch_rows``
        people, then the known people in committed transactions of ``batch_rows``: each saves the values it
        changes (``UPDATED_FIELDS``) in ``import_undo`` (INSERT ... SELECT, in the database), reads their current
        rows, writes the merged values and the links; then one short transaction marks the import DONE (and
        the audit entry); then the import's ``import_undo`` rows are deleted, in batches too. On SQLite each
        batch is followed by a pause (``batch_pause``: shorter than the batch, at most ``BATCH_PAUSE``), so
        that a waiting writer gets the lock in between.

        What others see meanwhile: campaigns, lists and the import list do not see the import nor the
        people it added until it is DONE (they read DONE imports and contacts on them only). A known
        person's row, read by id or as a household member (a call in progress, the hotline), shows the new
        list's merged values as soon as that person's batch is committed, before the import is DONE; if
        the import then fails, the old values are put back. A failure undoes what the batches wrote
        (``_undo``: the old values restored, then the added people deleted), and an import a crash left
        IMPORTING is undone the same way by the next import. Imports run one at a time across processes
        (PostgreSQL: a session advisory lock; SQLite: a lock file next to the database). ``between(done)``
        is called after each committed batch (tests: another writer gets the lock there).
        """
        with self._import_lock():
            with self._write() as s:
                previous = s.scalar(select(m.Import).where(m.Import.sha256 == batch.sha256,
                                                           m.Import.status == DONE))
                if previous is not None:
                    self._audit(s, batch.operator, "contacts.import.repeat", f"import:{previous.id}", 0, now)
                    return import_record(previous), True
            self._undo_unfinished()
            with self._read() as s:
                existing, households, opted_out = self._known(s, sorted({c.phone_e164 for c in batch.contacts}))
            new: list[r.ContactData] = []
            known: list[r.ContactData] = []
            known_ids: list[int] = []  # their contacts' ids, in the same order
            for c in batch.contacts:
                stored = existing.get(c.identity)
                if stored is None:
                    new.append(c)
                else:
                    known.append(c)
                    known_ids.append(stored.id)
            with self._write() as s:
                imp = m.Import(
                    file_name=batch.file_name, sha256=batch.sha256, list_date=batch.list_date,
                    category=batch.category, operator=batch.operator, rows=batch.rows, imported=len(new),
                    updated=len(known), duplicates=batch.duplicates, invalid=batch.invalid,
                    error_report=batch.error_report, stored_path=batch.stored_path, created_at=now,
                    status=IMPORTING,
                )
                s.add(imp)
                s.flush()
                import_id = imp.id
            try:
                size = max(1, batch_rows)
                # Each batch's rows are made before its transaction: on SQLite, while the lock is left free
                # after the previous one (``_batch``), not while it is held.
                for start in range(0, len(new), size):
                    part = new[start:start + size]
                    rows = self._contact_rows(part, opted_out, batch.list_date, now)
                    links = [{"import_id": import_id, "contact_id": 0, "category": c.category, "row": c.row,
                              "added": True} for c in part]
                    with self._batch() as s:
                        self._add_households(s, sorted({c.phone_e164 for c in part} - households.keys()),
                                             households, now)
                        ids = bulk.allocate_ids(s, m.table_of(m.Contact), len(part))
                        for row, link, i, c in zip(rows, links, ids, part):
                            row["id"] = link["contact_id"] = i
                            row["household_id"] = households[c.phone_e164]
                        bulk.insert_rows(s, m.table_of(m.Contact), rows)
                        bulk.insert_rows(s, m.table_of(m.ContactImport), links)
                    if between is not None:
                        between(start + len(part))
                for start in range(0, len(known), size):
                    part, part_ids = known[start:start + size], known_ids[start:start + size]
                    links = [{"import_id": import_id, "contact_id": i, "category": c.category, "row": c.row,
                              "added": False} for i, c in zip(part_ids, part)]
                    with self._batch() as s:
                        bulk.insert_rows(s, m.table_of(m.ContactImport), links)
                        self._update_known(s, import_id, part, part_ids, batch.list_date, now, merge)
                    if between is not None:
                        between(len(new) + start + len(part))
                self._wait_free()
                with self._write() as s:  # short: the updates are written, their undo rows are not read here
                    s.execute(update(m.Import).where(m.Import.id == import_id).values(status=DONE))
                    self._audit(s, batch.operator, "contacts.import", f"import:{import_id}", len(batch.contacts), now)
                    if self._postgres and len(batch.contacts) >= ANALYZE_AFTER:
                        # Fresh planner statistics, so that tomorrow's lookup and the campaign queries use indexes.
                        s.execute(text("ANALYZE households, contacts, contact_imports"))
                    done = s.get(m.Import, import_id)
                    assert done is not None
                    record = import_record(done)
            except BaseException:
                try:
                    self._undo(import_id, size)
                except Exception:  # noqa: BLE001 - e.g. the database went away: the next import finishes the undo
                    pass
                raise
            try:
                self._forget_undo(import_id, size * UNDO_DELETE_FACTOR)
            except Exception:  # noqa: BLE001 - the import is done; the next import deletes what is left of these
                pass
            return record, False

    def _update_known(self, s: Session, import_id: int, known: Sequence[r.ContactData], ids: Sequence[int],
                      list_date: dt.date, now: dt.datetime, merge: ContactMerge) -> None:
        """One batch of known people (``ids``: their contacts' ids, in the same order): the values the merge
        changes saved in import_undo by the database itself (INSERT ... SELECT, nothing sent from Python for
        it), which returns those values (RETURNING: the rows as they are in this transaction), merged with
        the newer list."""
        if not known:
            return
        C, U = m.table_of(m.Contact), m.table_of(m.ImportUndo)
        saved = insert(U).from_select(["import_id", "contact_id", *UPDATED_FIELDS],
                                      select(literal(import_id, Integer), C.c.id, *[C.c[f] for f in UPDATED_FIELDS])
                                      .where(self._id_in(C.c.id, ids)))
        current: dict[int, Row[Any]] = {row.id: row for row in s.execute(saved.returning(
            U.c.contact_id.label("id"), *[U.c[f] for f in _MERGE_READS])).all()}
        same: list[int] = []  # people whose list gives exactly the values stored: only their dates change
        changed: list[dict[str, Any]] = []
        for i, c in zip(ids, known):
            old = current.get(i)
            if old is None:
                continue
            if old[_STORED] == _incoming_values(c):  # compared in C
                same.append(i)
            else:
                changed.append(_merge(old, c, list_date, now, merge))
        if same:  # one statement for all of them, nothing sent per person (bench/README.md, item 5 third pass)
            s.execute(update(C).where(self._id_in(C.c.id, same)).values(
                list_date=case((C.c.list_date < list_date, list_date), else_=C.c.list_date),
                first_seen=case((C.c.first_seen > list_date, list_date), else_=C.c.first_seen),
                last_seen=case((C.c.last_seen < list_date, list_date), else_=C.c.last_seen),
                updated_at=now))
        bulk.update_rows(s, C, changed)

    @contextmanager
    def _batch(self) -> Iterator[Session]:
        """One batch's write transaction. On SQLite the lock is then left free for a while (``batch_pause`` of
        the time it held it), so that a writer waiting for it gets it before the next batch: the next batch
        (or the import's last write) waits for what is left of that pause when it begins, so that the work
        done in between (the next batch's rows) is done while the lock is free, not after."""
        self._wait_free()
        started = time.monotonic()
        with self._write() as s:
            if self._postgres:  # no wait for the disk at each batch's commit: a database crash may lose the
                # last batches, never a part of one, and the import is not DONE (that commit waits for the disk,
                # and for every batch before it), so the next import undoes what is left of it
                s.execute(text("SET LOCAL synchronous_commit TO OFF"))
            yield s
        if not self._postgres:
            self._free_until = time.monotonic() + batch_pause(time.monotonic() - started)

    def _wait_free(self) -> None:
        """Wait until the pause after this store's last batch is over (nothing to wait for on PostgreSQL)."""
        delay = self._free_until - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    @contextmanager
    def _import_lock(self) -> Iterator[None]:
        """One import at a time across processes, for the whole import (all its transactions)."""
        if self._postgres:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": IMPORT_LOCK})
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": IMPORT_LOCK})
                    connection.commit()
            return
        database = self._engine.url.database
        if not database or database == ":memory:":
            with _MEMORY_IMPORTS:
                yield
            return
        with open(f"{database}-import.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released by the system if this process dies
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _undo_unfinished(self) -> None:
        """Undo the imports a crash left IMPORTING (the import lock is held: none of them is running), and
        delete the undo rows a done import left (a crash right after it was marked DONE)."""
        with self._read() as s:
            unfinished = list(s.scalars(select(m.Import.id).where(m.Import.status == IMPORTING)))
            finished = list(s.scalars(select(m.ImportUndo.import_id).distinct().join(m.Import, m.Import.id == m.ImportUndo.import_id)
                                      .where(m.Import.status != IMPORTING)))
        for import_id in unfinished:
            self._undo(import_id, BATCH_ROWS)
        for import_id in finished:
            self._forget_undo(import_id, BATCH_ROWS * UNDO_DELETE_FACTOR)

    def _forget_undo(self, import_id: int, size: int) -> None:
        """Delete a done import's undo rows, in transactions of ``size``."""
        U = m.ImportUndo
        some = select(U.contact_id).where(U.import_id == import_id).order_by(U.contact_id).limit(size)
        while True:
            with self._batch() as s:  # one statement: the database picks the rows and deletes them
                deleted = s.connection().execute(delete(U).where(U.import_id == import_id,
                                                    U.contact_id.in_(some.scalar_subquery()))).rowcount
            if deleted < size:
                return

    def _undo(self, import_id: int, size: int) -> None:
        """Undo an unfinished import, in transactions of ``size`` people: the known people's old values put
        back (from import_undo, whose rows go in the same transaction), the contacts it added deleted, the
        households left with nobody, the links of the people it did not add, then the import. The import row goes last, so an
        undo cut short is finished by the next import. Nothing is done to an import that is DONE."""
        CI, C, H, U = m.ContactImport, m.Contact, m.Household, m.ImportUndo
        with self._read() as s:
            if s.scalar(select(m.Import.status).where(m.Import.id == import_id)) != IMPORTING:
                return
        undo = m.table_of(U)
        while True:
            with self._batch() as s:
                saved = s.execute(select(undo).where(undo.c.import_id == import_id)
                                  .order_by(undo.c.contact_id).limit(size)).all()
                if not saved:
                    break
                bulk.update_rows(s, m.table_of(C), [
                    {"id": row.contact_id, **{f: getattr(row, f) for f in UPDATED_FIELDS}} for row in saved])
                s.execute(delete(U).where(U.import_id == import_id,
                                          U.contact_id.in_([row.contact_id for row in saved])))
        while True:
            with self._batch() as s:
                ids = list(s.scalars(select(CI.contact_id).where(CI.import_id == import_id, CI.added.is_(True))
                                     .order_by(CI.contact_id).limit(size)))
                if not ids:
                    break
                phones = sorted(set(s.scalars(select(C.phone_e164).where(C.id.in_(ids)))))
                s.execute(delete(C).where(C.id.in_(ids)))
                s.execute(delete(H).where(H.phone_e164.in_(phones),
                                          ~select(C.id).where(C.household_id == H.id).exists()))
        some = select(CI.contact_id).where(CI.import_id == import_id).order_by(CI.contact_id).limit(size)
        while True:  # the links of the people it did not add (no foreign key deletes them with the import)
            with self._batch() as s:
                deleted = s.connection().execute(delete(CI).where(CI.import_id == import_id,
                                                                  CI.contact_id.in_(some.scalar_subquery()))).rowcount
            if deleted < size:
                break
        with self._write() as s:
            s.execute(delete(m.Import).where(m.Import.id == import_id, m.Import.status == IMPORTING))

    def _known(self, s: Session, phones: Sequence[str]) -> tuple[dict[tuple[str, str], Any], dict[str, int],
                                                                   set[str]]:
        """People and households already stored for these phones: one lookup for the whole file.

        PostgreSQL gets the phones as one array parameter (``= ANY(:phones)``), which it hashes; a long
        ``IN (...)`` list of separate parameters is searched linearly for every row it scans.
        SQLite gets them as one JSON array (``IN (SELECT value FROM json_each(:values))``), looked up in the
        index on the phone.
        """
        existing: dict[tuple[str, str], Any] = {}
        households: dict[str, int] = {}
        opted_out: set[str] = set()
        table = m.table_of(m.Contact)
        columns = (table.c.id, table.c.phone_e164, table.c.name_key, table.c.opted_out)  # not the whole row
        for row in s.execute(select(*columns).where(self._phone_in(table.c.phone_e164, phones))).all():
            existing[(row.phone_e164, row.name_key)] = row
            if row.opted_out:
                opted_out.add(row.phone_e164)
        households.update((phone, hid) for hid, phone in s.execute(
            select(m.Household.id, m.Household.phone_e164).where(self._phone_in(m.Household.phone_e164, phones))).all())
        return existing, households, opted_out

    def _phone_in(self, column: Any, phones: Sequence[str]) -> Any:
        if self._postgres:
            return column == any_(bindparam("phones", list(phones), type_=ARRAY(String)))
        return column.in_(_json_values(phones, String))

    def _id_in(self, column: Any, ids: Sequence[int]) -> Any:
        """PostgreSQL: one array parameter; SQLite: one JSON array (json_each), not a parameter per id."""
        if self._postgres:
            return column == any_(bindparam("ids", list(ids), type_=ARRAY(Integer)))
        return column.in_(_json_values(ids, Integer))

    def _add_households(self, s: Session, phones: Sequence[str], households: dict[str, int],
                        now: dt.datetime) -> None:
        table = m.table_of(m.Household)
        ids = bulk.allocate_ids(s, table, len(phones))
        bulk.insert_rows(s, table, [{"id": i, "phone_e164": p, "active_attempt_id": None, "created_at": now}
                                    for i, p in zip(ids, phones)])
        households.update(zip(phones, ids))

    def _contact_rows(self, new: Sequence[r.ContactData], opted_out: set[str], list_date: dt.date,
                      now: dt.datetime) -> list[dict[str, Any]]:
        """New people's rows, but for their ids and households' ids (given in the batch's transaction)."""
        return [
            {
                "id": 0, "household_id": 0, "phone_e164": c.phone_e164,
                "name_key": c.name_key, **{f: getattr(c, f) for f in r.MERGED_FIELDS},
                "list_date": list_date, "first_seen": list_date, "last_seen": list_date,
                "opted_out": c.phone_e164 in opted_out, "pseudonym": self._pseudonyms(),
                "created_at": now, "updated_at": now,
            }
            for c in new
        ]

    # -- contacts --------------------------------------------------------------------------------------
    def list_contacts(self, list_date: dt.date | None = None, category: str | None = None) -> list[r.Contact]:
        """Contacts stored, optionally those on the list of one day and/or of one category, oldest first.

        With a date, the category is the one the person had on that day's list.
        """
        query = select(m.Contact).where(~being_imported(m.Contact.id)).order_by(m.Contact.id)
        if list_date is not None:
            on_list = (select(m.ContactImport.contact_id).join(m.Import, m.Import.id == m.ContactImport.import_id)
                       .where(m.Import.list_date == list_date, m.Import.status == DONE))
            if category is not None:
                on_list = on_list.where(m.ContactImport.category == category)
            query = query.where(m.Contact.id.in_(on_list))
        elif category is not None:
            query = query.where(m.Contact.category == category)
        with self._read() as s:
            return [contact_record(c) for c in s.scalars(query)]

    def get_contact(self, contact_id: int) -> r.Contact:
        with self._read_conn() as c:
            row = c.execute(hot_sql.contact_by_id(), {"contact_id": contact_id}).first()
            if row is None:
                raise UserError(_("contact {contact_id}: no such contact").format(contact_id=contact_id))
            return contact_record(row)

    def get_contacts(self, contact_ids: Sequence[int]) -> dict[int, r.Contact]:
        """These contacts by id, in one read (the dialer's look-ahead); an unknown id is left out."""
        with self._read_conn() as c:
            return {row.id: contact_record(row) for part in chunks(sorted(set(contact_ids)))
                    for row in c.execute(hot_sql.contacts_by_ids(), {"ids": list(part)})}

    def household_members(self, household_id: int) -> list[r.Contact]:
        """Everyone reached through the household's phone (for a call that asks after each of them)."""
        with self._read() as s:
            rows = s.scalars(select(m.Contact).where(m.Contact.household_id == household_id).order_by(m.Contact.id))
            return [contact_record(c) for c in rows]


def _json_values(values: Sequence[Any], kind: Any) -> Any:
    """SQLite: the values as one parameter, a JSON array read by json_each (SQLAlchemy expands an IN list of
    thousands of parameters anew for every statement, which cost more than the lookups)."""
    return (text("SELECT value FROM json_each(:values)").bindparams(values=json.dumps(list(values)))
            .columns(sql_column("value", kind)))


def batch_pause(held: float) -> float:
    """Seconds to leave SQLite's write lock free after a batch that held it ``held`` seconds: long enough for a
    writer that began waiting during the batch to try again, i.e. the busy handler's sleep at that point of its
    wait (it has waited at most ``held``), half as long again plus 2 ms for a late wake-up; at most BATCH_PAUSE.
    Shorter than the batch (a batch of 0.1 s: 0.04 s), so the import spends less time pausing than writing."""
    waited = 0.0
    sleep = BUSY_SLEEPS_MS[-1]
    for sleep in BUSY_SLEEPS_MS:
        if held * 1000 < waited + sleep:
            break
        waited += sleep
    return min(BATCH_PAUSE, sleep * 1.5 / 1000 + 0.002)


def being_imported(contact_id: Any) -> Any:
    """True for a contact added by an import not finished yet (its batches are committed, it is not DONE)."""
    CI = m.ContactImport
    return (select(CI.contact_id).join(m.Import, m.Import.id == CI.import_id)
            .where(CI.contact_id == contact_id, CI.added.is_(True), m.Import.status == IMPORTING).exists())


def _merge(old: Row[Any], new: r.ContactData, list_date: dt.date, now: dt.datetime,
           merge: ContactMerge) -> dict[str, Any]:
    """The updated row of a known person seen again on the list of ``list_date``."""
    values = merge(old, new, list_date >= old.last_seen)
    values["id"] = old.id
    values["list_date"] = max(old.list_date, list_date)
    values["first_seen"] = min(old.first_seen, list_date)
    values["last_seen"] = max(old.last_seen, list_date)
    values["updated_at"] = now
    return values
