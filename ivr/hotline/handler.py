"""The hotline handler: takes every call that enters the application unasked, one task per call.

Calls the controller placed itself (robot calls) are subscribed before they exist, so only residents'
calls to the hotline and calls coming back from the staff queue reach ``AriClient.inbound``.

Shutdown (``stop`` set): new hotline calls are refused (busy) and callers coming back from the queue are
put back in it; calls in a conversation are let finish (so no answer is cut); calls that are only
waiting in the queue or talking with staff are left to Asterisk, which keeps them. ``run`` returns when
no conversation is left; whoever runs it bounds that with a grace period by cancelling it.
"""
from __future__ import annotations

import asyncio
from typing import Any

from ivr.ari import events as ev
from ivr.hotline.inbound import HotlineDeps, HotlineCall
from ivr.logs import get_logger

log = get_logger(__name__)
POLL_SECONDS = 0.2  # how often a draining handler looks whether its conversations are over


class HotlineHandler:
    """Runs the inbound calls of one ARI application until stopped."""

    def __init__(self, deps: HotlineDeps) -> None:
        self.deps = deps
        self.draining = False
        self._calls: dict[asyncio.Task[None], HotlineCall] = {}

    @property
    def conversations(self) -> int:
        """Calls talking with a caller right now (a shutdown waits for these)."""
        return sum(1 for call in self._calls.values() if call.busy)

    async def run(self, stop: asyncio.Event) -> None:
        inbound = self.deps.ari.inbound
        getter: asyncio.Task[ev.StasisStart] | None = None
        try:
            while True:
                if stop.is_set() and not self.draining:
                    self.draining = True
                    log.info("hotline.draining", conversations=self.conversations, calls=len(self._calls))
                if self.draining and self.conversations == 0:
                    break
                if getter is None:
                    getter = asyncio.create_task(inbound.get())
                waits: set[asyncio.Future[Any]] = {getter}
                stopper = None if self.draining else asyncio.ensure_future(stop.wait())
                if stopper is not None:
                    waits.add(stopper)
                done, _ = await asyncio.wait(waits, timeout=POLL_SECONDS if self.draining else None,
                                             return_when=asyncio.FIRST_COMPLETED)
                if stopper is not None and not stopper.done():
                    stopper.cancel()
                if getter in done:
                    self._spawn(getter.result())
                    getter = None
        finally:
            if getter is not None:
                if getter.done() and not getter.cancelled():
                    inbound.put_nowait(getter.result())  # not taken: leave it for whoever reads next
                else:
                    getter.cancel()
            await self._stop_calls()
        log.info("hotline.stopped")

    def _spawn(self, start: ev.StasisStart) -> None:
        call = HotlineCall(self.deps, start, lambda: self.draining)  # subscribes the channel at once
        task = asyncio.create_task(call.run(), name=f"hotline-{start.channel_id}")
        self._calls[task] = call
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._calls.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("hotline.call_crashed", error=type(task.exception()).__name__)

    async def _stop_calls(self) -> None:
        """Stop following what is left (queue waits; conversations only if our grace ran out)."""
        tasks = list(self._calls)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
