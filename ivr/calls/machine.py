"""One outbound call as an explicit state machine: a pure ``step(plan, state, event) -> (state, commands)``.

No I/O here: the session (session.py) turns ARI events into the events below, runs the commands, and
logs every phase transition. The conversation (a script, or "play a prompt and collect digits") is
itself pure and is driven from here: the machine owns the telephony mechanics the conversation does
not want to know about:
- barge-in: a key pressed while an ask's prompt plays stops the prompt and counts as the answer;
- type-ahead: a key pressed during a non-interruptible prompt (a say) is kept for the next question;
- the digit timeout starts when the prompt has finished, not when it started;
- a playback stopped by barge-in finishes later: its event is recognised by id and ignored.
Hang-up and channel destruction are terminal from every phase.

The session's watchdog (no event for ``CallPlan.watchdog`` seconds) looks the channel up. When ARI says it
is gone (404) the machine does not end the call on that: the real hang-up events, with the SIP response,
may still be on their way. It waits ``CallPlan.lost_grace`` seconds for them, and only then ends the call
from what it knows; with nothing known, the outcome is ``lost`` and no SIP code is invented.

Phases: DIALING -> RINGING -> ACTIVE -> (TRANSFERRING | HANGING_UP) -> ENDED.
The events and commands themselves are in vocabulary.py (re-exported here).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Generic, Protocol, TypeVar

from ivr.calls import outcomes
from ivr.calls.vocabulary import (
    OriginateFailed, Ringing, Answered, PlaybackEnded, Dtmf, TimerFired, HangupRequested, LeftApplication, Gone,
    Redirected, ChannelMissing, TransferOutcome, CommandFailed, Originate, AnswerChannel, StartPlayback,
    StopPlayback, StartTimer, CancelTimer, SaveAnswer, HangupChannel, ContinueInDialplan, CallResult, Done, Event,
    Command,
)
from ivr.scripts.interpreter import (
    Begin, Collect, Finish, Input, Key, Play, PromptDone, RecordAnswer, Silence, Transfer, TransferFailed,
)
from ivr.scripts.interpreter import Command as ConversationCommand
from ivr.scripts.model import Prompt

if TYPE_CHECKING:
    from dataclasses import replace  # mypy checks each replace's field names and types
else:
    from ivr.frozen import replace  # the same result, a __dict__ copy (≈ 115 new states a call)

MAX_TYPEAHEAD = 16  # keys kept during a non-interruptible prompt; a DTMF flood beyond is dropped


class Phase(enum.Enum):
    DIALING = "dialing"
    RINGING = "ringing"
    ACTIVE = "active"
    TRANSFERRING = "transferring"
    HANGING_UP = "hanging_up"
    ENDED = "ended"


S = TypeVar("S")  # a conversation's own state: the machine keeps it and hands it back, never looks inside


class Conversation(Protocol[S]):
    """What is said and asked on the call: pure, see ivr.scripts.interpreter."""

    def start(self) -> tuple[S, tuple[ConversationCommand, ...]]: ...

    def step(self, state: S, inp: Input) -> tuple[S, tuple[ConversationCommand, ...]]: ...


@dataclass(frozen=True)
class CallPlan(Generic[S]):
    """Everything fixed about one call before it is placed. Holds no personal data except the endpoint."""

    call_id: str  # the ARI channel id we choose; pseudonymous
    endpoint: str  # e.g. PJSIP/0912345678@trunk
    caller_id: str  # '"Name" <number>' of the registered hotline
    ring_timeout: int
    conversation: Conversation[S]
    # prompt -> "sound:..." (rendered before the call), or its parts' URIs in order (a personalised prompt:
    # fixed audio and the contact's values, ivr.scripts.segments), all played as one ARI media list
    media: Callable[[Prompt], str | tuple[str, ...]]
    app_args: str = ""
    max_duration: float = 600.0
    transfer_context: str = "staff-queue"
    inbound: bool = False  # a resident's call already in the application: answer it instead of dialling
    watchdog: float = 20.0  # seconds without an event before the session looks the channel up
    lost_grace: float = 5.0  # seconds to wait for the real events once the channel is found gone


DIGIT_TIMER = "digit"
MAX_TIMER = "max"
LOST_TIMER = "lost"  # the grace after the watchdog found the channel gone; never cancelled before the end


@dataclass(frozen=True)
class CallState(Generic[S]):
    phase: Phase = Phase.DIALING
    conversation: S | None = None  # the conversation's state, from the answer on
    playback_seq: int = 0
    playback_id: str | None = None
    collect: Collect | None = None
    digit_timer: str | None = None
    typeahead: tuple[str, ...] = ()
    keys: str = ""
    answered: bool = False
    rang: bool = False
    finished_with: str | None = None  # the conversation's Finish outcome
    transferred: bool = False
    remote_hangup: bool = False
    remote_sip: int = 0
    hangup_cause: int = 0  # the Q.850 cause of the hang-up request, if one came
    redirected: bool = False  # a 3xx came (Asterisk tried to follow it)
    failure: str | None = None
    timers: frozenset[str] = field(default_factory=frozenset)


Out = tuple[CallState[S], tuple[Command, ...]]


def start(plan: CallPlan[S]) -> Out[S]:
    if plan.inbound:
        return CallState[S](phase=Phase.RINGING, rang=True), (AnswerChannel(),)
    return CallState[S](), (Originate(plan.endpoint, plan.call_id, plan.caller_id, plan.ring_timeout, plan.app_args),)


def step(plan: CallPlan[S], state: CallState[S], event: Event) -> Out[S]:
    """The whole behaviour of a call: pure, one event at a time."""
    if state.phase is Phase.ENDED:
        return state, ()
    if isinstance(event, Gone):
        return _end(state, event)
    if isinstance(event, Redirected):
        return replace(state, redirected=True), ()
    if isinstance(event, ChannelMissing):
        if LOST_TIMER in state.timers:
            return state, ()
        return replace(state, timers=state.timers | {LOST_TIMER}), (StartTimer(LOST_TIMER, plan.lost_grace),)
    if isinstance(event, TimerFired) and event.token == LOST_TIMER:
        # No ChannelDestroyed within the grace: end with what the events said (a hang-up request's cause
        # and SIP response are real); with nothing at all, the outcome is "lost".
        return _end(state, Gone(state.hangup_cause, 0, reconciled=True), lost=True)
    if isinstance(event, OriginateFailed):
        return _end(replace(state, failure=event.reason), Gone(0, 0))
    if isinstance(event, HangupRequested):
        remote = state.phase is not Phase.HANGING_UP
        st = replace(state, remote_hangup=state.remote_hangup or remote,
                     remote_sip=event.tech_cause if remote and event.tech_cause else state.remote_sip,
                     hangup_cause=event.cause or state.hangup_cause)
        if st.phase in (Phase.ACTIVE, Phase.TRANSFERRING):
            st, cmds = _cancel_timers(replace(st, phase=Phase.HANGING_UP, playback_id=None, collect=None))
            return st, cmds
        return st, ()
    if isinstance(event, LeftApplication):
        if state.phase is Phase.TRANSFERRING:
            return _end(replace(state, transferred=True), Gone(16, 0))
        return state, ()
    if isinstance(event, Ringing) and state.phase is Phase.DIALING:
        return replace(state, phase=Phase.RINGING, rang=True), ()
    if isinstance(event, Answered) and state.phase in (Phase.DIALING, Phase.RINGING):
        st = replace(state, phase=Phase.ACTIVE, answered=True, timers=state.timers | {MAX_TIMER})
        conv_state, conv_cmds = plan.conversation.start()
        st, cmds = _apply(plan, replace(st, conversation=conv_state), conv_cmds)
        return st, (StartTimer(MAX_TIMER, plan.max_duration),) + cmds
    if state.phase is not Phase.ACTIVE:
        if isinstance(event, TransferOutcome) and state.phase is Phase.TRANSFERRING and not event.ok:
            return _feed(plan, replace(state, phase=Phase.ACTIVE), TransferFailed())
        return state, ()
    return _active(plan, state, event)


def _active(plan: CallPlan[S], state: CallState[S], event: Event) -> Out[S]:
    if isinstance(event, PlaybackEnded):
        if event.playback_id != state.playback_id:
            return state, ()  # a playback we stopped (barge-in) or replaced
        st = replace(state, playback_id=None)
        if st.collect is not None:
            return _start_digit_timer(st)
        return _feed(plan, st, PromptDone())
    if isinstance(event, Dtmf):
        st = replace(state, keys=state.keys + event.digit)
        if st.collect is None:
            if len(st.typeahead) < MAX_TYPEAHEAD:
                st = replace(st, typeahead=st.typeahead + (event.digit,))
            return st, ()
        return _key(plan, st, event.digit)
    if isinstance(event, CommandFailed) or (isinstance(event, TimerFired) and event.token == MAX_TIMER):
        reason = event.reason if isinstance(event, CommandFailed) else "max_duration"
        st, cmds = _stop_media(replace(state, failure=reason, timers=state.timers - {MAX_TIMER}
                                       if isinstance(event, TimerFired) else state.timers))
        st, timers = _cancel_timers(replace(st, phase=Phase.HANGING_UP))
        return st, cmds + timers + (HangupChannel(),)
    if isinstance(event, TimerFired):
        if event.token == state.digit_timer:
            st = replace(state, digit_timer=None, collect=None, timers=state.timers - {event.token})
            return _feed(plan, st, Silence())
    return state, ()


def _key(plan: CallPlan[S], state: CallState[S], digit: str) -> Out[S]:
    """A key while collecting: barge-in on the prompt, stop the digit timer, tell the conversation."""
    st, cmds = _stop_media(state)
    st, more = _feed(plan, replace(st, collect=None), Key(digit))
    return st, cmds + more


def _feed(plan: CallPlan[S], state: CallState[S], inp: Input) -> Out[S]:
    if state.conversation is None:  # not begun: only an answered call (which starts it) has input for it
        return state, ()
    conv_state, conv_cmds = plan.conversation.step(state.conversation, inp)
    return _apply(plan, replace(state, conversation=conv_state), conv_cmds)


def _apply(plan: CallPlan[S], state: CallState[S], conv_cmds: tuple[ConversationCommand, ...]) -> Out[S]:
    """Carry out the conversation's commands in telephony terms."""
    st, out = state, ()  # type: CallState[S], tuple[Command, ...]
    for cmd in conv_cmds:
        if st.phase is not Phase.ACTIVE:
            break
        if isinstance(cmd, RecordAnswer):
            out += (SaveAnswer(cmd),)
        elif isinstance(cmd, Play):
            st, more = _play(plan, st, cmd)
            out += more
        elif isinstance(cmd, Transfer):
            st, more = _stop_media(st)
            st, timers = _cancel_timers(replace(st, phase=Phase.TRANSFERRING))
            out += more + timers + (ContinueInDialplan(plan.transfer_context, cmd.target),)
        elif isinstance(cmd, Finish):
            st, more = _stop_media(st)
            st, timers = _cancel_timers(replace(st, phase=Phase.HANGING_UP, finished_with=cmd.outcome))
            out += more + timers + (HangupChannel(),)
    return st, out


