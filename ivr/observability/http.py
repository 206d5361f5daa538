"""The health endpoints of `robocall serve` on a loopback port (service.health_bind, service.health_port).

GET /healthz: 200 while the process runs its event loop. GET /readyz: 200 when ready (see readiness.py),
else 503; both with a small JSON body. GET /metrics: Prometheus text. Anything else: 404. A minimal
HTTP/1.1 server on asyncio: one request per connection, no body read, nothing but these three paths.
"""
from __future__ import annotations

import asyncio
import json
from typing import Protocol

from ivr.errors import UserError
from ivr.i18n import _
from ivr.logs import get_logger
from ivr.observability.readiness import Readiness

log = get_logger(__name__)
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"
MAX_REQUEST_LINE = 2048


class Answers(Protocol):
    """What the endpoints answer from (ivr.observability.probes.Observer; tests use a fake)."""

    async def readiness(self) -> Readiness: ...

    async def metrics_text(self) -> bytes: ...

    async def close(self) -> None: ...


class HealthServer:
    def __init__(self, observer: Answers, host: str, port: int) -> None:
        self.observer = observer
        self.host = host
        self.port = port
        self._server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        try:
            self._server = await asyncio.start_server(self._serve, self.host, self.port)
        except OSError as exc:
            raise UserError(_("health endpoints: cannot listen on {host}:{port} ({strerror}); set "
                              "service.health_port (ROBOCALL_SERVICE_HEALTH_PORT) to a free port").format(host=self.host, port=self.port, strerror=exc.strerror)) from None
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("health.listening", host=self.host, port=self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self.observer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 5.0)
            while (header := await asyncio.wait_for(reader.readline(), 5.0)) not in (b"\r\n", b"\n", b""):
                if len(header) > MAX_REQUEST_LINE:
                    break
            status, ctype, body = await self._answer(line[:MAX_REQUEST_LINE])
            writer.write(f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                         "Cache-Control: no-store\r\nConnection: close\r\n\r\n".encode() + body)
            await writer.drain()
        except (asyncio.TimeoutError, ConnectionError):
            pass
        except Exception:  # noqa: BLE001 - a failing probe must not take the service down
            log.exception("health.request_failed")
        finally:
            writer.close()

    async def _answer(self, request_line: bytes) -> tuple[str, str, bytes]:
        parts = request_line.decode("latin-1").split()
        if len(parts) < 2 or parts[0] not in ("GET", "HEAD"):
            return "405 Method Not Allowed", "text/plain", b"GET only\n"
        path = parts[1].split("?", 1)[0]
        if path == "/healthz":
            return "200 OK", "application/json", b'{"alive": true}\n'
        if path == "/readyz":
            readiness = await self.observer.readiness()
            body = (json.dumps(readiness.as_dict()) + "\n").encode()
            return ("200 OK" if readiness.ready else "503 Service Unavailable"), "application/json", body
        if path == "/metrics":
            return "200 OK", PROMETHEUS_TEXT, await self.observer.metrics_text()
        return "404 Not Found", "text/plain", b"not found\n"
