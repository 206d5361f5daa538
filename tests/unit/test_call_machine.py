"""The call state machine, as data: events in, (phase, commands) out, one case per transition."""
from __future__ import annotations

import pytest

from ivr.calls import machine
from ivr.calls.conversation import DigitsConversation, ScriptConversation
from ivr.scripts.interpreter import Collect, Key, RecordAnswer
from ivr.scripts.loader import loads
from ivr.scripts.model import Prompt

SCRIPT = loads(
    """
name: t
version: 3
language: vi
direction: outbound
categories: [F1]
description: test
start: hello
steps:
  hello: {type: say, prompt: Xin chào., next: q}
  q:
    type: ask
    question: fever
    prompt: Có sốt không?
    timeout: 5
    max_retries: 1
    invalid: Sai phím.
    silence: Chưa nghe.
    on_exhausted: bye
    choices:
      1: {value: "yes", next: bye}
      2: {value: "no", next: bye}
      0: {value: staff, next: staff}
  staff: {type: transfer, target: staff}
  bye: {type: end, outcome: completed}
""",
    "t.yaml",
)
HELLO = Prompt("t.hello", "Xin chào.")
Q = Prompt("t.q", "Có sốt không?")
PROMPT = Prompt("adhoc.prompt", "Nhấn phím")
ALL = frozenset("0123456789*#ABCD")


def plan(conversation: machine.Conversation) -> machine.CallPlan:
    return machine.CallPlan("c1", "PJSIP/0900000001@trunk", '"So Y te" <1080>', 30, conversation,
                      media=lambda p: f"sound:{p.id}", app_args="a1", max_duration=600)


DIGITS = plan(DigitsConversation(PROMPT, max_digits=2, timeout=4))
SCRIPTED = plan(ScriptConversation(SCRIPT, {}))
ANSWERED = [machine.Ringing(), machine.Answered()]

# (name, plan, events before the one under test, event under test, expected phase, expected commands)
CASES = [
    ("ringing", DIGITS, [], machine.Ringing(), machine.Phase.RINGING, ()),
    ("answer plays the first prompt", DIGITS, [machine.Ringing()], machine.Answered(), machine.Phase.ACTIVE,
     (machine.StartTimer("max", 600), machine.StartPlayback("c1-p1", ("sound:adhoc.prompt",)))),
    ("answer without ringing", DIGITS, [], machine.Answered(), machine.Phase.ACTIVE,
     (machine.StartTimer("max", 600), machine.StartPlayback("c1-p1", ("sound:adhoc.prompt",)))),
    ("key during prompt barges in", DIGITS, ANSWERED, machine.Dtmf("1"), machine.Phase.ACTIVE,
     (machine.StopPlayback("c1-p1"), machine.StartTimer("digit-1-1", 4))),
    ("prompt end starts the digit timer", DIGITS, ANSWERED, machine.PlaybackEnded("c1-p1"), machine.Phase.ACTIVE,
     (machine.StartTimer("digit-1-0", 4),)),
    ("stale playback end is ignored", DIGITS, ANSWERED + [machine.Dtmf("1")], machine.PlaybackEnded("c1-p1"),
     machine.Phase.ACTIVE, ()),
    ("last digit records and hangs up", DIGITS, ANSWERED + [machine.Dtmf("1")], machine.Dtmf("2"), machine.Phase.HANGING_UP,
     (machine.CancelTimer("digit-1-1"), machine.SaveAnswer(RecordAnswer("digits", "prompt", "12", "12", "prompt", "1")),
      machine.CancelTimer("max"), machine.HangupChannel())),
    ("digit timeout ends input", DIGITS, ANSWERED + [machine.PlaybackEnded("c1-p1")], machine.TimerFired("digit-1-0"),
     machine.Phase.HANGING_UP, (machine.CancelTimer("max"), machine.HangupChannel())),
    ("an old digit timer is ignored", DIGITS, ANSWERED + [machine.Dtmf("1")], machine.TimerFired("digit-1-0"),
     machine.Phase.ACTIVE, ()),
    ("remote hangup while active", DIGITS, ANSWERED, machine.HangupRequested(16, 0), machine.Phase.HANGING_UP,
     (machine.CancelTimer("max"),)),
    ("max duration hangs up", DIGITS, ANSWERED, machine.TimerFired("max"), machine.Phase.HANGING_UP,
     (machine.StopPlayback("c1-p1"), machine.HangupChannel())),
    ("failed playback hangs up", DIGITS, ANSWERED, machine.CommandFailed("ari_500"), machine.Phase.HANGING_UP,
     (machine.StopPlayback("c1-p1"), machine.CancelTimer("max"), machine.HangupChannel())),
    ("key during a say is kept (type-ahead)", SCRIPTED, ANSWERED, machine.Dtmf("2"), machine.Phase.ACTIVE, ()),
    ("type-ahead answers the next question at once", SCRIPTED, ANSWERED + [machine.Dtmf("2")],
     machine.PlaybackEnded("c1-p1"), machine.Phase.HANGING_UP,
     (machine.SaveAnswer(RecordAnswer("fever", "q", "2", "no", "t", "3")), machine.CancelTimer("max"), machine.HangupChannel())),
    ("say end plays the question", SCRIPTED, ANSWERED, machine.PlaybackEnded("c1-p1"), machine.Phase.ACTIVE,
     (machine.StartPlayback("c1-p2", ("sound:t.q",)),)),
    ("0 transfers to the queue", SCRIPTED, ANSWERED + [machine.PlaybackEnded("c1-p1")], machine.Dtmf("0"),
     machine.Phase.TRANSFERRING,
     (machine.StopPlayback("c1-p2"), machine.SaveAnswer(RecordAnswer("fever", "q", "0", "staff", "t", "3")),
      machine.CancelTimer("max"), machine.ContinueInDialplan("staff-queue", "staff"))),
    ("events after the end do nothing", DIGITS, [machine.HangupRequested(17, 486), machine.Gone(17, 486)], machine.Dtmf("1"),
     machine.Phase.ENDED, ()),
]


