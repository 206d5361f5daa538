"""The dialer: claims due attempts from the ledger and runs them as calls, within the campaign's limits.

- Claims are atomic in the database (see Ledger.claim_due_attempts): several workers, each on its own
  Asterisk, can share one PostgreSQL without two of them calling the same household.
- Before originating, the attempt is marked `dialing` with a channel id derived from the attempt id
  (rc-a<id>): if the worker dies between the two, the restart finds it, and Asterisk itself refuses a
  second channel with the same id, so one attempt is never dialled twice.
- Every answer is written the moment the key is pressed; the attempt's end is written with the outcome,
  the SIP cause and the next attempt (retry policy) in one transaction.
- Pacing: at most ``max_concurrent`` calls up and ``calls_per_second`` originates; a 503 from the
  network (congestion) halves the rate for a while, success restores it. Below that, the PBX's adaptive
  limiter (ivr.calls.limiter, one per PBX, shared by the dialers on it) lowers the number of calls up
  while the controller answers residents slowly: no new call starts while the PBX is at its limit.
- The call window is checked before every claim; outside it the dialer waits.
- Faults (ivr.storage.resilience): every repository call is retried across a database outage of up to a
  minute; answers are written in order by a per-attempt writer, so the call's prompts never wait for the
  database, and the attempt's end is written once its answers are. A database down for longer leaves the
  attempt dialling for recover() at the next start, never a crashed loop. While the ARI websocket is down
  nothing is claimed: an originate would fail and spend one of the household's attempts.
"""
from __future__ import annotations

import asyncio
from collections import deque
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping, Protocol, Sequence

from ivr.ari.client import AriError
from ivr.ari.protocols import DialerAri, LatencySource
from ivr.calls import prepare
from ivr.calls.conversation import ScriptConversation
from ivr.calls.limiter import AdaptiveLimiter, LimiterConfig
from ivr.calls.recorder import AttemptEnd, AttemptRecorder, answer_batches, finish_attempt
from ivr.calls.policy import RetryPolicy
from ivr.storage.resilience import DatabaseUnavailable, DbRetry
from ivr.calls.session import CallReport, CallSession
from ivr.clock import utcnow
from ivr.config import Settings
from ivr.scripts.address import AddressRule
from ivr.errors import PbxUnavailable
from ivr.logs import get_logger
from ivr.scripts import versions
from ivr.scripts.model import Prompt, Script
from ivr.scripts.segments import is_value
from ivr.scripts.variables import contact_variables
from ivr.speech.library import AudioLibrary
from ivr.storage.audio_register import AudioRegister, Entry
from ivr.storage import records as r
from ivr.storage.leases import LeaseLost
from ivr.storage.ledger import AttemptConflict
from ivr.workers import WorkerLease
from ivr.storage.limits import LimitRow
from ivr.storage.repo import Repository

log = get_logger(__name__)
MEDIA_MEMO_LIMIT = 20_000  # prompts remembered (the fixed ones of a script are a few dozen)
PREPARED_MEMO_LIMIT = 2_000  # contacts whose values and prompts the look-ahead made, kept for their claim
STATUS_EVERY = 1.0  # seconds between two reads of the campaign's status while it dials
PBX_WAIT_SECONDS = 60.0  # with ARI unreachable this long and no call in progress, stop the campaign


def pbx_limiter(settings: Settings, ari: LatencySource, monotonic: Callable[[], float] = time.monotonic,
                on_change: Callable[..., None] | None = None,
                on_window: Callable[[dict[str, object]], None] | None = None) -> AdaptiveLimiter:
    """The adaptive limiter of the PBX behind ``ari``, listening to its round trips and event lag. Make one
    per PBX (per ARI client) and give it to every dialer that calls through that PBX. ``on_window`` gets each
    window's figures and samples (the bench records them for bench/replay_limiter.py)."""
    d = settings.dialer
    limiter = AdaptiveLimiter(LimiterConfig(d.max_concurrent, bound_ms=d.latency_bound_ms), monotonic=monotonic,
                              enabled=d.adaptive_limit, on_change=on_change, on_window=on_window)
    ari.latency_sink = limiter.metric
    return limiter


