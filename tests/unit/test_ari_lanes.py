"""Which websocket carries a REST request (ivr/ari/client.py): the pure choice, as data.

The requests themselves travel over real websockets in tests/e2e/test_call.py (counted by a TCP proxy)."""
from __future__ import annotations

import pytest

from ivr.ari.client import AriClient

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
async def test_requests_take_the_open_lanes_in_turn(lanes, up, connected, expected):
    ari = AriClient("http://127.0.0.1:1", "u", "p", "robocall", rest_lanes=lanes)
    try:
        for lane, ws in zip([ari._events_lane, *ari._extra_lanes], up):
            lane.ws = ws
        if connected:
            ari._connected.set()
        chosen = [ari._lane() for _ in expected]
        assert [lane.app if lane else None for lane in chosen] == expected
    finally:
        await ari.close()


async def test_http_only_when_rest_over_websocket_is_off():
    ari = AriClient("http://127.0.0.1:1", "u", "p", "robocall", rest_over_websocket=False, rest_lanes=4)
    try:
        ari._events_lane.ws = UP
        ari._connected.set()
        assert ari._lane() is None and ari._extra_lanes == []
    finally:
        await ari.close()
