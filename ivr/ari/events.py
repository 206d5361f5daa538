"""Typed ARI events: the few the controller acts on, parsed from the websocket's JSON.

Every event knows the channel it concerns (``channel_id``), so the client can route it to the one call
waiting for it. Events we do not act on are dropped at parse time, not by a handler.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping


@dataclass(frozen=True)
class AriEvent:
    channel_id: str
    # When Asterisk raised the event (epoch seconds, its own clock): for latency measurements.
    ts: float = field(default=0.0, kw_only=True, compare=False)


@dataclass(frozen=True)
class StasisStart(AriEvent):
    args: tuple[str, ...] = ()
    caller_number: str = ""  # personal data: never log it
    dialed: str = ""  # the extension dialled (inbound calls)
    state: str = ""


@dataclass(frozen=True)
class StasisEnd(AriEvent):
    pass


@dataclass(frozen=True)
class ChannelStateChange(AriEvent):
    state: str = ""


@dataclass(frozen=True)
class ChannelDtmfReceived(AriEvent):
    digit: str = ""
    duration_ms: int = 0


@dataclass(frozen=True)
class PlaybackStarted(AriEvent):
    playback_id: str = ""


@dataclass(frozen=True)
class PlaybackFinished(AriEvent):
    playback_id: str = ""
    state: str = ""  # done, failed, cancelled


@dataclass(frozen=True)
class ChannelHangupRequest(AriEvent):
    cause: int = 0
    tech_cause: int = 0  # the SIP response code, when the channel driver gives one


@dataclass(frozen=True)
class ChannelDestroyed(AriEvent):
    cause: int = 0
    cause_txt: str = ""
    tech_cause: int = 0
    reconciled: bool = False  # synthesised after a websocket reconnect: the channel was already gone


@dataclass(frozen=True)
class DialForwarded(AriEvent):
    """The far end answered our INVITE with a 3xx and Asterisk's dial API tried to follow it (a Dial event
    with ``forward`` set). Sometimes the only sign of a redirect: the hang-up events may then carry no
    cause. The forward target (a phone number) is personal data and is not kept."""


@dataclass(frozen=True)
class ChannelVarset(AriEvent):
    """A channel variable was set (seen for channels followed outside Stasis, e.g. in the staff queue)."""

    variable: str = ""
    value: str = ""


@dataclass(frozen=True)
class ChannelEnteredBridge(AriEvent):
    bridge_id: str = ""


@dataclass(frozen=True)
class ChannelLeftBridge(AriEvent):
    bridge_id: str = ""


def _target_channel(playback: Mapping[str, Any]) -> str:
    uri = str(playback.get("target_uri", ""))
    return uri.split(":", 1)[1] if uri.startswith("channel:") else ""


def _timestamp(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value)).timestamp()  # a tenth of strptime's cost (Python 3.11+)
    except ValueError:
        pass
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()
    except ValueError:
        return 0.0


def parse(data: Mapping[str, Any]) -> AriEvent | None:
    """Turn one websocket message into a typed event (with Asterisk's timestamp), or None if ignored."""
    event = _parse(data)
    if event is not None and "timestamp" in data:
        object.__setattr__(event, "ts", _timestamp(data["timestamp"]))  # frozen: set once, at birth
    return event


def _parse(data: Mapping[str, Any]) -> AriEvent | None:
    kind = data.get("type")
    ch = data.get("channel") or {}
    cid = str(ch.get("id", ""))
    if kind == "StasisStart":
        caller = ch.get("caller") or {}
        dialplan = ch.get("dialplan") or {}
        return StasisStart(cid, tuple(str(a) for a in data.get("args", [])), str(caller.get("number", "")),
                           str(dialplan.get("exten", "")), str(ch.get("state", "")))
    if kind == "StasisEnd":
        return StasisEnd(cid)
    if kind == "ChannelStateChange":
        return ChannelStateChange(cid, str(ch.get("state", "")))
    if kind == "ChannelDtmfReceived":
        return ChannelDtmfReceived(cid, str(data.get("digit", "")), int(data.get("duration_ms", 0) or 0))
    if kind in ("PlaybackStarted", "PlaybackFinished"):
        pb = data.get("playback") or {}
        target = _target_channel(pb)
        if not target:
            return None
        if kind == "PlaybackStarted":
            return PlaybackStarted(target, str(pb.get("id", "")))
        return PlaybackFinished(target, str(pb.get("id", "")), str(pb.get("state", "")))
    if kind == "ChannelHangupRequest":
        return ChannelHangupRequest(cid, int(data.get("cause", 0) or 0), int(data.get("tech_cause", 0) or 0))
    if kind == "ChannelDestroyed":
        return ChannelDestroyed(cid, int(data.get("cause", 0) or 0), str(data.get("cause_txt", "")),
                                int(data.get("tech_cause", 0) or 0))
    if kind == "Dial" and data.get("forward"):
        peer = data.get("peer") or {}  # the dialled channel: ours
        return DialForwarded(str(peer.get("id", "")))
    if kind == "ChannelVarset" and cid:
        return ChannelVarset(cid, str(data.get("variable", "")), str(data.get("value", "")))
    if kind in ("ChannelEnteredBridge", "ChannelLeftBridge"):
        bridge = str((data.get("bridge") or {}).get("id", ""))
        cls = ChannelEnteredBridge if kind == "ChannelEnteredBridge" else ChannelLeftBridge
        return cls(cid, bridge)
    return None
