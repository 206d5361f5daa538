"""Which websocket carries a REST request or a new call (ivr/ari/lanes.py): the pure choice, as data; and
what a lane's reconnect looks up again (ivr/ari/client.py).

The requests themselves travel over real websockets in tests/e2e/test_call.py (counted by a TCP proxy)."""
from __future__ import annotations

import contextlib

import pytest

from typing import Any, Mapping

from ivr.ari.client import AriClient, AriError
from ivr.ari.lanes import Lanes

UP = object()  # stands for an open websocket; the choice only looks at whether a lane has one

# lanes, which websockets are up (events first), events websocket connected -> lanes chosen in turn
CASES = [
    (4, [UP, UP, UP, UP], True, ["robocall", "robocall-rest1", "robocall-rest2", "robocall-rest3", "robocall"]),
    (4, [UP, None, UP, None], True, ["robocall", "robocall-rest2", "robocall", "robocall-rest2"]),
    (4, [None, UP, None, None], False, ["robocall-rest1", "robocall-rest1"]),
    (4, [UP, None, None, UP], False, ["robocall-rest3", "robocall-rest3"]),  # events ws closing: not used
    (4, [None, None, None, None], False, [None, None]),  # HTTP
    (1, [UP], True, ["robocall", "robocall"]),
]


@pytest.mark.parametrize("lanes,up,connected,expected", CASES)
def test_requests_take_the_open_lanes_in_turn(lanes: int, up: list[object], connected: bool,
                                              expected: list[str | None]) -> None:
    ari = Lanes("robocall", rest_lanes=lanes)
    for lane, ws in zip(ari.all(), up):
        lane.ws = ws
    if connected:
        ari.connected.set()
    chosen = [ari.for_request() for _ in expected]
    assert [lane.app if lane else None for lane in chosen] == expected


def test_http_only_when_rest_over_websocket_is_off() -> None:
    ari = Lanes("robocall", rest_over_websocket=False, rest_lanes=4)
    ari.events.ws = UP
    ari.connected.set()
    assert ari.for_request() is None and ari.extra == []


# lanes, which websockets are up (events first), events websocket connected, event_lanes -> apps calls go to
CALL_CASES = [
    (4, [UP, UP, UP, UP], True, True, ["robocall", "robocall-rest1", "robocall-rest2", "robocall-rest3", "robocall"]),
    (4, [UP, None, UP, UP], True, True, ["robocall", "robocall-rest2", "robocall-rest3", "robocall"]),
    (4, [UP, UP, None, None], False, True, ["robocall-rest1", "robocall-rest1"]),  # events ws closing
    (4, [None, None, None, None], False, True, ["robocall", "robocall"]),  # nothing up: the app itself
    (4, [UP, UP, UP, UP], True, False, ["robocall", "robocall", "robocall"]),  # event_lanes off
    (1, [UP], True, True, ["robocall", "robocall"]),
]


@pytest.mark.parametrize("lanes,up,connected,event_lanes,expected", CALL_CASES)
def test_outbound_calls_take_the_open_lanes_in_turn(lanes: int, up: list[object], connected: bool, event_lanes: bool,
                                                    expected: list[str]) -> None:
    ari = Lanes("robocall", rest_lanes=lanes, event_lanes=event_lanes)
    for lane, ws in zip(ari.all(), up):
        lane.ws = ws
    if connected:
        ari.connected.set()
    assert [ari.for_call().app for _ in expected] == expected


