"""What the service's metrics read from the database at each scrape: campaigns, pending contacts, waiting callers.

Counts and ages only, keyed by campaign id: nothing personal leaves this module. One read transaction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from ivr.storage import models as m
from ivr.storage import records as r
from ivr.storage.base import StoreBase
from ivr.storage.hotline import InboundCall


@dataclass(frozen=True)
class StoreGauges:
    """The database's side of the metrics at one moment."""

    campaigns_running: int = 0
    pending_by_campaign: dict[int, int] = field(default_factory=dict)  # running campaigns: attempts not done
    callers_waiting: int = 0  # in the staff queue now (entered, not left, call not ended)
    longest_wait_seconds: float = 0.0


class GaugeStore(StoreBase):
    """Reads the gauges; ``ping`` tells whether the database answers at all (readiness)."""

    def ping(self) -> None:
        with self._engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def gauges(self, now: dt.datetime) -> StoreGauges:
        A = m.CallAttempt
        with self._read() as s:
            running = [int(i) for i in s.scalars(select(m.Campaign.id)
                                                 .where(m.Campaign.status == r.CampaignStatus.RUNNING.value))]
            pending: dict[int, int] = {i: 0 for i in running}
            if running:
                rows = s.execute(select(A.campaign_id, func.count()).where(
                    A.campaign_id.in_(running), A.status != r.AttemptStatus.DONE.value).group_by(A.campaign_id))
                pending.update({int(c): int(n) for c, n in rows})
            waiting = select(func.count(), func.min(InboundCall.queue_entered_at)).where(
                InboundCall.queue_entered_at.is_not(None), InboundCall.queue_wait_seconds.is_(None),
                InboundCall.ended_at.is_(None))
            count, oldest = s.execute(waiting).one()
        longest = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
        return StoreGauges(len(running), pending, int(count or 0), round(longest, 1))
