"""Read-only overviews staff pick ids from: the imports with their counts, the campaigns with their progress.

Stores only (no domain import); one query each, whatever the number of rows.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ivr.storage import models as m
from ivr.storage.base import StoreBase


@dataclass(frozen=True)
class ImportRow:
    id: int
    file_name: str
    list_date: dt.date
    category: str | None
    rows: int
    imported: int
    updated: int
    duplicates: int
    invalid: int
    people: int  # people linked to this import (F1 and F2)
    f1: int
    f2: int
    operator: str
    created_at: dt.datetime


@dataclass(frozen=True)
class CampaignRow:
    id: int
    script_name: str
    script_version: str
    category: str | None
    list_date: dt.date | None
    import_id: int | None
    status: str
    operator: str
    created_at: dt.datetime
    updated_at: dt.datetime
    households: int   # numbers to call (attempt 1 of each household)
    attempts: int
    pending: int      # attempts due or scheduled, not yet dialled
    finished: int     # households whose last attempt ended with no retry left or a final answer
    answered: int     # attempts answered


class OverviewStore(StoreBase):
    def imports(self, limit: int = 200) -> list[ImportRow]:
        I, CI = m.Import, m.ContactImport
        counts = (select(CI.import_id, func.count().label("people"),
                         func.sum(case((CI.category == "F1", 1), else_=0)).label("f1"),
                         func.sum(case((CI.category == "F2", 1), else_=0)).label("f2"))
                  .group_by(CI.import_id).subquery())
        query = (select(I, counts.c.people, counts.c.f1, counts.c.f2)
                 .outerjoin(counts, counts.c.import_id == I.id).where(I.status == "done")
                 .order_by(I.id.desc()).limit(limit))
        with self._read() as s:
            return [ImportRow(i.id, i.file_name, i.list_date, i.category, i.rows, i.imported, i.updated, i.duplicates,
                              i.invalid, int(people or 0), int(f1 or 0), int(f2 or 0), i.operator, i.created_at)
                    for i, people, f1, f2 in s.execute(query)]

    def campaigns(self, statuses: Sequence[str] = (), limit: int = 200) -> list[CampaignRow]:
        C, A = m.Campaign, m.CallAttempt
        stats = (select(A.campaign_id,
                        func.sum(case((A.attempt_no == 1, 1), else_=0)).label("households"),
                        func.count().label("attempts"),
                        func.sum(case((A.status.in_(("pending", "claimed", "dialing")), 1), else_=0)).label("pending"),
                        func.sum(case((A.answered_at.is_not(None), 1), else_=0)).label("answered"))
                 .group_by(A.campaign_id).subquery())
        query = (select(C, stats.c.households, stats.c.attempts, stats.c.pending, stats.c.answered)
                 .outerjoin(stats, stats.c.campaign_id == C.id).order_by(C.id.desc()).limit(limit))
        if statuses:
            query = query.where(C.status.in_(list(statuses)))
        with self._read() as s:
            out = []
            for c, households, attempts, pending, answered in s.execute(query):
                households, pending = int(households or 0), int(pending or 0)
                out.append(CampaignRow(c.id, c.script_name, c.script_version, c.category, c.list_date, c.import_id,
                                       c.status, c.operator, c.created_at, c.updated_at, households,
                                       int(attempts or 0), pending, households - _households_pending(s, c.id),
                                       int(answered or 0)))
            return out

    def categories_of_import(self, import_id: int) -> set[str]:
        with self._read() as s:
            return set(s.scalars(select(m.ContactImport.category).where(m.ContactImport.import_id == import_id)
                                 .distinct()))


def _households_pending(s: Session, campaign_id: int) -> int:
    A = m.CallAttempt
    return int(s.scalar(select(func.count(func.distinct(A.household_id)))
                        .where(A.campaign_id == campaign_id, A.status.in_(("pending", "claimed", "dialing")))) or 0)