def channel_id_for(attempt: r.Attempt) -> str:
    return f"rc-a{attempt.id}"


@dataclass
class Pacer:
    """Concurrency and calls-per-second limits, with back-off while the trunk answers 503.

    One 503 is one number the network could not route; a trunk in trouble answers 503 to many. The
    pacer backs off (halves the rate and pauses) only when congestion is at least ``threshold`` of the
    last ``window`` call set-ups, and recovers gradually as set-ups succeed again. (The first version
    halved on every single 503: the benchmark showed it throttling a healthy trunk to 83 % of the
    dialplan baseline at 300 concurrent calls, because 2 % of numbers answer 503.)
    """

    max_concurrent: int
    calls_per_second: float
    monotonic: Callable[[], float] = time.monotonic
    window: int = 20
    threshold: float = 0.25
    factor: float = 1.0
    _next_slot: float = 0.0
    backoff_until: float = 0.0
    recent: deque[bool] = field(default_factory=deque)

    def rate(self) -> float:
        return max(self.calls_per_second * self.factor, 0.2)

    def delay(self) -> float:
        """Seconds to wait before the next originate may start."""
        now = self.monotonic()
        return max(self._next_slot - now, self.backoff_until - now, 0.0)

    def take(self) -> None:
        now = self.monotonic()
        self._next_slot = max(self._next_slot, now) + 1.0 / self.rate()

    def result(self, congested: bool) -> None:
        """Record how one call set-up went (congested: the network answered 503 or the like)."""
        self.recent.append(congested)
        while len(self.recent) > self.window:
            self.recent.popleft()
        share = sum(self.recent) / len(self.recent)
        if congested and len(self.recent) >= min(5, self.window) and share >= self.threshold:
            self.factor = max(self.factor / 2, 0.05)
            self.backoff_until = self.monotonic() + 2.0 / self.factor
            log.warning("dialer.congestion_backoff", factor=round(self.factor, 3), share=round(share, 2))
        elif not congested:
            self.factor = min(self.factor * 1.25, 1.0)


class LimitRecorder(Protocol):
    """Where the PBX's limit is written for `campaign status` (ivr.storage.limits.LimitStore)."""

    def record_limit(self, row: LimitRow) -> None: ...


class DialerEvents(Protocol):
    """Told as calls start and end (the service's metrics, ivr.observability.metrics.ServiceMetrics)."""

    def call_started(self) -> None: ...

    def call_ended(self, outcome: str) -> None: ...


@dataclass
class RunStats:
    started: int = 0
    finished: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    peak_concurrent: int = 0
    reports: list[CallReport] = field(default_factory=list)
    limit_lowest: int = 0  # the PBX's adaptive limit: lowest and last seen while this run dialled
    limit_last: int = 0


