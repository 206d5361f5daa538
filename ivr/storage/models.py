"""SQLAlchemy 2 models: contacts and households, imports, campaigns, the call-attempt ledger, answers, audit.

Invariants live in the schema, not only in code, because several dialer workers (processes, possibly on
several hosts) share one PostgreSQL:
- a person is one row, keyed by (normalised phone, folded name); a household is one row per phone;
- an attempt exists once: unique (campaign, contact, attempt_no) and (campaign, household, attempt_no);
- a channel id is used once; an answer is stored once per (attempt, question).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, MetaData, SmallInteger, String,
    UniqueConstraint, false, text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.schema import Table

from ivr.storage.records import AttemptStatus, CampaignStatus, Category
from ivr.storage.types import UtcDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _one_of(column: str, values: Any) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The Core table of a model (typed as a Table, for bulk statements)."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class Household(Base):
    """Everyone reached through one phone number. Calls go to the phone, so a household gets one call.

    ``active_attempt_id`` is set while one of its attempts is claimed or dialing (in any campaign): claiming
    locks this row, which is what keeps two workers from calling the same phone at once.
    """

    __tablename__ = "households"
    id: Mapped[int] = mapped_column(primary_key=True)
    phone_e164: Mapped[str] = mapped_column(String(16), unique=True)
    active_attempt_id: Mapped[int | None] = mapped_column(Integer)  # no FK: attempts refer to households
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("phone_e164", "name_key"),
        Index(None, "list_date", "category"),
        CheckConstraint(_one_of("category", Category), name="category"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    phone_e164: Mapped[str] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # casefolded, no diacritics, single spaces
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    sex: Mapped[str | None] = mapped_column(String(1))  # "M" (Nam) / "F" (Nữ): for the form of address
    address: Mapped[str | None] = mapped_column(String(500))
    ward: Mapped[str | None] = mapped_column(String(120))
    district: Mapped[str | None] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(2))
    exposure_date: Mapped[dt.date | None] = mapped_column(Date)
    quarantine_start: Mapped[dt.date | None] = mapped_column(Date)
    list_date: Mapped[dt.date] = mapped_column(Date)  # the newest list the person appeared on
    first_seen: Mapped[dt.date] = mapped_column(Date)
    last_seen: Mapped[dt.date] = mapped_column(Date)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    pseudonym: Mapped[str] = mapped_column(String(24), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Import(Base):
    __tablename__ = "imports"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    list_date: Mapped[dt.date] = mapped_column(Date)
    category: Mapped[str | None] = mapped_column(String(2))  # None when the file mixes F1 and F2
    operator: Mapped[str] = mapped_column(String(120))
    rows: Mapped[int] = mapped_column(Integer)
    imported: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    invalid: Mapped[int] = mapped_column(Integer)
    error_report: Mapped[str | None] = mapped_column(String(1000))
    stored_path: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    # IMPORTING while its rows are written in batches (ivr.storage.contact_store): campaigns, lists and the
    # import list see only DONE imports; an import left IMPORTING by a crash is removed by the next import.
    status: Mapped[str] = mapped_column(String(12), default="done", server_default="done")


class ContactImport(Base):
    """Who was on which list, and as F1 or F2 that day: campaigns select "the F1 list of day D" from here."""

    __tablename__ = "contact_imports"
    # imports.id, without a foreign key (migration 0014: a hundred thousand links of one import, each checked
    # against the one import row); the import's undo deletes them before its row (ivr.storage.contact_store).
    import_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)
    category: Mapped[str] = mapped_column(String(2))
    row: Mapped[str] = mapped_column(String(64))  # where in the file, as the spreadsheet shows it
    # The contact was created by this import (not known before): what undoing an unfinished import deletes.
    added: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ImportUndo(Base):
    """A known person's values before an unfinished import updated them: what undoing it restores.

    Written with the update, in the same batch transaction; deleted once the import is done or undone."""

    __tablename__ = "import_undo"
    import_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # imports.id, no foreign key (as above)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    full_name: Mapped[str] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    sex: Mapped[str | None] = mapped_column(String(1))
    address: Mapped[str | None] = mapped_column(String(500))
    ward: Mapped[str | None] = mapped_column(String(120))
    district: Mapped[str | None] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(2))
    exposure_date: Mapped[dt.date | None] = mapped_column(Date)
    quarantine_start: Mapped[dt.date | None] = mapped_column(Date)
    list_date: Mapped[dt.date] = mapped_column(Date)
    first_seen: Mapped[dt.date] = mapped_column(Date)
    last_seen: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class Campaign(Base):
    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint(_one_of("status", CampaignStatus), name="status"),
        CheckConstraint("list_date IS NOT NULL OR import_id IS NOT NULL", name="selection"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    script_name: Mapped[str] = mapped_column(String(120))
    script_version: Mapped[str] = mapped_column(String(40))
    category: Mapped[str | None] = mapped_column(String(2))
    list_date: Mapped[dt.date | None] = mapped_column(Date)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    status: Mapped[str] = mapped_column(String(12), default=CampaignStatus.DRAFT.value)
    policy_overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    operator: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class CallAttempt(Base):
    """The ledger: one row per call attempt, created before it is due and completed when the call ends."""

    __tablename__ = "call_attempts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", "attempt_no"),
        UniqueConstraint("campaign_id", "household_id", "attempt_no"),
        Index(None, "campaign_id", "status", "scheduled_at"),
        Index(None, "claimed_by", "status"),
        # The reports read a span of days by any of the three moments, and whether an attempt is the
        # household's last in its campaign (issue 18: 1,000,000 attempts, bench/bench_reports.py).
        Index(None, "scheduled_at"),
        Index(None, "started_at"),
        Index(None, "ended_at"),
        Index(None, "campaign_id", "household_id", "attempt_no"),
        # A phone is in at most one call at a time, whatever the campaign: the schema refuses a second one.
        Index("uq_call_attempts_household_active", "household_id", unique=True,
              sqlite_where=text("status IN ('claimed', 'dialing')"),
              postgresql_where=text("status IN ('claimed', 'dialing')")),
        CheckConstraint(_one_of("status", AttemptStatus), name="status"),
        CheckConstraint("attempt_no >= 1", name="attempt_no"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    attempt_no: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(10), default=AttemptStatus.PENDING.value)
    scheduled_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    channel_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(32))
    sip_cause: Mapped[int | None] = mapped_column(Integer)     # SIP response code, e.g. 486
    hangup_cause: Mapped[int | None] = mapped_column(Integer)  # Q.850 cause, e.g. 17 (user busy)
    duration: Mapped[float | None] = mapped_column(Float)      # seconds from answer to hang-up


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("call_attempts.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    question_id: Mapped[str] = mapped_column(String(64))
    script: Mapped[str] = mapped_column(String(120))
    script_version: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """A record of processing (Decree 13/2023): who did what to which data, and to how many rows."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    operator: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str] = mapped_column(String(200))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    # The hash chain (ivr/storage/audit_chain.py): the previous entry's hash and this entry's own
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entry_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Worker(Base):
    """A controller process and its lease (ivr.storage.leases): alive while ``expires_at`` is ahead of the
    database's clock. A claim carries its worker's lease; an expired worker's attempts are taken over."""

    __tablename__ = "workers"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)  # <node>:<pid>:<token>
    node: Mapped[str] = mapped_column(String(60))
    pid: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))  # call | campaign | serve
    ari_url: Mapped[str] = mapped_column(String(300))  # the PBX its calls are on
    app: Mapped[str] = mapped_column(String(120))  # its own ARI application
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)  # calls in progress at the last heartbeat
    campaigns: Mapped[str] = mapped_column(String(200), default="")  # ids being dialled, comma-separated
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # a clean stop
    reaped_by: Mapped[str | None] = mapped_column(String(120))  # who is taking (or took) its attempts over
    reaped_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)  # when that was done


class AppHolder(Base):
    """Who holds a PBX's shared Stasis application (the hotline): one row per (PBX, application)."""

    __tablename__ = "app_holders"
    pbx: Mapped[str] = mapped_column(String(300), primary_key=True)  # the PBX's ARI URL
    app: Mapped[str] = mapped_column(String(120), primary_key=True)
    worker_id: Mapped[str] = mapped_column(String(120))
    since: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class PbxLimit(Base):
    """The adaptive concurrency limit each PBX's dialer settled on (ivr/calls/limiter.py), for `campaign status`.

    Written by the dialer when the limit changes; a number and a latency, nothing personal.
    """

    __tablename__ = "pbx_limits"
    pbx: Mapped[str] = mapped_column(String(200), primary_key=True)  # the ARI URL
    concurrency_limit: Mapped[int] = mapped_column(Integer)
    max_concurrent: Mapped[int] = mapped_column(Integer)
    p95_ms: Mapped[float] = mapped_column(Float)
    signal: Mapped[str] = mapped_column(String(24))
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
