"""The call machine under DTMF floods and odd keys, over the shipped Vietnamese scripts (Hypothesis).

Random interleavings of keys (0-9 * # A-D and keys no keypad sends), playback ends (of the current
playback and of stale ones), digit timers (current and stale), the call's maximum duration, transfer
results, hang-up requests and the channel's end are fed to the pure machine. After every event:

- the machine never raises, and once Done is out no event gives a command;
- at most one playback plays: a StartPlayback comes only when the previous one was stopped or ended;
- timers are started once and cancelled only while running;
- the type-ahead buffer stays within machine.MAX_TYPEAHEAD;
- every SaveAnswer is a choice of the ask it names (key, value and question id from the script), and a
  question is answered once per call unless the script itself leads back to its ask (the hotline menu);
- nothing is played or saved after the machine asked to hang up;
- when the channel is gone there has been exactly one Done, with an outcome from outcomes.TELEPHONY_OUTCOMES.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr.calls import machine as m
from ivr.calls.conversation import ScriptConversation
from ivr.calls.outcomes import TELEPHONY_OUTCOMES
from ivr.config import PROJECT_ROOT
from ivr.scripts.checker import load_checked
from ivr.scripts.model import AskStep, Script

pytestmark = pytest.mark.slow

SCRIPTS_DIR = PROJECT_ROOT / "scripts_vi"
SCRIPT_NAMES = ("f1_daily", "hotline", "f2_daily")
SCRIPTS = {name: load_checked(SCRIPTS_DIR / f"{name}.yaml", SCRIPTS_DIR) for name in SCRIPT_NAMES}
VARIABLES = {"ho_ten": "Nguyễn Văn An", "dia_chi": "số 5 Lê Lợi", "ngay_cach_ly": "5"}
KEYS = tuple("0123456789*#ABCD")
ODD_KEYS = ("E", "", "11", "é", "\x00", " ", "**", "a", "٣")
# Event kinds, repeated to weight them: floods of keys, with everything else in between.
KINDS = (("key",) * 8 + ("odd_key", "ended", "ended", "ended", "stale_ended", "timer", "timer", "stale_timer",
                          "max", "transfer_failed", "transfer_ok", "left", "hangup"))
MACHINE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def plan(script: Script) -> m.CallPlan:
    return m.CallPlan("c1", "PJSIP/0900000001@trunk", '"Sở Y tế" <1080>', 30, ScriptConversation(script, VARIABLES),
                      media=lambda p: "sound:" + p.id, max_duration=600)


def repeatable_questions(script: Script) -> set[str]:
    """Questions whose ask the script itself leads back to by answering (e.g. menu -> info -> menu)."""
    edges = {s.id: {t for t, via, _ in script.successors(s) if via != "on_exhausted"} for s in script.steps.values()}
    out = set()
    for step in script.steps.values():
        seen, todo = set(), list(edges[step.id])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(edges.get(node, ()))
        if isinstance(step, AskStep) and step.id in seen:
            out.add(step.question_id)
    return out


@dataclass
class Observer:
    """What the commands so far imply about the telephony side, checked as each batch comes out."""

    script: Script
    repeatable: set[str]
    playing: set[str] = field(default_factory=set)
    started: list[str] = field(default_factory=list)
    timers: set[str] = field(default_factory=set)
    fired: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    done: list[m.CallResult] = field(default_factory=list)
    hung_up: bool = False

    def event(self, event: m.Event) -> None:
        """The telephony side of an event: a playback that ended, a timer that fired, stops."""
        if isinstance(event, m.PlaybackEnded):
            self.playing.discard(event.playback_id)
        if isinstance(event, m.TimerFired) and event.token in self.timers:
            self.timers.discard(event.token)
            self.fired.append(event.token)

    def commands(self, commands: tuple[m.Command, ...]) -> None:
        if self.done:
            assert commands == (), f"commands after Done: {commands}"
        for command in commands:
            self.command(command)

    def command(self, c: m.Command) -> None:
        if isinstance(c, m.StartPlayback):
            assert not self.hung_up, "playback after the hang-up"
            assert not self.playing, f"{c.playback_id} starts while {self.playing} still plays"
            assert c.media and all(x.startswith("sound:") for x in c.media)
            self.playing.add(c.playback_id)
            self.started.append(c.playback_id)
        elif isinstance(c, m.StopPlayback):
            assert c.playback_id in self.playing, f"stops {c.playback_id}, which is not playing"
            self.playing.discard(c.playback_id)
        elif isinstance(c, m.StartTimer):
            assert c.token not in self.timers, f"timer {c.token} started twice"
            self.timers.add(c.token)
        elif isinstance(c, m.CancelTimer):
            assert c.token in self.timers, f"cancels timer {c.token}, which is not running"
            self.timers.discard(c.token)
        elif isinstance(c, m.SaveAnswer):
            self.answer(c)
        elif isinstance(c, m.HangupChannel):
            self.hung_up = True
        elif isinstance(c, m.Done):
            assert c.result.outcome in TELEPHONY_OUTCOMES
            self.done.append(c.result)

    def answer(self, c: m.SaveAnswer) -> None:
        assert not self.hung_up, "answer saved after the hang-up"
        a = c.answer
        ask = self.script.steps[a.step_id]
        assert isinstance(ask, AskStep) and ask.question_id == a.question_id
        assert a.key in ask.choices and ask.choices[a.key].value == a.value
        assert (a.script, a.version) == (self.script.name, str(self.script.version))
        if a.question_id not in self.repeatable:
            assert a.question_id not in self.answered, f"question {a.question_id} answered twice"
        self.answered.append(a.question_id)


def draw_event(data: st.DataObject, state: m.CallState, observer: Observer) -> m.Event:
    kind = data.draw(st.sampled_from(KINDS), label="kind")
    if kind == "key":
        return m.Dtmf(data.draw(st.sampled_from(KEYS), label="key"))
    if kind == "odd_key":
        return m.Dtmf(data.draw(st.sampled_from(ODD_KEYS), label="odd key"))
    if kind == "ended" and state.playback_id is not None:
        return m.PlaybackEnded(state.playback_id)
    if kind in ("ended", "stale_ended"):
        stale = observer.started + ["c1-p999", "other-p1"]
        return m.PlaybackEnded(data.draw(st.sampled_from(stale), label="stale playback"))
    if kind == "timer" and state.digit_timer is not None:
        return m.TimerFired(state.digit_timer)
    if kind in ("timer", "stale_timer"):
        return m.TimerFired(data.draw(st.sampled_from(observer.fired + ["digit-0-0", "digit-99-99"]), label="stale"))
    if kind == "max":
        return m.TimerFired(m.MAX_TIMER)
    if kind in ("transfer_failed", "transfer_ok"):
        return m.TransferOutcome(kind == "transfer_ok")
    if kind == "left":
        return m.LeftApplication()
    return m.HangupRequested(16, 0)


def feed(p: m.CallPlan, state: m.CallState, event: m.Event, observer: Observer) -> m.CallState:
    observer.event(event)
    state, commands = m.step(p, state, event)
    observer.commands(commands)
    assert len(state.typeahead) <= m.MAX_TYPEAHEAD
    return state


def run_call(data: st.DataObject, name: str, events: int) -> Observer:
    script = SCRIPTS[name]
    p = plan(script)
    observer = Observer(script, repeatable_questions(script))
    state, commands = m.start(p)
    observer.commands(commands)
    for event in (m.Ringing(), m.Answered()):
        state = feed(p, state, event, observer)
    for _ in range(events):
        state = feed(p, state, draw_event(data, state, observer), observer)
    gone = m.Gone(16, 0, reconciled=data.draw(st.booleans(), label="reconciled"))
    state = feed(p, state, gone, observer)
    assert state.phase is m.Phase.ENDED
    assert len(observer.done) == 1, f"{len(observer.done)} Done commands"
    feed(p, state, m.Dtmf("1"), observer)  # after the end: nothing
    return observer


@MACHINE
@given(data=st.data(), name=st.sampled_from(SCRIPT_NAMES), events=st.integers(min_value=0, max_value=120))
def test_random_interleavings(data: st.DataObject, name: str, events: int) -> None:
    run_call(data, name, events)


@pytest.mark.parametrize("name", ["f1_daily", "f2_daily"])
def test_daily_scripts_ask_each_question_once(name: str) -> None:
    """In the daily scripts no answer leads back to a question, so the property above is strict there."""
    assert repeatable_questions(SCRIPTS[name]) == set()


@MACHINE
@given(data=st.data(), name=st.sampled_from(SCRIPT_NAMES), keys=st.integers(min_value=1, max_value=200))
def test_flood_during_the_greeting(data: st.DataObject, name: str, keys: int) -> None:
    """A flood while the (non-interruptible) greeting plays is kept up to MAX_TYPEAHEAD keys, the rest
    dropped; when the greeting ends the kept keys answer the questions that follow, as if typed ahead."""
    script = SCRIPTS[name]
    p = plan(script)
    observer = Observer(script, repeatable_questions(script))
    state, _ = m.start(p)
    for event in (m.Ringing(), m.Answered()):
        state = feed(p, state, event, observer)
    for _ in range(keys):
        state = feed(p, state, m.Dtmf(data.draw(st.sampled_from(KEYS + ODD_KEYS), label="key")), observer)
    assert len(state.typeahead) == min(keys, m.MAX_TYPEAHEAD)
    while state.phase is m.Phase.ACTIVE and state.playback_id is not None and len(observer.started) < 100:
        state = feed(p, state, m.PlaybackEnded(state.playback_id), observer)
    state = feed(p, state, m.Gone(16, 0), observer)
    assert len(observer.done) == 1


# F1 with one key pressed at every question, each prompt heard to the end: (key, conversation result).
# 1 = yes to everything (fever is a symptom), 2 = not the person, 0 = staff, * = hear the question again
# (for ever, until the resident hangs up); any other key is wrong: two retries, then "no input".
F1_ONE_KEY = [("1", "symptomatic"), ("2", "wrong_person"), ("0", None), ("*", None),
              *((k, "no_input") for k in "3456789#ABCD"), *((k, "no_input") for k in ODD_KEYS)]


@pytest.mark.parametrize(("key", "result"), F1_ONE_KEY)
def test_f1_with_one_key_at_every_step(key: str, result: str | None) -> None:
    script = SCRIPTS["f1_daily"]
    p = plan(script)
    observer = Observer(script, repeatable_questions(script))
    state, _ = m.start(p)
    for event in (m.Ringing(), m.Answered()):
        state = feed(p, state, event, observer)
    for _ in range(100):
        if state.phase is not m.Phase.ACTIVE:
            break
        event = m.PlaybackEnded(state.playback_id) if state.playback_id else m.Dtmf(key)
        state = feed(p, state, event, observer)
    expected_phase = {"0": m.Phase.TRANSFERRING, "*": m.Phase.ACTIVE}.get(key, m.Phase.HANGING_UP)
    assert (state.phase, state.finished_with) == (expected_phase, result)
    state = feed(p, state, m.Gone(16, 0), observer)
    assert len(observer.done) == 1
