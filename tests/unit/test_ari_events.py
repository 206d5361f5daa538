"""Which ARI events the controller consumes (ivr/ari/events.py), as data: the list Asterisk is asked to send
(eventFilter), what each consumed type becomes, and that every other type is dropped before a typed event is
built. The filter against a real Asterisk: tests/e2e (every call, hotline and transfer test runs under it)."""
from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any, Mapping

import orjson
import pytest

from ivr.ari import events as ev
from ivr.ari.client import AriClient
from ivr.ari.lanes import Lane

# The list, and who needs each type: adding a consumer of a new type means adding it here and in events.py.
CONSUMED = (
    "StasisStart",  # calls: answered; hotline: a resident's call, back from the staff queue
    "StasisEnd",  # calls, hotline
    "ChannelStateChange",  # calls: Ringing; latency: Up
    "ChannelDtmfReceived",  # calls, hotline
    "PlaybackStarted",  # key -> prompt latency (the PBX's adaptive limiter)
    "PlaybackFinished",  # calls, hotline
    "ChannelHangupRequest",  # calls: the SIP cause; hotline
    "ChannelDestroyed",  # calls, hotline, staff queue
    "Dial",  # calls: a followed 3xx (only with ``forward``)
    "ChannelVarset",  # hotline: the staff queue's MEMBERNAME / QEHOLDTIME / QUEUESTATUS
)


FOLLOWED_ONLY = ("ChannelVarset",)  # read only while a channel is followed through the staff queue


def test_the_filter_lists_exactly_the_consumed_types() -> None:
    assert ev.CONSUMED_EVENT_TYPES == CONSUMED
    # RESTResponse: the answers to REST requests over the websocket are filtered as events (without it in the
    # list, every request over a websocket times out)
    everything = [*CONSUMED, "RESTResponse"]
    assert ev.event_filter(follows_channels=True) == {"allowed": [{"type": t} for t in everything]}
    calls_only = [t for t in everything if t not in FOLLOWED_ONLY]
    assert ev.event_filter(follows_channels=False) == {"allowed": [{"type": t} for t in calls_only]}


CH = {"id": "c1", "state": "Up", "caller": {"number": "0900"}, "dialplan": {"exten": "100"}}
TS = "2026-11-30T10:00:00.500+0000"
PB = {"id": "p1", "target_uri": "channel:c1", "state": "done"}

# raw message -> typed event
PARSED = [
    ({"type": "StasisStart", "channel": CH, "args": ["a", 1]}, ev.StasisStart("c1", ("a", "1"), "0900", "100", "Up")),
    ({"type": "StasisEnd", "channel": CH}, ev.StasisEnd("c1")),
    ({"type": "ChannelStateChange", "channel": {"id": "c1", "state": "Ringing"}}, ev.ChannelStateChange("c1", "Ringing")),
    ({"type": "ChannelDtmfReceived", "channel": CH, "digit": "5", "duration_ms": 120},
     ev.ChannelDtmfReceived("c1", "5", 120)),
    ({"type": "PlaybackStarted", "playback": PB}, ev.PlaybackStarted("c1", "p1")),
    ({"type": "PlaybackFinished", "playback": PB}, ev.PlaybackFinished("c1", "p1", "done")),
    ({"type": "ChannelHangupRequest", "channel": CH, "cause": 16, "tech_cause": 486},
     ev.ChannelHangupRequest("c1", 16, 486)),
    ({"type": "ChannelDestroyed", "channel": CH, "cause": 17, "cause_txt": "Busy", "tech_cause": 486},
     ev.ChannelDestroyed("c1", 17, "Busy", 486)),
    ({"type": "Dial", "peer": {"id": "c1"}, "forward": "0919999999"}, ev.DialForwarded("c1")),
    ({"type": "ChannelVarset", "channel": CH, "variable": "MEMBERNAME", "value": "staff1"},
     ev.ChannelVarset("c1", "MEMBERNAME", "staff1")),
]


