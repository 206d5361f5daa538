"""The call state machine, as data: events in, (phase, commands) out, one case per transition."""
from __future__ import annotations

import pytest

from ivr.calls import machine as m
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


def plan(conversation: m.Conversation) -> m.CallPlan:
    return m.CallPlan("c1", "PJSIP/0900000001@trunk", '"So Y te" <1080>', 30, conversation,
                      media=lambda p: f"sound:{p.id}", app_args="a1", max_duration=600)


DIGITS = plan(DigitsConversation(PROMPT, max_digits=2, timeout=4))
SCRIPTED = plan(ScriptConversation(SCRIPT, {}))
ANSWERED = [m.Ringing(), m.Answered()]

# (name, plan, events before the one under test, event under test, expected phase, expected commands)
CASES = [
    ("ringing", DIGITS, [], m.Ringing(), m.Phase.RINGING, ()),
    ("answer plays the first prompt", DIGITS, [m.Ringing()], m.Answered(), m.Phase.ACTIVE,
     (m.StartTimer("max", 600), m.StartPlayback("c1-p1", ("sound:adhoc.prompt",)))),
    ("answer without ringing", DIGITS, [], m.Answered(), m.Phase.ACTIVE,
     (m.StartTimer("max", 600), m.StartPlayback("c1-p1", ("sound:adhoc.prompt",)))),
    ("key during prompt barges in", DIGITS, ANSWERED, m.Dtmf("1"), m.Phase.ACTIVE,
     (m.StopPlayback("c1-p1"), m.StartTimer("digit-1-1", 4))),
    ("prompt end starts the digit timer", DIGITS, ANSWERED, m.PlaybackEnded("c1-p1"), m.Phase.ACTIVE,
     (m.StartTimer("digit-1-0", 4),)),
    ("stale playback end is ignored", DIGITS, ANSWERED + [m.Dtmf("1")], m.PlaybackEnded("c1-p1"),
     m.Phase.ACTIVE, ()),
    ("last digit records and hangs up", DIGITS, ANSWERED + [m.Dtmf("1")], m.Dtmf("2"), m.Phase.HANGING_UP,
     (m.CancelTimer("digit-1-1"), m.SaveAnswer(RecordAnswer("digits", "prompt", "12", "12", "prompt", "1")),
      m.CancelTimer("max"), m.HangupChannel())),
    ("digit timeout ends input", DIGITS, ANSWERED + [m.PlaybackEnded("c1-p1")], m.TimerFired("digit-1-0"),
     m.Phase.HANGING_UP, (m.CancelTimer("max"), m.HangupChannel())),
    ("an old digit timer is ignored", DIGITS, ANSWERED + [m.Dtmf("1")], m.TimerFired("digit-1-0"),
     m.Phase.ACTIVE, ()),
    ("remote hangup while active", DIGITS, ANSWERED, m.HangupRequested(16, 0), m.Phase.HANGING_UP,
     (m.CancelTimer("max"),)),
    ("max duration hangs up", DIGITS, ANSWERED, m.TimerFired("max"), m.Phase.HANGING_UP,
     (m.StopPlayback("c1-p1"), m.HangupChannel())),
    ("failed playback hangs up", DIGITS, ANSWERED, m.CommandFailed("ari_500"), m.Phase.HANGING_UP,
     (m.StopPlayback("c1-p1"), m.CancelTimer("max"), m.HangupChannel())),
    ("key during a say is kept (type-ahead)", SCRIPTED, ANSWERED, m.Dtmf("2"), m.Phase.ACTIVE, ()),
    ("type-ahead answers the next question at once", SCRIPTED, ANSWERED + [m.Dtmf("2")],
     m.PlaybackEnded("c1-p1"), m.Phase.HANGING_UP,
     (m.SaveAnswer(RecordAnswer("fever", "q", "2", "no", "t", "3")), m.CancelTimer("max"), m.HangupChannel())),
    ("say end plays the question", SCRIPTED, ANSWERED, m.PlaybackEnded("c1-p1"), m.Phase.ACTIVE,
     (m.StartPlayback("c1-p2", ("sound:t.q",)),)),
    ("0 transfers to the queue", SCRIPTED, ANSWERED + [m.PlaybackEnded("c1-p1")], m.Dtmf("0"),
     m.Phase.TRANSFERRING,
     (m.StopPlayback("c1-p2"), m.SaveAnswer(RecordAnswer("fever", "q", "0", "staff", "t", "3")),
      m.CancelTimer("max"), m.ContinueInDialplan("staff-queue", "staff"))),
    ("events after the end do nothing", DIGITS, [m.HangupRequested(17, 486), m.Gone(17, 486)], m.Dtmf("1"),
     m.Phase.ENDED, ()),
]


