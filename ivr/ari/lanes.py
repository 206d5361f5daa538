"""The websockets of one ARI client ("lanes") and which of them carries a request or a new call.

The event websocket belongs to the Stasis application itself; ``rest_lanes - 1`` more are registered as
the applications ``<app>-rest<N>`` (see ivr.ari.client for why). The choice is pure bookkeeping over
which websockets are up, so tests state it as data (tests/unit/test_ari_lanes.py).
"""
from __future__ import annotations

import asyncio
import itertools
from typing import Any


class Lane:
    """A websocket that carries REST requests, and the ids of the requests waiting for its answers."""

    def __init__(self, app: str) -> None:
        self.app = app
        self.ws: Any = None
        self.task: asyncio.Task[None] | None = None
        self.waiting: set[str] = set()
        self.channels: set[str] = set()  # outbound channels originated into this lane's application
        self.events = 0  # events received on this websocket (tests and benchmarks look)
        self.reconnects = 0


class Lanes:
    """The event websocket's lane, the extra lanes, and the turns taken over the open ones."""

    def __init__(self, app: str, *, rest_over_websocket: bool = True, rest_lanes: int = 4,
                 event_lanes: bool = True) -> None:
        self.rest_over_ws = rest_over_websocket
        self.events = Lane(app)  # the event websocket's own requests
        self.extra = [Lane(f"{app}-rest{i}") for i in range(1, max(rest_lanes, 1))] if rest_over_websocket else []
        self.turn = itertools.count()
        self.event_lanes = event_lanes and bool(self.extra)
        self.call_turn = itertools.count()
        self.connected = asyncio.Event()  # the event websocket is up

    def all(self) -> tuple[Lane, ...]:
        return (self.events, *self.extra)

    def for_request(self) -> Lane | None:
        """The next lane whose websocket is up, in turn; None: HTTP carries the request."""
        if not self.rest_over_ws:
            return None
        lanes = self.open()
        return lanes[next(self.turn) % len(lanes)] if lanes else None

    def open(self) -> list[Lane]:
        """The lanes whose websocket is up (the event websocket only while it counts as connected)."""
        lanes = [lane for lane in self.all() if lane.ws is not None]
        if not self.connected.is_set() and self.events in lanes:
            lanes.remove(self.events)
        return lanes

    def for_call(self) -> Lane:
        """The lane a new outbound call's events will arrive on: the open lanes in turn (events lane if none)."""
        if not self.event_lanes:
            return self.events
        lanes = self.open()
        return lanes[next(self.call_turn) % len(lanes)] if lanes else self.events
