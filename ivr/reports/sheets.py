"""The tables of the reports and exports, with Vietnamese headers: figures and lists turned into Sheets.

Every table starts with the day ("Ngày"), so the daily, monthly and export tables have the same shape
and can be pasted one under another.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence

from ivr.calls.prepare import national
from ivr.reports import labels as L
from ivr.reports.cases import AnswerCase, FollowUpCase
from ivr.reports.facts import CampaignInfo, Person
from ivr.reports.figures import Figures, HotlineFigures, Summary
from ivr.reports.writers import Sheet

SUMMARY_HEADERS = (L.DATE, L.GROUP, L.CATEGORY, L.DISTRICT, L.COMMUNE, L.CAMPAIGN, *(h for _, h in L.FIGURES))
PERSON_HEADERS = (L.DISTRICT, L.COMMUNE, L.NAME, L.BIRTH_YEAR, L.PHONE, L.ADDRESS)
FOLLOW_UP_HEADERS = (L.DATE, *PERSON_HEADERS, L.CATEGORY, L.CAMPAIGN, L.ATTEMPTS, L.LAST_CALL, L.LAST_RESULT)
HOTLINE_HEADERS = (L.DATE, *(h for _, h in L.HOTLINE_FIGURES))


def summary_rows(day: dt.date | str, summary: Summary, campaigns: Mapping[int, CampaignInfo]) -> list[list[Any]]:
    """Total, then by category, district, commune and campaign."""
    rows: list[list[Any]] = [[day, L.GROUP_TOTAL, "", "", "", "", *summary.total.values()]]
    rows += [[day, L.GROUP_CATEGORY, c, "", "", "", *f.values()] for c, f in summary.by_category.items()]
    rows += [[day, L.GROUP_DISTRICT, "", d, "", "", *f.values()] for d, f in summary.by_district.items()]
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


def answer_sheet(name: str, slug: str, cases: Sequence[AnswerCase]) -> Sheet:
    """One row per person and day: who, where, the call, the symptoms reported, then each answer."""
    questions = L.question_order({q for c in cases for q in c.answers})
    headers = (L.DATE, L.SOURCE, *PERSON_HEADERS, L.CATEGORY, L.CAMPAIGN, L.CALLED_AT, L.RESULT, L.SYMPTOMS,
               *(L.question(q) for q in questions))
    rows = []
    for c in cases:
        rows.append([c.day, c.source, *_person_cells(c.person, c.phone_e164), c.category, c.campaign, c.called_at,
                     c.result, ", ".join(L.question(q) for q in c.symptoms),
                     *(L.answer_value(c.answers[q]) if q in c.answers else "" for q in questions)])
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
