"""The dialer part of `robocall serve`: every running campaign is dialled until the service stops.

Each running campaign gets its own ``Dialer`` (ivr.calls.dialer) under the process's worker id and lease
(ivr.workers); its release of unused claims concerns that campaign only; its pacing limits (max_concurrent, calls_per_second) apply per
campaign. A dialer returns when nothing is due; the runner looks again every ``poll`` seconds, and marks a
campaign completed once it has nothing left to do. On stop, no new call starts and the calls in progress
finish (the dialer waits for them). A campaign that cannot be dialled for a reason staff must fix (its
script was removed or broken since the campaign was created) is paused (the audit log records the
pause, the service's log its reason: ``dialer.campaign_paused``) instead of failing again at every poll;
`campaign resume` once it is fixed.

``dial`` is the one path by which a campaign is run: `robocall serve` (``run``, every running campaign)
and `robocall campaign run` (ivr.campaigns.service.CampaignService.run, one campaign in the foreground: an error
is the operator's to read, and Ctrl-C pauses the campaign) both go through it. The clock and the sleep
between polls are injected (tests run the runner without waiting).
"""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Callable, Protocol

from ivr.calls.dialer import RunStats
from ivr.clock import Clock, Sleep, utcnow

from ivr.storage.resilience import is_transient
from ivr.errors import PbxUnavailable, UserError
from ivr.logs import get_logger, jsonable
from ivr.storage import records as r

log = get_logger(__name__)


class CampaignDialer(Protocol):
    """What the runner needs of a dialer (ivr.calls.dialer.Dialer), and what the metrics read of it."""

    async def recover(self) -> int: ...

    @property
    def calls_in_progress(self) -> int: ...

    @property
    def congestion_share(self) -> float: ...

    @property
    def concurrency_limit(self) -> int: ...

    async def run_campaign(self, campaign_id: int, stop: asyncio.Event, *, until_idle: bool = True,
                           on_progress: Callable[[RunStats], None] | None = None) -> RunStats: ...


class RunnerStore(Protocol):
    """What the runner needs of the campaign store (ivr.storage.campaign_store.CampaignStore has it)."""

    def list_campaigns(self) -> list[r.Campaign]: ...
    def set_campaign_status(self, campaign_id: int, status: r.CampaignStatus | str, *, operator: str,
                            now: dt.datetime) -> r.Campaign: ...
    def settle_after_run(self, campaign_id: int, *, stopped: bool, operator: str,
                         now: dt.datetime) -> r.Campaign: ...


class CampaignRunner:
    def __init__(self, repo: RunnerStore, make_dialer: Callable[[int], CampaignDialer], *, poll: float = 5.0,
                 operator: str = "robocall serve", clock: Clock = utcnow, sleep: Sleep = asyncio.sleep) -> None:
        self.repo, self.make_dialer, self.poll, self.operator, self.clock = repo, make_dialer, poll, operator, clock
        self.sleep = sleep
        self._dialers: dict[int, CampaignDialer] = {}
        self._dialling: set[int] = set()

    def dialling(self) -> list[int]:
        """The campaigns this runner is dialling now (the worker's heartbeat reports them)."""
        return sorted(self._dialling)

    def calls_in_progress(self) -> int:
        """Calls in progress over every campaign (the worker's heartbeat reports them)."""
        return sum(d.calls_in_progress for d in self._dialers.values())

    def dialers(self) -> list[CampaignDialer]:
        """The dialers made so far (the service's metrics read their calls in progress)."""
        return list(self._dialers.values())

    async def run(self, stop: asyncio.Event) -> None:
        """Dial every running campaign until ``stop``; look for newly running ones every ``poll`` seconds."""
        tasks: dict[int, asyncio.Task[RunStats | None]] = {}
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
                    tasks[campaign.id] = asyncio.create_task(self.dial(campaign.id, stop), name=f"dial-{campaign.id}")
            for campaign_id in [c for c, t in tasks.items() if t.done()]:
                task = tasks.pop(campaign_id)
                if not task.cancelled() and task.exception() is not None:
                    log.error("dialer.campaign_failed", campaign=campaign_id, error=jsonable(task.exception())[:200])
            await self._pause(stop)
        await asyncio.gather(*tasks.values(), return_exceptions=True)

    async def _pause(self, stop: asyncio.Event) -> None:
        """Sleep ``poll`` seconds (the injected sleep), or less if ``stop`` is set meanwhile."""
        stopped = asyncio.ensure_future(stop.wait())
        slept = asyncio.ensure_future(self.sleep(self.poll))
        try:
            await asyncio.wait({stopped, slept}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for f in (stopped, slept):
                f.cancel()
            await asyncio.gather(stopped, slept, return_exceptions=True)

    async def dial(self, campaign_id: int, stop: asyncio.Event, *, foreground: bool = False, until_idle: bool = True,
                   on_progress: Callable[[RunStats], None] | None = None) -> RunStats | None:
        """Run one campaign's dialer until it is idle (or ``stop``), then settle the campaign's status.

        ``foreground`` (`campaign run`): an error staff must fix is raised to the operator, and a stop
        (Ctrl-C) pauses the campaign. In the service, that error pauses the campaign instead, and a stop
        (a shutdown) leaves it running for the next start.
        """
        dialer = self._dialers.get(campaign_id)
        if dialer is None:
            dialer = self._dialers[campaign_id] = self.make_dialer(campaign_id)
            await dialer.recover()  # once per campaign and process: the calls of workers that died
        self._dialling.add(campaign_id)
        try:
            stats = await dialer.run_campaign(campaign_id, stop, until_idle=until_idle, on_progress=on_progress)
        except PbxUnavailable:
            raise  # the PBX comes back by itself: the next poll dials again
        except UserError as exc:
            if foreground:
                raise
            await asyncio.to_thread(self.repo.set_campaign_status, campaign_id, r.CampaignStatus.PAUSED,
                                    operator=self.operator, now=self.clock())
            log.error("dialer.campaign_paused", campaign=campaign_id, reason=str(exc)[:300])
            return None
        finally:
            self._dialling.discard(campaign_id)
        if stop.is_set() and not foreground:
            return stats
        settled = await asyncio.to_thread(self.repo.settle_after_run, campaign_id, stopped=stop.is_set(),
                                          operator=self.operator, now=self.clock())
        if settled.status == r.CampaignStatus.COMPLETED:
            log.info("dialer.campaign_completed", campaign=campaign_id)
        return stats
