"""A small async ARI client: REST over httpx, events over one websocket (websockets), per-channel queues.

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
- Credentials travel only in the Authorization header and never appear in logs or errors.
"""
from __future__ import annotations

import asyncio
import base64
import json
import random
from typing import Any, Awaitable, Callable, Mapping

import httpx
import websockets
from websockets.asyncio.client import connect as ws_connect

from ivr.ari import events as ev
from ivr.errors import PbxUnavailable
from ivr.logs import get_logger

log = get_logger(__name__)


class AriError(Exception):
    """ARI answered with an error status."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        super().__init__(f"ARI {method} {path}: {status} {message}")
        self.status = status


class AriClient:
    """One connection to one Asterisk's ARI, for one Stasis application."""

    def __init__(self, url: str, username: str, password: str, app: str, *,
                 max_backoff: float = 5.0, http_timeout: float = 10.0, max_connections: int = 50) -> None:
        self.url = url.rstrip("/")
        self.app = app
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._auth_header = {"Authorization": f"Basic {token}"}
        self._http = httpx.AsyncClient(
            base_url=f"{self.url}/ari", headers=self._auth_header, timeout=http_timeout,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )
        self._queues: dict[str, asyncio.Queue[ev.AriEvent]] = {}
        self._playbacks: dict[str, str] = {}  # playback id -> channel id, for reconciliation
        self.inbound: asyncio.Queue[ev.StasisStart] = asyncio.Queue()
        self._max_backoff = max_backoff
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._ws: Any = None
        self._closing = False
        self.reconnects = 0
        self.on_reconnect: list[Callable[[], Awaitable[None]]] = []

    # -- lifecycle ---------------------------------------------------------------------------------
    async def connect(self, timeout: float = 10.0) -> None:
        """Start the event websocket and wait until it is connected."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ari-events")
        try:
            await asyncio.wait_for(self._connected.wait(), timeout)
        except asyncio.TimeoutError:
            raise PbxUnavailable(f"ARI websocket at {self.url} did not connect in {timeout:g} s") from None

    async def close(self) -> None:
        self._closing = True
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down
                pass
        await self._http.aclose()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def drop_websocket(self) -> None:
        """Close the current websocket as a network fault would (fault drills and tests)."""
        if self._ws is not None:
            await self._ws.close()

    # -- subscriptions -----------------------------------------------------------------------------
    def subscribe(self, channel_id: str) -> asyncio.Queue[ev.AriEvent]:
        return self._queues.setdefault(channel_id, asyncio.Queue())

    def unsubscribe(self, channel_id: str) -> None:
        self._queues.pop(channel_id, None)
        for pid in [p for p, c in self._playbacks.items() if c == channel_id]:
            self._playbacks.pop(pid, None)

    # -- websocket ---------------------------------------------------------------------------------
    def _ws_url(self) -> str:
        base = self.url.replace("https://", "wss://").replace("http://", "ws://")
        return f"{base}/ari/events?app={self.app}&subscribeAll=false"

    async def _run(self) -> None:
        backoff = 0.2
        first = True
        while not self._closing:
            try:
                async with ws_connect(self._ws_url(), additional_headers=self._auth_header,
                                      max_size=None, ping_interval=10, ping_timeout=10, open_timeout=5) as ws:
                    self._ws = ws
                    self._connected.set()
                    if not first:
                        self.reconnects += 1
                        log.warning("ari.reconnected", reconnects=self.reconnects)
                        asyncio.create_task(self._reconcile())
                    first = False
                    backoff = 0.2
                    async for message in ws:
                        self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except (OSError, websockets.exceptions.WebSocketException, asyncio.TimeoutError) as exc:
                log.warning("ari.websocket_down", error=type(exc).__name__, retry_in=round(backoff, 2))
            finally:
                self._ws = None
                self._connected.clear()
            if self._closing:
                return
            await asyncio.sleep(backoff * (0.5 + random.random() / 2))
            backoff = min(backoff * 2, self._max_backoff)

    def _dispatch(self, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            log.warning("ari.bad_message")
            return
        event = ev.parse(data)
        if event is None:
            return
        queue = self._queues.get(event.channel_id)
        if queue is not None:
            queue.put_nowait(event)
        elif isinstance(event, ev.StasisStart):
            self.inbound.put_nowait(event)

    async def _reconcile(self) -> None:
        """After a reconnect: resolve channels and playbacks that ended while we could not hear."""
        for channel_id in list(self._queues):
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
            try:
                await self._request("GET", f"/playbacks/{playback_id}")
            except AriError as exc:
                if exc.status == 404 and channel_id in self._queues:
                    self._queues[channel_id].put_nowait(ev.PlaybackFinished(channel_id, playback_id, "done"))
            except PbxUnavailable:
                return
        for hook in self.on_reconnect:
            await hook()

    # -- REST --------------------------------------------------------------------------------------
    async def _request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                       body: Any = None) -> Any:
        try:
            resp = await self._http.request(method, path, params=params, json=body)
        except httpx.HTTPError as exc:
            raise PbxUnavailable(f"ARI at {self.url} unreachable: {type(exc).__name__}") from None
        if resp.status_code >= 400:
            try:
                message = resp.json().get("message", resp.text)
            except ValueError:
                message = resp.text
            raise AriError(resp.status_code, method, path, str(message)[:200])
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json()

    async def info(self) -> dict[str, Any]:
        return await self._request("GET", "/asterisk/info")  # type: ignore[no-any-return]

    async def originate(self, endpoint: str, *, channel_id: str, app_args: str = "", caller_id: str = "",
                        timeout: int = 30, variables: Mapping[str, str] | None = None) -> dict[str, Any]:
        params = {"endpoint": endpoint, "app": self.app, "appArgs": app_args, "channelId": channel_id,
                  "timeout": timeout}
        if caller_id:
            params["callerId"] = caller_id
        body = {"variables": dict(variables)} if variables else None
        return await self._request("POST", "/channels", params, body)  # type: ignore[no-any-return]

    async def answer(self, channel_id: str) -> None:
        await self._request("POST", f"/channels/{channel_id}/answer")

    async def hangup(self, channel_id: str, reason: str = "normal") -> None:
        await self._request("DELETE", f"/channels/{channel_id}", {"reason": reason})

    async def play(self, channel_id: str, media: list[str], playback_id: str, lang: str = "vi") -> None:
        self._playbacks[playback_id] = channel_id
        await self._request("POST", f"/channels/{channel_id}/play/{playback_id}",
                            {"media": ",".join(media), "lang": lang})

    async def stop_playback(self, playback_id: str) -> None:
        self._playbacks.pop(playback_id, None)
        await self._request("DELETE", f"/playbacks/{playback_id}")

    def playback_done(self, playback_id: str) -> None:
        self._playbacks.pop(playback_id, None)

    async def get_channel(self, channel_id: str) -> dict[str, Any]:
        return await self._request("GET", f"/channels/{channel_id}")  # type: ignore[no-any-return]

    async def channels(self) -> list[dict[str, Any]]:
        return await self._request("GET", "/channels")  # type: ignore[no-any-return]

    async def get_variable(self, channel_id: str, name: str) -> str:
        data = await self._request("GET", f"/channels/{channel_id}/variable", {"variable": name})
        return str((data or {}).get("value", ""))

    async def set_variable(self, channel_id: str, name: str, value: str) -> None:
        await self._request("POST", f"/channels/{channel_id}/variable", {"variable": name, "value": value})

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str, priority: int = 1) -> None:
        await self._request("POST", f"/channels/{channel_id}/continue",
                            {"context": context, "extension": extension, "priority": priority})

    async def originate_to_dialplan(self, endpoint: str, *, context: str, extension: str, channel_id: str,
                                    timeout: int = 30, variables: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Originate a channel that runs the dialplan (no Stasis application, so no websocket is needed)."""
        params = {"endpoint": endpoint, "context": context, "extension": extension, "priority": 1,
                  "channelId": channel_id, "timeout": timeout}
        body = {"variables": dict(variables)} if variables else None
        return await self._request("POST", "/channels", params, body)  # type: ignore[no-any-return]

    async def follow(self, channel_id: str) -> None:
        """Receive the channel's events even while it runs the dialplan (e.g. waits in a queue)."""
        await self._request("POST", f"/applications/{self.app}/subscription", {"eventSource": f"channel:{channel_id}"})

    async def unfollow(self, channel_id: str) -> None:
        await self._request("DELETE", f"/applications/{self.app}/subscription",
                            {"eventSource": f"channel:{channel_id}"})

    async def get_global(self, name: str) -> str:
        data = await self._request("GET", "/asterisk/variable", {"variable": name})
        return str((data or {}).get("value", ""))

    async def clear_global(self, name: str) -> None:
        await self._request("POST", "/asterisk/variable", {"variable": name})

    async def endpoint(self, tech: str, resource: str) -> dict[str, Any]:
        return await self._request("GET", f"/endpoints/{tech}/{resource}")  # type: ignore[no-any-return]

    async def create_bridge(self, bridge_id: str, kind: str = "mixing") -> dict[str, Any]:
        return await self._request("POST", f"/bridges/{bridge_id}", {"type": kind})  # type: ignore[no-any-return]

    async def add_to_bridge(self, bridge_id: str, channel_ids: list[str]) -> None:
        await self._request("POST", f"/bridges/{bridge_id}/addChannel", {"channel": ",".join(channel_ids)})

    async def remove_from_bridge(self, bridge_id: str, channel_ids: list[str]) -> None:
        await self._request("POST", f"/bridges/{bridge_id}/removeChannel", {"channel": ",".join(channel_ids)})

    async def destroy_bridge(self, bridge_id: str) -> None:
        await self._request("DELETE", f"/bridges/{bridge_id}")
