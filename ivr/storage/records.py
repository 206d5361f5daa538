"""What the repository gives back: frozen dataclasses, never live ORM objects, plus the status vocabularies.

Callers (importer, dialer, CLI) get plain values they can pass between threads and tasks without a
session; only ivr.storage.repo touches the database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Mapping, Protocol


class Category(StrEnum):
    F1 = "F1"
    F2 = "F2"


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class AttemptStatus(StrEnum):
    PENDING = "pending"    # due at scheduled_at, nobody has it
    CLAIMED = "claimed"    # a worker took it and has not dialled yet: released if the worker dies
    DIALING = "dialing"    # the channel id is recorded and the originate was (or is about to be) sent
    DONE = "done"          # the outcome is recorded; a retry, if any, is a new attempt


@dataclass(frozen=True)
class Contact:
    """A person from the lists. The phone is shared by the household; the pseudonym is for logs and CDRs."""

    id: int
    household_id: int
    phone_e164: str
    full_name: str
    category: str
    list_date: dt.date
    first_seen: dt.date
    last_seen: dt.date
    pseudonym: str
    opted_out: bool = False
    birth_year: int | None = None
    sex: str | None = None  # "M" (Nam) or "F" (Nữ), from the list's Giới tính column
    address: str | None = None
    ward: str | None = None
    district: str | None = None
    exposure_date: dt.date | None = None
    quarantine_start: dt.date | None = None


# The values of a person a new list may change (the identity, phone and name key, never changes);
# ivr.contacts.merge decides what they become.
MERGED_FIELDS = ("full_name", "category", "birth_year", "sex", "address", "ward", "district", "exposure_date",
                 "quarantine_start")


class PersonValues(Protocol):
    """What is known of a person (a stored contact row, a ContactData): the merge reads these."""

    @property
    def full_name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def birth_year(self) -> int | None: ...
    @property
    def sex(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def ward(self) -> str | None: ...
    @property
    def district(self) -> str | None: ...
    @property
    def exposure_date(self) -> dt.date | None: ...
    @property
    def quarantine_start(self) -> dt.date | None: ...


@dataclass(frozen=True)
class ContactData:
    """A person as read from one row of a list, normalised, ready to store (identity: phone + name_key)."""

    row: str
    full_name: str
    name_key: str
    phone_e164: str
    category: str
    birth_year: int | None = None
    sex: str | None = None  # "M" (Nam) or "F" (Nữ), from the list's Giới tính column
    address: str | None = None
    ward: str | None = None
    district: str | None = None
    exposure_date: dt.date | None = None
    quarantine_start: dt.date | None = None

    @property
    def identity(self) -> tuple[str, str]:
        return (self.phone_e164, self.name_key)


@dataclass(frozen=True)
class ImportBatch:
    """One list file, read and deduplicated, to store in one transaction.

    ``contacts`` holds one entry per person (duplicates within the file already merged); ``rows``,
    ``duplicates`` and ``invalid`` are counted by the reader, ``imported``/``updated`` by the store.
    """

    file_name: str
    sha256: str
    list_date: dt.date
    category: str | None
    operator: str
    contacts: tuple[ContactData, ...]
    rows: int
    duplicates: int
    invalid: int
    error_report: str | None
    stored_path: str | None


@dataclass(frozen=True)
class ImportCounts:
    """Counts of one import: rows = imported + updated + duplicates + invalid."""

    rows: int = 0
    imported: int = 0
    updated: int = 0
    duplicates: int = 0
    invalid: int = 0


@dataclass(frozen=True)
class ImportRecord:
    id: int
    file_name: str
    sha256: str
    list_date: dt.date
    category: str | None
    operator: str
    counts: ImportCounts
    error_report: str | None
    stored_path: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class Campaign:
    id: int
    script_name: str
    script_version: str
    category: str | None
    list_date: dt.date | None
    import_id: int | None
    status: CampaignStatus
    policy_overrides: Mapping[str, Any]
    operator: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Attempt:
    """One call attempt to one household (through its representative contact) in one campaign."""

    id: int
    campaign_id: int
    contact_id: int
    household_id: int
    attempt_no: int
    status: AttemptStatus
    scheduled_at: dt.datetime
    phone_e164: str
    pseudonym: str
    claimed_by: str | None = None
    claimed_at: dt.datetime | None = None
    channel_id: str | None = None
    started_at: dt.datetime | None = None
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    outcome: str | None = None
    sip_cause: int | None = None
    hangup_cause: int | None = None
    duration: float | None = None


@dataclass(frozen=True)
class Answer:
    id: int
    attempt_id: int
    contact_id: int
    campaign_id: int
    question_id: str
    script: str
    script_version: str
    key: str
    value: str
    answered_at: dt.datetime


@dataclass(frozen=True)
class CampaignProgress:
    """Counts for a progress display: attempts by status and by outcome, and households reached."""

    campaign_id: int
    status: CampaignStatus
    households: int
    by_status: Mapping[str, int] = field(default_factory=dict)
    by_outcome: Mapping[str, int] = field(default_factory=dict)
    answered: int = 0
    answers: int = 0

    @property
    def unfinished(self) -> int:
        """Attempts still to be made or in progress (pending, claimed or dialing)."""
        return sum(n for status, n in self.by_status.items() if status != AttemptStatus.DONE)
