"""The adaptive concurrency limit of each PBX, as its dialer last wrote it (for `campaign status`).

Storage stores: the limiter (ivr.calls.limiter) decides, the dialer writes its figure here when it changes,
and the status command reads it. One row per PBX (its ARI URL); nothing personal.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ivr.storage import models as m
from ivr.storage.base import StoreBase


@dataclass(frozen=True)
class LimitRow:
    pbx: str
    concurrency_limit: int
    max_concurrent: int
    p95_ms: float
    signal: str
    updated_at: dt.datetime


class LimitStore(StoreBase):
    def record_limit(self, row: LimitRow) -> None:
        with self._write() as s:
            current = s.get(m.PbxLimit, row.pbx)
            if current is None:
                s.add(m.PbxLimit(pbx=row.pbx, concurrency_limit=row.concurrency_limit,
                                 max_concurrent=row.max_concurrent, p95_ms=row.p95_ms, signal=row.signal,
                                 updated_at=row.updated_at))
                return
            current.concurrency_limit, current.max_concurrent = row.concurrency_limit, row.max_concurrent
            current.p95_ms, current.signal, current.updated_at = row.p95_ms, row.signal, row.updated_at

    def limits(self) -> list[LimitRow]:
        with self._read() as s:
            return [LimitRow(r.pbx, r.concurrency_limit, r.max_concurrent, r.p95_ms, r.signal, r.updated_at)
                    for r in s.scalars(select(m.PbxLimit).order_by(m.PbxLimit.pbx))]
