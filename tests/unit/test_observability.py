"""The pure parts of serve's health endpoints and metrics: readiness as a table, label safety, the PBX's
metrics text, JSON log values; and the HTTP endpoints themselves on a real socket with fake probes."""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import io
import json
from pathlib import Path

import httpx
import pytest
from prometheus_client import generate_latest

from ivr import logs
from ivr.observability.http import HealthServer
from ivr.observability.metrics import (LiveCollector, PbxGauges, ServiceMetrics, Snapshot, outcome_label,
                                      parse_endpoints, parse_registrations, safe_label)
from ivr.observability.readiness import HotlineRole, Probe, Readiness, decide, hotline_role
from ivr.storage.gauges import StoreGauges

H = HotlineRole


@pytest.mark.parametrize("ari, db, role, ready, failing", [
    (True, True, H.HELD, True, set()),
    (True, True, H.STANDBY, True, set()),     # a standby serve is ready: it takes over when the holder goes
    (True, True, H.OFF, True, set()),         # serve --no-hotline
    (False, True, H.LOST, False, {"ari", "hotline"}),
    (True, False, H.HELD, False, {"database"}),
    (False, False, H.STANDBY, False, {"ari", "database"}),
    (True, True, H.LOST, False, {"hotline"}),
])
def test_readiness(ari, db, role, ready, failing):
    result = decide(Probe(ari, db, role))
    assert result.ready is ready
    assert {k for k, v in result.checks.items() if not v.startswith("ok")} == failing


@pytest.mark.parametrize("enabled, connected, standby, role", [
    (False, True, False, H.OFF), (True, True, False, H.HELD), (True, False, False, H.LOST),
    (True, True, True, H.STANDBY), (True, False, True, H.STANDBY),
])
def test_hotline_role(enabled, connected, standby, role):
    assert hotline_role(enabled, connected, standby) is role


@pytest.mark.parametrize("value, safe", [
    ("completed", "completed"), ("12", "12"), ("trunk", "trunk"), ("0912345678", "redacted"),
    ("c+84912345678", "redacted"), ("campaign-123456", "redacted"),
])
def test_label_values_never_carry_a_number(value, safe):
    assert safe_label(value) == safe


def test_unknown_outcomes_are_grouped():
    assert outcome_label("busy") == "busy" and outcome_label("0912345678") == "other"


RES_PROMETHEUS = """# HELP asterisk_pjsip_outbound_registration_status Current registration status.
# TYPE asterisk_pjsip_outbound_registration_status gauge
asterisk_pjsip_outbound_registration_status{eid="02:fc",username="sip:robocall@127.0.0.1",domain="sip:127.0.0.1:5862;transport=udp",channel_type="PJSIP"} 1
asterisk_pjsip_outbound_registration_status{eid="02:fc",username="sip:backup@carrier.vn",domain="sip:carrier.vn",channel_type="PJSIP"} 2
asterisk_endpoints_state{eid="02:fc",id="PJSIP/trunk",tech="PJSIP",resource="trunk"} 2
asterisk_endpoints_state{eid="02:fc",id="PJSIP/staff1",tech="PJSIP",resource="staff1"} 1
"""


def test_the_pbx_metrics_text_is_read():
    assert parse_registrations(RES_PROMETHEUS) == {"robocall": 1, "backup": 2}
    assert parse_endpoints(RES_PROMETHEUS) == {"trunk": 2, "staff1": 1}
    assert parse_registrations("") == {} and parse_endpoints("garbage{") == {}


@dataclasses.dataclass
class FakeAri:
    connected: bool = True
    reconnects: int = 2
    event_lag: float = 0.25


@dataclasses.dataclass
class FakeDialer:
    calls_in_progress: int
    congestion_share: float
    concurrency_limit: int = 640  # the PBX's adaptive limit, the same for every dialer on it


def _metrics(snapshot: Snapshot, ari: FakeAri | None = None) -> tuple[ServiceMetrics, str]:
    metrics = ServiceMetrics()
    metrics.registry.register(LiveCollector(ari or FakeAri(), lambda: [FakeDialer(3, 0.1), FakeDialer(2, 0.4)],
                                            snapshot))
    return metrics, ""


def test_metrics_text_carries_every_family():
    snapshot = Snapshot(StoreGauges(2, {7: 40, 9: 0}, 3, 95.0),
                        PbxGauges(True, parse_registrations(RES_PROMETHEUS), parse_endpoints(RES_PROMETHEUS)), 1)
    metrics, _ = _metrics(snapshot)
    metrics.call_started()
    metrics.call_ended("busy")
    metrics.call_ended("busy")
    metrics.call_ended("0912345678")  # not an outcome: never a label
    metrics.db_call("finish_attempt", 0.01, 1)
    metrics.db_call("finish_attempt", 3.0, 4)
    text = generate_latest(metrics.registry).decode()
    expected = [
        'robocall_calls_total{outcome="busy"} 2.0', 'robocall_calls_total{outcome="other"} 1.0',
        "robocall_originates_total 1.0", 'robocall_db_retries_total{operation="finish_attempt"} 3.0',
        'robocall_db_seconds_count{operation="finish_attempt"} 2.0', "robocall_ari_connected 1.0",
        "robocall_ari_reconnects_total 2.0", "robocall_ari_event_lag_seconds 0.25", "robocall_calls_in_progress 5.0",
        "robocall_trunk_congestion_share 0.4", "robocall_campaigns_running 2.0",
        'robocall_campaign_contacts_pending{campaign="7"} 40.0', "robocall_hotline_callers_waiting 3.0",
        "robocall_hotline_longest_wait_seconds 95.0", 'robocall_trunk_registered{trunk="robocall"} 1.0',
        'robocall_trunk_registered{trunk="backup"} 0.0', "robocall_trunk_reachable 1.0",
        "robocall_hotline_conversations 1.0", "robocall_pbx_metrics_up 1.0",
        "robocall_concurrency_limit 640.0",
    ]
    missing = [line for line in expected if line not in text.splitlines()]
    assert not missing, text
    assert "_created" not in text


