"""The call machine's vocabulary (ivr.calls.machine): the events the session feeds it, the commands it gives
back, and how a call ended. Frozen dataclasses, no I/O; the machine re-exports them, so callers write
``machine.Answered`` and ``machine.Originate``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from ivr.scripts.interpreter import RecordAnswer


# -- events (from the session) ---------------------------------------------------------------------
@dataclass(frozen=True)
class OriginateFailed:
    reason: str


@dataclass(frozen=True)
class Ringing:
    pass


@dataclass(frozen=True)
class Answered:
    pass


@dataclass(frozen=True)
class PlaybackEnded:
    playback_id: str


@dataclass(frozen=True)
class Dtmf:
    digit: str


@dataclass(frozen=True)
class TimerFired:
    token: str


@dataclass(frozen=True)
class HangupRequested:
    cause: int
    tech_cause: int


@dataclass(frozen=True)
class LeftApplication:
    pass


@dataclass(frozen=True)
class Gone:
    cause: int
    tech_cause: int
    reconciled: bool = False


@dataclass(frozen=True)
class Redirected:
    """The far end answered 3xx (seen as Asterisk's attempt to follow it): the call is not followed."""


@dataclass(frozen=True)
class ChannelMissing:
    """The watchdog looked the channel up and ARI answered 404: the channel is gone, how is not known yet."""


@dataclass(frozen=True)
class TransferOutcome:
    ok: bool


@dataclass(frozen=True)
class CommandFailed:
    """A command the call cannot go on without (a playback) failed: end the call as failed."""

    reason: str


Event = Union[OriginateFailed, Ringing, Answered, PlaybackEnded, Dtmf, TimerFired, HangupRequested,
              LeftApplication, Gone, Redirected, ChannelMissing, TransferOutcome, CommandFailed]


# -- commands (for the session) ---------------------------------------------------------------------
@dataclass(frozen=True)
class Originate:
    endpoint: str
    channel_id: str
    caller_id: str
    timeout: int
    app_args: str


@dataclass(frozen=True)
class AnswerChannel:
    pass


@dataclass(frozen=True)
class StartPlayback:
    playback_id: str
    media: tuple[str, ...]


@dataclass(frozen=True)
class StopPlayback:
    playback_id: str


@dataclass(frozen=True)
class StartTimer:
    token: str
    seconds: float


@dataclass(frozen=True)
class CancelTimer:
    token: str


@dataclass(frozen=True)
class SaveAnswer:
    answer: RecordAnswer


@dataclass(frozen=True)
class HangupChannel:
    reason: str = "normal"


@dataclass(frozen=True)
class ContinueInDialplan:
    context: str
    extension: str


@dataclass(frozen=True)
class CallResult:
    outcome: str  # one of outcomes.TELEPHONY_OUTCOMES
    sip_cause: int | None
    hangup_cause: int
    answered: bool
    result: str | None  # the conversation's outcome (script result), None if it did not finish
    keys: str  # every key received, in order


@dataclass(frozen=True)
class Done:
    result: CallResult


Command = Union[Originate, AnswerChannel, StartPlayback, StopPlayback, StartTimer, CancelTimer, SaveAnswer, HangupChannel,
                ContinueInDialplan, Done]
