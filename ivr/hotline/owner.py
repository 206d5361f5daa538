"""One holder of the hotline's Stasis application per PBX; the other `serve` processes stand by.

Asterisk gives an application's events to the last websocket that registered it, so two processes
holding the dialplan's ``Stasis(<app>)`` would take each other's residents. The holder is recorded in the
database (ivr.storage.leases ``app_holders``, one row per PBX and application) with a lease of
``workers.hotline_lease_seconds`` (3 s), renewed every second on the database's clock:

- PostgreSQL (several nodes, or several `serve` per PBX): a second `serve` stands by and polls every
  second; when the holder dies (kill -9, host gone, cut off) its row expires and the standby takes the
  application over within the lease plus a second, i.e. under 5 s.
- SQLite (one host, one node): a second `serve` for the same PBX is refused at start with a message.

A holder that stops (SIGTERM) keeps the application, and renews it, until its calls have drained
(``run`` returns when its event is set, which ivr.service does after the drain): handing it over earlier
would send the draining calls' events to the standby. A holder that finds the row taken by another (it was cut off long enough for its lease to expire)
closes the application's websocket at once.

A resident in the middle of a call when its holder died: the new holder finds the channel (GET
/channels: still in ``Stasis(<app>, ...)``, followed by nobody in this process), says ``texts.TAKEN_OVER``
(sorry, a technical fault cut the call, your answers so far are kept, please call again) and hangs up.
It does not continue the script: where the call was (which question, a key typed ahead, a prompt half
heard) lived in the dead process only, and a guess would store an answer under the wrong question;
health answers must be right rather than complete. The answers given before the fault were written the
moment they were given and stay; a recognised contact's campaign attempt is resolved by the worker
takeover (ivr.workers) and called again by the retry policy.

``held()`` says whether this process holds the application now (for health checks: /readyz).
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable

from ivr.ari import events as ev
from ivr.ari.client import AriError
from ivr.ari.protocols import ChannelQueue, HotlineHolder
from ivr.errors import PbxUnavailable, UserError
from ivr.i18n import _
from ivr.logs import get_logger
from ivr.storage.leases import LeaseStore

log = get_logger(__name__)
APOLOGY_WAIT = 20.0  # seconds the apology may take before the call is hung up anyway


class HotlineOwner:
    """Holds (or waits to hold) the hotline application of one PBX for this process."""

    def __init__(self, store: LeaseStore, ari: HotlineHolder, worker_id: str, *, ttl: float,
                 apology: Callable[[], str] | None = None, refuse_second: bool = False) -> None:
        if ari.hotline_app is None:
            raise ValueError("the ARI client has no hotline application")
        self.store, self.ari, self.worker_id, self.ttl = store, ari, worker_id, ttl
        self.app, self.pbx = ari.hotline_app, ari.url
        self.apology = apology
        self.refuse_second = refuse_second
        self.poll = min(1.0, ttl / 3)
        self._mine = False
        self.rescued = 0  # callers a dead holder left, apologised to (tests, status)

    def mine(self) -> bool:
        """True while the database names this process the holder (its websocket may still be coming up)."""
        return self._mine

    def held(self) -> bool:
        """True while this process holds the hotline application and its websocket is up (readiness)."""
        return self._mine and self.ari.hotline_held

    async def check_start(self) -> None:
        """At start: on SQLite a second holder is refused (UserError) instead of standing by."""
        if not self.refuse_second:
            return
        holding = await asyncio.to_thread(self.store.hold_app, self.pbx, self.app, self.worker_id, self.ttl)
        if holding.worker_id != self.worker_id:
            raise UserError(_(
                "PBX {pbx}: the hotline application {app!r} is held by process {holder}; with SQLite only one "
                "`robocall serve` may run for a PBX (stop the other one, or run this one with --no-hotline; "
                "for a standby, use PostgreSQL)").format(pbx=self.pbx, app=self.app, holder=holding.worker_id))

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self._turn()
                try:
                    await asyncio.wait_for(stop.wait(), self.poll)
                except asyncio.TimeoutError:
                    pass
        finally:
            await self._let_go()

    async def _turn(self) -> None:
        try:
            holding = await asyncio.to_thread(self.store.hold_app, self.pbx, self.app, self.worker_id, self.ttl)
        except Exception as exc:  # noqa: BLE001 - database outage: keep what we have until the lease says
            log.warning("hotline.owner_db_error", error=type(exc).__name__)
            return
        if holding.worker_id == self.worker_id:
            if not self._mine:
                self._mine = True
                log.info("hotline.owner_acquired", worker=self.worker_id, pbx=self.pbx)
            if not self.ari.hotline_held and await self.ari.hold_hotline():
                asyncio.create_task(self._rescue(), name="hotline-rescue")
        elif self._mine or self.ari.hotline_held:
            log.error("hotline.owner_lost", worker=self.worker_id, holder=holding.worker_id)
            self._mine = False
            await self.ari.release_hotline()

    async def _let_go(self) -> None:
        was = self._mine
        self._mine = False
        await self.ari.release_hotline()
        if was:
            try:
                await asyncio.to_thread(self.store.release_app, self.pbx, self.app, self.worker_id)
            except Exception as exc:  # noqa: BLE001 - then it expires in a few seconds
                log.warning("hotline.owner_release_failed", error=type(exc).__name__)

    # -- callers a dead holder left ---------------------------------------------------------------------
    async def _rescue(self) -> None:
        try:
            channels = await self.ari.channels()
        except (AriError, PbxUnavailable):
            return
        await asyncio.sleep(0.5)  # a call that entered just now has its StasisStart on its way to us
        for channel in channels:
            if self._orphan(channel):
                asyncio.create_task(self._apologise(str(channel["id"])), name=f"apologise-{channel['id']}")

    def _orphan(self, channel: dict[str, Any]) -> bool:
        plan = channel.get("dialplan") or {}
        app = str(plan.get("app_data", "")).split(",")[0]
        return (plan.get("app_name") == "Stasis" and app == self.app
                and not self.ari.is_subscribed(str(channel.get("id")))
                and not self.ari.entered_hotline(str(channel.get("id"))))

    async def _apologise(self, channel_id: str) -> None:
        events = self.ari.subscribe(channel_id)
        log.warning("hotline.caller_left_by_dead_holder", channel=channel_id)
        self.rescued += 1
        try:
            if self.apology is not None:
                playback = f"{channel_id}-sorry"
                await self.ari.play(channel_id, [self.apology()], playback)
                await asyncio.wait_for(_until_finished(events, playback), APOLOGY_WAIT)
        except (AriError, PbxUnavailable, asyncio.TimeoutError):
            pass
        finally:
            try:
                await self.ari.hangup(channel_id)
            except (AriError, PbxUnavailable):
                pass
            self.ari.unsubscribe(channel_id)


async def _until_finished(events: ChannelQueue, playback: str) -> None:
    while True:
        event = await events.get()
        if isinstance(event, ev.PlaybackFinished) and event.playback_id == playback:
            return
        if isinstance(event, (ev.StasisEnd, ev.ChannelDestroyed, ev.ChannelHangupRequest)):
            return
