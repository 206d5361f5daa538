"""The tables of the reports and exports, with Vietnamese headers: figures and lists turned into Sheets.

Every table starts with the day ("Ngày"), so the daily, monthly and export tables have the same shape
and can be pasted one under another.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

from zoneinfo import ZoneInfo

from ivr.cases.rules import PRIORITY, REASON_LABELS, STATUS_LABELS, Reason, Status
from ivr.contacts.stops import STOP_REASONS
from ivr.formats import national
from ivr.i18n import document_text
from ivr.reports import labels as L
from ivr.reports import units
from ivr.reports.cases import AnswerCase, FollowUpCase
from ivr.reports.facts import CampaignInfo, Person
from ivr.reports.figures import Figures, HotlineFigures, Summary
from ivr.reports.writers import Sheet
from ivr.storage.cases import OpenCase
from ivr.storage.stops import StoppedRow

SUMMARY_HEADERS = (L.DATE, L.GROUP, L.CATEGORY, L.DISTRICT, L.COMMUNE, L.CAMPAIGN, *(h for _, h in L.FIGURES))
PERSON_HEADERS = (L.DISTRICT, L.COMMUNE, L.NAME, L.BIRTH_YEAR, L.PHONE, L.ADDRESS)
FOLLOW_UP_HEADERS = (L.DATE, *PERSON_HEADERS, L.CATEGORY, L.CAMPAIGN, L.ATTEMPTS, L.LAST_CALL, L.LAST_RESULT)
HOTLINE_HEADERS = (L.DATE, *(h for _, h in L.HOTLINE_FIGURES))


def summary_rows(day: dt.date | str, summary: Summary, campaigns: Mapping[int, CampaignInfo],
                 level: str = units.AUTO) -> list[list[Any]]:
    """Total, then by category, district and/or commune/ward (reports.unit_level, see units.py), campaign."""
    rows: list[list[Any]] = [[day, L.GROUP_TOTAL, "", "", "", "", *summary.total.values()]]
    rows += [[day, L.GROUP_CATEGORY, c, "", "", "", *f.values()] for c, f in summary.by_category.items()]
    if units.shows_districts(level, summary.by_district):  # no district level since 1 July 2025
        rows += [[day, L.GROUP_DISTRICT, "", d, "", "", *f.values()] for d, f in summary.by_district.items()]
    if units.shows_communes(level):
        rows += [[day, L.GROUP_COMMUNE, "", d, w, "", *f.values()] for (d, w), f in summary.by_commune.items()]
    for cid, f in summary.by_campaign.items():
        info = campaigns.get(cid)
        rows.append([day, L.GROUP_CAMPAIGN, (info.category if info else "") or "", "", "",
                     info.label if info else f"#{cid}", *f.values()])
    return rows


def total_row(label: str, figures: Figures) -> list[Any]:
    return [label, L.GROUP_TOTAL, "", "", "", "", *figures.values()]


def summary_sheet(rows: Sequence[Sequence[Any]]) -> Sheet:
    return Sheet(L.SUMMARY, "tong-hop", SUMMARY_HEADERS, rows)


def _person_cells(person: Person | None, phone_e164: str | None) -> list[Any]:
    if person is None:
        return ["", "", "", None, national(phone_e164) if phone_e164 else "", ""]
    if person.purged:
        return [person.district or "", person.ward or "", L.PURGED, None, "", ""]
    return [person.district or "", person.ward or "", person.full_name, person.birth_year,
            national(person.phone_e164), person.address or ""]


def answer_headers(questions: Sequence[str]) -> tuple[str, ...]:
    """The columns of an answers table whose answer columns are ``questions`` (in L.question_order)."""
    return (L.DATE, L.SOURCE, *PERSON_HEADERS, L.CATEGORY, L.CAMPAIGN, L.CALLED_AT, L.RESULT, L.SYMPTOMS,
            *(L.question(q) for q in questions))


def answer_row(c: AnswerCase, questions: Sequence[str]) -> list[Any]:
    """One person and day: who, where, the call, the symptoms reported, then each answer."""
    return [c.day, c.source, *_person_cells(c.person, c.phone_e164), c.category, c.campaign, c.called_at,
            c.result, ", ".join(L.question(q) for q in c.symptoms),
            *(L.answer_value(c.answers[q]) if q in c.answers else "" for q in questions)]


def answer_sheet(name: str, slug: str, cases: Sequence[AnswerCase]) -> Sheet:
    """One row per person and day: who, where, the call, the symptoms reported, then each answer."""
    questions = L.question_order({q for c in cases for q in c.answers})
    headers = answer_headers(questions)
    rows = [answer_row(c, questions) for c in cases]
    # Whose personal data the rows hold (for the register of written files): not people already purged.
    return Sheet(name, slug, headers, rows,
                 contact_ids=frozenset(c.person.contact_id for c in cases if c.person and not c.person.purged),
                 inbound_call_ids=frozenset(c.inbound_call_id for c in cases
                                            if c.inbound_call_id is not None and c.phone_e164))


def follow_up_sheet(cases: Sequence[FollowUpCase]) -> Sheet:
    rows = [[c.day, *_person_cells(c.person, None), c.category, c.campaign, c.attempts, c.last_call, c.last_result]
            for c in cases]
    return Sheet(L.FOLLOW_UP, "theo-doi-thu-cong", FOLLOW_UP_HEADERS, rows,
                 contact_ids=frozenset(c.person.contact_id for c in cases if not c.person.purged))


def hotline_sheet(rows: Sequence[tuple[dt.date | str, HotlineFigures]]) -> Sheet:
    return Sheet(L.HOTLINE, "duong-day-nong", HOTLINE_HEADERS,
                 [[day, *figures.as_dict().values()] for day, figures in rows])


CASE_HEADERS = (L.REASON, L.STATUS, L.REFERRED_TO, L.DISTRICT, L.COMMUNE, L.NAME, L.PHONE, L.ADDRESS, L.CATEGORY,
                L.OPENED, L.CALLS, L.NOTE)
NOT_CALLED_HEADERS = (L.DISTRICT, L.COMMUNE, L.NAME, L.PHONE, L.CATEGORY, L.REASON, L.SINCE, L.BY)


def _local(at: dt.datetime | None, zone: ZoneInfo) -> dt.datetime | None:
    return None if at is None else at.astimezone(zone).replace(tzinfo=None)


def cases_sheet(cases: Sequence[OpenCase], zone: ZoneInfo) -> Sheet:
    """"Cần xử lý": one row per case still to act on, the most urgent reason first, then by place."""
    # Each reason's and status's priority and label looked up once, not per case (a province has ~100,000).
    priority = {r.value: PRIORITY.index(r) for r in PRIORITY}
    reasons = {r.value: document_text(label) for r, label in REASON_LABELS.items()}
    statuses = {st.value: document_text(label) for st, label in STATUS_LABELS.items()}
    # A few hundred places: each folded once, not twice per case.
    folded = {place: (place or "").casefold() for c in cases for place in (c.district, c.ward)}
    ordered = sorted(cases, key=lambda c: (priority[c.reason], folded[c.district], folded[c.ward], c.opened_at, c.id))
    rows = [[reasons[reason], statuses[status], referred_to or "", district or "", ward or "", full_name or "",
             national(phone) if phone else "", address or "", category or "",
             opened_at.astimezone(zone).replace(tzinfo=None), events, note or ""]
            for (_id, reason, status, _contact, full_name, phone, category, ward, district, address, opened_at,
                 events, referred_to, note) in ordered]
    return Sheet(L.CASES, "can-xu-ly", CASE_HEADERS, rows,
                 contact_ids=frozenset(c.contact_id for c in cases if c.contact_id is not None))


def not_called_sheet(people: Sequence[StoppedRow], zone: ZoneInfo) -> Sheet:
    """"Dừng gọi": who no campaign calls, and why."""
    rows = [[p.district or "", p.ward or "", p.full_name or "", national(p.phone_e164), p.category or "",
             document_text(STOP_REASONS.get(p.reason, p.reason)), _local(p.at, zone), p.operator or ""]
            for p in people]
    return Sheet(L.NOT_CALLED, "dung-goi", NOT_CALLED_HEADERS, rows,
                 contact_ids=frozenset(p.contact_id for p in people if p.contact_id is not None))
