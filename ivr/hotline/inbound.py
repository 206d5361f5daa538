"""One call entering the application on the hotline, followed from the first ring to the hang-up.

A resident's call: recorded in the inbound ledger at once; recognised as a contact the robot is trying
to reach (their own campaign script, answers into the campaign's ledger) or given the hotline menu
(answers into the inbound ledger); followed through the staff queue (ARI events of the channel while
app_queue has it) until a staff member answers, the caller hangs up, or the wait is long enough to offer
a call back. A call coming back from the queue whose first part this process did not see (a robot call
transferred by a resident, or a hotline call from before a restart) gets the call-back offer too.

Blocking work (database, rendering) runs in threads. Logs carry the inbound call id and the channel id,
never the caller's number or answers.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable

from ivr.ari import events as ev
from ivr.ari.client import AriError
from ivr.ari.protocols import ChannelQueue, HotlineAri
from ivr.calls import machine
from ivr.calls.policy import RetryPolicy, policy_from_settings
from ivr.calls.recorder import AttemptEnd, AttemptRecorder, finish_attempt
from ivr.calls.session import AnswerSink, CallReport, CallSession
from ivr.clock import Clock, utcnow
from ivr.config import Settings
from ivr.contacts.phones import InvalidPhone, normalize_phone
from ivr.errors import PbxUnavailable, UserError
from ivr.hotline import queue_watch as qw
from ivr.hotline import routing as rt
from ivr.hotline.plans import TRANSFER_CONTEXT, HotlinePlans
from ivr.hotline.recognition import HOTLINE_WORKER, CallbackChoice, choose_callbacks, in_turn
from ivr.hotline.script_wrappers import MEMBER_DONE
from ivr.logs import get_logger
from ivr.scripts.interpreter import RecordAnswer
from ivr.calls.outcomes import ATTEMPT_OUTCOMES
from ivr.scripts.model import VERIFY_FAILED, VERIFY_PASSED, VERIFY_QUESTION
from ivr.storage.audio_register import AudioRegister
from ivr.storage.hotline import HotlineStore
from ivr.storage.repo import Repository
from ivr.storage.resilience import DbRetry

log = get_logger(__name__)
QUEUE_EXTENSION = "staff"
WATCHDOG_SECONDS = 20.0  # with no event this long while queued, check that the channel still exists
QUEUE_WAIT_VARIABLE = "QUEUE_WAIT"  # seconds app_queue keeps the caller (dialplans/extensions.conf)


@dataclass(frozen=True)
class HotlineDeps:
    """What every inbound call needs (constructor injection; built in ivr.serve.service)."""

    ari: HotlineAri
    store: HotlineStore
    repo: Repository
    plans: HotlinePlans
    settings: Settings
    clock: Clock = utcnow
    monotonic: Callable[[], float] = time.monotonic
    db: DbRetry = DbRetry()  # every storage call runs in a thread, retried across a database outage


def caller_e164(number: str, own: str = "") -> str | None:
    """The caller's number as E.164, or None when withheld, not a callable Vietnamese number, or our own
    number (a trunk that gives no caller identity shows the PBX's own caller ID instead)."""
    if not number or number == own:
        return None
    try:
        return normalize_phone(number).e164
    except InvalidPhone:
        return None


def member_channel(channel_id: str, turn: int) -> str:
    """The channel id recorded on the campaign attempt of the member whose ``turn`` it is (0: the first,
    the channel's own id; attempts' channel ids are unique, and one channel may answer for several)."""
    return channel_id if turn == 0 else f"{channel_id}#{turn + 1}"


@dataclass
class _Facts:
    """What this call did so far (mutable: one task owns it)."""

    call_id: int | None = None
    phone: str | None = None
    contact_id: int | None = None
    attempt_id: int | None = None
    claimed: bool = False  # this call took over the campaign attempt: it finishes it
    created: bool = False  # the claim created the attempt (the robot's attempts were all over)
    verified: bool = False  # the caller keyed in the right birth year (a verify step)
    policy: RetryPolicy | None = None  # the campaign's retry policy (a recognised caller)
    recorder: AttemptRecorder | None = None  # records the campaign attempt this call took over
    main: CallReport | None = None
    answered_at: dt.datetime | None = None  # when the recognised call began (each member's attempt)
    turns: tuple[CallbackChoice, ...] = ()  # the household members asked about, in turn (the first claimed)
    turn: int = 0  # whose turn it is in ``turns``
    seen: rt.InboundFacts = field(default_factory=rt.InboundFacts)


class HotlineCall:
    """Runs one channel's stay in the application (and in the queue); see the module docstring."""

    def __init__(self, deps: HotlineDeps, start: ev.StasisStart, draining: Callable[[], bool]) -> None:
        self.d = deps
        self.start = start
        self.channel = start.channel_id
        self.draining = draining
        self.busy = True  # talking with the caller (or about to): a shutdown waits for it
        self.facts = _Facts()
        self._events: ChannelQueue = deps.ari.subscribe(self.channel)
        self._log = log.bind(channel=self.channel)

    async def run(self) -> None:
        entry = self.start.args[0] if self.start.args else ""
        if rt.route(entry, recognised=False, draining=False, can_call_back=False) is rt.Route.IGNORE:
            # Not ours (e.g. another program's call on the same application): never touch it.
            self._log.warning("hotline.unknown_entry", entry=entry[:32])
            self.busy = False
            self.d.ari.unsubscribe(self.channel)
            return
        try:
            await self._follow()
            if entry == rt.HOTLINE_ENTRY:
                await self._hotline()
            else:
                await self._returning()
        except asyncio.CancelledError:
            await self._interrupted()
            raise
        except Exception as exc:  # noqa: BLE001 - whatever broke, the caller must not be left in silence
            self._log.error("hotline.call_failed", call=self.facts.call_id, error=type(exc).__name__)
            self._set(failed=True)
            await self._quietly(self.d.ari.hangup(self.channel))
            await self._finish()
        finally:
            self.busy = False
            self.d.ari.unsubscribe(self.channel)
            await self._quietly(self.d.ari.unfollow(self.channel))

    # -- the two entries ---------------------------------------------------------------------------
    async def _hotline(self) -> None:
        d, now = self.d, self.d.clock()
        after_hours = not self.d.plans.hours.contains(now)
        phone = caller_e164(self.start.caller_number, d.settings.trunk.caller_id_number)
        call = await d.db.run("open_call", d.store.open_call, self.channel, phone, now, after_hours)
        self.facts.call_id, self.facts.phone = call.id, phone
        self._log = self._log.bind(call=call.id)
        self._log.info("hotline.call_started", after_hours=after_hours)
        recognised = await self._recognise(now) if phone and not self.draining() else None
        where = rt.route(rt.HOTLINE_ENTRY, recognised=recognised is not None, draining=self.draining(),
                         can_call_back=phone is not None)
        if where is rt.Route.REJECT:
            self._set(rejected=True)
            await self._quietly(d.ari.hangup(self.channel, "busy"))
            await self._finish()
            return
        if where is rt.Route.CAMPAIGN and recognised is not None:
            plan, sink = recognised
        elif where is rt.Route.MENU:
            if after_hours:
                await self._path(rt.AFTER_HOURS)
            plan, sink = d.plans.menu(self.channel, after_hours), self._menu_answer
        else:
            raise AssertionError(f"route {where} for a hotline call")  # routing.route never gives it
        await self._quietly(d.ari.set_variable(self.channel, QUEUE_WAIT_VARIABLE,
                                               str(d.settings.hotline.callback_offer_after)))
        self.facts.main = await self._converse(plan, sink)
        if self.facts.main.result.outcome == "transferred":
            await self._queue_loop()
        await self._finish()

    async def _returning(self) -> None:
        """Back from the queue, but this process did not put it there: offer a call back all the same."""
        d = self.d
        known = await d.db.run("call_by_channel", d.store.call_by_channel, self.channel)
        if known is not None:
            self.facts.call_id, self.facts.phone = known.id, known.caller_e164
            self.facts.contact_id, self.facts.attempt_id = known.contact_id, known.attempt_id
        else:
            robot = await d.db.run("robot_call", d.store.robot_call, self.channel)
            if robot is not None:
                self.facts.phone, self.facts.contact_id, self.facts.attempt_id = robot
            else:
                self.facts.phone = caller_e164(self.start.caller_number, d.settings.trunk.caller_id_number)
        self._log = self._log.bind(call=self.facts.call_id)
        self._log.info("hotline.back_from_queue", known=known is not None)
        self._set(joined_queue=True)
        await self._queue_loop(back_in_application=True)
        if known is not None:
            await self._finish()

    # -- recognition ---------------------------------------------------------------------------------
    async def _recognise(self, now: dt.datetime) -> tuple[machine.CallPlan, AnswerSink] | None:
        """A caller the robot is trying to reach: for each household member awaited on that phone in turn,
        the birth-year check, then their own campaign script (None: not recognised; the menu). Nothing
        personal is said before each check passes."""
        d, f = self.d, self.facts
        assert f.phone is not None and f.call_id is not None
        choices = choose_callbacks(await d.db.run("household_attempts", d.store.household_attempts, f.phone))
        if not choices:
            return None
        zone = d.plans.hours.zone
        today = now.astimezone(zone).date()
        day_start = dt.datetime.combine(today, dt.time(0), tzinfo=zone).astimezone(dt.timezone.utc)
        failures = await d.db.run("count_path_segments", d.store.count_path_segments, f.phone,
                             rt.choice_segment(VERIFY_QUESTION, VERIFY_FAILED), day_start)
        try:
            contacts = {c.contact_id: await d.db.run("get_contact", d.repo.get_contact, c.contact_id)
                        for c in choices}
            turns = in_turn(choices, {i: c.birth_year is not None for i, c in contacts.items()})
            check = rt.caller_check(can_verify=d.plans.verify_step is not None,
                                    birth_year_known=bool(turns), failures_today=failures)
            if check is rt.CallerCheck.NONE:
                return None
            if check is rt.CallerCheck.ANONYMOUS:
                await self._path(rt.ANONYMOUS)
                self._log.info("hotline.recognised_anonymous", birth_year=bool(turns), failures_today=failures)
                return d.plans.anonymous(self.channel), self._menu_answer
            campaigns = {c.campaign_id: await d.db.run("get_campaign", d.repo.get_campaign, c.campaign_id)
                         for c in turns}
            members = [(campaigns[c.campaign_id].script_name, contacts[c.contact_id]) for c in turns]
            plan, keys = await asyncio.to_thread(d.plans.members, self.channel, members, today, failures)
            await d.db.run("register_audio", AudioRegister(d.repo.engine).register,
                           [(contact_id, None, k) for contact_id, ks in keys.items() for k in ks], now)
        except UserError as exc:  # the campaign's script cannot be used: the menu still can
            self._log.error("hotline.campaign_script_unusable", campaign=choices[0].campaign_id, error=str(exc)[:200])
            return None
        choice = turns[0]
        attempt_id = await d.db.run("claim_for_inbound", d.repo.claim_for_inbound, choice, self.channel,
                                    HOTLINE_WORKER, now)
        if attempt_id is None:
            return None
        await d.db.run("link_campaign", d.store.link_campaign, f.call_id, choice.campaign_id, choice.contact_id,
                       attempt_id)
        f.turns, f.turn, f.answered_at = turns, 0, now
        self._took(choice, attempt_id, campaigns[choice.campaign_id].policy_overrides)
        await self._path(rt.RECOGNISED)
        self._log.info("hotline.recognised", campaign=choice.campaign_id, attempt=attempt_id, members=len(turns))
        menu_script, call_id = d.plans.menu_script.name, f.call_id

        async def sink(answer: RecordAnswer, at: dt.datetime) -> None:
            if answer.question_id == MEMBER_DONE:  # this member's script ended: the next member's turn
                await self._next_member(answer.value, at)
                return
            if answer.script == menu_script:  # the caller check, or the anonymous declaration after it failed
                if answer.question_id == VERIFY_QUESTION and answer.value == VERIFY_PASSED and f.turn > 0:
                    await self._claim_turn(at)
                await self._menu_answer(answer, at)
                return
            if f.recorder is None:  # a later member whose call the robot took meanwhile: never someone else's
                await self.d.db.run("record_inbound_answer", self.d.store.record_inbound_answer, call_id,
                                    answer, at)
                return
            await f.recorder.answer(answer, at)

        return plan, sink

    def _took(self, choice: CallbackChoice, attempt_id: int, overrides: Any) -> None:
        """This call now stands in for ``choice``'s campaign call (the attempt ``attempt_id``)."""
        f, d = self.facts, self.d
        f.contact_id, f.attempt_id, f.claimed = choice.contact_id, attempt_id, True
        f.policy = policy_from_settings(d.settings.dialer, overrides)
        f.recorder = AttemptRecorder(d.repo, d.db, attempt_id, f.policy, name=self.channel)
        f.created = choice.attempt_id is None

    async def _next_member(self, outcome: str, at: dt.datetime) -> None:
        """The member whose turn it was finished their script: their attempt ends with its outcome; the next
        member is claimed once their own check passes."""
        f = self.facts
        if f.claimed and f.attempt_id is not None and f.policy is not None:
            end = AttemptEnd(outcome if outcome in ATTEMPT_OUTCOMES else "no_input", None, None, f.answered_at, at)
            await self._end_attempt(end)
        f.claimed, f.verified, f.recorder, f.policy, f.created = False, False, None, None, False
        f.contact_id = f.attempt_id = None  # until the next member's check passes (a call-back task's person)
        f.turn += 1
        self._log.info("hotline.next_member", turn=f.turn)

    async def _claim_turn(self, at: dt.datetime) -> None:
        """The member whose turn it is passed the check: this call takes over their campaign call."""
        d, f = self.d, self.facts
        choice = f.turns[f.turn]
        # An attempt's channel id is unique: the later members' attempts carry the channel's id and their turn.
        attempt_id = await d.db.run("claim_for_inbound", d.repo.claim_for_inbound, choice,
                                    member_channel(self.channel, f.turn), HOTLINE_WORKER, at)
        if attempt_id is None:
            self._log.warning("hotline.member_taken", turn=f.turn)
            return
        campaign = await d.db.run("get_campaign", d.repo.get_campaign, choice.campaign_id)
        self._took(choice, attempt_id, campaign.policy_overrides)
        self._log.info("hotline.recognised", campaign=choice.campaign_id, attempt=attempt_id, turn=f.turn)

    async def _end_attempt(self, end: AttemptEnd) -> None:
        """End the claimed attempt with ``end``; if an answer could not be written, as recovered."""
        f, d = self.facts, self.d
        assert f.attempt_id is not None and f.policy is not None
        recorded = await f.recorder.finish(end) if f.recorder is not None else False
        if not recorded:
            # An answer could not be written: nothing recovers an attempt the hotline holds, so it ends now
            # and the robot calls again.
            written = f.recorder.written if f.recorder is not None else 0
            await finish_attempt(d.repo, d.db, f.attempt_id, AttemptEnd.recovered(written > 0, end.ended_at),
                                 f.policy)

    # -- the staff queue -----------------------------------------------------------------------------
    async def _queue_loop(self, back_in_application: bool = False) -> None:
        """Wait in the queue; each time it gives up, offer a call back (or queue again)."""
        d = self.d
        while True:
            if not back_in_application:
                self._set(joined_queue=True)
                await self._path(rt.QUEUE)
                if self.facts.call_id is not None:
                    await d.db.run("queue_entered", d.store.queue_entered, self.facts.call_id, d.clock())
                self.busy = False
                wait = await self._follow_queue(qw.QueueWait(joined_at=d.monotonic()), settled=True)
                done = qw.result(wait, d.monotonic())
                self.busy = True
                if self.facts.call_id is not None:
                    await d.db.run("queue_left", d.store.queue_left, self.facts.call_id, done.waited,
                                   done.answered_by, done.abandoned)
                if done.answered_by:
                    self._set(answered_by=done.answered_by)
                    await self._path(rt.staff_segment(done.answered_by))
                    self._log.info("hotline.answered_by_staff", agent=done.answered_by, waited=round(done.waited, 1))
                    self.busy = False
                    await self._follow_queue(wait, settled=False)  # the call with staff, until it ends
                    return
                if not done.timed_out:
                    await self._path(rt.ABANDONED)
                    self._log.info("hotline.abandoned", waited=round(done.waited, 1))
                    return
                await self._path(rt.TIMEOUT)
            back_in_application = False
            where = rt.route(rt.QUEUE_TIMEOUT_ENTRY, recognised=False, draining=self.draining(),
                             can_call_back=self.facts.phone is not None)
            if where is rt.Route.REQUEUE:
                await d.ari.continue_in_dialplan(self.channel, TRANSFER_CONTEXT, QUEUE_EXTENSION)
                continue
            if where is not rt.Route.CALLBACK_OFFER:
                raise AssertionError(f"route {where} after the queue")  # routing.route never gives it
            await self._path(rt.CALLBACK_OFFER)
            offer = await self._converse(d.plans.callback_offer(self.channel), self._callback_answer)
            if offer.result.outcome != "transferred":
                return

    async def _follow_queue(self, wait: qw.QueueWait, settled: bool) -> qw.QueueWait:
        """Fold the channel's events into ``wait`` until it is settled (``settled``) or over."""
        d = self.d
        while not (wait.settled if settled else wait.over):
            try:
                item = await asyncio.wait_for(self._events.get(), WATCHDOG_SECONDS)
            except asyncio.TimeoutError:
                if not await self._channel_exists():
                    wait = qw.on_event(wait, ev.ChannelDestroyed(self.channel, reconciled=True), d.monotonic())
                continue
            if isinstance(item, ev.AriEvent):
                wait = qw.on_event(wait, item, d.monotonic())
        return wait

    # -- conversations and answers -------------------------------------------------------------------
    async def _converse(self, plan: machine.CallPlan, sink: Callable[[RecordAnswer, dt.datetime], Awaitable[None]]
                        ) -> CallReport:
        old = self._events
        self.busy = True
        try:
            return await CallSession(self.d.ari, on_answer=sink, clock=self.d.clock,
                                     monotonic=self.d.monotonic).run(plan)
        finally:
            # The session unsubscribed the channel: subscribe again at once (no await in between, so no event
            # is dispatched meanwhile) and keep the ARI events it left unread.
            self._events = self.d.ari.subscribe(self.channel)
            while not old.empty():
                item = old.get_nowait()
                if isinstance(item, ev.AriEvent) and old is not self._events:
                    self._events.put_nowait(item)

    async def _menu_answer(self, answer: RecordAnswer, at: dt.datetime) -> None:
        if answer.question_id == VERIFY_QUESTION:  # passed / failed / no_input: the path, never the digits
            await self._path(rt.choice_segment(answer.question_id, answer.value))
            if answer.value == VERIFY_PASSED:
                self.facts.verified = True
            self._log.info("hotline.caller_check", result=answer.value)
            return
        if answer.question_id == "menu":
            await self._path(rt.choice_segment(answer.question_id, answer.value))
            if answer.value == "info":
                self._set(heard_info=True)
            return
        assert self.facts.call_id is not None
        await self.d.db.run("record_inbound_answer", self.d.store.record_inbound_answer, self.facts.call_id, answer,
                            at)

    async def _callback_answer(self, answer: RecordAnswer, at: dt.datetime) -> None:
        await self._path(rt.choice_segment(answer.question_id, answer.value))
        f, phone = self.facts, self.facts.phone
        if answer.question_id == "callback" and answer.value == "yes" and phone:
            task = await self.d.db.run("add_callback_task", self.d.store.add_callback_task, phone, at,
                                       inbound_call_id=f.call_id, contact_id=f.contact_id, attempt_id=f.attempt_id)
            self._set(callback_requested=True)
            self._log.info("hotline.callback_requested", task=task)

    # -- the end -------------------------------------------------------------------------------------
    async def _finish(self) -> None:
        f, d = self.facts, self.d
        main = f.main
        if main is not None:
            self._set(script_result=main.result.result)
        outcome = rt.inbound_outcome(f.seen)
        ended = d.clock()
        if f.claimed and f.attempt_id is not None and not f.verified and f.call_id is not None:
            # The caller never proved who they are: the call was not the contact's; the robot calls again.
            if f.recorder is not None:
                await f.recorder.answers_written()
            await d.db.run("unlink_campaign", d.store.unlink_campaign, f.call_id)
            await d.db.run("release_inbound", d.repo.release_inbound, f.attempt_id, f.created)
            f.claimed = False
        if f.call_id is not None:
            await d.db.run("finish_call", d.store.finish_call, f.call_id, outcome, f.seen.script_result, ended)
        if f.claimed and f.attempt_id is not None and f.policy is not None:
            if main is None:  # never got to the questions (an error): the robot calls again
                written = f.recorder.written if f.recorder is not None else 0
                await finish_attempt(d.repo, d.db, f.attempt_id, AttemptEnd.recovered(written > 0, ended), f.policy)
            else:
                await self._end_attempt(AttemptEnd.of(main))
        self._log.info("hotline.call_ended", outcome=outcome)

    async def _interrupted(self) -> None:
        """Cancelled (shutdown past its grace): a caller still in a conversation is hung up, not left in
        silence; one waiting in the queue stays there (a restarted service offers the call-back)."""
        if self.busy:
            self._set(failed=True)
            await self._quietly(asyncio.wait_for(self.d.ari.hangup(self.channel), 3))
            await self._quietly(asyncio.wait_for(self._finish(), 5))
        else:
            self._log.info("hotline.follow_stopped")

    # -- helpers -------------------------------------------------------------------------------------
    def _set(self, **changes: Any) -> None:
        self.facts.seen = replace(self.facts.seen, **changes)

    async def _path(self, segment: str) -> None:
        if self.facts.call_id is not None:
            await self.d.db.run("add_path", self.d.store.add_path, self.facts.call_id, segment)

    async def _follow(self) -> None:
        try:
            await self.d.ari.follow(self.channel)
        except AriError as exc:
            self._log.warning("hotline.follow_failed", status=exc.status)

    async def _channel_exists(self) -> bool:
        try:
            await self.d.ari.get_channel(self.channel)
        except AriError as exc:
            return exc.status != 404
        except PbxUnavailable:
            return True
        return True

    async def _quietly(self, aw: Awaitable[Any]) -> None:
        """Await a best-effort request (hang-up, unsubscribe) whose failure changes nothing for the caller."""
        try:
            await aw
        except Exception as exc:  # noqa: BLE001 - best effort by definition; the ledger says what happened
            self._log.debug("hotline.ignored_failure", error=type(exc).__name__)
