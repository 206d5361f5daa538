"""Runs one call: feeds ARI events to the pure machine and carries out its commands.

The only place where a call touches I/O. Every phase transition is logged as structured data with the
pseudonymous call id: never a phone number, a name or a key pressed.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Awaitable, Callable, TypeGuard, get_args

from ivr.ari import events as ev
from ivr.ari.client import AriError
from ivr.ari.protocols import CallControl, ChannelQueue
from ivr.calls import machine
from ivr.clock import utcnow
from ivr.errors import PbxUnavailable
from ivr.logs import get_logger
from ivr.scripts.interpreter import RecordAnswer

log = get_logger(__name__)
AnswerSink = Callable[[RecordAnswer, datetime], Awaitable[None]]
# ("first_audio_ms" | "answer_to_audio_ms" | "key_to_prompt_ms", milliseconds)
MetricSink = Callable[[str, float], None]


@dataclass(frozen=True)
class _Retry:
    """A command that must not be lost (hang-up) and failed because the PBX was unreachable."""

    command: machine.Command
    attempt: int


def _is_machine_event(item: object) -> TypeGuard[machine.Event]:
    """Whether ``item`` is a machine event (the channel's queue also carries ARI events and retries)."""
    return isinstance(item, _MACHINE_EVENTS)


_MACHINE_EVENTS: tuple[type, ...] = get_args(machine.Event)
RETRY_LIMIT = 30  # one a second: outlasts a websocket/ARI outage of half a minute
_EARLY = 0.001  # a timer may fire this much before its time (uvloop's timers count whole milliseconds)


class _Silence:
    """Put in the channel's queue by the watchdog: no event for ``CallPlan.watchdog`` seconds."""


_SILENCE = _Silence()


class _Watchdog:
    """"No event for ``seconds`` while waiting for one", as one timer per call moved on lazily.

    Each wait for the next item notes when it began (``waiting``) and ``woke`` when it got one. The timer, when
    it fires, puts ``_SILENCE`` in the queue if the current wait has lasted ``seconds`` with the queue empty, and
    otherwise re-arms itself for when it will have. The same as a timeout around every wait (the session's wait
    before, asyncio.timeout), without a timer made and cancelled for each of the call's ≈ 20 events
    (bench/README.md, "Fourth pass").
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, seconds: float, queue: ChannelQueue) -> None:
        self._loop, self._seconds, self._queue = loop, seconds, queue
        self._since: float | None = None  # when the current wait began; None: not waiting
        self._handle: asyncio.TimerHandle | None = None

    def waiting(self) -> None:
        self._since = self._loop.time()
        if self._handle is None:
            self._handle = self._loop.call_at(self._since + self._seconds, self._fire)

    def woke(self) -> None:
        self._since = None

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _fire(self) -> None:
        self._handle = None
        if self._since is None or not self._queue.empty():
            return  # not waiting, or an item is on its way to the waiter: the next wait arms it again
        due = self._since + self._seconds
        if self._loop.time() >= due - _EARLY:
            self._since = None
            self._queue.put_nowait(_SILENCE)
        else:
            self._handle = self._loop.call_at(due, self._fire)


@dataclass(frozen=True)
class CallReport:
    call_id: str
    result: machine.CallResult
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    first_audio_ms: float | None  # answer (StasisStart) -> first playback request answered
    duration: float  # seconds from originate to the end


def translate(event: ev.AriEvent) -> machine.Event | None:
    """ARI event -> machine event (None: not relevant to the machine)."""
    if isinstance(event, ev.ChannelStateChange):
        return machine.Ringing() if event.state == "Ringing" else None
    if isinstance(event, ev.StasisStart):
        return machine.Answered()
    if isinstance(event, ev.PlaybackFinished):
        return machine.PlaybackEnded(event.playback_id)
    if isinstance(event, ev.ChannelDtmfReceived):
        return machine.Dtmf(event.digit)
    if isinstance(event, ev.ChannelHangupRequest):
        return machine.HangupRequested(event.cause, event.tech_cause)
    if isinstance(event, ev.StasisEnd):
        return machine.LeftApplication()
    if isinstance(event, ev.ChannelDestroyed):
        return machine.Gone(event.cause, event.tech_cause, event.reconciled)
    if isinstance(event, ev.DialForwarded):
        return machine.Redirected()
    return None


class _Latency:
    """Measures, on Asterisk's own clock, answer -> first audio and key press -> the next prompt's start.

    Two figures for the first audio: ``first_audio_ms`` from StasisStart (the controller's own start, the
    figure before issue 18) and ``answer_to_audio_ms`` from the channel's state change to Up, the event the
    dialplan baseline has too (bench/latency.py: the same instrument for both modes).
    """

    def __init__(self, sink: MetricSink | None) -> None:
        self.sink = sink
        self.answered_ts = 0.0
        self.up_ts = 0.0
        self.first_done = False
        self.key_ts = 0.0
        self.pending: dict[str, float] = {}

    def seen(self, event: ev.AriEvent) -> None:
        if self.sink is None:
            return
        if isinstance(event, ev.StasisStart):
            self.answered_ts = event.ts
        elif isinstance(event, ev.ChannelStateChange):
            if event.state == "Up" and not self.up_ts:
                self.up_ts = event.ts
        elif isinstance(event, ev.ChannelDtmfReceived):
            self.key_ts = event.ts
        elif isinstance(event, ev.PlaybackStarted):
            if not self.first_done and self.answered_ts:
                self.first_done = True
                self.sink("first_audio_ms", (event.ts - self.answered_ts) * 1000)
                if self.up_ts:
                    self.sink("answer_to_audio_ms", (event.ts - self.up_ts) * 1000)
            started = self.pending.pop(event.playback_id, None)
            if started:
                self.sink("key_to_prompt_ms", (event.ts - started) * 1000)

    def stepped(self, event: machine.Event, commands: tuple[machine.Command, ...]) -> None:
        if self.sink is None or not isinstance(event, machine.Dtmf) or not self.key_ts:
            return
        for cmd in commands:
            if isinstance(cmd, machine.StartPlayback):
                self.pending[cmd.playback_id] = self.key_ts


class CallSession:
    """Places and runs calls over one ARI client."""

    def __init__(self, ari: CallControl, *, on_answer: AnswerSink | None = None,
                 clock: Callable[[], datetime] = utcnow, monotonic: Callable[[], float] = time.monotonic,
                 metrics: MetricSink | None = None) -> None:
        self.ari = ari
        self.on_answer = on_answer
        self.metrics = metrics
        self.clock = clock
        self.monotonic = monotonic

    async def run(self, plan: machine.CallPlan) -> CallReport:
        queue = self.ari.subscribe(plan.call_id)
        timers: dict[str, asyncio.TimerHandle] = {}
        loop = asyncio.get_running_loop()
        started_at, t0 = self.clock(), self.monotonic()
        answered_at: datetime | None = None
        answered_t: float | None = None
        first_audio: float | None = None
        bound = log.bind(call=plan.call_id)
        latency = _Latency(self.metrics)
        watchdog = _Watchdog(loop, plan.watchdog, queue)
        state, commands = machine.start(plan)
        try:
            while True:
                for cmd in commands:
                    if isinstance(cmd, machine.Done):
                        ended = self.clock()
                        bound.info("call.ended", outcome=cmd.result.outcome, sip_cause=cmd.result.sip_cause,
                                   cause=cmd.result.hangup_cause, result=cmd.result.result,
                                   seconds=round(self.monotonic() - t0, 3))
                        return CallReport(plan.call_id, cmd.result, started_at, answered_at, ended, first_audio,
                                          self.monotonic() - t0)
                    failure = await self._execute(plan, cmd, queue, timers, loop)
                    if isinstance(cmd, machine.StartPlayback) and first_audio is None and answered_t is not None:
                        first_audio = (self.monotonic() - answered_t) * 1000
                    if failure is not None:
                        queue.put_nowait(failure)
                event = await self._next(plan, queue, latency, watchdog)
                if isinstance(event, _Retry):
                    await self._retry(plan, event, queue, timers, loop)
                    commands = ()
                    continue
                if event is None:
                    commands = ()
                    continue
                if isinstance(event, machine.Answered) and answered_at is None:
                    answered_at, answered_t = self.clock(), self.monotonic()
                before = state.phase
                state, commands = machine.step(plan, state, event)
                latency.stepped(event, commands)
                if state.phase is not before:
                    bound.info("call.transition", src=before.value, dst=state.phase.value, on=type(event).__name__)
        finally:
            watchdog.cancel()
            for handle in timers.values():
                handle.cancel()
            self.ari.unsubscribe(plan.call_id)

    async def _next(self, plan: machine.CallPlan, queue: ChannelQueue, latency: "_Latency",
                    watchdog: _Watchdog) -> machine.Event | _Retry | None:
        # One watchdog timer per call, not a timeout per wait (asyncio.timeout made and cancelled a timer for
        # every event of every call; wait_for before it, a task as well).
        watchdog.waiting()
        try:
            item = await queue.get()
        finally:
            watchdog.woke()
        if item is _SILENCE:
            return await self._watchdog(plan)
        if isinstance(item, ev.AriEvent):
            latency.seen(item)
            if isinstance(item, ev.PlaybackFinished):
                self.ari.playback_done(item.playback_id)
            return translate(item)
        if isinstance(item, _Retry) or _is_machine_event(item):  # put by timers, retries and failed commands
            return item
        return None

    async def _retry(self, plan: machine.CallPlan, retry: _Retry, queue: ChannelQueue,
                     timers: dict[str, asyncio.TimerHandle], loop: asyncio.AbstractEventLoop) -> None:
        failure = await self._execute(plan, retry.command, queue, timers, loop, retry.attempt)
        if failure is not None:
            queue.put_nowait(failure)

    async def _watchdog(self, plan: machine.CallPlan) -> machine.Event | None:
        """No event for ``plan.watchdog`` seconds: is the channel still there? (lost websocket events)

        A 404 only says the channel is gone, not how: its hang-up events may be queued behind this very
        request. The machine then waits ``plan.lost_grace`` for them (ChannelMissing) and never invents
        an outcome they would contradict.
        """
        try:
            await self.ari.get_channel(plan.call_id)
        except AriError as exc:
            if exc.status == 404:
                log.warning("call.channel_missing", call=plan.call_id, grace=plan.lost_grace)
                return machine.ChannelMissing()
        except PbxUnavailable:
            pass
        return None

    async def _execute(self, plan: machine.CallPlan, cmd: machine.Command, queue: ChannelQueue,
                       timers: dict[str, asyncio.TimerHandle], loop: asyncio.AbstractEventLoop,
                       attempt: int = 0) -> machine.Event | None:
        """Carry out one command; return a machine event if it failed in a way the machine must know."""
        try:
            if isinstance(cmd, machine.Originate):
                await self.ari.originate(cmd.endpoint, channel_id=cmd.channel_id, app_args=cmd.app_args,
                                         caller_id=cmd.caller_id, timeout=cmd.timeout)
            elif isinstance(cmd, machine.AnswerChannel):
                await self.ari.answer(plan.call_id)
                queue.put_nowait(machine.Answered())  # ARI answers synchronously: the call is up now
            elif isinstance(cmd, machine.StartPlayback):
                await self.ari.play(plan.call_id, list(cmd.media), cmd.playback_id)
            elif isinstance(cmd, machine.StopPlayback):
                await self.ari.stop_playback(cmd.playback_id)
            elif isinstance(cmd, machine.StartTimer):
                timers[cmd.token] = loop.call_later(cmd.seconds, queue.put_nowait, machine.TimerFired(cmd.token))
            elif isinstance(cmd, machine.CancelTimer):
                handle = timers.pop(cmd.token, None)
                if handle:
                    handle.cancel()
            elif isinstance(cmd, machine.SaveAnswer):
                if self.on_answer is not None:
                    await self.on_answer(cmd.answer, self.clock())
            elif isinstance(cmd, machine.HangupChannel):
                await self.ari.hangup(plan.call_id, cmd.reason)
            elif isinstance(cmd, machine.ContinueInDialplan):
                await self.ari.continue_in_dialplan(plan.call_id, cmd.context, cmd.extension)
        except AriError as exc:
            if exc.status == 404:
                return None  # the channel or playback is already gone: its events tell the rest
            log.error("call.command_failed", call=plan.call_id, command=type(cmd).__name__, status=exc.status)
            return self._failure(cmd, f"ari_{exc.status}")
        except PbxUnavailable:
            if isinstance(cmd, machine.HangupChannel) and attempt < RETRY_LIMIT:
                # Never leave a call up because ARI was briefly unreachable: try again shortly.
                loop.call_later(1.0, queue.put_nowait, _Retry(cmd, attempt + 1))
                return None
            log.error("call.command_failed", call=plan.call_id, command=type(cmd).__name__, status="unreachable")
            return self._failure(cmd, "pbx_unavailable")
        return None

    @staticmethod
    def _failure(cmd: machine.Command, reason: str) -> machine.Event | None:
        if isinstance(cmd, (machine.Originate, machine.AnswerChannel)):
            return machine.OriginateFailed(reason)
        if isinstance(cmd, machine.ContinueInDialplan):
            return machine.TransferOutcome(False)
        if isinstance(cmd, machine.StartPlayback):
            return machine.CommandFailed(reason)
        return None
