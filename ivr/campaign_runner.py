"""The dialer part of `robocall serve`: every running campaign is dialled until the service stops.

Each running campaign gets its own ``Dialer`` (ivr.calls.dialer), with a worker id derived from the
service's (``<worker id>/c<campaign id>``), so its recovery after a restart and its release of unused
claims concern that campaign only; its pacing limits (max_concurrent, calls_per_second) apply per
campaign. A dialer returns when nothing is due; the runner looks again every ``poll`` seconds, and marks a
campaign completed once it has nothing left to do. On stop, no new call starts and the calls in progress
finish (the dialer waits for them). A campaign that cannot be dialled for a reason staff must fix (its
script was removed or broken since the campaign was created) is paused (the audit log records the
pause, the service's log its reason: ``dialer.campaign_paused``) instead of failing again at every poll;
`campaign resume` once it is fixed.
"""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Callable, Protocol

from ivr.storage.resilience import is_transient
from ivr.errors import PbxUnavailable, UserError
from ivr.logs import get_logger, jsonable
from ivr.storage import records as r
from ivr.storage.repo import Repository

log = get_logger(__name__)


class CampaignDialer(Protocol):
    """What the runner needs of a dialer (ivr.calls.dialer.Dialer), and what the metrics read of it."""

    async def recover(self) -> int: ...

    @property
    def calls_in_progress(self) -> int: ...

    @property
    def congestion_share(self) -> float: ...

    async def run_campaign(self, campaign_id: int, stop: asyncio.Event, *, until_idle: bool = True) -> object: ...


class CampaignRunner:
    def __init__(self, repo: Repository, make_dialer: Callable[[int], CampaignDialer], *, poll: float = 5.0,
                 operator: str = "robocall serve", clock: Callable[[], dt.datetime]) -> None:
        self.repo, self.make_dialer, self.poll, self.operator, self.clock = repo, make_dialer, poll, operator, clock
        self._dialers: dict[int, CampaignDialer] = {}

    def dialers(self) -> list[CampaignDialer]:
        """The dialers made so far (the service's metrics read their calls in progress)."""
        return list(self._dialers.values())

    async def run(self, stop: asyncio.Event) -> None:
        tasks: dict[int, asyncio.Task[None]] = {}
        while not stop.is_set():
            try:
                campaigns = await asyncio.to_thread(self.repo.list_campaigns)
            except Exception as exc:
                if not is_transient(exc):
                    raise
                log.warning("dialer.database_unreachable", error=type(exc).__name__)  # look again next poll
                campaigns = []
            for campaign in campaigns:
                if campaign.status == r.CampaignStatus.RUNNING and campaign.id not in tasks:
                    tasks[campaign.id] = asyncio.create_task(self._dial(campaign.id, stop), name=f"dial-{campaign.id}")
            for campaign_id in [c for c, t in tasks.items() if t.done()]:
                task = tasks.pop(campaign_id)
                if not task.cancelled() and task.exception() is not None:
                    log.error("dialer.campaign_failed", campaign=campaign_id, error=jsonable(task.exception())[:200])
            try:
                await asyncio.wait_for(stop.wait(), self.poll)
            except asyncio.TimeoutError:
                pass
        await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def _dial(self, campaign_id: int, stop: asyncio.Event) -> None:
        dialer = self._dialers.get(campaign_id)
        if dialer is None:
            dialer = self._dialers[campaign_id] = self.make_dialer(campaign_id)
            await dialer.recover()  # once per campaign and service: calls a crashed run left behind
        try:
            await dialer.run_campaign(campaign_id, stop, until_idle=True)
        except PbxUnavailable:
            raise  # the PBX comes back by itself: the next poll dials again
        except UserError as exc:
            await asyncio.to_thread(self.repo.set_campaign_status, campaign_id, r.CampaignStatus.PAUSED,
                                    operator=self.operator, now=self.clock())
            log.error("dialer.campaign_paused", campaign=campaign_id, reason=str(exc)[:300])
            return
        if stop.is_set():
            return
        progress = await asyncio.to_thread(self.repo.campaign_progress, campaign_id)
        if progress.status == r.CampaignStatus.RUNNING and progress.unfinished == 0:
            await asyncio.to_thread(self.repo.set_campaign_status, campaign_id, r.CampaignStatus.COMPLETED,
                                    operator=self.operator, now=self.clock())
            log.info("dialer.campaign_completed", campaign=campaign_id)
