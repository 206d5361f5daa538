"""How one ARI REST request travels: over the websocket of an open lane (Asterisk 22.4+ "REST over
WebSocket"), else over HTTP; and how its answer becomes a value, an ``AriError`` or ``PbxUnavailable``.

A request whose websocket closes before its answer fails as an HTTP request whose connection breaks
would: PbxUnavailable (it may or may not have been carried out). Credentials travel only in the
Authorization header and never appear in logs or errors.
"""
from __future__ import annotations

import asyncio
import base64
import itertools
import ssl
from typing import Any, Mapping
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx
import orjson
import websockets

from ivr.ari.lanes import Lane, Lanes
from ivr.errors import PbxUnavailable


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


class Transport:
    """Carries REST requests for one client over its lanes, or HTTP while none is up."""

    def __init__(self, url: str, username: str, password: str, lanes: Lanes, *, http_timeout: float = 10.0,
                 max_connections: int = 50, tls: ssl.SSLContext | None = None) -> None:
        url, username, password = _split_credentials(url.rstrip("/"), username, password)
        self.url = url  # never with credentials: it goes into messages and logs
        # https/wss: the certificate is always checked (``tls``: a context with a private CA; None: the
        # system's CAs); nothing in the project passes an unchecked context.
        self.tls = tls
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.auth_header = {"Authorization": f"Basic {token}"}
        self._http = httpx.AsyncClient(
            base_url=f"{self.url}/ari", headers=self.auth_header, timeout=http_timeout,
            verify=tls if tls is not None else True,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )
        self._http_timeout = http_timeout
        self._lanes = lanes
        self._pending: dict[str, asyncio.Future[tuple[int, str]]] = {}  # request id -> (status, body)
        self._request_ids = itertools.count(1)

    async def close(self) -> None:
        await self._http.aclose()

    def ws_url(self, app: str) -> str:
        base = self.url.replace("https://", "wss://").replace("http://", "ws://")
        return f"{base}/ari/events?app={app}&subscribeAll=false"

    def answered(self, data: Mapping[str, Any]) -> None:
        """A RESTResponse arrived on a websocket: hand it to the request waiting for it."""
        future = self._pending.get(str(data.get("request_id")))
        if future is not None and not future.done():
            future.set_result((int(data.get("status_code", 500)), data.get("message_body") or ""))

    def fail_pending(self, lane: Lane) -> None:
        """The lane's websocket closed: requests sent over it will never be answered."""
        waiting, lane.waiting = lane.waiting, set()
        for request_id in waiting:
            future = self._pending.pop(request_id, None)
            if future is not None and not future.done():
                future.set_exception(PbxUnavailable(f"ARI websocket at {self.url} closed before the answer"))

    async def request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                      body: Any = None) -> Any:
        lane = self._lanes.for_request()
        sent = await self._ws_request(lane, method, path, params, body) if lane is not None else None
        if sent is None:
            sent = await self._http_request(method, path, params, body)
        status, text = sent
        if status >= 400:
            try:
                message = orjson.loads(text).get("message", text)
            except (ValueError, AttributeError):
                message = text
            raise AriError(status, method, path, str(message)[:200])
        if status == 204 or not text:
            return None
        return orjson.loads(text)

    async def _ws_request(self, lane: Lane, method: str, path: str, params: Mapping[str, Any] | None,
                          body: Any) -> tuple[int, str] | None:
        """Send one request over the lane's websocket; None if it could not be sent (then HTTP carries it)."""
        request_id = str(next(self._request_ids))
        message: dict[str, Any] = {"type": "RESTRequest", "request_id": request_id, "method": method,
                                   "uri": path.lstrip("/")}
        if params:
            message["query_strings"] = [{"name": k, "value": _query_value(v)} for k, v in params.items()]
        if body is not None:
            message["content_type"] = "application/json"
            message["message_body"] = orjson.dumps(body).decode()
        future: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        lane.waiting.add(request_id)
        try:
            # orjson's bytes sent as a text frame: no str round trip (Asterisk takes only text frames).
            await lane.ws.send(orjson.dumps(message), text=True)
        except (websockets.exceptions.ConnectionClosed, AttributeError):  # closed, or gone meanwhile
            self._pending.pop(request_id, None)
            lane.waiting.discard(request_id)
            return None  # never left this process: safe to send again over HTTP
        try:
            # asyncio.timeout rather than wait_for: the same cancel-on-timeout, fewer callbacks and futures for
            # every request (bench/README.md, "Controller CPU per call").
            async with asyncio.timeout(self._http_timeout):
                return await future
        except TimeoutError:
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
