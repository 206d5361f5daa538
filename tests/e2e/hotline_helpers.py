"""Helpers of the hotline's end-to-end tests: a hotline handler run in the test's event loop, staff
logged into the queue, what Asterisk says about its queue and channels, polling with deadlines."""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar
from zoneinfo import ZoneInfo

from ivr import app, config
from ivr.ari.client import AriClient
from ivr.hotline.agents import AgentService, QueueAdmin
from ivr.hotline.handler import HotlineHandler
from ivr.hotline.inbound import HotlineDeps
from ivr.hotline.plans import HotlinePlans
from ivr.sandbox.callers import Callers
from ivr.sandbox.manager import Sandbox
from ivr.storage.db import open_database
from ivr.storage.hotline import HotlineStore
from ivr.storage.hotline_records import InboundCallRecord
from ivr.storage.repo import Repository

T = TypeVar("T")
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def clock_at(hour: int) -> Callable[[], dt.datetime]:
    """A clock that runs from today at ``hour``:00 in Hanoi (staff hours are 07:00-21:00)."""
    base = dt.datetime.combine(dt.date.today(), dt.time(hour), tzinfo=HANOI).astimezone(dt.timezone.utc)
    start = time.monotonic()
    return lambda: base + dt.timedelta(seconds=time.monotonic() - start)


async def until(cond: Callable[[], T], timeout: float = 60.0, interval: float = 0.2) -> T:
    """Poll ``cond`` (run in a thread: it may ask Asterisk or the database) until it is truthy or the
    deadline passes; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await asyncio.to_thread(cond)
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(interval)


@dataclass
class Hotline:
    """A running hotline handler and what the tests look at."""

    settings: config.Settings
    box: Sandbox
    ari: AriClient  # the handler's: a second client for the same application would take its events
    store: HotlineStore
    repo: Repository
    callers: Callers
    agents: AgentService
    handler: HotlineHandler

    def call_from(self, number: str) -> InboundCallRecord | None:
        """The newest inbound call from ``number`` (national form, as the caller dials it)."""
        e164 = "+84" + number.lstrip("0")
        return next((c for c in self.store.inbound_calls(200) if c.caller_e164 == e164), None)

    def finished(self, number: str) -> InboundCallRecord | None:
        call = self.call_from(number)
        return call if call is not None and call.outcome is not None else None

    def queue_show(self) -> str:
        return self.box.pbx.rx(f"queue show {self.settings.hotline.queue}")

    def channels(self) -> list[dict[str, str]]:
        """The PBX's channels (core show channels concise), as dicts."""
        names = ["channel", "context", "exten", "priority", "state", "application", "data", "callerid", "account",
                 "peer_account", "ama", "duration", "bridge", "uniqueid"]
        out = []
        for line in self.box.pbx.rx("core show channels concise").splitlines():
            parts = line.split("!")
            if len(parts) >= len(names):
                out.append(dict(zip(names, parts)))
        return out


async def running_hotline(settings: config.Settings, box: Sandbox, clock: Callable[[], dt.datetime],
                          use: Callable[[Hotline], Awaitable[Any]]) -> Any:
    """Run ``use`` with a hotline handler answering the sandbox's hotline; stop it (drained) afterwards."""
    engine = open_database(settings)
    store, repo = HotlineStore(engine), Repository(engine)
    plans = HotlinePlans(settings, app.audio_library(settings))
    await asyncio.to_thread(plans.prepare)
    ari = app.ari_client(settings)
    await ari.connect()
    assert await ari.hold_hotline(), "the hotline application registered"  # this test's process holds it
    handler = HotlineHandler(HotlineDeps(ari, store, repo, plans, settings, clock=clock))
    agents = AgentService(store, QueueAdmin(ari), clock)
    stop = asyncio.Event()
    task = asyncio.create_task(handler.run(stop))
    hotline = Hotline(settings, box, ari, store, repo, Callers(box.phones, settings.hotline.number), agents, handler)
    try:
        return await use(hotline)
    finally:
        for agent in store.agents():
            if agent.logged_in:
                await agents.logout(agent.name, "test")
        stop.set()
        await asyncio.wait_for(task, 60)
        await ari.close()
        engine.dispose()


async def staff_on_duty(hotline: Hotline, *names: str) -> None:
    """Exactly ``names`` in the queue (agents added to the database if new)."""
    known = {a.name: a for a in hotline.store.agents()}
    for agent in known.values():
        if agent.logged_in and agent.name not in names:
            await hotline.agents.logout(agent.name, "test")
    for name in names:
        if name not in known:
            hotline.agents.add(name, None, None, "test")
        await hotline.agents.login(name, "test")
    wanted = {f"PJSIP/{n}" for n in names}
    for stray in await hotline.agents.admin.members() - wanted:  # left by a run that was interrupted
        await hotline.agents.admin.run("remove", stray)
    members = await hotline.agents.admin.members()
    assert members == wanted, members


def files_open(pid: int) -> set[str]:
    """The files a process has open now (what Asterisk is playing)."""
    out = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            out.add(os.readlink(fd))
        except OSError:
            continue
    return out
