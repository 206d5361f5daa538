"""What each part of the controller may ask of ARI, as Protocols: the call machine's driver
(ivr.calls.session), the dialer, the hotline, the queue administration and the service. ``AriClient``
implements them all; a test fake implements the one it stands in for, and mypy checks it against it.

A channel's queue carries its ARI events in order; its reader may put items of its own in it (timers,
retries, events carried over from an earlier subscription) so that they are read in that same order.
"""
from __future__ import annotations

import asyncio
from typing import Any, Callable, Mapping, Protocol

from ivr.ari import events as ev

ChannelQueue = asyncio.Queue[object]


class ChannelEvents(Protocol):
    """A channel's events, from subscribe (before it is originated or followed) to unsubscribe."""

    def subscribe(self, channel_id: str) -> ChannelQueue: ...

    def unsubscribe(self, channel_id: str) -> None: ...


class CallControl(ChannelEvents, Protocol):
    """What the call machine's driver (ivr.calls.session.CallSession) does to one channel."""

    def playback_done(self, playback_id: str) -> None: ...

    async def get_channel(self, channel_id: str) -> dict[str, Any]: ...

    async def originate(self, endpoint: str, *, channel_id: str, app_args: str = "", caller_id: str = "",
                        timeout: int = 30, variables: Mapping[str, str] | None = None) -> dict[str, Any]: ...

    async def answer(self, channel_id: str) -> None: ...

    async def play(self, channel_id: str, media: list[str], playback_id: str, lang: str = "vi") -> None: ...

    async def stop_playback(self, playback_id: str) -> None: ...

    async def hangup(self, channel_id: str, reason: str = "normal") -> None: ...

    async def continue_in_dialplan(self, channel_id: str, context: str, extension: str,
                                   priority: int = 1) -> None: ...


class LatencySource(Protocol):
    """Tells each request's round trip ("ari_round_trip_ms") and each event's lag ("event_lag_ms"), in ms, to
    ``latency_sink`` if set: the PBX's adaptive limiter (ivr.calls.limiter) listens there."""

    latency_sink: Callable[[str, float], None] | None


class DialerAri(CallControl, LatencySource, Protocol):
    """The dialer: calls, and whether the PBX can be reached (it pauses while it cannot)."""

    @property
    def url(self) -> str: ...

    @property
    def connected(self) -> bool: ...


class HotlineAri(CallControl, Protocol):
    """The hotline: calls that arrive in the application, followed while they wait in the dialplan's queue."""

    @property
    def inbound(self) -> asyncio.Queue[ev.StasisStart]: ...

    async def follow(self, channel_id: str) -> None: ...

    async def unfollow(self, channel_id: str) -> None: ...

    async def set_variable(self, channel_id: str, name: str, value: str) -> None: ...


class QueueAri(Protocol):
    """The queue administration (ivr.hotline.agents.QueueAdmin): dialplan actions and what they leave."""

    async def originate_to_dialplan(self, endpoint: str, *, context: str, extension: str, channel_id: str,
                                    timeout: int = 30, variables: Mapping[str, str] | None = None
                                    ) -> dict[str, Any]: ...

    async def get_global(self, name: str) -> str: ...

    async def clear_global(self, name: str) -> None: ...

    async def endpoint(self, tech: str, resource: str) -> dict[str, Any]: ...


class AriConnection(Protocol):
    """The service: connect at start (retried while the PBX is not up), close at the end."""

    @property
    def url(self) -> str: ...

    async def connect(self, timeout: float = 10.0) -> None: ...

    async def close(self) -> None: ...


class HotlineHolder(ChannelEvents, Protocol):
    """The hotline's owner (ivr.hotline.owner): holds the PBX's shared hotline application, and apologises to
    a caller a dead holder left in it."""

    @property
    def url(self) -> str: ...

    hotline_app: str | None

    @property
    def hotline_held(self) -> bool: ...

    async def hold_hotline(self, timeout: float = 5.0) -> bool: ...

    async def release_hotline(self) -> None: ...

    async def channels(self) -> list[dict[str, Any]]: ...

    def is_subscribed(self, channel_id: str) -> bool: ...

    def entered_hotline(self, channel_id: str) -> bool: ...

    async def play(self, channel_id: str, media: list[str], playback_id: str, lang: str = "vi") -> None: ...

    async def hangup(self, channel_id: str, reason: str = "normal") -> None: ...