def _play(plan: CallPlan[S], state: CallState[S], cmd: Play) -> Out[S]:
    st, out = _stop_media(state)
    st = replace(st, collect=cmd.collect)
    if cmd.collect is not None and st.typeahead:
        digit, rest = st.typeahead[0], st.typeahead[1:]
        st, more = _feed(plan, replace(st, typeahead=rest, collect=None), Key(digit))
        return st, out + more
    if cmd.prompts:
        seq = st.playback_seq + 1
        pid = f"{plan.call_id}-p{seq}"
        media = tuple(uri for p in cmd.prompts for uri in _uris(plan.media(p)))
        return replace(st, playback_seq=seq, playback_id=pid), out + (StartPlayback(pid, media),)
    if cmd.collect is not None:
        st, more = _start_digit_timer(st)
        return st, out + more
    st, more = _feed(plan, st, PromptDone())
    return st, out + more


def _uris(media: str | tuple[str, ...]) -> tuple[str, ...]:
    return (media,) if isinstance(media, str) else media


def _stop_media(state: CallState[S]) -> Out[S]:
    cmds: tuple[Command, ...] = ()
    st = state
    if st.playback_id is not None:
        cmds += (StopPlayback(st.playback_id),)
        st = replace(st, playback_id=None)
    if st.digit_timer is not None:
        cmds += (CancelTimer(st.digit_timer),)
        st = replace(st, timers=st.timers - {st.digit_timer}, digit_timer=None)
    return st, cmds