@pytest.mark.parametrize("data,expected", PARSED)
def test_each_consumed_type_becomes_its_event_with_asterisks_timestamp(data: dict[str, Any],
                                                                        expected: ev.AriEvent) -> None:
    assert data["type"] in CONSUMED
    assert ev.parse(data) == expected
    assert ev.parse(data).ts == 0.0  # type: ignore[union-attr]
    assert ev.parse({**data, "timestamp": TS}).ts == 1796032800.5  # type: ignore[union-attr]


# Sent by Asterisk without the filter (counted per call in bench/README.md, "Third pass"), or consumed types
# whose message says nothing to the controller: None, before any event is built.
IGNORED = [
    {"type": "ChannelDialplan", "channel": CH, "dialplan_app": "Stasis"},
    {"type": "ChannelCallerId", "channel": CH},
    {"type": "ChannelConnectedLine", "channel": CH},
    {"type": "ChannelEnteredBridge", "channel": CH, "bridge": {"id": "b1"}},
    {"type": "ChannelLeftBridge", "channel": CH, "bridge": {"id": "b1"}},
    {"type": "ChannelTalkingStarted", "channel": CH},
    {"type": "ChannelToneDetected", "channel": CH},
    {"type": "Dial", "peer": {"id": "c1"}, "forward": "", "dialstatus": "RINGING"},
    {"type": "ChannelVarset", "variable": "GLOBAL_X", "value": "1"},  # a global: no channel
    {"type": "PlaybackStarted", "playback": {"id": "p1", "target_uri": "bridge:b1"}},
    {"type": "ApplicationReplaced", "application": "robocall"},
    {"channel": CH},
]


@pytest.mark.parametrize("data", IGNORED)
def test_other_messages_are_dropped(data: dict[str, Any]) -> None:
    assert ev.parse(data) is None


class _Client(AriClient):
    """A client with no PBX: records its requests."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:1", "u", "p", "robocall", rest_lanes=2)
        self.requests: list[tuple[str, str, Any]] = []

    async def _request(self, method: str, path: str, params: Mapping[str, Any] | None = None,
                       body: Any = None) -> Any:
        self.requests.append((method, path, body))
        return None


def test_dispatch_queues_consumed_events_drops_the_rest_and_counts_all() -> None:
    async def go() -> tuple[list[object], int, int, Counter[str] | None, int]:
        ari = _Client()
        ari.traffic = Counter()
        queue = ari.subscribe("c1")
        lane = ari._lanes.events
        for data, _ in PARSED:
            ari._dispatch(orjson.dumps(data), lane)
        for data in IGNORED:
            ari._dispatch(orjson.dumps(data), lane)
        items: list[object] = []
        while not queue.empty():
            items.append(queue.get_nowait())
        await ari.close()
        return items, ari.inbound.qsize(), lane.events, ari.traffic, len(PARSED) + len(IGNORED)

    items, inbound, counted, traffic, sent = asyncio.run(go())
    assert items == [expected for _, expected in PARSED]
    assert inbound == 0
    assert counted == sent and traffic is not None and traffic["event ChannelDialplan"] == 1
    assert traffic["event Dial"] == 2


# hotline application -> which application gets ChannelVarset (the one ivr.ari.rest.AriRest.follow subscribes)
FILTERS = [
    ("hotline", {"robocall": False, "robocall-rest1": False, "hotline": True}),
    (None, {"robocall": True, "robocall-rest1": False}),
]


@pytest.mark.parametrize("hotline,varset", FILTERS)
def test_each_lane_asks_for_the_types_it_consumes(hotline: str | None, varset: dict[str, bool]) -> None:
    async def go() -> list[tuple[str, str, Any]]:
        ari = _Client()
        ari.hotline_app = hotline
        lanes = [*ari._lanes.all()] + ([Lane(hotline)] if hotline else [])
        for lane in lanes:
            await ari._filter_events(lane)
        await ari.close()
        return ari.requests

    assert asyncio.run(go()) == [("PUT", f"/applications/{app}/eventFilter", ev.event_filter(follows))
                                 for app, follows in varset.items()]
