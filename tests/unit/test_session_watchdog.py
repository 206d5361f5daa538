"""The session's watchdog (ivr/calls/session.py ``_Watchdog``): "no event for ``watchdog`` seconds while waiting
for one", as one timer per call moved on lazily instead of a timeout around every wait. On a fake loop whose
clock the test moves, then one call through CallSession whose channel never sends anything."""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from ivr.ari.client import AriError
from ivr.calls import machine
from ivr.calls.conversation import DigitsConversation
from ivr.calls.session import _SILENCE, CallSession, _Watchdog
from ivr.scripts.model import Prompt


class _Handle:
    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when, self.callback, self.cancelled = when, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class _Loop:
    """The two things the watchdog asks of its loop, on a clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0
        self.handles: list[_Handle] = []
        self.armed = 0  # timers made

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], None]) -> _Handle:
        handle = _Handle(when, callback)
        self.handles.append(handle)
        self.armed += 1
        return handle

    def run_until(self, t: float) -> None:
        """Move the clock to ``t``, firing the timers due by then in order (as the loop would)."""
        while True:
            due = sorted((h for h in self.handles if not h.cancelled and h.when <= t), key=lambda h: h.when)
            if not due:
                break
            handle = due[0]
            self.handles.remove(handle)
            self.now = max(self.now, handle.when)
            handle.callback()
        self.now = t


def _watchdog(seconds: float = 20.0) -> tuple[_Loop, asyncio.Queue[object], _Watchdog]:
    loop, queue = _Loop(), asyncio.Queue[object]()
    return loop, queue, _Watchdog(loop, seconds, queue)  # type: ignore[arg-type]


def test_a_wait_of_the_full_interval_with_nothing_queued_says_silence_once() -> None:
    loop, queue, dog = _watchdog()
    dog.waiting()
    loop.run_until(119.9)
    assert queue.empty()
    loop.run_until(120.0)
    assert queue.get_nowait() is _SILENCE
    loop.run_until(200.0)  # nothing more until the next wait
    assert queue.empty()


def test_the_interval_counts_from_the_start_of_the_current_wait_with_one_timer_for_many_events() -> None:
    loop, queue, dog = _watchdog()
    for t in range(100, 130):  # an event every second for 30 s: each ends a wait, the next begins
        loop.run_until(float(t))
        dog.waiting()
        dog.woke()
    assert queue.empty() and loop.armed == 2  # at 100 and, having fired while not waiting, at the wait of 120
    loop.run_until(130.0)
    dog.waiting()  # the last event came at 130: silence is due at 150, not earlier
    loop.run_until(149.5)
    assert queue.empty()
    loop.run_until(150.0)
    assert queue.get_nowait() is _SILENCE
    assert loop.armed == 3  # fired at 140, 10 s early: re-armed once, for 150 (31 waits, 3 timers)


def test_nothing_while_not_waiting_and_the_next_wait_arms_it_again() -> None:
    loop, queue, dog = _watchdog()
    dog.waiting()
    dog.woke()  # busy carrying out commands (e.g. a slow ARI request) when the timer fires
    loop.run_until(150.0)
    assert queue.empty() and not [h for h in loop.handles if not h.cancelled]
    dog.waiting()
    loop.run_until(170.0)
    assert queue.get_nowait() is _SILENCE


def test_an_item_on_its_way_to_the_waiter_is_no_silence() -> None:
    loop, queue, dog = _watchdog()
    dog.waiting()
    queue.put_nowait("event")  # put, its waiter not yet run when the timer fires
    loop.run_until(120.0)
    assert queue.get_nowait() == "event" and queue.empty()


def test_cancel_at_the_end_of_the_call() -> None:
    loop, queue, dog = _watchdog()
    dog.waiting()
    dog.cancel()
    loop.run_until(500.0)
    assert queue.empty()


class _SilentChannel:
    """An ARI whose channel never sends an event and, looked up, is gone (404)."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[object] = asyncio.Queue()
        self.lookups = 0

    def subscribe(self, channel_id: str) -> asyncio.Queue[object]:
        return self.queue

    def unsubscribe(self, channel_id: str) -> None:
        pass

    def playback_done(self, playback_id: str) -> None:
        pass

    async def get_channel(self, channel_id: str) -> dict[str, Any]:
        self.lookups += 1
        raise AriError(404, "GET", f"/channels/{channel_id}", "Channel not found")

    async def originate(self, endpoint: str, **kwargs: Any) -> None:
        pass

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        pass


async def test_a_call_that_hears_nothing_is_looked_up_and_ends_lost() -> None:
    ari = _SilentChannel()
    plan = machine.CallPlan("c1", "PJSIP/0900000001@trunk", '"So Y te" <1080>', 30,
                            DigitsConversation(Prompt("adhoc.prompt", "Nhấn phím")), media=lambda p: f"sound:{p.id}",
                            watchdog=0.05, lost_grace=0.05)
    report = await asyncio.wait_for(CallSession(ari).run(plan), 10)  # type: ignore[arg-type]
    assert report.result.outcome == "lost" and report.result.sip_cause is None
    assert ari.lookups >= 1