def _run(p: m.CallPlan, events: list[m.Event]) -> m.CallState:
    state, _ = m.start(p)
    for e in events:
        state, _ = m.step(p, state, e)
    return state


@pytest.mark.parametrize("name,p,before,event,phase,expected", CASES, ids=[c[0] for c in CASES])
def test_transition(name, p, before, event, phase, expected):
    state, commands = m.step(p, _run(p, before), event)
    assert state.phase is phase
    assert commands == expected


def test_inbound_call_is_answered_not_dialled():
    from dataclasses import replace as _r

    state, commands = m.start(_r(DIGITS, inbound=True))
    assert (state.phase, commands) == (m.Phase.RINGING, (m.AnswerChannel(),))
    state, commands = m.step(_r(DIGITS, inbound=True), state, m.Answered())
    assert state.phase is m.Phase.ACTIVE and isinstance(commands[-1], m.StartPlayback)


def test_start_originates_with_caller_id_and_timeout():
    _, commands = m.start(DIGITS)
    assert commands == (m.Originate("PJSIP/0900000001@trunk", "c1", '"So Y te" <1080>', 30, "a1"),)


# (name, plan, events, outcome, sip cause, answered, conversation result, keys)
ENDINGS = [
    ("busy", DIGITS, [m.HangupRequested(17, 486), m.Gone(17, 486)], "busy", 486, False, None, ""),
    ("declined", DIGITS, [m.Ringing(), m.HangupRequested(21, 603), m.Gone(21, 603)], "rejected", 603, False, None, ""),
    ("unreachable", DIGITS, [m.HangupRequested(19, 480), m.Gone(19, 480)], "unreachable", 480, False, None, ""),
    ("congestion", DIGITS, [m.HangupRequested(34, 503), m.Gone(34, 503)], "congestion", 503, False, None, ""),
    # Asterisk's own ring timeout also says 480, but no hang-up request came from the far end.
    ("no answer", DIGITS, [m.Ringing(), m.Gone(19, 480)], "no_answer", 487, False, None, ""),
    ("originate refused", DIGITS, [m.OriginateFailed("ari_400")], "failed", None, 0, None, ""),
    ("completed", DIGITS, ANSWERED + [m.Dtmf("1"), m.Dtmf("2"), m.HangupRequested(16, 0), m.Gone(16, 0)],
     "completed", 200, True, "completed", "12"),
    ("hung up early", DIGITS, ANSWERED + [m.HangupRequested(16, 0), m.Gone(16, 0)],
     "hung_up_early", 200, True, None, ""),
    ("silent", DIGITS, ANSWERED + [m.PlaybackEnded("c1-p1"), m.TimerFired("digit-1-0"), m.Gone(16, 0)],
     "completed", 200, True, "no_input", ""),
    ("transferred", SCRIPTED, ANSWERED + [m.Dtmf("0"), m.PlaybackEnded("c1-p1"), m.LeftApplication()],
     "transferred", 200, True, None, "0"),
    ("lost channel after a reconnect", DIGITS, ANSWERED + [m.Dtmf("1"), m.Gone(0, 0, reconciled=True)],
     "hung_up_early", 200, True, None, "1"),
    ("max duration", DIGITS, ANSWERED + [m.TimerFired("max"), m.HangupRequested(16, 0), m.Gone(16, 0)],
     "failed", 200, True, None, ""),
]


@pytest.mark.parametrize("name,p,events,outcome,sip,answered,result,keys", ENDINGS, ids=[e[0] for e in ENDINGS])
def test_outcome(name, p, events, outcome, sip, answered, result, keys):
    state, _ = m.start(p)
    done = []
    for e in events:
        state, commands = m.step(p, state, e)
        done += [c for c in commands if isinstance(c, m.Done)]
    assert state.phase is m.Phase.ENDED
    assert len(done) == 1
    r = done[0].result
    assert (r.outcome, r.sip_cause, r.answered, r.result, r.keys) == (outcome, sip, bool(answered), result, keys)


def test_dtmf_flood_during_a_say_is_bounded():
    state = _run(SCRIPTED, ANSWERED + [m.Dtmf("5")] * 100)
    assert len(state.typeahead) == m.MAX_TYPEAHEAD
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
