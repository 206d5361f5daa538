"""A small async ARI client: events over one websocket, REST over websockets (HTTP as fallback), per-channel queues.

Why our own: ari-py does not import on Python 3, and the maintained alternatives drop events while a
handler waits, die on a slow handler, or leak credentials (see README, "Dependencies").

This module keeps the websockets up and routes their events; how a request travels is transport.py, which
websocket carries it (or a new call) lanes.py, the REST resources rest.py, what callers may ask protocols.py.

Guarantees:
- A channel's events go to that channel's queue (unbounded): no event is dropped while its call is busy
  elsewhere, so a key pressed during a prompt is never lost.
- Subscribe before originating: we choose the channel id, so StasisStart cannot race the subscription.
- The websocket reconnects with exponential back-off. Events that happened while it was down are gone
  (Asterisk does not queue them), so after a reconnect every watched channel and playback is looked up
  again: a channel that ended meanwhile gets a synthesised ChannelDestroyed, a playback that ended a
  synthesised PlaybackFinished. Nothing is forgotten.
- REST requests travel over websockets while they are up (Asterisk 22.4+ "REST over WebSocket": one
  JSON message each way, a fraction of the CPU of an HTTP request through httpx; see bench/README.md)
  and over HTTP while none is up or when ``rest_over_websocket`` is off. Asterisk answers one
  websocket's requests one after the other, and a request that controls a channel waits for that
  channel's thread: at hundreds of calls one websocket becomes a queue. So besides the event websocket,
  ``rest_lanes - 1`` more websockets (registered as the applications ``<app>-rest<N>``, which own no
  channel) carry requests, taken in turn. The order of one call's requests is kept by the caller, which
  awaits each before sending the next. A request whose websocket closes before its answer fails as an
  HTTP request whose connection breaks would: PbxUnavailable (it may or may not have been carried out).
- Events are spread over the same websockets (``event_lanes``): Asterisk queues each application's events
  one after the other, so at hundreds of calls one application's queue delays every call's events. Each
  outbound call is originated into one of the lane applications whose websocket is up, taken in turn; its
  events then arrive on that websocket (all of them, from StasisStart on, since the application is chosen
  at originate). Inbound calls (the dialplan's Stasis(<app>)) and followed channels stay on the event
  websocket. When a lane reconnects, the channels and playbacks of that lane are looked up again, as
  above; ``on_reconnect`` hooks run once per reconnect of the event websocket.
- ``app`` is this process's own application (ivr.identity: ``<app>-<token>``), so any number of processes
  share one PBX without taking each other's events. The dialplan's shared application (``hotline_app``,
  where residents' calls enter) gets a websocket only between ``hold_hotline()`` and
  ``release_hotline()``: the hotline's owner (ivr.hotline.owner) decides when this process holds it.
- Credentials travel only in the Authorization header and never appear in logs or errors.
- Each application is sent only the event types the controller consumes (``PUT .../eventFilter`` at every
  connect, ivr.ari.events.event_filter: ChannelVarset only to the application that follows channels, and
  the REST answers, which Asterisk filters like events). Whatever else arrives is dropped by its type.
"""
from __future__ import annotations

import asyncio
import random
import ssl
import time
from collections import Counter
from typing import Any, Awaitable, Callable, Mapping

import orjson
import websockets
from websockets.asyncio.client import connect as ws_connect

from ivr.ari import events as ev
from ivr.ari.lanes import Lane, Lanes
from ivr.ari.protocols import ChannelQueue
from ivr.ari.rest import AriRest
from ivr.ari.transport import AriError, Transport
from ivr.backoff import backoff
from ivr.errors import PbxUnavailable
from ivr.logs import get_logger

__all__ = ["AriClient", "AriError"]

log = get_logger(__name__)


def _resource(path: str) -> str:
    """``/channels/c-1/play/p-2`` -> ``/channels/{id}/play/{id}`` (the traffic count's key)."""
    parts = path.strip("/").split("/")
    return "/" + "/".join(p if i % 2 == 0 else "{id}" for i, p in enumerate(parts))


