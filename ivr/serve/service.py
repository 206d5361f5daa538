"""`robocall serve`: one long-lived process running the hotline handler and the dialer workers together.

- The process is one worker (ivr.identity, ivr.workers): one lease in the database, beating until its
  last call has ended, and ARI applications of its own, shared by its workers through one ARI client. The
  dialplan's hotline application is registered only while ``HotlineOwner`` holds it for this PBX (another
  `serve` on the same PBX stands by). The client reconnects by itself; the service only waits for the
  first connection, and keeps running (and retrying) if the PBX is not up yet.
- Every prompt the hotline plays is rendered at start, before the first call is taken.
- /healthz, /readyz and /metrics (ivr.observability) answer from the start, on service.health_port.
- On stop (SIGTERM/SIGINT set ``stop``), each worker stops taking new calls and finishes the ones in a
  conversation; after ``service.shutdown_grace`` seconds whatever is left is cancelled.
A worker is anything with ``async run(stop: asyncio.Event) -> None`` that returns once drained.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

from ivr.app import App
from ivr.ari.protocols import AriConnection
from ivr.calls.dialer import Dialer, pbx_limiter
from ivr.campaigns.runner import CampaignRunner
from ivr.config import Settings
from ivr.errors import PbxUnavailable, UserError
from ivr.hotline.agents import AgentService, QueueAdmin
from ivr.hotline.handler import HotlineHandler
from ivr.hotline.owner import HotlineOwner
from ivr.hotline.inbound import HotlineDeps
from ivr.hotline.plans import HotlinePlans
from ivr.logs import get_logger, jsonable
from ivr.observability.http import HealthServer
from ivr.observability.metrics import ServiceMetrics
from ivr.observability.probes import Observer
from ivr.observability.sdnotify import notify
from ivr.storage.limits import LimitStore
from ivr.storage.resilience import DbRetry
from ivr.workers import WorkerLease

log = get_logger(__name__)
CONNECT_WAIT = 10.0  # seconds per wait for the first ARI connection (the client keeps retrying)


class Worker(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass(frozen=True)
class NamedWorker:
    name: str
    worker: Worker


class Service:
    """Runs ``workers`` until ``stop`` is set, then drains them within ``grace`` seconds."""

    def __init__(self, ari: AriConnection, workers: Sequence[NamedWorker], *, grace: float,
                 agents: AgentService | None = None, prepare: Sequence[tuple[str, Callable[[], object]]] = (),
                 health: HealthServer | None = None, lease: WorkerLease | None = None,
                 owner: HotlineOwner | None = None) -> None:
        self.ari = ari
        self.health = health
        self.workers = list(workers)
        self.grace = grace
        self.agents = agents
        self.prepare = list(prepare)  # (what, blocking callable) run in a thread before taking calls
        self.lease = lease  # this process's lease (ivr.workers): beats until the last call has ended
        self.owner = owner  # holds the PBX's hotline application, or stands by (ivr.hotline.owner)

    async def run(self, stop: asyncio.Event) -> int:
        started = time.monotonic()
        if self.owner is not None:
            await self.owner.check_start()  # SQLite: a second holder of the hotline is refused here
        if self.health is not None:
            await self.health.start()
        try:
            return await self._run(stop, started)
        finally:
            if self.health is not None:
                await self.health.close()

    async def _run(self, stop: asyncio.Event, started: float) -> int:
        for what, job in self.prepare:
            stats = await asyncio.to_thread(job)
            log.info("service.prepared", what=what, stats=stats)
        beating = asyncio.Event()  # the lease outlives ``stop``: calls still draining keep it
        beats = None
        if self.lease is not None:
            await self.lease.register()
            beats = asyncio.create_task(self.lease.run(beating), name="lease")
        await self._connect(stop)
        await self._sync_agents()
        tasks = {asyncio.create_task(w.worker.run(stop), name=w.name): w.name for w in self.workers}
        holding = asyncio.Event()  # the hotline is held until its calls have drained, then handed over
        held = None
        if self.owner is not None:
            held = asyncio.create_task(self.owner.run(holding), name="hotline-owner")
            tasks[held] = "hotline-owner"
        if beats is not None:
            tasks[beats] = "lease"
        log.info("service.started", workers=list(tasks.values()), seconds=round(time.monotonic() - started, 2))
        notify(f"READY=1\nSTATUS=serving: {', '.join(tasks.values())}")
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait([stopper, *tasks], return_when=asyncio.FIRST_COMPLETED)
        crashed = [name for task, name in tasks.items() if task.done() and not stop.is_set()]
        stop.set()
        notify("STOPPING=1\nSTATUS=finishing the calls in progress")
        log.info("service.stopping", grace=self.grace, crashed=crashed)
        draining = [t for t in tasks if t is not beats and t is not held]
        done, pending = await asyncio.wait(draining, timeout=self.grace) if draining else (set(), set())
        for task in pending:
            log.warning("service.grace_over", worker=tasks[task])
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        failed = [tasks[t] for t in done if not t.cancelled() and t.exception() is not None]
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                log.error("service.worker_failed", worker=tasks[task], error=jsonable(task.exception())[:300])
        if held is not None:
            holding.set()
            await asyncio.gather(held, return_exceptions=True)
        if beats is not None:
            beating.set()
            await asyncio.gather(beats, return_exceptions=True)
        if self.lease is not None:
            await self.lease.close()
        await self.ari.close()
        log.info("service.stopped", unfinished=len(pending), failed=failed + crashed)
        return 1 if (failed or crashed or pending) else 0

    async def _connect(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.ari.connect(CONNECT_WAIT)
                log.info("service.ari_connected", url=self.ari.url)
                return
            except PbxUnavailable:
                log.warning("service.ari_unreachable", url=self.ari.url, retry=True)

    async def _sync_agents(self) -> None:
        if self.agents is None:
            return
        try:
            await self.agents.sync()
        except (PbxUnavailable, UserError) as exc:
            log.warning("service.agents_not_synced", error=str(exc)[:200])


def build(app: App, *, hotline: bool = True, dialer: bool = True) -> Service:
    """Assemble the service from what the composition root (ivr.app.App) built.

    The process is one worker (ivr.identity, ivr.workers): one lease, its own ARI applications; the
    hotline's shared application only while ``HotlineOwner`` holds it for this PBX."""
    who = app.identity("serve")
    settings, ari, repo, store = app.settings, app.ari(who), app.repo, app.hotline
    workers: list[NamedWorker] = []
    prepare: list[tuple[str, Callable[[], object]]] = []
    metrics = ServiceMetrics()
    handler: HotlineHandler | None = None
    owner: HotlineOwner | None = None
    runner: CampaignRunner | None = None
    lease = app.worker_lease(who, calls=lambda: runner.calls_in_progress() if runner else 0,
                             campaigns=lambda: runner.dialling() if runner else ())
    if hotline:
        plans = HotlinePlans(settings, app.library)
        prepare.append(("hotline audio", plans.prepare))
        handler = HotlineHandler(HotlineDeps(ari, store, repo, plans, settings,
                                             clock=app.clock, db=DbRetry(observe=metrics.db_call)))
        workers.append(NamedWorker("hotline", handler))
        owner = HotlineOwner(app.leases, ari, who.worker_id, ttl=settings.workers.hotline_lease_seconds,
                             apology=plans.taken_over_media, refuse_second=app.engine.dialect.name == "sqlite")
    if dialer:
        library, scripts, policy = app.library, app.scripts, app.policy

        limiter = pbx_limiter(settings, ari)  # one per PBX: every campaign's dialer shares it

        def make_dialer(campaign_id: int) -> Dialer:
            return Dialer(settings, repo, ari, library, scripts, policy, worker_id=who.worker_id, lease=lease,
                          clock=app.clock, events=metrics, db_retry=DbRetry(observe=metrics.db_call),
                          limiter=limiter, limits=LimitStore(app.engine))

        runner = CampaignRunner(repo, make_dialer, clock=app.clock)
        workers.append(NamedWorker("dialer", runner))
    agents = AgentService(store, QueueAdmin(ari), app.clock)
    health = None
    if settings.service.health_port:
        observer = Observer(metrics, ari, app.gauges, (lambda: runner.dialers()) if runner else list,
                            hotline=hotline, hotline_conversations=(lambda: handler.conversations) if handler else int,
                            pbx_metrics_url=pbx_metrics_url(settings), pbx_auth=(settings.ari.username,
                                                                                 settings.ari.password),
                            trunk=settings.trunk.endpoint, owner=owner)
        health = HealthServer(observer, settings.service.health_bind, settings.service.health_port)
    return Service(ari, workers, grace=settings.service.shutdown_grace, agents=agents, prepare=prepare,
                   health=health, lease=lease, owner=owner)


def pbx_metrics_url(settings: Settings) -> str:
    """Where the PBX's res_prometheus answers ("" when service.pbx_metrics_url is "off")."""
    configured = settings.service.pbx_metrics_url
    if configured == "off":
        return ""
    return configured or f"{settings.ari.url.rstrip('/')}/metrics"
