"""Whether `robocall serve` is ready to take calls: a pure decision over what the probes saw.

Ready means: the ARI websocket is connected, the database answers, and the hotline's application is
held by this process or by another one (a standby, which does not hold it, is ready too: it takes over
when the holder goes). /healthz only says the process is alive; /readyz says this, and the hotline role
(``"hotline": "held" | "standby" | "off" | "lost"``: which `serve` answers the PBX's hotline now).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HotlineRole(StrEnum):
    OFF = "off"            # serve --no-hotline
    HELD = "held"          # this process answers the hotline
    STANDBY = "standby"    # another process holds it; this one waits to take over
    LOST = "lost"          # this process should hold it and does not (its ARI application is not registered)


@dataclass(frozen=True)
class Probe:
    """What was seen at one /readyz request."""

    ari_connected: bool
    database_reachable: bool
    hotline: HotlineRole


@dataclass(frozen=True)
class Readiness:
    ready: bool
    checks: dict[str, str]  # check -> "ok" or why not
    hotline: HotlineRole = HotlineRole.OFF

    def as_dict(self) -> dict[str, object]:
        return {"ready": self.ready, "checks": dict(self.checks), "hotline": self.hotline.value}


def decide(probe: Probe) -> Readiness:
    checks = {
        "ari": "ok" if probe.ari_connected else "disconnected",
        "database": "ok" if probe.database_reachable else "unreachable",
        "hotline": "ok" if probe.hotline in (HotlineRole.OFF, HotlineRole.HELD, HotlineRole.STANDBY)
        else "application not held",
    }
    if probe.hotline is HotlineRole.STANDBY:
        checks["hotline"] = "ok (standby)"
    return Readiness(all(v.startswith("ok") for v in checks.values()), checks, probe.hotline)


def hotline_role(enabled: bool, ari_connected: bool, standby: bool = False) -> HotlineRole:
    """The hotline's role from what serve knows: the application is registered while its websocket is up
    (``ari_connected``: the hotline application's websocket when ivr.hotline.owner decides who holds it);
    ``standby``: another process holds it (the database says so)."""
    if not enabled:
        return HotlineRole.OFF
    if standby:
        return HotlineRole.STANDBY
    return HotlineRole.HELD if ari_connected else HotlineRole.LOST