class AriClient(AriRest):
    """One connection to one Asterisk's ARI, for one Stasis application."""

    def __init__(self, url: str, username: str, password: str, app: str, *,
                 max_backoff: float = 5.0, http_timeout: float = 10.0, max_connections: int = 50,
                 rest_over_websocket: bool = True, rest_lanes: int = 4, event_lanes: bool = True,
                 tls: ssl.SSLContext | None = None, hotline_app: str | None = None) -> None:
        self._lanes = Lanes(app, rest_over_websocket=rest_over_websocket, rest_lanes=rest_lanes,
                            event_lanes=event_lanes)
        super().__init__(app, Transport(url, username, password, self._lanes, http_timeout=http_timeout,
                                        max_connections=max_connections, tls=tls))
        self.url = self._transport.url  # never with credentials: it goes into messages and logs
        self._lane_of: dict[str, Lane] = {}  # channel id -> the lane its events arrive on (if not events)
        self._queues: dict[str, ChannelQueue] = {}
        self.hotline_app = hotline_app
        self._hotline_lane: Lane | None = None  # the shared application's websocket, while held
        self._playbacks: dict[str, str] = {}  # playback id -> channel id, for reconciliation
        self._channel_playbacks: dict[str, set[str]] = {}  # channel id -> its playbacks (no scan at a call's end)
        self.inbound: asyncio.Queue[ev.StasisStart] = asyncio.Queue()
        self._max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self.reconnects = 0
        self.event_lag = 0.0  # seconds from the last event's Asterisk timestamp to its arrival (metrics)
        # Told each request's round trip ("ari_round_trip_ms") and each event's lag ("event_lag_ms"), in ms:
        # the PBX's adaptive limiter (ivr.calls.limiter) listens here.
        self.latency_sink: Callable[[str, float], None] | None = None
        self.on_reconnect: list[Callable[[], Awaitable[None]]] = []
        # Counts of what crosses the websockets, when set (benchmarks): events by type as received (before any is
        # dropped), and requests by method and resource ("POST /channels/{id}/play").
        self.traffic: Counter[str] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    async def connect(self, timeout: float = 10.0) -> None:
        """Start the event websocket and wait until it is connected."""
        if self._task is None:
            self._task = asyncio.create_task(self._keep(self._lanes.events), name="ari-events")
            for lane in self._lanes.extra:
                lane.task = asyncio.create_task(self._keep(lane), name=f"ari-{lane.app}")
        try:
            await asyncio.wait_for(self._lanes.connected.wait(), timeout)
        except asyncio.TimeoutError:
            raise PbxUnavailable(f"ARI websocket at {self.url} did not connect in {timeout:g} s") from None

    async def hold_hotline(self, timeout: float = 5.0) -> bool:
        """Register the shared hotline application (residents' calls arrive on ``inbound``); True once its
        websocket is up. Only the process that owns the hotline on this PBX may call it (ivr.hotline.owner)."""
        if self.hotline_app is None:
            raise ValueError("this client has no hotline application")
        if self._hotline_lane is None:
            lane = self._hotline_lane = Lane(self.hotline_app)
            lane.task = asyncio.create_task(self._keep(lane), name=f"ari-{lane.app}")
        deadline = asyncio.get_running_loop().time() + timeout
        while self._hotline_lane.ws is None and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
        return self._hotline_lane.ws is not None

    async def release_hotline(self) -> None:
        """Close the hotline application's websocket (another process takes it over)."""
        lane, self._hotline_lane = self._hotline_lane, None
        if lane is not None and lane.task is not None:
            lane.task.cancel()
            try:
                await lane.task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - closing
                pass

    @property
    def hotline_held(self) -> bool:
        """True while the hotline application's websocket is up in this process."""
        return self._hotline_lane is not None and self._hotline_lane.ws is not None

    async def close(self) -> None:
        self._closing = True
        await self.release_hotline()
        for task in [self._task] + [lane.task for lane in self._lanes.extra]:
            if task:
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                    pass
        await self._transport.close()

    @property
    def connected(self) -> bool:
        return self._lanes.connected.is_set()

    def events_per_lane(self) -> dict[str, int]:
        """How many events each websocket has carried, by application name."""
        return {lane.app: lane.events for lane in self._lanes.all()}

    def reconnects_per_lane(self) -> dict[str, int]:
        """How many times each websocket came back after a loss, by application name."""
        return {lane.app: lane.reconnects for lane in self._lanes.all()}

    async def drop_websocket(self) -> None:
        """Close the current websocket as a network fault would (fault drills and tests)."""
        if self._lanes.events.ws is not None:
            await self._lanes.events.ws.close()

    # -- subscriptions -----------------------------------------------------------------------------
    def subscribe(self, channel_id: str) -> ChannelQueue:
        return self._queues.setdefault(channel_id, asyncio.Queue())

    def is_subscribed(self, channel_id: str) -> bool:
        return channel_id in self._queues

    def entered_hotline(self, channel_id: str) -> bool:
        """True if the channel entered the hotline application while this process held it."""
        return self._hotline_lane is not None and channel_id in self._hotline_lane.channels

    def unsubscribe(self, channel_id: str) -> None:
        self._queues.pop(channel_id, None)
        lane = self._lane_of.pop(channel_id, None)
        if lane is not None:
            lane.channels.discard(channel_id)
        if self._hotline_lane is not None:
            self._hotline_lane.channels.discard(channel_id)
        for pid in self._channel_playbacks.pop(channel_id, ()):
            self._playbacks.pop(pid, None)

    # -- websocket ---------------------------------------------------------------------------------
    async def _keep(self, lane: Lane) -> None:
        """Keep one lane's websocket up: the one reconnect loop (exponential back-off with jitter).

        The event websocket also sets ``connected``, counts and logs its outages and reconciles every
        watched channel it carries; an extra lane reconciles its own calls, and its outage goes unlogged
        (requests take the other lanes meanwhile).
        """
        events = lane is self._lanes.events
        delays = backoff(0.2, self._max_backoff)
        first = True
        while not self._closing:
            down: BaseException | None = None
            try:
                url = self._transport.ws_url(lane.app)
                async with ws_connect(url, additional_headers=self._transport.auth_header,
                                      ssl=self._transport.tls if url.startswith("wss://") else None,
                                      max_size=None, ping_interval=10, ping_timeout=10, open_timeout=5) as ws:
                    lane.ws = ws
                    if events:
                        self._lanes.connected.set()
                    if not first:
                        lane.reconnects += 1
                        if events:
                            self.reconnects += 1
                            log.warning("ari.reconnected", reconnects=self.reconnects)
                        if events or lane.channels or lane is self._hotline_lane:
                            asyncio.create_task(self._reconcile(lane))
                    first = False
                    # Only the event types the controller consumes (set at every connect: a restarted Asterisk
                    # forgets). A task: its answer arrives on this very websocket, read by the loop below.
                    asyncio.create_task(self._filter_events(lane))
                    delays = backoff(0.2, self._max_backoff)
                    # Raw bytes (recv(decode=False)): orjson parses UTF-8 itself, no str made first.
                    while True:
                        try:
                            message = await ws.recv(decode=False)
                        except websockets.exceptions.ConnectionClosedOK:
                            break
                        self._dispatch(message, lane)
            except asyncio.CancelledError:
                raise
            except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError) as exc:
                down = exc
            finally:
                lane.ws = None
                if events:
                    self._lanes.connected.clear()
                self._transport.fail_pending(lane)
            if self._closing:
                return
            delay = next(delays)
            if down is not None and events:
                log.warning("ari.websocket_down", error=type(down).__name__, retry_in=round(delay, 2))
            await asyncio.sleep(delay * (0.5 + random.random() / 2))

    async def _filter_events(self, lane: Lane) -> None:
        """Ask Asterisk to send the lane's application only the event types the controller consumes there
        (ivr.ari.events: ChannelVarset only to the application that follows channels). If it cannot be set,
        every event keeps coming and the parser drops the others: the same behaviour at a higher cost."""
        body = ev.event_filter(follows_channels=lane.app == self._follower)
        try:
            await self._request("PUT", f"/applications/{lane.app}/eventFilter", body=body)
        except (AriError, PbxUnavailable) as exc:
            log.warning("ari.event_filter_not_set", app=lane.app, error=type(exc).__name__)

    def _dispatch(self, message: str | bytes, lane: Lane) -> None:
        try:
            data = orjson.loads(message)
        except ValueError:
            log.warning("ari.bad_message")
            return
        kind = data.get("type")
        if kind == "RESTResponse":
            self._transport.answered(data)
            return
        lane.events += 1
        if self.traffic is not None:
            self.traffic[f"event {kind}"] += 1
        event = ev.parse(data)
        if event is None:
            return
        if event.ts:
            self.event_lag = max(time.time() - event.ts, 0.0)
            if self.latency_sink is not None:
                self.latency_sink("event_lag_ms", self.event_lag * 1000)
        queue = self._queues.get(event.channel_id)
        if lane is self._hotline_lane and isinstance(event, ev.StasisStart):
            lane.channels.add(event.channel_id)  # entered while we hold the application (not left by another)
        if queue is not None:
            queue.put_nowait(event)
        elif isinstance(event, ev.StasisStart):
            self.inbound.put_nowait(event)

    async def _reconcile(self, lane: Lane) -> None:
        """After the lane reconnected: resolve its channels and playbacks that ended while we could not hear."""
        if lane is self._lanes.events or lane is self._hotline_lane:
            mine = [c for c in self._queues if c not in self._lane_of]
        else:
            mine = [c for c in self._queues if self._lane_of.get(c) is lane]
        for channel_id in mine:
            try:
                await self.get_channel(channel_id)
            except AriError as exc:
                if exc.status == 404 and channel_id in self._queues:
                    log.info("ari.reconciled_channel_gone", channel=channel_id)
                    self._queues[channel_id].put_nowait(ev.ChannelDestroyed(channel_id, reconciled=True))
                continue
            except PbxUnavailable:
                return
        for playback_id, channel_id in list(self._playbacks.items()):
            if channel_id not in mine:
                continue
            try:
                await self._request("GET", f"/playbacks/{playback_id}")
            except AriError as exc:
                if exc.status == 404 and channel_id in self._queues:
                    self._queues[channel_id].put_nowait(ev.PlaybackFinished(channel_id, playback_id, "done"))
            except PbxUnavailable:
                return
        if lane is self._lanes.events:
            for hook in self.on_reconnect:
                await hook()

    # -- REST that also tracks state ----------------------------------------------------------------
    async def _request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                       body: Any = None) -> Any:
        """A REST request; its round trip goes to ``latency_sink`` (the PBX's adaptive limiter) if set."""
        if self.traffic is not None:
            self.traffic[f"request {method} {_resource(path)}"] += 1
        if self.latency_sink is None:
            return await super()._request(method, path, params, body)
        t0 = time.monotonic()
        try:
            return await super()._request(method, path, params, body)
        finally:
            self.latency_sink("ari_round_trip_ms", (time.monotonic() - t0) * 1000)

    async def originate(self, endpoint: str, *, channel_id: str, app_args: str = "", caller_id: str = "",
                        timeout: int = 30, variables: Mapping[str, str] | None = None) -> dict[str, Any]:
        lane = self._lanes.for_call()
        params = {"endpoint": endpoint, "app": lane.app, "appArgs": app_args, "channelId": channel_id,
                  "timeout": timeout}
        if caller_id:
            params["callerId"] = caller_id
        body = {"variables": dict(variables)} if variables else None
        if lane is not self._lanes.events:
            self._lane_of[channel_id] = lane
            lane.channels.add(channel_id)
        return await self._request("POST", "/channels", params, body)

    async def play(self, channel_id: str, media: list[str], playback_id: str, lang: str = "vi") -> None:
        self._playbacks[playback_id] = channel_id
        self._channel_playbacks.setdefault(channel_id, set()).add(playback_id)
        await self._request("POST", f"/channels/{channel_id}/play/{playback_id}",
                            {"media": ",".join(media), "lang": lang})

    async def stop_playback(self, playback_id: str) -> None:
        self.playback_done(playback_id)
        await self._request("DELETE", f"/playbacks/{playback_id}")

    def playback_done(self, playback_id: str) -> None:
        channel_id = self._playbacks.pop(playback_id, None)
        playing = self._channel_playbacks.get(channel_id) if channel_id is not None else None
        if playing is not None:
            playing.discard(playback_id)
