"""One outbound call, end to end: the sandbox PBX calls real SIP phones (the far-end Asterisk) over its
trunk; each phone behaves as its persona says (tests/e2e/personas.yaml)."""
from __future__ import annotations

import asyncio
import json

import pytest

from ivr import app
from ivr.ari.client import AriClient
from ivr.calls import prepare
from ivr.calls.session import CallReport, CallSession

from e2e_helpers import eventually, eventually_async, robocall
from tcpproxy import TcpProxy

PROMPT = "Xin chào, xin mời nhấn phím."


async def place(settings, number: str, ari: AriClient | None = None, max_digits: int = 2,
                timeout: float | None = None) -> CallReport:
    plan = prepare.prompt_plan(settings, app.audio_library(settings), number, PROMPT, max_digits, timeout=timeout)
    own = ari is None
    ari = ari or app.ari_client(settings)
    try:
        if own:
            await ari.connect()
        return await CallSession(ari).run(plan)
    finally:
        if own:
            await ari.close()


# number, outcome, SIP cause, answered, keys received, conversation result
BEHAVIOURS = [
    ("+84900000001", "completed", 200, True, "12", "completed"),
    ("+84900000002", "completed", 200, True, "", "no_input"),
    ("+84900000003", "hung_up_early", 200, True, "", None),
    ("+84900000004", "no_answer", 487, False, "", None),
    ("+84900000005", "busy", 486, False, "", None),
    ("+84900000006", "rejected", 603, False, "", None),
    ("+84900000007", "unreachable", 480, False, "", None),
    ("+84900000008", "congestion", 503, False, "", None),
]


@pytest.mark.parametrize("number,outcome,sip,answered,keys,result", BEHAVIOURS,
                         ids=["keys", "silent", "hangup_early", "no_answer", "busy", "decline", "unreachable_480",
                              "unreachable_503"])
async def test_behaviour(pbx, settings, number, outcome, sip, answered, keys, result):
    report = await place(settings, number)
    r = report.result
    assert (r.outcome, r.sip_cause, r.answered, r.keys, r.result) == (outcome, sip, answered, keys, result)
    assert eventually(lambda: pbx.channel_count() == 0)


def test_call_command_prints_keys_as_json(pbx):
    proc = robocall("call", "0900000001", "--prompt", PROMPT, "--digits", "2", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["keys"] == "12"
    assert data["outcome"] == "completed" and data["sip_cause"] == 200
    assert data["duration"] > 0


def test_call_command_rejects_a_bad_number_cleanly(pbx):
    proc = robocall("call", "1900 9095", "--json")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "1900 9095" in proc.stderr


async def _with_proxy(settings, number: str, cut_at: float, cut_for: float,
                      lane: int = 0) -> tuple[CallReport, int]:
    """Place one call through a proxy that cuts every ARI connection; ``lane``: which websocket's
    application the call is originated into (0: the event websocket's own, 1: the first extra lane)."""
    host, port = settings.ari.url.split("//")[1].split(":")
    proxy = TcpProxy(host, int(port))
    await proxy.start()
    a = settings.ari
    ari = AriClient(f"http://127.0.0.1:{proxy.port}", a.username, a.password, a.app, max_backoff=0.5,
                    rest_lanes=2)
    await ari.connect()
    try:
        assert await eventually_async(lambda: all(x.ws is not None for x in ari._lanes.extra))
        for _ in range(lane):
            next(ari._lanes.call_turn)  # the next outbound call goes to the following lane
        call = asyncio.create_task(place(settings, number, ari, timeout=8))
        await asyncio.sleep(cut_at)
        proxy.cut(cut_for)
        report = await asyncio.wait_for(call, 60)
        app_of_call = [a.app, f"{a.app}-rest1"][lane]
        carried = {app for app, n in ari.events_per_lane().items() if n}
        assert carried == {app_of_call}, carried
        return report, ari.reconnects_per_lane()[app_of_call]  # the websocket that carries the call's events
    finally:
        await ari.close()
        await proxy.close()


async def test_websocket_cut_mid_call_then_keys_still_count(pbx, settings):
    # The phone answers after ~1 s and presses 1 and 2 at 4.5 and 5.5 s; ARI is cut from 2.0 to 3.5 s.
    report, reconnects = await _with_proxy(settings, "+84900000011", cut_at=2.0, cut_for=1.5)
    assert reconnects >= 1
    assert (report.result.outcome, report.result.keys) == ("completed", "12")


@pytest.mark.parametrize("lane", [0, 1], ids=["event-websocket", "extra-lane"])
async def test_hangup_during_websocket_cut_is_reconciled(pbx, settings, lane):
    # The phone presses 1 at ~2 s and hangs up at ~4 s, while ARI is cut from 2.5 s to 6.5 s:
    # the hang-up events are lost, and the outcome comes from reconciliation after the lane reconnects.
    report, reconnects = await _with_proxy(settings, "+84900000012", cut_at=2.5, cut_for=4.0, lane=lane)
    assert reconnects >= 1
    assert (report.result.outcome, report.result.keys) == ("hung_up_early", "1")


@pytest.mark.parametrize("over_websocket,lanes", [(True, 1), (True, 3), (False, 1)],
                         ids=["one-websocket", "three-websockets", "http"])
async def test_rest_requests_travel_over_websockets(pbx, settings, over_websocket, lanes):
    # Every TCP connection to ARI goes through the proxy, which counts them: with REST over websockets
    # a whole call (originate, answer, play, hang up) opens no connection besides the websockets
    # themselves (the event websocket and lanes - 1 more); with it off, HTTP carries the same call.
    host, port = settings.ari.url.split("//")[1].split(":")
    proxy = TcpProxy(host, int(port))
    await proxy.start()
    a = settings.ari
    ari = AriClient(f"http://127.0.0.1:{proxy.port}", a.username, a.password, a.app,
                    rest_over_websocket=over_websocket, rest_lanes=lanes)
    try:
        await ari.connect()
        assert await eventually_async(lambda: proxy.connections == (lanes if over_websocket else 1))
        report = await place(settings, "+84900000001", ari)
    finally:
        await ari.close()
        await proxy.close()
    assert (report.result.outcome, report.result.keys) == ("completed", "12")
    if over_websocket:
        assert proxy.connections == lanes
    else:
        assert proxy.connections >= 2


async def test_outbound_calls_events_arrive_on_every_lane(pbx, settings):
    # Three calls at once with three websockets: each call is originated into another lane's application,
    # so each websocket carries one call's events (StasisStart, keys, playbacks, hang-up), and every key counts.
    a = settings.ari
    ari = AriClient(a.url, a.username, a.password, a.app, rest_lanes=3)
    try:
        await ari.connect()
        assert await eventually_async(lambda: all(x.ws is not None for x in ari._lanes.extra))
        reports = await asyncio.gather(*(place(settings, "+84900000001", ari) for _ in range(3)))
        per_lane = ari.events_per_lane()
    finally:
        await ari.close()
    assert [(r.result.outcome, r.result.keys) for r in reports] == [("completed", "12")] * 3
    assert set(per_lane) == {a.app, f"{a.app}-rest1", f"{a.app}-rest2"}
    assert all(n >= 5 for n in per_lane.values()), per_lane
