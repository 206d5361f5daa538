"""A controller process's lease in the shared database, and the takeover of workers that died.

Every process that dials (`campaign run`, `serve`) registers as a worker (ivr.identity gives it a new id
at every start) and renews its lease every ``workers.heartbeat_seconds`` (a third of
``workers.lease_seconds`` by default). Leases expire on the database's clock (ivr.storage.leases).

- The lease is the permission to originate: claims carry it (the ledger refuses a claim on an expired
  lease), and before every originate the dialer asks ``WorkerLease.valid``. That answer is kept on the
  safe side locally: the lease counts as valid only until ``lease - margin`` seconds after the last
  heartbeat was SENT (the database wrote its expiry later than that, from a clock that runs at the same
  rate), so a worker stops originating before anyone else may take its calls over.
- A worker that finds its lease lost (a heartbeat refused: it expired, or another worker took it over)
  stops originating at once and ``run`` raises LeaseLost: the process stops and is started again as a
  new worker.
- At every heartbeat a live worker takes over dead workers (``Takeover``): for each attempt a dead
  worker left dialling, it asks that attempt's PBX (the dead worker's ARI URL) to hang the channel up; a
  PBX that does not answer within ``workers.pbx_timeout`` counts as gone with its calls. The attempt is
  then finished as unfinished (``hung_up_early`` if it has answers, else ``failed``) and the retry policy
  schedules the next one; claims never dialled go back to pending. Answers already written are kept.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import TYPE_CHECKING, Awaitable, Callable, Iterable, Protocol

from ivr.ari.client import AriClient, AriError
from ivr.calls.recorder import AttemptEnd, finish_attempt
from ivr.config import Settings
from ivr.errors import PbxUnavailable
from ivr.identity import ProcessIdentity
from ivr.logs import get_logger
from ivr.storage import records as r
from ivr.storage.leases import LeaseLost, LeaseStore, WorkerRecord
from ivr.protection.secrets import public_url
from ivr.storage.resilience import DbRetry

if TYPE_CHECKING:
    from ivr.calls.policy import RetryPolicy
    from ivr.storage.repo import Repository

log = get_logger(__name__)


class Hangup(Protocol):
    """Hang ``channel_id`` up on the PBX at ``ari_url``; 404 and unreachable both mean it is not up."""

    def __call__(self, ari_url: str, channel_id: str) -> Awaitable[None]: ...


class Takeover:
    """Resolves the in-flight attempts of workers whose lease expired (see the module docstring)."""

    def __init__(self, leases: LeaseStore, repo: Repository, policy: Callable[[r.Campaign], RetryPolicy],
                 hangup: Hangup, clock: Callable[[], dt.datetime], db: DbRetry | None = None) -> None:
        self.leases, self.repo, self.policy, self.hangup, self.clock = leases, repo, policy, hangup, clock
        self.db = db or DbRetry()

    async def sweep(self, me: str) -> int:
        """Take over every dead worker this worker can; returns the attempts resolved or released."""
        total = 0
        while True:
            dead = await asyncio.to_thread(self.leases.take_expired, me)
            if not dead:
                return total
            for worker in dead:
                total += await self.resolve(worker, me)

    async def resolve(self, dead: WorkerRecord, me: str) -> int:
        released = await asyncio.to_thread(self.repo.release_stale_claims, dead.id)
        resolved = 0
        for attempt in await asyncio.to_thread(self.repo.attempts_in_flight, dead.id):
            if attempt.status != r.AttemptStatus.DIALING:
                continue
            await self.hangup(dead.ari_url, attempt.channel_id or f"rc-a{attempt.id}")
            answers = await self.db.run("answers_for_attempt", self.repo.answers_for_attempt, attempt.id)
            campaign = await self.db.run("get_campaign", self.repo.get_campaign, attempt.campaign_id)
            await finish_attempt(self.repo, self.db, attempt.id, AttemptEnd.recovered(bool(answers), self.clock()),
                                 self.policy(campaign))
            resolved += 1
        await asyncio.to_thread(self.leases.reaped, dead.id, me)
        log.warning("workers.taken_over", dead=dead.id, node=dead.node, by=me, released=released, resolved=resolved)
        return released + resolved


class AriHangup:
    """A ``Hangup`` over ARI, one REST client per PBX (``make(url)``; no websocket is needed)."""

    def __init__(self, make: Callable[[str], AriClient], timeout: float) -> None:
        self.make, self.timeout = make, timeout
        self._clients: dict[str, AriClient] = {}

    async def __call__(self, ari_url: str, channel_id: str) -> None:
        client = self._clients.get(ari_url) or self._clients.setdefault(ari_url, self.make(ari_url))
        try:
            await asyncio.wait_for(client.hangup(channel_id), self.timeout)
            log.info("workers.channel_hung_up", channel=channel_id)
        except AriError as exc:
            if exc.status != 404:
                raise
        except (PbxUnavailable, asyncio.TimeoutError):
            log.warning("workers.pbx_gone", pbx=ari_url, channel=channel_id)

    async def aclose(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.close()


class WorkerLease:
    """This process's lease: register, beat, take dead workers over; ``valid`` says whether it may originate.

    ``held()`` is what health checks want: True while the lease is alive."""

    def __init__(self, store: LeaseStore, who: ProcessIdentity, *, ari_url: str, ttl: float, beat: float = 0.0,
                 takeover: Takeover | None = None, calls: Callable[[], int] = lambda: 0,
                 campaigns: Callable[[], Iterable[int]] = tuple, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store, self.who, self.ari_url, self.ttl = store, who, ari_url, ttl
        self.beat = beat or ttl / 3
        self.margin = min(self.beat, ttl / 3)
        self.takeover, self.calls, self.campaigns, self.monotonic = takeover, calls, campaigns, monotonic
        self._sent: float | None = None  # monotonic time the last accepted heartbeat was sent
        self._reached = True  # the last heartbeat (or the registration) reached the database
        self._steady = False  # ... and the one before it too (see ``run``)
        self.lost = False
        self.stopped = False

    @property
    def worker_id(self) -> str:
        return self.who.worker_id

    @property
    def valid(self) -> bool:
        """May this worker claim and originate now? (False once lost, or when heartbeats fell behind.)"""
        return (not self.lost and not self.stopped and self._sent is not None
                and self.monotonic() < self._sent + self.ttl - self.margin)

    def held(self) -> bool:
        return self.valid

    async def register(self) -> None:
        sent = self.monotonic()
        await asyncio.to_thread(self.store.register, self.worker_id, node=self.who.node, pid=self.who.pid,
                                role=self.who.role, ari_url=self.ari_url, app=self.who.app, ttl=self.ttl)
        self._sent = sent
        log.info("workers.registered", worker=self.worker_id, role=self.who.role, lease=self.ttl)

    async def heartbeat(self) -> bool:
        """Renew the lease: False once it is lost. A heartbeat that cannot reach the database counts as
        not lost (the lease runs out locally by itself, see ``valid``) and breaks the steady beat."""
        sent = self.monotonic()
        try:
            alive = await asyncio.to_thread(self.store.heartbeat, self.worker_id, self.ttl, calls=self.calls(),
                                            campaigns=list(self.campaigns()))
        except Exception as exc:  # noqa: BLE001 - a database outage: the lease runs out by itself
            log.warning("workers.heartbeat_failed", error=type(exc).__name__)
            self._steady = self._reached = False
            return True
        if alive:
            self._steady, self._reached = self._reached, True
            self._sent = sent
        elif not self.lost:
            self.lost = True
            log.error("workers.lease_lost", worker=self.worker_id)
        return alive

    async def run(self, stop: asyncio.Event) -> None:
        """Beat until ``stop``; take dead workers over at each beat. Raises LeaseLost if the lease is lost."""
        if self._sent is None:
            await self.register()
        while not stop.is_set():
            if not await self.heartbeat():
                raise LeaseLost(f"worker {self.worker_id}: lease lost")
            # Take others over only after two heartbeats in a row reached the database: just back from an
            # outage, the others' leases ran out too, and they get one beat to renew theirs first.
            if self.takeover is not None and self._steady:
                try:
                    await self.takeover.sweep(self.worker_id)
                except Exception as exc:  # noqa: BLE001 - try again at the next beat
                    log.warning("workers.takeover_failed", error=type(exc).__name__, detail=str(exc)[:200])
            try:  # after a failed heartbeat, try again within a second: the lease is running out
                await asyncio.wait_for(stop.wait(), self.beat if self._reached else min(self.beat, 1.0))
            except asyncio.TimeoutError:
                pass

    async def close(self) -> None:
        """A clean stop (claims released, calls ended): nobody needs to take this worker over."""
        self.stopped = True
        closer = getattr(self.takeover.hangup, "aclose", None) if self.takeover else None
        if closer is not None:
            await closer()
        if self._sent is not None and not self.lost:
            try:
                if not await asyncio.to_thread(self.store.stop, self.worker_id):
                    log.warning("workers.stopped_with_calls_left", worker=self.worker_id)  # taken over
            except Exception as exc:  # noqa: BLE001 - then the lease expires and a takeover finds nothing
                log.warning("workers.stop_not_recorded", error=type(exc).__name__)


def build_lease(settings: Settings, who: ProcessIdentity, leases: LeaseStore, repo: Repository, *,
                policy: Callable[[r.Campaign], RetryPolicy], clock: Callable[[], dt.datetime],
                calls: Callable[[], int] = lambda: 0, campaigns: Callable[[], Iterable[int]] = tuple) -> WorkerLease:
    """This process's lease, able to take dead workers over on any PBX (same ARI credentials as ours)."""
    w, a = settings.workers, settings.ari

    def client(url: str) -> AriClient:  # REST only: a dead worker's PBX is asked, never listened to
        return AriClient(url, a.username, a.password, who.app, rest_over_websocket=False, http_timeout=w.pbx_timeout)

    takeover = Takeover(leases, repo, policy, AriHangup(client, w.pbx_timeout), clock)
    # The URL without credentials (it is shown by `robocall status`); the takeover uses ari.username/password.
    return WorkerLease(leases, who, ari_url=public_url(a.url), ttl=w.lease_seconds, beat=w.heartbeat_seconds,
                       takeover=takeover, calls=calls, campaigns=campaigns)
