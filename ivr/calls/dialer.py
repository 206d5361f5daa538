"""The dialer: claims due attempts from the ledger and runs them as calls, within the campaign's limits.

- Claims are atomic in the database (see Ledger.claim_due_attempts): several workers, each on its own
  Asterisk, can share one PostgreSQL without two of them calling the same household.
- Before originating, the attempt is marked `dialing` with a channel id derived from the attempt id
  (rc-a<id>): if the worker dies between the two, the restart finds it, and Asterisk itself refuses a
  second channel with the same id, so one attempt is never dialled twice.
- Every answer is written the moment the key is pressed; the attempt's end is written with the outcome,
  the SIP cause and the next attempt (retry policy) in one transaction.
- Pacing: at most ``max_concurrent`` calls up and ``calls_per_second`` originates; a 503 from the
  network (congestion) halves the rate for a while, success restores it.
- The call window is checked before every claim; outside it the dialer waits.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Callable, Mapping

from ivr.ari.client import AriClient, AriError
from ivr.calls import prepare
from ivr.calls.policy import OUTCOMES, RetryPolicy
from ivr.calls.session import CallReport, CallSession, utcnow
from ivr.config import Settings
from ivr.errors import PbxUnavailable
from ivr.logs import get_logger
from ivr.scripts.model import Script
from ivr.speech.library import AudioLibrary
from ivr.storage import records as r
from ivr.storage.ledger import AttemptConflict
from ivr.storage.repo import Repository

log = get_logger(__name__)


def ledger_outcome(report: CallReport) -> str:
    """One outcome for the attempt: the telephony outcome, or the script's result for a finished call."""
    res = report.result
    if res.outcome != "completed":
        return res.outcome
    if res.result in OUTCOMES:
        return res.result  # completed, symptomatic, wrong_person, no_input, opted_out
    if res.result == "script_error":
        return "failed"
    return "no_input"  # incomplete, transfer_failed: answered but the questions were not all answered


def channel_id_for(attempt: r.Attempt) -> str:
    return f"rc-a{attempt.id}"


def contact_variables(contact: r.Contact, today: dt.date) -> dict[str, str]:
    """The script variables of one contact (personal data: used for prompts only, never logged)."""
    start = contact.quarantine_start or contact.list_date
    day = (today - start).days + 1 if start else None
    return {
        "ho_ten": contact.full_name or "",
        "dia_chi": ", ".join(p for p in (contact.address, contact.ward, contact.district) if p),
        "ngay_cach_ly": str(day) if day and day > 0 else "",
    }


@dataclass
class Pacer:
    """Concurrency and calls-per-second limits, with back-off while the network answers 503."""

    max_concurrent: int
    calls_per_second: float
    monotonic: Callable[[], float] = time.monotonic
    factor: float = 1.0
    _next_slot: float = 0.0
    backoff_until: float = 0.0

    def rate(self) -> float:
        return max(self.calls_per_second * self.factor, 0.2)

    def delay(self) -> float:
        """Seconds to wait before the next originate may start."""
        now = self.monotonic()
        return max(self._next_slot - now, self.backoff_until - now, 0.0)

    def take(self) -> None:
        now = self.monotonic()
        self._next_slot = max(self._next_slot, now) + 1.0 / self.rate()

    def congestion(self) -> None:
        self.factor = max(self.factor / 2, 0.05)
        self.backoff_until = self.monotonic() + 2.0 / self.factor
        log.warning("dialer.congestion_backoff", factor=round(self.factor, 3))

    def success(self) -> None:
        self.factor = min(self.factor * 1.25, 1.0)


@dataclass
class RunStats:
    started: int = 0
    finished: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    peak_concurrent: int = 0
    reports: list[CallReport] = field(default_factory=list)