class _Recorder(AriClient):
    """Answers every lookup with 404 (the channel or playback ended) and records what it looked up."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:1", "u", "p", "robocall", rest_lanes=3)
        self.looked_up: list[str] = []
        self.hooks = 0
        self.on_reconnect.append(self._hook)

    async def _hook(self) -> None:
        self.hooks += 1

    async def _request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                       body: Any = None) -> Any:
        if method == "POST" and path == "/channels" and params:
            return {"id": params["channelId"]}
        self.looked_up.append(path)
        raise AriError(404, method, path, "gone")


async def test_a_lane_reconnect_reconciles_only_that_lanes_calls():
    ari = _Recorder()
    try:
        for lane in ari._lanes.all():
            lane.ws = UP
        ari._lanes.connected.set()
        ids = ["c0", "c1", "c2", "inbound"]
        for cid in ids:
            ari.subscribe(cid)
        for cid in ids[:3]:  # c0 -> robocall, c1 -> robocall-rest1, c2 -> robocall-rest2
            await ari.originate("PJSIP/x@trunk", channel_id=cid)
        ari._playbacks.update({"p1": "c1", "p2": "c2"})

        await ari._reconcile(ari._lanes.extra[0])
        assert ari.looked_up == ["/channels/c1", "/playbacks/p1"] and ari.hooks == 0
        assert [type(e).__name__ for e in _drain(ari.subscribe("c1"))] == ["ChannelDestroyed", "PlaybackFinished"]
        assert all(not _drain(ari.subscribe(c)) for c in ("c0", "c2", "inbound"))

        ari.looked_up.clear()
        await ari._reconcile(ari._lanes.events)  # the app's own calls: outbound c0 and the inbound call
        assert sorted(ari.looked_up) == ["/channels/c0", "/channels/inbound"] and ari.hooks == 1

        ari.unsubscribe("c2")
        assert "c2" not in ari._lanes.extra[1].channels and "c2" not in ari._lane_of
    finally:
        await ari.close()


async def test_a_calls_playbacks_are_forgotten_when_they_end_or_the_call_does():
    """The playbacks reconciled after a reconnect: each finished or stopped one is forgotten, and a call's end
    forgets the rest of its own, never another call's."""
    ari = _Recorder()
    try:
        for cid in ("c1", "c2"):
            ari.subscribe(cid)
        for cid, pid in [("c1", "p1"), ("c1", "p2"), ("c2", "p3"), ("c2", "p4")]:
            with contextlib.suppress(AriError):  # the recorder answers 404: the bookkeeping is what counts
                await ari.play(cid, ["sound:x"], pid)
        ari.playback_done("p1")
        with contextlib.suppress(AriError):
            await ari.stop_playback("p3")
        assert ari._playbacks == {"p2": "c1", "p4": "c2"}
        ari.unsubscribe("c1")
        assert ari._playbacks == {"p4": "c2"}
        ari.playback_done("p4")
        ari.playback_done("p-unknown")
        ari.unsubscribe("c2")
        assert ari._playbacks == {} and ari._channel_playbacks == {}
    finally:
        await ari.close()


def _drain(queue):
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


class _SilentWs:
    """A websocket that takes requests and never answers them (an Asterisk that hangs)."""

    def __init__(self) -> None:
        self.sent: list[bytes] = []

    async def send(self, data: bytes, text: bool = False) -> None:
        self.sent.append(data)


def test_a_request_over_a_websocket_that_never_answers_times_out_and_is_forgotten() -> None:
    import asyncio

    from ivr.ari.lanes import Lane
    from ivr.ari.transport import Transport
    from ivr.errors import PbxUnavailable

    async def go() -> tuple[str, int, int, tuple[int, str] | None]:
        transport = Transport("http://127.0.0.1:1", "u", "p", Lanes("app"), http_timeout=0.05)
        lane = Lane("app-rest1")
        lane.ws = _SilentWs()
        try:
            await transport._ws_request(lane, "GET", "/channels/x", None, None)
            message = ""
        except PbxUnavailable as exc:
            message = str(exc)
        left = len(transport._pending) + len(lane.waiting)
        # Answered in time: the answer is returned, and nothing is left waiting either.
        task = asyncio.create_task(transport._ws_request(lane, "GET", "/channels/y", None, None))
        while len(lane.ws.sent) < 2:
            await asyncio.sleep(0)
        transport.answered({"request_id": str(len(lane.ws.sent)), "status_code": 200, "message_body": "{}"})
        answer = await task
        await transport.close()
        return message, left, len(transport._pending) + len(lane.waiting), answer

    message, left, left_after, answer = asyncio.run(go())
    assert "did not answer in 0.05 s" in message
    assert left == 0 and left_after == 0
    assert answer == (200, "{}")
