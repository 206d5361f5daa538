"""What reports are computed from: frozen rows read from the ledger, plus the days they cover.

Days are local days (Asia/Ho_Chi_Minh by default: settings.dialer.timezone): "15/07" is from 00:00 to
24:00 in Hanoi, i.e. 17:00 UTC the day before to 17:00 UTC that day.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Window:
    """A span of time [start, end) in UTC, e.g. one local day."""

    start: dt.datetime
    end: dt.datetime

    def __contains__(self, at: dt.datetime | None) -> bool:
        return at is not None and self.start <= at < self.end


def day_window(day: dt.date, zone: ZoneInfo) -> Window:
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return Window(start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc))


def days_window(first: dt.date, last: dt.date, zone: ZoneInfo) -> Window:
    return Window(day_window(first, zone).start, day_window(last, zone).end)


def month_days(year: int, month: int) -> list[dt.date]:
    return [dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


@dataclass(frozen=True)
class AttemptFact:
    """One call attempt with what the summary needs of its campaign and contact (no personal data).

    ``is_last``: no later attempt exists for this household in this campaign. ``category`` is the
    campaign's, or the contact's when the campaign mixes F1 and F2.
    """

    id: int
    campaign_id: int
    contact_id: int
    household_id: int
    attempt_no: int
    status: str
    scheduled_at: dt.datetime
    started_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    outcome: str | None
    is_last: bool
    category: str
    district: str | None
    ward: str | None

    @property
    def case(self) -> tuple[int, int]:
        """What the figures count: one person (the household's contact) in one campaign."""
        return (self.campaign_id, self.contact_id)


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    script_name: str
    category: str | None
    list_date: dt.date | None
    import_id: int | None

    @property
    def label(self) -> str:
        what = f"danh sách {self.list_date:%d/%m/%Y}" if self.list_date else f"tệp nhập #{self.import_id}"
        return f"#{self.id} {self.script_name} {self.category or 'F1+F2'} ({what})"


@dataclass(frozen=True)
class AnswerFact:
    """One answer: of a campaign attempt (``owner`` = attempt id) or of a hotline call (call id)."""

    owner: int
    question_id: str
    value: str
    script: str
    answered_at: dt.datetime


@dataclass(frozen=True)
class Person:
    """Who a list row is about: personal data, read only for the lists that must show it."""

    contact_id: int
    full_name: str
    phone_e164: str
    birth_year: int | None
    address: str | None
    ward: str | None
    district: str | None
    category: str
    purged: bool = False


@dataclass(frozen=True)
class InboundFact:
    """One hotline call. ``attempt_id`` is set when the caller was recognised as a campaign's contact."""

    id: int
    started_at: dt.datetime
    caller_e164: str | None
    contact_id: int | None
    attempt_id: int | None
    queue_entered_at: dt.datetime | None
    queue_wait_seconds: float | None
    answered_by: str | None
    abandoned: bool
    outcome: str | None
    script_result: str | None