class FakeObserver:
    def __init__(self) -> None:
        self.ready = Readiness(True, {"ari": "ok", "database": "ok", "hotline": "ok"})
        self.closed = False

    async def readiness(self) -> Readiness:
        return self.ready

    async def metrics_text(self) -> bytes:
        return b"robocall_up 1.0\n"

    async def close(self) -> None:
        self.closed = True


async def test_health_endpoints_on_a_real_socket():
    observer = FakeObserver()
    server = HealthServer(observer, "127.0.0.1", 0)
    await server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{base}/healthz")).json() == {"alive": True}
            ready = await http.get(f"{base}/readyz")
            assert ready.status_code == 200 and ready.json()["ready"] is True
            observer.ready = Readiness(False, {"ari": "disconnected", "database": "ok", "hotline": "ok"})
            unready = await http.get(f"{base}/readyz")
            assert unready.status_code == 503 and unready.json()["checks"]["ari"] == "disconnected"
            metrics = await http.get(f"{base}/metrics")
            assert metrics.text == "robocall_up 1.0\n" and metrics.headers["content-type"].startswith("text/plain")
            assert (await http.get(f"{base}/other")).status_code == 404
            assert (await http.post(f"{base}/readyz")).status_code == 405
        # A client that connects and says nothing does not hold the server up.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GARBAGE\r\n\r\n")
        assert (await reader.read()).startswith(b"HTTP/1.1 405")
        writer.close()
    finally:
        await server.close()
    assert observer.closed


async def test_a_busy_port_is_a_clear_error():
    first = HealthServer(FakeObserver(), "127.0.0.1", 0)
    await first.start()
    try:
        from ivr.errors import UserError

        with pytest.raises(UserError, match="ROBOCALL_SERVICE_HEALTH_PORT"):
            await HealthServer(FakeObserver(), "127.0.0.1", first.port).start()
    finally:
        await first.close()


class Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass(frozen=True)
class RenderStats:
    prompts: int
    seconds: float
    where: Path


@pytest.mark.parametrize("value, expected", [
    (RenderStats(3, 0.5, Path("/tmp/x")), {"prompts": 3, "seconds": 0.5, "where": "/tmp/x"}),
    (Colour.RED, "red"),
    (dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.timezone.utc), "2026-11-30T07:00:00+00:00"),
    (dt.timedelta(seconds=90), 90.0),
    ({"a": (1, 2), 3: {"b"}}, {"a": [1, 2], "3": ["b"]}),
    (ValueError("bad"), "ValueError: bad"),
    (None, None),
])
def test_log_values_are_json(value, expected):
    assert logs.jsonable(value) == expected


def test_a_logged_dataclass_is_a_json_object():
    import logging

    import structlog

    saved, handlers = structlog.get_config(), logging.getLogger().handlers[:]
    out = io.StringIO()
    logs.configure("info", stream=out)
    try:
        logs.get_logger("t").info("service.prepared", stats=RenderStats(121, 0.05, Path("/a")))
    finally:
        structlog.configure(**saved)  # back to the session's log file (tests/conftest.py)
        logging.getLogger().handlers[:] = handlers
    line = json.loads(out.getvalue().splitlines()[-1])
    assert line["stats"] == {"prompts": 121, "seconds": 0.05, "where": "/a"}


def test_sd_notify_sends_one_datagram(tmp_path: Path):
    import socket

    from ivr.observability.sdnotify import notify

    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as systemd:
        systemd.bind(str(tmp_path / "notify"))
        assert notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "notify")})
        assert systemd.recv(100) == b"READY=1"
    assert not notify("READY=1", {})  # not under systemd
    assert not notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone")})  # the socket went away


@dataclasses.dataclass
class FakeOwner:
    """ivr.hotline.owner.HotlineOwner as /readyz sees it."""

    is_mine: bool
    is_held: bool

    def mine(self) -> bool:
        return self.is_mine

    def held(self) -> bool:
        return self.is_held


class FakeStore:
    def ping(self) -> None:
        return None


@pytest.mark.parametrize("mine, held, role, ready", [
    (True, True, "held", True),      # this serve answers the PBX's hotline
    (False, False, "standby", True),  # another serve holds it: this one is ready to take over
    (True, False, "lost", False),     # the database names this serve, but its application is not registered
])
async def test_readyz_reports_the_hotline_role_from_the_owner(mine, held, role, ready):
    from ivr.observability.probes import Observer

    observer = Observer(ServiceMetrics(), FakeAri(), FakeStore(), list, hotline=True,  # type: ignore[arg-type]
                        owner=FakeOwner(mine, held))
    try:
        answer = (await observer.readiness()).as_dict()
    finally:
        await observer.close()
    assert (answer["hotline"], answer["ready"]) == (role, ready), answer