def _run(p: machine.CallPlan, events: list[machine.Event]) -> machine.CallState:
    state, _ = machine.start(p)
    for e in events:
        state, _ = machine.step(p, state, e)
    return state


@pytest.mark.parametrize("name,p,before,event,phase,expected", CASES, ids=[c[0] for c in CASES])
def test_transition(name, p, before, event, phase, expected):
    state, commands = machine.step(p, _run(p, before), event)
    assert state.phase is phase
    assert commands == expected


def test_inbound_call_is_answered_not_dialled():
    from dataclasses import replace as _r

    state, commands = machine.start(_r(DIGITS, inbound=True))
    assert (state.phase, commands) == (machine.Phase.RINGING, (machine.AnswerChannel(),))
    state, commands = machine.step(_r(DIGITS, inbound=True), state, machine.Answered())
    assert state.phase is machine.Phase.ACTIVE and isinstance(commands[-1], machine.StartPlayback)


def test_start_originates_with_caller_id_and_timeout():
    _, commands = machine.start(DIGITS)
    assert commands == (machine.Originate("PJSIP/0900000001@trunk", "c1", '"So Y te" <1080>', 30, "a1"),)


# (name, plan, events, outcome, sip cause, answered, conversation result, keys)
ENDINGS = [
    ("busy", DIGITS, [machine.HangupRequested(17, 486), machine.Gone(17, 486)], "busy", 486, False, None, ""),
    ("declined", DIGITS, [machine.Ringing(), machine.HangupRequested(21, 603), machine.Gone(21, 603)], "rejected", 603, False, None, ""),
    ("unreachable", DIGITS, [machine.HangupRequested(19, 480), machine.Gone(19, 480)], "unreachable", 480, False, None, ""),
    ("congestion", DIGITS, [machine.HangupRequested(34, 503), machine.Gone(34, 503)], "congestion", 503, False, None, ""),
    # Asterisk's own ring timeout also says 480, but no hang-up request came from the far end.
    ("no answer", DIGITS, [machine.Ringing(), machine.Gone(19, 480)], "no_answer", 487, False, None, ""),
    ("originate refused", DIGITS, [machine.OriginateFailed("ari_400")], "failed", None, 0, None, ""),
    ("completed", DIGITS, ANSWERED + [machine.Dtmf("1"), machine.Dtmf("2"), machine.HangupRequested(16, 0), machine.Gone(16, 0)],
     "completed", 200, True, "completed", "12"),
    ("hung up early", DIGITS, ANSWERED + [machine.HangupRequested(16, 0), machine.Gone(16, 0)],
     "hung_up_early", 200, True, None, ""),
    ("silent", DIGITS, ANSWERED + [machine.PlaybackEnded("c1-p1"), machine.TimerFired("digit-1-0"), machine.Gone(16, 0)],
     "completed", 200, True, "no_input", ""),
    ("transferred", SCRIPTED, ANSWERED + [machine.Dtmf("0"), machine.PlaybackEnded("c1-p1"), machine.LeftApplication()],
     "transferred", 200, True, None, "0"),
    ("lost channel after a reconnect", DIGITS, ANSWERED + [machine.Dtmf("1"), machine.Gone(0, 0, reconciled=True)],
     "hung_up_early", 200, True, None, "1"),
    ("max duration", DIGITS, ANSWERED + [machine.TimerFired("max"), machine.HangupRequested(16, 0), machine.Gone(16, 0)],
     "failed", 200, True, None, ""),
]


@pytest.mark.parametrize("name,p,events,outcome,sip,answered,result,keys", ENDINGS, ids=[e[0] for e in ENDINGS])
def test_outcome(name, p, events, outcome, sip, answered, result, keys):
    state, _ = machine.start(p)
    done = []
    for e in events:
        state, commands = machine.step(p, state, e)
        done += [c for c in commands if isinstance(c, machine.Done)]
    assert state.phase is machine.Phase.ENDED
    assert len(done) == 1
    r = done[0].result
    assert (r.outcome, r.sip_cause, r.answered, r.result, r.keys) == (outcome, sip, bool(answered), result, keys)


def test_dtmf_flood_during_a_say_is_bounded():
    state = _run(SCRIPTED, ANSWERED + [machine.Dtmf("5")] * 100)
    assert len(state.typeahead) == machine.MAX_TYPEAHEAD
    assert len(state.keys) == 100


def test_digits_conversation_collects_until_hash():
    conv = DigitsConversation(PROMPT, max_digits=8, timeout=4)
    s, cmds = conv.start()
    assert cmds[0].collect == Collect(4, ALL)
    for key in "12":
        s, _ = conv.step(s, Key(key))
    _, cmds = conv.step(s, Key("#"))
    assert [type(c).__name__ for c in cmds] == ["RecordAnswer", "Finish"]
    assert cmds[0].value == "12"
