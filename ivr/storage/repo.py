"""The repository: the only code that queries the database. This part holds contacts, imports,
campaigns and the audit log; the call-attempt ledger is in ivr.storage.ledger and mixed in here,
so callers use one object: ``Repository(engine)``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Protocol, Sequence

from sqlalchemy import Row, String, any_, bindparam, delete, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from ivr.errors import UserError
from ivr.storage import bulk
from ivr.storage import models as m
from ivr.storage import records as r
from ivr.storage.base import campaign_record, chunks, contact_record, import_record
from ivr.storage.ledger import Ledger

ANALYZE_AFTER = 1000  # rows written by an import after which PostgreSQL's statistics are refreshed
IMPORT_LOCK = 7_404_262_002  # imports run one at a time, so two lists can't both add the same person


class ContactMerge(Protocol):
    """The merge rule (ivr.contacts.merge.merge_contact): the values of ``records.MERGED_FIELDS`` once
    ``incoming`` is merged into the stored row ``known``; ``newer``: the incoming list is not older."""

    def __call__(self, known: r.PersonValues, incoming: r.ContactData, newer: bool) -> dict[str, Any]: ...


_TRANSITIONS: dict[r.CampaignStatus, frozenset[r.CampaignStatus]] = {
    r.CampaignStatus.DRAFT: frozenset({r.CampaignStatus.RUNNING, r.CampaignStatus.CANCELLED}),
    r.CampaignStatus.RUNNING: frozenset({r.CampaignStatus.PAUSED, r.CampaignStatus.CANCELLED,
                                         r.CampaignStatus.COMPLETED}),
    r.CampaignStatus.PAUSED: frozenset({r.CampaignStatus.RUNNING, r.CampaignStatus.CANCELLED}),
    r.CampaignStatus.CANCELLED: frozenset(),
    r.CampaignStatus.COMPLETED: frozenset(),
}


class Repository(Ledger):
    """Storage API for the importer, the CLI and the dialer. Every method is one transaction."""

    # -- imports ---------------------------------------------------------------------------------------
    def find_import(self, sha256: str) -> r.ImportRecord | None:
        with self._read() as s:
            row = s.scalar(select(m.Import).where(m.Import.sha256 == sha256))
            return import_record(row) if row else None

    def get_import(self, import_id: int) -> r.ImportRecord:
        with self._read() as s:
            row = s.get(m.Import, import_id)
            if row is None:
                raise UserError(f"import {import_id}: no such import")
            return import_record(row)

    def recent_imports(self, limit: int = 50) -> list[r.ImportRecord]:
        """The newest imports first (the console's list of past imports)."""
        with self._read() as s:
            return [import_record(i) for i in s.scalars(select(m.Import).order_by(m.Import.id.desc()).limit(limit))]

    def apply_import(self, batch: r.ImportBatch, now: dt.datetime, *,
                     merge: ContactMerge) -> tuple[r.ImportRecord, bool]:
        """Store a list: new people added, known people updated, all in one transaction.

        Returns the import and whether this file (same sha256) had been imported before, in which case
        nothing changes but an audit entry. A known person is updated with the values of the newer list
        per ``merge``, the domain's rule (ivr.contacts.merge); first_seen/last_seen span every list they were on.
        A new person on a phone whose household opted out is opted out too: the phone asked not to be called.
        """
        with self._write() as s:
            self._lock(s, IMPORT_LOCK)
            previous = s.scalar(select(m.Import).where(m.Import.sha256 == batch.sha256))
            if previous is not None:
                self._audit(s, batch.operator, "contacts.import.repeat", f"import:{previous.id}", 0, now)
                return import_record(previous), True
            existing, households, opted_out = self._known(s, sorted({c.phone_e164 for c in batch.contacts}))
            new = [c for c in batch.contacts if c.identity not in existing]
            known = [c for c in batch.contacts if c.identity in existing]
            imp = m.Import(
                file_name=batch.file_name, sha256=batch.sha256, list_date=batch.list_date,
                category=batch.category, operator=batch.operator, rows=batch.rows, imported=len(new),
                updated=len(known), duplicates=batch.duplicates, invalid=batch.invalid,
                error_report=batch.error_report, stored_path=batch.stored_path, created_at=now,
            )
            s.add(imp)
            s.flush()
            self._add_households(s, sorted({c.phone_e164 for c in new} - households.keys()), households, now)
            new_ids = self._add_contacts(s, new, households, opted_out, batch.list_date, now)
            bulk.update_rows(s, m.table_of(m.Contact),
                             [_merge(existing[c.identity], c, batch.list_date, now, merge) for c in known])
            ids = [*new_ids, *(existing[c.identity].id for c in known)]
            links = [{"import_id": imp.id, "contact_id": cid, "category": c.category, "row": c.row}
                     for cid, c in zip(ids, [*new, *known])]
            bulk.insert_rows(s, m.table_of(m.ContactImport), links)
            self._audit(s, batch.operator, "contacts.import", f"import:{imp.id}", len(links), now)
            if self._postgres and len(links) >= ANALYZE_AFTER:
                # Fresh planner statistics, so that tomorrow's lookup and the campaign queries use indexes.
                s.execute(text("ANALYZE households, contacts, contact_imports"))
            return import_record(imp), False

    def _known(self, s: Session, phones: Sequence[str]) -> tuple[dict[tuple[str, str], Row[Any]],
                                                                   dict[str, int], set[str]]:
        """People and households already stored for these phones: one lookup for the whole file.

        PostgreSQL gets the phones as one array parameter (``= ANY(:phones)``), which it hashes; a long
        ``IN (...)`` list of separate parameters is searched linearly for every row it scans.
        SQLite gets chunks of ``IN (...)``, which it turns into a temporary index.
        """
        existing: dict[tuple[str, str], Row[Any]] = {}
        households: dict[str, int] = {}
        opted_out: set[str] = set()
        table = m.table_of(m.Contact)
        for chunk in ([phones] if self._postgres else chunks(phones)):
            for row in s.execute(select(table).where(self._phone_in(table.c.phone_e164, chunk))):
                existing[(row.phone_e164, row.name_key)] = row
                if row.opted_out:
                    opted_out.add(row.phone_e164)
            for hid, phone in s.execute(select(m.Household.id, m.Household.phone_e164)
                                        .where(self._phone_in(m.Household.phone_e164, chunk))):
                households[phone] = hid
        return existing, households, opted_out

    def _phone_in(self, column: Any, phones: Sequence[str]) -> Any:
        if self._postgres:
            return column == any_(bindparam("phones", list(phones), type_=ARRAY(String)))
        return column.in_(phones)

    def _add_households(self, s: Session, phones: Sequence[str], households: dict[str, int],
                        now: dt.datetime) -> None:
        table = m.table_of(m.Household)
        ids = bulk.allocate_ids(s, table, len(phones))
        bulk.insert_rows(s, table, [{"id": i, "phone_e164": p, "active_attempt_id": None, "created_at": now}
                                    for i, p in zip(ids, phones)])
        households.update(zip(phones, ids))

    def _add_contacts(self, s: Session, new: Sequence[r.ContactData], households: Mapping[str, int],
                      opted_out: set[str], list_date: dt.date, now: dt.datetime) -> list[int]:
        table = m.table_of(m.Contact)
        ids = bulk.allocate_ids(s, table, len(new))
        bulk.insert_rows(s, table, [
            {
                "id": i, "household_id": households[c.phone_e164], "phone_e164": c.phone_e164,
                "name_key": c.name_key, **{f: getattr(c, f) for f in r.MERGED_FIELDS},
                "list_date": list_date, "first_seen": list_date, "last_seen": list_date,
                "opted_out": c.phone_e164 in opted_out, "pseudonym": self._pseudonyms(),
                "created_at": now, "updated_at": now,
            }
            for i, c in zip(ids, new)
        ])
        return ids

    # -- contacts --------------------------------------------------------------------------------------
    def list_contacts(self, list_date: dt.date | None = None, category: str | None = None) -> list[r.Contact]:
        """Contacts stored, optionally those on the list of one day and/or of one category, oldest first.

        With a date, the category is the one the person had on that day's list.
        """
        query = select(m.Contact).order_by(m.Contact.id)
        if list_date is not None:
            on_list = (select(m.ContactImport.contact_id).join(m.Import)
                       .where(m.Import.list_date == list_date))
            if category is not None:
                on_list = on_list.where(m.ContactImport.category == category)
            query = query.where(m.Contact.id.in_(on_list))
        elif category is not None:
            query = query.where(m.Contact.category == category)
        with self._read() as s:
            return [contact_record(c) for c in s.scalars(query)]

    def get_contact(self, contact_id: int) -> r.Contact:
        with self._read() as s:
            row = s.get(m.Contact, contact_id)
            if row is None:
                raise UserError(f"contact {contact_id}: no such contact")
            return contact_record(row)

    def household_members(self, household_id: int) -> list[r.Contact]:
        """Everyone reached through the household's phone (for a call that asks after each of them)."""
        with self._read() as s:
            rows = s.scalars(select(m.Contact).where(m.Contact.household_id == household_id).order_by(m.Contact.id))
            return [contact_record(c) for c in rows]

    # -- campaigns -------------------------------------------------------------------------------------
    def create_campaign(self, *, script_name: str, script_version: str, operator: str, now: dt.datetime,
                        category: str | None = None, list_date: dt.date | None = None,
                        import_id: int | None = None,
                        policy_overrides: Mapping[str, Any] | None = None) -> r.Campaign:
        """A draft campaign calling the people of one day's list (of a category) or of one import."""
        if (list_date is None) == (import_id is None):
            raise UserError("campaign: give either a list date or an import id (exactly one)")
        if category is not None and category not in set(r.Category):
            raise UserError(f"campaign: category must be F1 or F2, got {category!r}")
        with self._write() as s:
            if import_id is not None and s.get(m.Import, import_id) is None:
                raise UserError(f"import {import_id}: no such import")
            row = m.Campaign(
                script_name=script_name, script_version=script_version, category=category, list_date=list_date,
                import_id=import_id, status=r.CampaignStatus.DRAFT.value,
                policy_overrides=dict(policy_overrides or {}), operator=operator, created_at=now, updated_at=now,
            )
            s.add(row)
            s.flush()
            self._audit(s, operator, "campaign.create", f"campaign:{row.id}", 0, now)
            return campaign_record(row)

    def get_campaign(self, campaign_id: int) -> r.Campaign:
        with self._read() as s:
            return campaign_record(self._campaign(s, campaign_id))

    def list_campaigns(self) -> list[r.Campaign]:
        with self._read() as s:
            return [campaign_record(c) for c in s.scalars(select(m.Campaign).order_by(m.Campaign.id))]

    def set_campaign_status(self, campaign_id: int, status: r.CampaignStatus | str, *, operator: str,
                            now: dt.datetime) -> r.Campaign:
        """Move a campaign to ``status``; a move the life cycle does not allow is a UserError.

        Setting the status it already has changes nothing (pausing a paused campaign is harmless).
        """
        target = r.CampaignStatus(status)
        with self._write() as s:
            row = self._campaign(s, campaign_id, lock=True)
            current = r.CampaignStatus(row.status)
            if current == target:
                return campaign_record(row)
            if target not in _TRANSITIONS[current]:
                raise UserError(f"campaign {campaign_id} is {current.value}: it cannot become {target.value}")
            row.status, row.updated_at = target.value, now
            expired = 0
            if target is r.CampaignStatus.CANCELLED:
                # The calls never made expire with the campaign: nothing will dial them, and they would keep
                # their people's personal data from the retention purge.
                result = s.execute(delete(m.CallAttempt).where(
                    m.CallAttempt.campaign_id == campaign_id,
                    m.CallAttempt.status == r.AttemptStatus.PENDING.value),
                    execution_options={"synchronize_session": False})
                expired = int(getattr(result, "rowcount", 0) or 0)
            self._audit(s, operator, f"campaign.{target.value}", f"campaign:{campaign_id}", expired, now)
            return campaign_record(row)

    def campaign_contacts(self, campaign_id: int) -> list[r.Contact]:
        """The contacts the campaign calls (one per household), e.g. to render personalised prompts."""
        with self._read() as s:
            ids = select(m.CallAttempt.contact_id).where(m.CallAttempt.campaign_id == campaign_id,
                                                          m.CallAttempt.attempt_no == 1)
            rows = s.scalars(select(m.Contact).where(m.Contact.id.in_(ids)).order_by(m.Contact.id))
            return [contact_record(c) for c in rows]

    def _campaign(self, s: Session, campaign_id: int, lock: bool = False) -> m.Campaign:
        query = select(m.Campaign).where(m.Campaign.id == campaign_id)
        row = s.scalar(query.with_for_update() if lock and self._postgres else query)
        if row is None:
            raise UserError(f"campaign {campaign_id}: no such campaign")
        return row

    # -- audit -----------------------------------------------------------------------------------------
    def audit(self, operator: str, action: str, object: str, rows: int, at: dt.datetime) -> None:
        """Record who did what to which data (``object`` such as "campaign:3"), and to how many rows."""
        with self._write() as s:
            self._audit(s, operator, action, object, rows, at)

    def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest audit entries, newest first."""
        with self._read() as s:
            rows = s.scalars(select(m.AuditEntry).order_by(m.AuditEntry.id.desc()).limit(limit))
            return [{"at": e.at, "operator": e.operator, "action": e.action, "object": e.object, "rows": e.rows}
                    for e in rows]

    def count(self, table: str) -> int:
        """Rows in one table (for tests, benchmarks and the status display)."""
        model = {t.__tablename__: t for t in m.Base.__subclasses__()}.get(table)
        if model is None:
            raise ValueError(f"unknown table {table!r}")
        with self._read() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _merge(old: Row[Any], new: r.ContactData, list_date: dt.date, now: dt.datetime,
           merge: ContactMerge) -> dict[str, Any]:
    """The updated row of a known person seen again on the list of ``list_date``."""
    values: dict[str, Any] = {"id": old.id, **merge(old, new, list_date >= old.last_seen)}
    values.update(list_date=max(old.list_date, list_date), first_seen=min(old.first_seen, list_date),
                  last_seen=max(old.last_seen, list_date), updated_at=now)
    return values
