"""Transactions and row conversion shared by the repository's parts (ivr.storage.repo, ivr.storage.ledger)."""
from __future__ import annotations

import hashlib
import secrets
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Sequence, TypeVar

from sqlalchemy import ARRAY, BigInteger, ColumnElement, Connection, Engine, Row, any_, bindparam, select, text
from sqlalchemy.orm import Session

from ivr.storage import models as m
from ivr.storage.audit_chain import AUDIT_LOCK, GENESIS, entry_hash
from ivr.storage import records as r
from ivr.storage.db import READ_ONLY

T = TypeVar("T")
IN_CHUNK = 5000  # values per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


def new_pseudonym() -> str:
    """A random opaque id for a contact (64 bits): what logs, channel variables and CDRs carry."""
    return "c" + secrets.token_hex(8)


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


class StoreBase:
    """Owns the engine; every public method of the repository runs in exactly one transaction."""

    def __init__(self, engine: Engine, pseudonyms: Callable[[], str] = new_pseudonym) -> None:
        self._engine = engine
        self._reader = engine.execution_options(**{READ_ONLY: True})
        self._postgres = engine.dialect.name == "postgresql"
        self._pseudonyms = pseudonyms

    def among(self, column: Any, ids: Sequence[int]) -> Iterator[ColumnElement[bool]]:
        """Conditions ``column`` is one of ``ids``, to run one query each: on PostgreSQL one, with the ids as
        one array parameter (``= ANY``: a list of 40,000 people is one statement, not eight IN lists of
        5,000 parameters each; issue 18, item 6); elsewhere one IN list per chunk."""
        if not ids:
            return
        if self._postgres:
            yield column == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger)))
            return
        for chunk in chunks(ids):
            yield column.in_(chunk)

    @property
    def engine(self) -> Engine:
        return self._engine

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A write transaction: BEGIN IMMEDIATE on SQLite, READ COMMITTED on PostgreSQL."""
        with Session(self._engine, expire_on_commit=False, autoflush=False) as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self._reader, expire_on_commit=False, autoflush=False) as session, session.begin():
            yield session

    @contextmanager
    def _write_conn(self) -> Iterator[Connection]:
        """A write transaction on a bare connection, for pre-built Core statements on the calls' hot path
        (no Session, no ORM objects): the same BEGIN IMMEDIATE / READ COMMITTED as ``_write``."""
        with self._engine.begin() as connection:
            yield connection

    @contextmanager
    def _read_conn(self) -> Iterator[Connection]:
        """A read transaction on a bare connection (as ``_read``: BEGIN DEFERRED on SQLite)."""
        with self._reader.begin() as connection:
            yield connection

    def _lock(self, session: Session, key: int) -> None:
        """Serialise a kind of writer across PostgreSQL connections (SQLite writers are serial already)."""
        if self._postgres:
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def audit_read(self, operator: str, action: str, kind: str, ids: Sequence[int], at: Any) -> None:
        """Audit a read of personal data (a list shown or exported): one entry per user, command and list
        of people (the same list read again by the same user with the same command adds nothing); the
        object names the list by a digest of its ids, never the people themselves."""
        digest = hashlib.sha256(",".join(map(str, sorted(set(ids)))).encode()).hexdigest()[:16]
        obj = f"{kind}:{len(set(ids))}:{digest}"
        with self._write() as s:
            seen = s.scalar(select(m.AuditEntry.id).where(m.AuditEntry.operator == operator,
                                                          m.AuditEntry.action == action, m.AuditEntry.object == obj)
                            .limit(1))
            if seen is None:
                self._audit(s, operator, action, obj, len(set(ids)), at)

    def _audit(self, session: Session, operator: str, action: str, obj: str, rows: int, at: Any) -> None:
        """Append one entry to the audit chain inside ``session``'s transaction (ivr/storage/audit_chain.py):
        the appenders are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock held to commit),
        so two processes never link to the same head."""
        self._lock(session, AUDIT_LOCK)
        prev = session.scalar(select(m.AuditEntry.entry_hash).order_by(m.AuditEntry.id.desc()).limit(1)) or GENESIS
        session.add(m.AuditEntry(at=at, operator=operator, action=action, object=obj, rows=rows, prev_hash=prev,
                                 entry_hash=entry_hash(prev, at, operator, action, obj, rows)))
        session.flush()  # the next entry of this transaction links to this one


def contact_record(row: m.Contact | Row[Any]) -> r.Contact:
    return r.Contact(
        id=row.id, household_id=row.household_id, phone_e164=row.phone_e164, full_name=row.full_name,
        category=row.category, list_date=row.list_date, first_seen=row.first_seen, last_seen=row.last_seen,
        pseudonym=row.pseudonym, opted_out=row.opted_out, birth_year=row.birth_year, sex=row.sex, address=row.address,
        ward=row.ward, district=row.district, exposure_date=row.exposure_date,
        quarantine_start=row.quarantine_start,
    )


def import_record(row: m.Import) -> r.ImportRecord:
    return r.ImportRecord(
        id=row.id, file_name=row.file_name, sha256=row.sha256, list_date=row.list_date, category=row.category,
        operator=row.operator,
        counts=r.ImportCounts(row.rows, row.imported, row.updated, row.duplicates, row.invalid),
        error_report=row.error_report, stored_path=row.stored_path, created_at=row.created_at,
    )


def campaign_record(row: m.Campaign | Row[Any]) -> r.Campaign:
    return r.Campaign(
        id=row.id, script_name=row.script_name, script_version=row.script_version, category=row.category,
        list_date=row.list_date, import_id=row.import_id, status=r.CampaignStatus(row.status),
        policy_overrides=dict(row.policy_overrides or {}), operator=row.operator, created_at=row.created_at,
    )


def attempt_record(row: m.CallAttempt | Row[Any], phone_e164: str, pseudonym: str) -> r.Attempt:
    return r.Attempt(
        id=row.id, campaign_id=row.campaign_id, contact_id=row.contact_id, household_id=row.household_id,
        attempt_no=row.attempt_no, status=r.AttemptStatus(row.status), scheduled_at=row.scheduled_at,
        phone_e164=phone_e164, pseudonym=pseudonym, claimed_by=row.claimed_by, claimed_at=row.claimed_at,
        channel_id=row.channel_id, started_at=row.started_at, answered_at=row.answered_at,
        ended_at=row.ended_at, outcome=row.outcome, sip_cause=row.sip_cause, hangup_cause=row.hangup_cause,
        duration=row.duration,
    )


def answer_record(row: m.Answer) -> r.Answer:
    return r.Answer(
        id=row.id, attempt_id=row.attempt_id, contact_id=row.contact_id, campaign_id=row.campaign_id,
        question_id=row.question_id, script=row.script, script_version=row.script_version, key=row.key,
        value=row.value, answered_at=row.answered_at,
    )


def as_dict(obj: Any, *names: str) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}
