"""Typed ARI events: the few the controller acts on, parsed from the websocket's JSON.

Every event knows the channel it concerns (``channel_id``), so the client can route it to the one call
waiting for it. Events we do not act on are dropped at parse time, not by a handler.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping


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


def _stasis_start(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    caller = ch.get("caller") or {}
    dialplan = ch.get("dialplan") or {}
    return StasisStart(str(ch.get("id", "")), tuple(str(a) for a in data.get("args", [])),
                       str(caller.get("number", "")), str(dialplan.get("exten", "")), str(ch.get("state", "")),
                       ts=ts)


def _stasis_end(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    return StasisEnd(str(ch.get("id", "")), ts=ts)


def _state_change(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    return ChannelStateChange(str(ch.get("id", "")), str(ch.get("state", "")), ts=ts)


def _dtmf(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    return ChannelDtmfReceived(str(ch.get("id", "")), str(data.get("digit", "")),
                               int(data.get("duration_ms", 0) or 0), ts=ts)


def _playback_started(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    pb = data.get("playback") or {}
    target = _target_channel(pb)
    return PlaybackStarted(target, str(pb.get("id", "")), ts=ts) if target else None


def _playback_finished(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    pb = data.get("playback") or {}
    target = _target_channel(pb)
    return PlaybackFinished(target, str(pb.get("id", "")), str(pb.get("state", "")), ts=ts) if target else None


def _hangup_request(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    return ChannelHangupRequest(str(ch.get("id", "")), int(data.get("cause", 0) or 0),
                                int(data.get("tech_cause", 0) or 0), ts=ts)


def _destroyed(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    return ChannelDestroyed(str(ch.get("id", "")), int(data.get("cause", 0) or 0), str(data.get("cause_txt", "")),
                            int(data.get("tech_cause", 0) or 0), ts=ts)


def _dial(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    if not data.get("forward"):
        return None
    peer = data.get("peer") or {}  # the dialled channel: ours
    return DialForwarded(str(peer.get("id", "")), ts=ts)


def _varset(data: Mapping[str, Any], ch: Mapping[str, Any], ts: float) -> AriEvent | None:
    cid = str(ch.get("id", ""))
    return ChannelVarset(cid, str(data.get("variable", "")), str(data.get("value", "")), ts=ts) if cid else None


_Parser = Callable[[Mapping[str, Any], Mapping[str, Any], float], "AriEvent | None"]
# Every ARI event type the controller acts on, and how it becomes a typed event. Anything else is dropped by one
# dict look-up on the raw message's "type", before a dataclass is built.
_PARSERS: dict[str, _Parser] = {
    "StasisStart": _stasis_start,  # calls (answered), hotline (a resident's call; back from the staff queue)
    "StasisEnd": _stasis_end,  # calls, hotline
    "ChannelStateChange": _state_change,  # calls: Ringing; latency: Up
    "ChannelDtmfReceived": _dtmf,  # calls, hotline
    "PlaybackStarted": _playback_started,  # latency (key -> prompt) for the PBX's adaptive limiter
    "PlaybackFinished": _playback_finished,  # calls, hotline
    "ChannelHangupRequest": _hangup_request,  # calls (the SIP cause), hotline
    "ChannelDestroyed": _destroyed,  # calls, hotline, staff queue
    "Dial": _dial,  # calls: a 3xx followed by the dial API (only those with ``forward`` become events)
    "ChannelVarset": _varset,  # hotline: the staff queue's MEMBERNAME, QEHOLDTIME, QUEUESTATUS
}

# The event types Asterisk is asked to send each of our applications (PUT /applications/{app}/eventFilter, set
# by ivr.ari.client at every connect). Asterisk drops the others (ChannelDialplan, PlaybackContinuing,
# ChannelCallerId, ChannelConnectedLine, bridge events...) before they are framed and sent.
CONSUMED_EVENT_TYPES: tuple[str, ...] = tuple(_PARSERS)
# ChannelVarset only where channels are followed through the dialplan (the staff queue: ARI subscriptions of
# the "follower" application, ivr.ari.rest.AriRest.follow): an outbound call's channel sets ~5 variables that
# no one reads, so the applications that only carry calls do without.
FOLLOWED_ONLY_EVENT_TYPES: tuple[str, ...] = ("ChannelVarset",)
CALL_EVENT_TYPES: tuple[str, ...] = tuple(t for t in CONSUMED_EVENT_TYPES if t not in FOLLOWED_ONLY_EVENT_TYPES)


# Not an event, but Asterisk filters it as one (ari_websocket_send_event checks stasis_app_event_allowed): the
# answers to REST requests over the websocket (ivr.ari.transport). Left out, every request times out.
REST_ANSWER_TYPE = "RESTResponse"


def event_filter(follows_channels: bool) -> dict[str, list[dict[str, str]]]:
    """The body of ``PUT /applications/{app}/eventFilter``: the types an application's events are read for,
    and the REST answers."""
    kinds = (CONSUMED_EVENT_TYPES if follows_channels else CALL_EVENT_TYPES) + (REST_ANSWER_TYPE,)
    return {"allowed": [{"type": kind} for kind in kinds]}


def parse(data: Mapping[str, Any]) -> AriEvent | None:
    """Turn one websocket message into a typed event (with Asterisk's timestamp), or None if ignored."""
    parser = _PARSERS.get(data.get("type", ""))
    if parser is None:
        return None
    ts = data.get("timestamp")
    return parser(data, data.get("channel") or {}, _timestamp(ts) if ts is not None else 0.0)
