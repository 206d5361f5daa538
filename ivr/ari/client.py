"""A small async ARI client: events over one websocket, REST over websockets (HTTP as fallback), per-channel queues.

Why our own: ari-py does not import on Python 3, and the maintained alternatives drop events while a
handler waits, die on a slow handler, or leak credentials (see README, "Dependencies").

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
- Credentials travel only in the Authorization header and never appear in logs or errors.
"""
from __future__ import annotations

import asyncio
import base64
import itertools
import json
import random
import time
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import websockets
from websockets.asyncio.client import connect as ws_connect

from ivr.ari import events as ev
from ivr.ari.rest import AriRest
from ivr.backoff import backoff
from ivr.errors import PbxUnavailable
from ivr.logs import get_logger

log = get_logger(__name__)


def _query_value(value: Any) -> str:
    """A query-string value as httpx would write it (booleans in lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class AriError(Exception):
    """ARI answered with an error status."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        super().__init__(f"ARI {method} {path}: {status} {message}")
        self.status = status


def _split_credentials(url: str, username: str, password: str) -> tuple[str, str, str]:
    """``http://user:secret@host`` -> (``http://host``, user, secret); credentials given in the URL win."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, username, password
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, unquote(parts.username or username), unquote(parts.password or password)


class _Lane:
    """A websocket that carries REST requests, and the ids of the requests waiting for its answers."""

    def __init__(self, app: str) -> None:
        self.app = app
        self.ws: Any = None
        self.task: asyncio.Task[None] | None = None
        self.waiting: set[str] = set()
        self.channels: set[str] = set()  # outbound channels originated into this lane's application
        self.events = 0  # events received on this websocket (tests and benchmarks look)
        self.reconnects = 0


class AriClient(AriRest):
    """One connection to one Asterisk's ARI, for one Stasis application."""

    def __init__(self, url: str, username: str, password: str, app: str, *,
                 max_backoff: float = 5.0, http_timeout: float = 10.0, max_connections: int = 50,
                 rest_over_websocket: bool = True, rest_lanes: int = 4, event_lanes: bool = True) -> None:
        url, username, password = _split_credentials(url.rstrip("/"), username, password)
        self.url = url  # never with credentials: it goes into messages and logs
        self.app = app
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._auth_header = {"Authorization": f"Basic {token}"}
        self._http = httpx.AsyncClient(
            base_url=f"{self.url}/ari", headers=self._auth_header, timeout=http_timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )
        self._http_timeout = http_timeout
        self._rest_over_ws = rest_over_websocket
        self._pending: dict[str, asyncio.Future[tuple[int, str]]] = {}  # request id -> (status, body)
        self._request_ids = itertools.count(1)
        self._events_lane = _Lane(app)  # the event websocket's own requests
        self._extra_lanes = [_Lane(f"{app}-rest{i}") for i in range(1, max(rest_lanes, 1))] \
            if rest_over_websocket else []
        self._turn = itertools.count()
        self._event_lanes = event_lanes and bool(self._extra_lanes)
        self._call_turn = itertools.count()
        self._lane_of: dict[str, _Lane] = {}  # channel id -> the lane its events arrive on (if not events)
        self._queues: dict[str, asyncio.Queue[ev.AriEvent]] = {}
        self._playbacks: dict[str, str] = {}  # playback id -> channel id, for reconciliation
        self.inbound: asyncio.Queue[ev.StasisStart] = asyncio.Queue()
        self._max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self.reconnects = 0
        self.event_lag = 0.0  # seconds from the last event's Asterisk timestamp to its arrival (metrics)
        # Told each request's round trip ("ari_round_trip_ms") and each event's lag ("event_lag_ms"), in ms:
        # the PBX's adaptive limiter (ivr.calls.limiter) listens here.
        self.latency_sink: Callable[[str, float], None] | None = None
        self.on_reconnect: list[Callable[[], Awaitable[None]]] = []

    # -- lifecycle ---------------------------------------------------------------------------------
    async def connect(self, timeout: float = 10.0) -> None:
        """Start the event websocket and wait until it is connected."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ari-events")
            for lane in self._extra_lanes:
                lane.task = asyncio.create_task(self._run_lane(lane), name=f"ari-{lane.app}")
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except asyncio.TimeoutError:
            raise PbxUnavailable(f"ARI websocket at {self.url} did not connect in {timeout:g} s") from None

    async def close(self) -> None:
        self._closing = True
        for task in [self._task] + [lane.task for lane in self._extra_lanes]:
            if task:
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                    pass
        await self._http.aclose()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def events_per_lane(self) -> dict[str, int]:
        """How many events each websocket has carried, by application name."""
        return {lane.app: lane.events for lane in (self._events_lane, *self._extra_lanes)}

    def reconnects_per_lane(self) -> dict[str, int]:
        """How many times each websocket came back after a loss, by application name."""
        return {lane.app: lane.reconnects for lane in (self._events_lane, *self._extra_lanes)}

    async def drop_websocket(self) -> None:
        """Close the current websocket as a network fault would (fault drills and tests)."""
        if self._events_lane.ws is not None:
            await self._events_lane.ws.close()

    # -- subscriptions -----------------------------------------------------------------------------
    def subscribe(self, channel_id: str) -> asyncio.Queue[ev.AriEvent]:
        return self._queues.setdefault(channel_id, asyncio.Queue())

    def unsubscribe(self, channel_id: str) -> None:
        self._queues.pop(channel_id, None)
        lane = self._lane_of.pop(channel_id, None)
        if lane is not None:
            lane.channels.discard(channel_id)
        for pid in [p for p, c in self._playbacks.items() if c == channel_id]:
            self._playbacks.pop(pid, None)

    # -- websocket ---------------------------------------------------------------------------------
    def _ws_url(self, app: str | None = None) -> str:
        base = self.url.replace("https://", "wss://").replace("http://", "ws://")
        return f"{base}/ari/events?app={app or self.app}&subscribeAll=false"

    async def _run(self) -> None:
        await self._keep(self._events_lane)

    async def _run_lane(self, lane: _Lane) -> None:
        await self._keep(lane)

    async def _keep(self, lane: _Lane) -> None:
        """Keep one lane's websocket up: the one reconnect loop (exponential back-off with jitter).

        The event websocket also sets ``connected``, counts and logs its outages and reconciles every
        watched channel it carries; an extra lane reconciles its own calls, and its outage goes unlogged
        (requests take the other lanes meanwhile).
        """
        events = lane is self._events_lane
        delays = backoff(0.2, self._max_backoff)
        first = True
        while not self._closing:
            down: BaseException | None = None
            try:
                async with ws_connect(self._ws_url(None if events else lane.app), additional_headers=self._auth_header,
                                      max_size=None, ping_interval=10, ping_timeout=10, open_timeout=5) as ws:
                    lane.ws = ws
                    if events:
                        self._connected.set()
                    if not first:
                        lane.reconnects += 1
                        if events:
                            self.reconnects += 1
                            log.warning("ari.reconnected", reconnects=self.reconnects)
                        if events or lane.channels:
                            asyncio.create_task(self._reconcile(lane))
                    first = False
                    delays = backoff(0.2, self._max_backoff)
                    async for message in ws:
                        self._dispatch(message, lane)
            except asyncio.CancelledError:
                raise
            except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError) as exc:
                down = exc
            finally:
                lane.ws = None
                if events:
                    self._connected.clear()
                self._fail_pending(lane)
            if self._closing:
                return
            delay = next(delays)
            if down is not None and events:
                log.warning("ari.websocket_down", error=type(down).__name__, retry_in=round(delay, 2))
            await asyncio.sleep(delay * (0.5 + random.random() / 2))

    def _dispatch(self, message: str | bytes, lane: _Lane) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            log.warning("ari.bad_message")
            return
        if data.get("type") == "RESTResponse":
            future = self._pending.get(str(data.get("request_id")))
            if future is not None and not future.done():
                future.set_result((int(data.get("status_code", 500)), data.get("message_body") or ""))
            return
        lane.events += 1
        event = ev.parse(data)
        if event is None:
            return
        if event.ts:
            self.event_lag = max(time.time() - event.ts, 0.0)
            if self.latency_sink is not None:
                self.latency_sink("event_lag_ms", self.event_lag * 1000)
        queue = self._queues.get(event.channel_id)
        if queue is not None:
            queue.put_nowait(event)
        elif isinstance(event, ev.StasisStart):
            self.inbound.put_nowait(event)

    async def _reconcile(self, lane: _Lane) -> None:
        """After the lane reconnected: resolve its channels and playbacks that ended while we could not hear."""
        if lane is self._events_lane:
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
        if lane is self._events_lane:
            for hook in self.on_reconnect:
                await hook()

    def _fail_pending(self, lane: _Lane) -> None:
        """The lane's websocket closed: requests sent over it will never be answered."""
        waiting, lane.waiting = lane.waiting, set()
        for request_id in waiting:
            future = self._pending.pop(request_id, None)
            if future is not None and not future.done():
                future.set_exception(PbxUnavailable(f"ARI websocket at {self.url} closed before the answer"))

    def _lane(self) -> _Lane | None:
        """The next lane whose websocket is up, in turn; None: HTTP carries the request."""
        if not self._rest_over_ws:
            return None
        lanes = self._open_lanes()
        return lanes[next(self._turn) % len(lanes)] if lanes else None

    def _open_lanes(self) -> list[_Lane]:
        """The lanes whose websocket is up (the event websocket only while it counts as connected)."""
        lanes = [lane for lane in (self._events_lane, *self._extra_lanes) if lane.ws is not None]
        if not self._connected.is_set() and self._events_lane in lanes:
            lanes.remove(self._events_lane)
        return lanes

    def _call_lane(self) -> _Lane:
        """The lane a new outbound call's events will arrive on: the open lanes in turn (events lane if none)."""
        if not self._event_lanes:
            return self._events_lane
        lanes = self._open_lanes()
        return lanes[next(self._call_turn) % len(lanes)] if lanes else self._events_lane

    # -- REST --------------------------------------------------------------------------------------
    async def _request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                       body: Any = None) -> Any:
        lane = self._lane()
        t0 = time.monotonic()
        sent = await self._ws_request(lane, method, path, params, body) if lane is not None else None
        if sent is None:
            sent = await self._http_request(method, path, params, body)
        if self.latency_sink is not None:
            self.latency_sink("ari_round_trip_ms", (time.monotonic() - t0) * 1000)
        status, text = sent
        if status >= 400:
            try:
                message = json.loads(text).get("message", text)
            except (ValueError, AttributeError):
                message = text
            raise AriError(status, method, path, str(message)[:200])
        if status == 204 or not text:
            return None
        return json.loads(text)

    async def _ws_request(self, lane: _Lane, method: str, path: str, params: Mapping[str, Any] | None,
                          body: Any) -> tuple[int, str] | None:
        """Send one request over the lane's websocket; None if it could not be sent (then HTTP carries it)."""
        request_id = str(next(self._request_ids))
        message: dict[str, Any] = {"type": "RESTRequest", "request_id": request_id, "method": method,
                                   "uri": path.lstrip("/")}
        if params:
            message["query_strings"] = [{"name": k, "value": _query_value(v)} for k, v in params.items()]
        if body is not None:
            message["content_type"] = "application/json"
            message["message_body"] = json.dumps(body)
        future: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        lane.waiting.add(request_id)
        try:
            await lane.ws.send(json.dumps(message))
        except (websockets.exceptions.ConnectionClosed, AttributeError):  # closed, or gone meanwhile
            self._pending.pop(request_id, None)
            lane.waiting.discard(request_id)
            return None  # never left this process: safe to send again over HTTP
        try:
            return await asyncio.wait_for(future, self._http_timeout)
        except asyncio.TimeoutError:
            raise PbxUnavailable(f"ARI at {self.url} did not answer in {self._http_timeout:g} s") from None
        finally:
            self._pending.pop(request_id, None)
            lane.waiting.discard(request_id)

    async def _http_request(self, method: str, path: str, params: Mapping[str, Any] | None,
                            body: Any) -> tuple[int, str]:
        try:
            resp = await self._http.request(method, path, params=params, json=body)
        except httpx.HTTPError as exc:
            raise PbxUnavailable(f"ARI at {self.url} unreachable: {type(exc).__name__}") from None
        return resp.status_code, resp.text

    async def originate(self, endpoint: str, *, channel_id: str, app_args: str = "", caller_id: str = "",
                        timeout: int = 30, variables: Mapping[str, str] | None = None) -> dict[str, Any]:
        lane = self._call_lane()
        params = {"endpoint": endpoint, "app": lane.app, "appArgs": app_args, "channelId": channel_id,
                  "timeout": timeout}
        if caller_id:
            params["callerId"] = caller_id
        body = {"variables": dict(variables)} if variables else None
        if lane is not self._events_lane:
            self._lane_of[channel_id] = lane
            lane.channels.add(channel_id)
        return await self._request("POST", "/channels", params, body)

    async def play(self, channel_id: str, media: list[str], playback_id: str, lang: str = "vi") -> None:
        self._playbacks[playback_id] = channel_id
        await self._request("POST", f"/channels/{channel_id}/play/{playback_id}",
                            {"media": ",".join(media), "lang": lang})

    async def stop_playback(self, playback_id: str) -> None:
        self._playbacks.pop(playback_id, None)
        await self._request("DELETE", f"/playbacks/{playback_id}")

    def playback_done(self, playback_id: str) -> None:
        self._playbacks.pop(playback_id, None)
