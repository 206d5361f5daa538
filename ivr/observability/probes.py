"""What /readyz and /metrics read: the ARI client, the database, the PBX's own metrics, the dialers.

Every probe is bounded in time (``timeout``): a hung database or PBX makes the service unready, never
a hung health check.
"""
from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Callable, Protocol, Sequence

import httpx
from prometheus_client import generate_latest

from ivr.clock import utcnow
from ivr.logs import get_logger
from ivr.observability.metrics import (AriState, DialerState, LiveCollector, PbxGauges, ServiceMetrics,
                                      Snapshot, parse_endpoints, parse_registrations)
from ivr.observability.readiness import Probe, Readiness, decide, hotline_role
from ivr.storage.gauges import GaugeStore

log = get_logger(__name__)


class HotlineHolder(Protocol):
    """Whether this process holds the hotline application (ivr.hotline.owner.HotlineOwner has it)."""

    def mine(self) -> bool: ...  # the database names this process the holder
    def held(self) -> bool: ...  # and its websocket for the application is up


class Observer:
    """Answers the health endpoints of one serve process."""

    def __init__(self, metrics: ServiceMetrics, ari: AriState, store: GaugeStore,
                 dialers: Callable[[], Sequence[DialerState]], *, hotline: bool,
                 hotline_conversations: Callable[[], int] = lambda: 0, pbx_metrics_url: str = "",
                 pbx_auth: tuple[str, str] | None = None, timeout: float = 3.0,
                 standby: Callable[[], bool] = lambda: False, trunk: str = "trunk",
                 owner: HotlineHolder | None = None) -> None:
        self.metrics = metrics
        self.ari = ari
        self.store = store
        self.hotline = hotline
        self.hotline_conversations = hotline_conversations
        self.pbx_metrics_url = pbx_metrics_url
        self.pbx_auth = pbx_auth
        self.timeout = timeout
        self.standby = standby
        self.owner = owner  # who holds the hotline application (ivr.hotline.owner); None: this process alone
        self.snapshot = Snapshot()
        self.started = time.monotonic()
        metrics.registry.register(LiveCollector(ari, dialers, self.snapshot, trunk))
        self._http = httpx.AsyncClient(timeout=timeout)

    async def close(self) -> None:
        await self._http.aclose()

    async def database_reachable(self) -> bool:
        try:
            await asyncio.wait_for(asyncio.to_thread(self.store.ping), self.timeout)
            return True
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"; the type is logged
            log.warning("health.database_unreachable", error=type(exc).__name__)
            return False

    async def readiness(self) -> Readiness:
        connected = bool(self.ari.connected)
        if self.owner is not None:  # the application is registered while this process holds it
            role = hotline_role(self.hotline, self.owner.held(), not self.owner.mine())
        else:
            role = hotline_role(self.hotline, connected, self.standby())
        probe = Probe(ari_connected=connected, database_reachable=await self.database_reachable(), hotline=role)
        return decide(probe)

    async def metrics_text(self) -> bytes:
        await self.refresh()
        return generate_latest(self.metrics.registry)

    async def refresh(self) -> None:
        """Read the database's and the PBX's gauges into the snapshot the collector reports."""
        try:
            self.snapshot.store = await asyncio.wait_for(asyncio.to_thread(self.store.gauges, utcnow()),
                                                         self.timeout)
        except Exception as exc:  # noqa: BLE001 - the scrape goes on without the database's gauges
            log.warning("health.gauges_unavailable", error=type(exc).__name__)
            self.snapshot.store = None
        self.snapshot.pbx = await self._pbx()
        self.snapshot.hotline_conversations = self.hotline_conversations()

    async def _pbx(self) -> PbxGauges:
        if not self.pbx_metrics_url:
            return PbxGauges()
        try:
            response = await self._http.get(self.pbx_metrics_url, auth=self.pbx_auth)
        except httpx.HTTPError:
            return PbxGauges()
        if response.status_code != 200:
            return PbxGauges()
        return PbxGauges(True, parse_registrations(response.text), parse_endpoints(response.text))