def _start_digit_timer(state: CallState[S]) -> Out[S]:
    assert state.collect is not None
    token = f"{DIGIT_TIMER}-{state.playback_seq}-{len(state.keys)}"
    st = replace(state, digit_timer=token, timers=state.timers | {token})
    return st, (StartTimer(token, state.collect.timeout),)


def _cancel_timers(state: CallState[S], everything: bool = False) -> Out[S]:
    """Cancel the call's timers; the lost-channel grace runs on until the end (``everything``)."""
    keep = frozenset() if everything else state.timers & {LOST_TIMER}
    cmds = tuple(CancelTimer(t) for t in sorted(state.timers - keep))
    return replace(state, timers=keep, digit_timer=None), cmds


def _end(state: CallState[S], gone: Gone, lost: bool = False) -> Out[S]:
    """The one place a call ends. ``lost``: the watchdog's grace ran out without a ChannelDestroyed."""
    # A hang-up request or a redirect came: what it says is real.
    known = state.remote_hangup or state.hangup_cause != 0 or state.redirected
    # Gone while we were still talking: the far end (or its network) hung up, even when the hang-up
    # request itself was lost (a websocket outage resolved by reconciliation).
    if state.phase in (Phase.ACTIVE, Phase.TRANSFERRING) and not state.transferred and not lost:
        state = replace(state, remote_hangup=True)
    st, cmds = _cancel_timers(state, everything=True)
    cause = gone.cause
    if st.answered:
        outcome = outcomes.answered(st.finished_with is not None, st.transferred, st.remote_hangup, cause)
        if lost and not known and outcome == "failed":
            outcome = "lost"
        sip = st.remote_sip or 200
        if cause == 0 and not lost and not gone.reconciled:
            cause = 16  # a BYE without a Reason header: Asterisk says 0 ("Unknown"); it is a normal clearing
    elif st.failure:
        outcome, sip = "failed", None
    elif (lost or gone.reconciled) and not known:
        # The channel vanished and no event said how (the watchdog's grace ran out, or a reconnect found it
        # gone, e.g. the PBX restarted while it rang): no outcome or SIP code to guess.
        outcome, sip = "lost", None
    else:
        remote = st.remote_sip
        outcome = outcomes.unanswered(remote, cause, st.rang)
        if st.redirected:
            # Asterisk sometimes reports the redirect with no cause at all (ChannelDestroyed cause 0): the
            # outcome is still redirected, and the SIP code only the one the far end was seen to send.
            outcome = "redirected"
        # Our own ring timeout ends the INVITE with a CANCEL, answered 487 by the far end (never inferred
        # when the watchdog concluded: only a ChannelDestroyed tells a ring timeout).
        sip = remote or (487 if outcome == "no_answer" and not lost else (gone.tech_cause or None))
    if st.failure and st.answered and outcome not in ("completed", "transferred"):
        outcome = "failed"
    result = CallResult(outcome, sip, cause, st.answered, st.finished_with, st.keys)
    return replace(st, phase=Phase.ENDED), cmds + (Done(result),)


# The machine's own names, and its vocabulary (ivr.calls.vocabulary) under the names callers know.
__all__ = [
    "Phase", "Conversation", "CallPlan", "CallState", "Out", "start", "step", "DIGIT_TIMER", "MAX_TIMER",
    "LOST_TIMER", "MAX_TYPEAHEAD", "OriginateFailed", "Ringing", "Answered", "PlaybackEnded", "Dtmf", "TimerFired",
    "HangupRequested", "LeftApplication", "Gone", "Redirected", "ChannelMissing", "TransferOutcome", "CommandFailed",
    "Originate", "AnswerChannel", "StartPlayback", "StopPlayback", "StartTimer", "CancelTimer", "SaveAnswer",
    "HangupChannel", "ContinueInDialplan", "CallResult", "Done", "Event", "Command",
]