class Dialer:
    """Runs the calls of campaigns for one worker against one Asterisk."""

    def __init__(self, settings: Settings, repo: Repository, ari: DialerAri, library: AudioLibrary,
                 scripts: Callable[[str], Script], policy: Callable[[r.Campaign], RetryPolicy], *,
                 worker_id: str, clock: Callable[[], dt.datetime] = utcnow,
                 monotonic: Callable[[], float] = time.monotonic, keep_reports: bool = False,
                 metrics: Callable[[str, float], None] | None = None, db_retry: DbRetry | None = None,
                 pbx_wait: float = PBX_WAIT_SECONDS, events: DialerEvents | None = None,
                 lease: WorkerLease | None = None, limiter: AdaptiveLimiter | None = None,
                 limits: LimitRecorder | None = None) -> None:
        self.settings = settings
        self.repo = repo
        self.ari = ari
        self.library = library
        self.scripts = scripts
        self.policy = policy
        self.worker_id = worker_id
        self.clock = clock
        self.monotonic = monotonic
        self.keep_reports = keep_reports
        self.metrics = metrics
        self.db = db_retry or DbRetry(monotonic=monotonic)
        self.pbx_wait = pbx_wait
        self.lease = lease  # None: a dialer of its own (tests): claims carry no lease
        self.events = events
        self._pbx_down_since: float | None = None
        # prompt -> media URI of fixed prompts and parts already looked up: the same for every contact, and
        # looking them up again costs a dozen file checks each (bench/README.md).
        self._media: dict[Prompt, str] = {}
        # A contact's values: looked up again (in a thread) unless this process has registered that very file
        # as this contact's (``_registered``): a purge or an erasure deletes a file only once no registration
        # of it stands, so a file registered to the contact about to be called is still there. The look-ahead
        # registers them; the claim's set-up then needs no hand-off (bench/README.md, "Fourth pass").
        self._value_media: dict[Prompt, str] = {}
        self._registered: set[tuple[int, str]] = set()  # (contact, audio key) in the register already
        # contact id -> (the contact's record, the day, the script, its variables, its prompts' parts), as the
        # look-ahead made them: the claim's set-up takes them when the record, the day and the script are the same.
        self._prepared: dict[int, tuple[r.Contact, dt.date, Script, dict[str, str],
                                        dict[Prompt, tuple[Prompt, ...]]]] = {}
        self.audio_register = AudioRegister(repo.engine)
        self.answers = answer_batches(repo, self.db, name=f"answers-{worker_id}")  # every call's, in batches
        d = settings.dialer
        self.pacer = Pacer(d.max_concurrent, d.calls_per_second, monotonic)
        self.limiter = limiter or pbx_limiter(settings, ari, monotonic)
        self.limits = limits
        self._written_limit: int | None = None
        self._limit_write: asyncio.Future[None] | None = None
        self.active: dict[int, asyncio.Task[None]] = {}
        self.stats = RunStats()

    @property
    def calls_in_progress(self) -> int:
        return len(self.active)

    @property
    def concurrency_limit(self) -> int:
        """The PBX's adaptive limit now (at most dialer.max_concurrent)."""
        return self.limiter.limit

    @property
    def congestion_share(self) -> float:
        """Share of the pacer's recent call set-ups that the network answered 503 (or the like)."""
        recent = self.pacer.recent
        return sum(recent) / len(recent) if recent else 0.0

    # -- recovery ----------------------------------------------------------------------------------
    async def recover(self) -> int:
        """Before dialling: take over the workers whose lease expired (ivr.workers.Takeover: their claims
        released, their dialling attempts hung up on their PBX and finished for the retry policy).

        Never by name: a worker id is new at every start, and a neighbour's calls are its own business
        until its lease expires. Without a lease (a dialer of its own) there is nothing to take over.
        """
        if self.lease is None or self.lease.takeover is None:
            return 0
        found = await self.lease.takeover.sweep(self.worker_id)
        if found:
            log.info("dialer.recovered", resolved=found, worker=self.worker_id)
        return found

    # -- main loop ---------------------------------------------------------------------------------
    async def run_campaign(self, campaign_id: int, stop: asyncio.Event, *, until_idle: bool = True,
                           on_progress: Callable[[RunStats], None] | None = None) -> RunStats:
        """Dial the campaign until it has nothing due (``until_idle``), or else until no attempt is pending
        at all (every retry made), or until ``stop`` is set.

        On stop, no new call starts and the calls in progress run to their end.
        """
        campaign = await self.db.run("get_campaign", self.repo.get_campaign, campaign_id)
        policy = self.policy(campaign)
        # A campaign keeps the script version it was created with, even after a new one is installed.
        script = versions.for_campaign(self.scripts, self.settings.path(self.settings.scripts_dir),
                                       campaign.script_name, campaign.script_version)
        ahead_stop = asyncio.Event()
        ahead = (asyncio.create_task(self._look_ahead(campaign_id, script, ahead_stop))
                 if self.settings.dialer.render_ahead > 0 else None)
        status_read = time.monotonic()
        try:
            while not stop.is_set():
                # The status (a pause, a stop from another process) at most once a second: the claim itself
                # takes nothing from a campaign that is not running, so a pause only ends this loop later.
                if time.monotonic() - status_read >= STATUS_EVERY:
                    campaign = await self.db.run("get_campaign", self.repo.get_campaign, campaign_id)
                    status_read = time.monotonic()
                if campaign.status != r.CampaignStatus.RUNNING:
                    break
                if not await self._pbx_reachable(stop):
                    continue
                now = self.clock()
                if not policy.window.contains(now):
                    if not self.active and (until_idle or await self._nothing_pending(campaign_id)):
                        break
                    await self._wait(stop, 5.0)
                    continue
                # The campaign's own maximum, and the room the PBX's adaptive limiter leaves (all campaigns).
                free = min(self.pacer.max_concurrent - len(self.active), self.limiter.room())
                self._note_limit()
                claimed: list[tuple[r.Attempt, r.Contact]] = []
                self._check_lease()
                if free > 0 and self.pacer.delay() == 0.0:
                    burst = max(1, min(free, int(self.pacer.rate()) or 1))
                    claimed = await self._claim(campaign_id, now, burst)
                for attempt, contact in claimed:
                    if stop.is_set() or not self._may_originate():
                        break
                    wait = self.pacer.delay()
                    if wait:
                        await asyncio.sleep(wait)
                    self.pacer.take()
                    self.limiter.started()
                    self.active[attempt.id] = asyncio.create_task(self._run_attempt(campaign, script, policy, attempt,
                                                                                     contact))
                    self.stats.started += 1
                    self.stats.peak_concurrent = max(self.stats.peak_concurrent, len(self.active))
                if claimed:
                    continue
                if not self.active:
                    due = await self.db.run("next_due_at", self.repo.next_due_at, campaign_id)
                    # Done when nothing is due now (``until_idle``), or (waiting for retries) when no
                    # attempt is pending at all: every call of the campaign has its final outcome.
                    if due is None or (until_idle and due > self.clock()):
                        # A claim whose commit succeeded but whose reply was lost (a dropped connection)
                        # left attempts claimed that no call serves: nothing of ours is in flight now.
                        if await self.db.run("release_stale_claims", self.repo.release_stale_claims,
                                             self.worker_id, campaign_id=campaign_id):
                            continue
                        # Other workers' calls may still end unfinished, or their worker die (its attempts
                        # come back once its lease expires): wait for them rather than stop.
                        if not await self.db.run("in_flight_elsewhere", self.repo.in_flight_elsewhere,
                                                 campaign_id, self.worker_id):
                            break
                await self._wait(stop, max(self.pacer.delay(), 0.2) if self.active else 0.5)
        finally:
            ahead_stop.set()
            if ahead is not None:
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)
            # Let the calls in progress finish: no answer is cut off by a pause or a shutdown.
            if self.active:
                await asyncio.gather(*self.active.values(), return_exceptions=True)
            await self._release_unstarted(campaign_id)
            if on_progress:
                on_progress(self.stats)
        return self.stats

    async def _claim(self, campaign_id: int, now: dt.datetime, limit: int) -> list[tuple[r.Attempt, r.Contact]]:
        """Due attempts, each with its contact (read in the claim's transaction)."""
        try:
            return await self.db.run("claim_due_attempts", self.repo.claim_due_with_contacts, campaign_id,
                                     self.worker_id, now, limit, leased=self.lease is not None)
        except LeaseLost:
            self._check_lease()  # lost for good: stop. Else it ran out in an outage: the next heartbeat renews it
            return []

    def _may_originate(self) -> bool:
        return self.lease is None or self.lease.valid

    def _check_lease(self) -> None:
        """A worker whose lease is lost stops at once (its calls are being taken over by another)."""
        if self.lease is not None and self.lease.lost:
            raise LeaseLost(f"worker {self.worker_id}: lease lost, no more calls from this process")

    def _note_limit(self) -> None:
        """Keep the limit in the run's figures, and write it for `campaign status` when it changes (in a
        thread: the loop never waits for the database for it)."""
        limit = self.limiter.limit
        self.stats.limit_last = limit
        self.stats.limit_lowest = min(self.stats.limit_lowest or limit, limit)
        if self.limits is None or limit == self._written_limit:
            return
        if self._limit_write is not None and not self._limit_write.done():
            return  # the previous write is still going: the next pass writes the newest figure
        self._written_limit = limit
        state = self.limiter.state
        row = LimitRow(self.ari.url, limit, self.limiter.config.max_concurrent, state.p95_ms, state.worst,
                       self.clock())
        self._limit_write = asyncio.ensure_future(asyncio.to_thread(self._record_limit, row))

    def _record_limit(self, row: LimitRow) -> None:
        assert self.limits is not None
        try:
            self.limits.record_limit(row)
        except Exception as exc:  # noqa: BLE001 - a figure for the status display must never stop calls
            log.warning("dialer.limit_not_written", error=type(exc).__name__)

    async def _nothing_pending(self, campaign_id: int) -> bool:
        return await self.db.run("next_due_at", self.repo.next_due_at, campaign_id) is None

    async def _wait(self, stop: asyncio.Event, seconds: float) -> None:
        """Until ``stop`` is set or ``seconds`` have passed (several times a second: asyncio.timeout waits in
        this task, where wait_for started and cancelled a task of its own each time)."""
        if stop.is_set():
            return
        try:
            async with asyncio.timeout(seconds):
                await stop.wait()
        except TimeoutError:
            pass

    async def _pbx_reachable(self, stop: asyncio.Event) -> bool:
        """True while the ARI websocket is up. While it is down, wait instead of claiming (calls in progress
        go on); down for longer than ``pbx_wait`` with no call in progress: PbxUnavailable."""
        if self.ari.connected:
            if self._pbx_down_since is not None:
                log.info("dialer.pbx_back", seconds=round(self.monotonic() - self._pbx_down_since, 1))
                self._pbx_down_since = None
            return True
        now = self.monotonic()
        if self._pbx_down_since is None:
            self._pbx_down_since = now
            log.warning("dialer.pbx_unreachable_waiting", worker=self.worker_id)
        elif now - self._pbx_down_since > self.pbx_wait and not self.active:
            raise PbxUnavailable(f"ARI at {self.ari.url} unreachable for {now - self._pbx_down_since:.0f} s: "
                                 "campaign stopped; run it again when the PBX is back")
        await self._wait(stop, 0.5)
        return False

    async def _release_unstarted(self, campaign_id: int) -> None:
        try:
            await self.db.run("release_stale_claims", self.repo.release_stale_claims, self.worker_id,
                              campaign_id=campaign_id)
        except DatabaseUnavailable:
            log.error("dialer.claims_not_released", worker=self.worker_id)  # recover() releases them later

    # -- one attempt -------------------------------------------------------------------------------
    async def _run_attempt(self, campaign: r.Campaign, script: Script, policy: RetryPolicy,
                           attempt: r.Attempt, contact: r.Contact) -> None:
        bound = log.bind(attempt=attempt.id, campaign=campaign.id, contact=attempt.pseudonym)
        try:
            variables, media = await self._contact_media(script, contact)
            cid = channel_id_for(attempt)
            if not self._may_originate():
                bound.warning("dialer.lease_not_valid")  # never dialled: back to pending (safe to repeat)
                await self.db.run("release_stale_claims", self.repo.release_stale_claims, self.worker_id,
                                  campaign_id=campaign.id)
                return
            try:
                await self.db.run("mark_dialing", self.repo.mark_dialing, attempt.id, cid, self.clock(),
                                  leased_by=self.worker_id if self.lease is not None else None)
            except AttemptConflict:
                bound.warning("dialer.attempt_conflict")
                return
            except LeaseLost:  # ran out (an outage, or cut off): never dialled, the claim goes back
                bound.warning("dialer.lease_not_valid")
                await self.db.run("release_stale_claims", self.repo.release_stale_claims, self.worker_id,
                                  campaign_id=campaign.id)
                return
            if self.events is not None:
                self.events.call_started()
            plan = prepare.plan(self.settings, attempt.phone_e164, _conversation(script, variables), media,
                                call_id=cid, app_args=attempt.pseudonym)

            # Answers are written in order by the recorder: the next prompt never waits for the database.
            recorder = AttemptRecorder(self.repo, self.db, attempt.id, policy, name=cid, owner=attempt,
                                       batches=self.answers)
            try:
                report = await CallSession(self.ari, on_answer=recorder.answer, clock=self.clock,
                                           monotonic=self.monotonic, metrics=self._metric).run(plan)
            except Exception:
                await self._hang_up(cid)  # never leave a resident on a line that nothing drives
                await recorder.answers_written()  # every answer given is written before anything else
                raise
            self.pacer.result(report.result.outcome == "congestion")
            end = AttemptEnd.of(report)
            if not await recorder.finish(end):
                return  # an answer is missing: recover() at the next start resolves it with those written
            outcome = end.outcome
            if self.events is not None:
                self.events.call_ended(outcome)
            self.stats.finished += 1
            self.stats.by_outcome[outcome] = self.stats.by_outcome.get(outcome, 0) + 1
            if self.keep_reports:
                self.stats.reports.append(report)
        except PbxUnavailable as exc:
            bound.error("dialer.pbx_unavailable", error=str(exc))
        except DatabaseUnavailable:
            bound.error("dialer.attempt_left_for_recovery")  # claimed: released; dialling: recover()
        except Exception:  # noqa: BLE001 - one bad attempt must not stop the campaign
            bound.exception("dialer.attempt_error")
        finally:
            if self.active.pop(attempt.id, None) is not None:
                self.limiter.ended()

    async def _contact_media(self, script: Script, contact: r.Contact
                             ) -> tuple[dict[str, str], dict[Prompt, tuple[str, ...]]]:
        """The contact's values and each prompt's media: their values rendered (or found in the cache, as the
        look-ahead left them) and registered as theirs."""
        today = self.clock().date()
        made = self._prepared.pop(contact.id, None)
        if made is not None and made[0] == contact and made[1] == today and made[2] is script:
            variables, parts = made[3], made[4]  # as the look-ahead made them: the same record, day and script
        else:
            variables = contact_variables(contact, today, AddressRule.of(self.settings.call))
            parts = prepare.script_parts(script, variables)
        self._prepared[contact.id] = (contact, today, script, variables, parts)
        while len(self._prepared) > PREPARED_MEMO_LIMIT:
            del self._prepared[next(iter(self._prepared))]
        media = await self.prepare_media(parts, contact.id)  # registers the contact's values as theirs
        return variables, media

    async def _look_ahead(self, campaign_id: int, script: Script, stop: asyncio.Event) -> None:
        """While the campaign dials: render the values of the contacts the next claims will take
        (``dialer.render_ahead`` attempts, due within ``render_ahead_minutes``), one contact at a time, so that
        a call's set-up finds its audio ready. Nothing is rendered before the first call (this runs beside
        the dialling), and a failure here never stops a call: the claim renders what is missing."""
        d = self.settings.dialer
        done: dict[int, None] = {}  # contacts prepared by this look-ahead (insertion-ordered, bounded)
        warned = False
        while not stop.is_set():
            fresh: list[int] = []
            try:
                until = self.clock() + dt.timedelta(minutes=d.render_ahead_minutes)
                upcoming = await self.db.run("upcoming_contacts", self.repo.upcoming_contacts, campaign_id, until,
                                             d.render_ahead)
                fresh = [c for c in upcoming if c not in done]
                people = await self.db.run("get_contacts", self.repo.get_contacts, fresh) if fresh else {}
                for contact_id in fresh:
                    if stop.is_set():
                        break
                    contact = people.get(contact_id)
                    if contact is None:
                        contact = await self.db.run("get_contact", self.repo.get_contact, contact_id)  # raises
                    await self._contact_media(script, contact)
                    done[contact_id] = None
                    if len(done) > MEDIA_MEMO_LIMIT:
                        del done[next(iter(done))]
            except Exception as exc:  # noqa: BLE001 - the claim renders whatever the look-ahead could not
                if not warned:
                    log.warning("dialer.look_ahead_failed", error=type(exc).__name__)
                    warned = True
            await self._wait(stop, 0.05 if fresh else 1.0)

    def _metric(self, name: str, value: float) -> None:
        """A call's latency: to the PBX's limiter, and to the caller's sink (the bench) if any."""
        self.limiter.metric(name, value)
        if self.metrics is not None:
            self.metrics(name, value)

    def _unregistered(self, contact_id: int, values: Sequence[Prompt]) -> list[Entry]:
        """The parts that say the contact's values not yet in the register of personal audio (for the purge and
        an erasure) as far as this process knows: each contact and file is registered once."""
        keys = {self.library.resolve(p).key for p in values}
        return [(contact_id, None, k) for k in sorted(keys) if (contact_id, k) not in self._registered]

    def _media_and_register(self, prompts: Sequence[Prompt], new: Sequence[Entry]) -> dict[Prompt, str]:
        """In a thread, in one hand-off: render what is missing and look the media up, then register the
        contact's values (rendered now) as theirs."""
        found = prepare.media_map(self.library, prompts, True)
        if new:
            self.audio_register.register(new, self.clock())
        return found

    async def prepare_media(self, parts: Mapping[Prompt, tuple[Prompt, ...]],
                         contact_id: int) -> dict[Prompt, tuple[str, ...]]:
        """Each prompt of the call -> its parts' URIs. Renders what is missing now, just before this contact's
        call (never before the campaign's first call): the contact's values, cached by text, and registered
        as theirs in the register of personal audio (both twins of each part: one cache key)."""
        unique = list(dict.fromkeys(p for ps in parts.values() for p in ps))
        values = [p for p in unique if is_value(p)]
        missing = [p for p in unique if not is_value(p) and p not in self._media]
        new = self._unregistered(contact_id, values) if values else []
        if missing or new or any(p not in self._value_media for p in values):
            # Retried as a whole across a database outage (looking the files up again changes nothing).
            found = await self.db.run("prepare_media", self._media_and_register, missing + values, new)
            if new:
                if len(self._registered) > MEDIA_MEMO_LIMIT:
                    self._registered.clear()
                    self._value_media.clear()  # a value is taken from the memo only while registered here
                self._registered.update((contact_id, k) for _c, _p, k in new)
            if len(self._media) > MEDIA_MEMO_LIMIT:
                self._media.clear()
            if len(self._value_media) > MEDIA_MEMO_LIMIT:
                self._value_media.clear()
            for p, uri in found.items():
                (self._value_media if is_value(p) else self._media)[p] = uri
        else:
            found = {p: self._value_media[p] for p in values}  # every one registered as this contact's here
        return {prompt: tuple(found[p] if p in found else self._media[p] for p in ps) for prompt, ps in parts.items()}

    async def _hang_up(self, channel_id: str) -> None:
        try:
            await self.ari.hangup(channel_id)
        except (AriError, PbxUnavailable):
            pass  # already gone, or unreachable: recover() or the PBX's own timers end it


def _conversation(script: Script, variables: Mapping[str, str]) -> ScriptConversation:

    return ScriptConversation(script, dict(variables))