class Dialer:
    """Runs the calls of campaigns for one worker against one Asterisk."""

    def __init__(self, settings: Settings, repo: Repository, ari: AriClient, library: AudioLibrary,
                 scripts: Callable[[str], Script], policy: Callable[[r.Campaign], RetryPolicy], *,
                 worker_id: str, clock: Callable[[], dt.datetime] = utcnow,
                 monotonic: Callable[[], float] = time.monotonic, keep_reports: bool = False) -> None:
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
        d = settings.dialer
        self.pacer = Pacer(d.max_concurrent, d.calls_per_second, monotonic)
        self.active: dict[int, asyncio.Task[None]] = {}
        self.stats = RunStats()

    # -- recovery ----------------------------------------------------------------------------------
    async def recover(self) -> int:
        """After a crash or restart: release claims never dialled, and resolve attempts that were dialling.

        A dialling attempt whose channel is still up on Asterisk is hung up (its conversation state is
        lost); it is finished with "hung_up_early" if it had answers, else "failed", and the retry policy
        schedules the next attempt. Answers already written are kept.
        """
        released = await asyncio.to_thread(self.repo.release_stale_claims, self.worker_id)
        resolved = 0
        for attempt in await asyncio.to_thread(self.repo.attempts_in_flight, self.worker_id):
            if attempt.status != r.AttemptStatus.DIALING:
                continue
            cid = attempt.channel_id or channel_id_for(attempt)
            try:
                await self.ari.hangup(cid)
            except AriError as exc:
                if exc.status != 404:
                    raise
            answers = await asyncio.to_thread(self.repo.answers_for_attempt, attempt.id)
            outcome = "hung_up_early" if answers else "failed"
            campaign = await asyncio.to_thread(self.repo.get_campaign, attempt.campaign_id)
            await asyncio.to_thread(self.repo.finish_attempt, attempt.id, outcome, None, None,
                                    None, self.clock(), policy=self.policy(campaign))
            resolved += 1
        if released or resolved:
            log.info("dialer.recovered", released=released, resolved=resolved, worker=self.worker_id)
        return released + resolved

    # -- main loop ---------------------------------------------------------------------------------
    async def run_campaign(self, campaign_id: int, stop: asyncio.Event, *, until_idle: bool = True,
                           on_progress: Callable[[RunStats], None] | None = None) -> RunStats:
        """Dial the campaign until it has nothing due (``until_idle``) or ``stop`` is set.

        On stop, no new call starts and the calls in progress run to their end.
        """
        campaign = await asyncio.to_thread(self.repo.get_campaign, campaign_id)
        policy = self.policy(campaign)
        script = self.scripts(campaign.script_name)
        try:
            while not stop.is_set():
                campaign = await asyncio.to_thread(self.repo.get_campaign, campaign_id)
                if campaign.status != r.CampaignStatus.RUNNING:
                    break
                now = self.clock()
                if not policy.window.contains(now):
                    if until_idle and not self.active:
                        break
                    await self._wait(stop, 5.0)
                    continue
                free = self.pacer.max_concurrent - len(self.active)
                claimed: list[r.Attempt] = []
                if free > 0 and self.pacer.delay() == 0.0:
                    burst = max(1, min(free, int(self.pacer.rate()) or 1))
                    claimed = await asyncio.to_thread(self.repo.claim_due_attempts, campaign_id, self.worker_id,
                                                      now, burst)
                for attempt in claimed:
                    if stop.is_set():
                        break
                    wait = self.pacer.delay()
                    if wait:
                        await asyncio.sleep(wait)
                    self.pacer.take()
                    self.active[attempt.id] = asyncio.create_task(self._run_attempt(campaign, script, policy, attempt))
                    self.stats.started += 1
                    self.stats.peak_concurrent = max(self.stats.peak_concurrent, len(self.active))
                if claimed:
                    continue
                if until_idle and not self.active:
                    due = await asyncio.to_thread(self.repo.next_due_at, campaign_id)
                    if due is None or due > self.clock():
                        break
                await self._wait(stop, max(self.pacer.delay(), 0.2) if self.active else 0.5)
        finally:
            # Let the calls in progress finish: no answer is cut off by a pause or a shutdown.
            if self.active:
                await asyncio.gather(*self.active.values(), return_exceptions=True)
            await self._release_unstarted()
            if on_progress:
                on_progress(self.stats)
        return self.stats

    async def _wait(self, stop: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def _release_unstarted(self) -> None:
        await asyncio.to_thread(self.repo.release_stale_claims, self.worker_id)

    # -- one attempt -------------------------------------------------------------------------------
    async def _run_attempt(self, campaign: r.Campaign, script: Script, policy: RetryPolicy,
                           attempt: r.Attempt) -> None:
        bound = log.bind(attempt=attempt.id, campaign=campaign.id, contact=attempt.pseudonym)
        try:
            contact = await asyncio.to_thread(self.repo.get_contact, attempt.contact_id)
            variables = contact_variables(contact, self.clock().date())
            prompts = prepare.script_prompts(script, variables)
            media = await asyncio.to_thread(prepare.media_map, self.library, prompts)
            cid = channel_id_for(attempt)
            try:
                await asyncio.to_thread(self.repo.mark_dialing, attempt.id, cid, self.clock())
            except AttemptConflict:
                bound.warning("dialer.attempt_conflict")
                return
            plan = prepare.plan(self.settings, attempt.phone_e164, _conversation(script, variables), media,
                                call_id=cid, app_args=attempt.pseudonym)

            async def on_answer(answer, at: dt.datetime) -> None:  # type: ignore[no-untyped-def]
                await asyncio.to_thread(self.repo.record_answer, attempt.id, answer.question_id, answer.key,
                                        answer.value, answer.script, answer.version, at)

            report = await CallSession(self.ari, on_answer=on_answer, clock=self.clock,
                                       monotonic=self.monotonic).run(plan)
            outcome = ledger_outcome(report)
            await asyncio.to_thread(self.repo.finish_attempt, attempt.id, outcome, report.result.sip_cause,
                                    report.result.hangup_cause, report.answered_at, report.ended_at, policy=policy)
            if report.result.outcome == "congestion":
                self.pacer.congestion()
            elif report.result.answered:
                self.pacer.success()
            self.stats.finished += 1
            self.stats.by_outcome[outcome] = self.stats.by_outcome.get(outcome, 0) + 1
            if self.keep_reports:
                self.stats.reports.append(report)
        except PbxUnavailable as exc:
            bound.error("dialer.pbx_unavailable", error=str(exc))
        except Exception:  # noqa: BLE001 - one bad attempt must not stop the campaign
            bound.exception("dialer.attempt_error")
        finally:
            self.active.pop(attempt.id, None)


def _conversation(script: Script, variables: Mapping[str, str]):  # type: ignore[no-untyped-def]
    from ivr.calls.conversation import ScriptConversation

    return ScriptConversation(script, dict(variables))
