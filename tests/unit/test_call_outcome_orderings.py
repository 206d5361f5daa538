"""How a call ends, whatever order its last events come in: the final response (the far end's hang-up
request with its SIP code), ChannelDestroyed, StasisEnd and the watchdog's tick that finds the channel gone.

The watchdog's tick (ARI 404) never decides the outcome: the machine waits ``lost_grace`` for the real
events, and only when the grace runs out with nothing known does it say ``lost``, with no SIP code.
Every one of the 24 orderings of the four events is a case, for each kind of ending.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from ivr.calls import machine
from ivr.calls.conversation import DigitsConversation
from ivr.scripts.model import Prompt

PLAN = machine.CallPlan("c1", "PJSIP/0900000001@trunk", '"So Y te" <1080>', 30,
                  DigitsConversation(Prompt("adhoc.prompt", "Nhấn phím"), max_digits=2, timeout=4),
                  media=lambda p: f"sound:{p.id}", app_args="a1", lost_grace=3.0)
TICK = machine.ChannelMissing()
LOST = machine.TimerFired(machine.LOST_TIMER)
ANSWERED = (machine.Ringing(), machine.Answered())


@dataclass(frozen=True)
class Ending:
    name: str
    before: tuple[machine.Event, ...]  # the call up to its end
    final: machine.Event  # the far end's final response / hang-up request
    destroyed: machine.Gone
    expected: tuple[str, int | None, int]  # outcome, SIP cause, hang-up cause
    # What ChannelDestroyed alone says, when it comes before the hang-up request (Asterisk never sends them
    # in that order for one channel; the table still pins what happens). None: the same as ``expected``.
    destroyed_first: tuple[str, int | None, int] | None = None


ENDINGS = [
    Ending("486 busy", (machine.Ringing(),), machine.HangupRequested(17, 486), machine.Gone(17, 486), ("busy", 486, 17)),
    Ending("603 decline", (machine.Ringing(),), machine.HangupRequested(21, 603), machine.Gone(21, 603), ("rejected", 603, 21)),
    # Asterisk's own ring timeout gives the same ChannelDestroyed (19, 480) with no hang-up request before it.
    Ending("480 unavailable", (machine.Ringing(),), machine.HangupRequested(19, 480), machine.Gone(19, 480),
           ("unreachable", 480, 19), destroyed_first=("no_answer", 487, 19)),
    Ending("302 redirect", (), machine.HangupRequested(23, 302), machine.Gone(23, 302), ("redirected", 302, 23)),
    # Asterisk sometimes reports a redirect only by trying to follow it (a Dial event with "forward"):
    Ending("302 seen only as a forward", (machine.Redirected(),), machine.HangupRequested(23, 0), machine.Gone(0, 0),
           ("redirected", None, 0)),
    Ending("answered, BYE", ANSWERED, machine.HangupRequested(16, 0), machine.Gone(16, 0), ("hung_up_early", 200, 16)),
    Ending("answered, BYE without Reason", ANSWERED, machine.HangupRequested(0, 0), machine.Gone(0, 0),
           ("hung_up_early", 200, 16)),
    Ending("answered, RTP timeout", ANSWERED, machine.HangupRequested(1, 0), machine.Gone(44, 0), ("rtp_timeout", 200, 44)),
    Ending("finished, our hang-up", ANSWERED + (machine.Dtmf("1"), machine.Dtmf("2")), machine.HangupRequested(16, 0),
           machine.Gone(16, 0), ("completed", 200, 16)),
]
ORDERS = list(itertools.permutations(("final", "destroyed", "stasis_end", "tick")))
CASES = [(e, order) for e in ENDINGS for order in ORDERS]


def run(events: list[machine.Event]) -> tuple[list[machine.Done], list[machine.Command]]:
    state, commands = machine.start(PLAN)
    done: list[machine.Done] = []
    issued: list[machine.Command] = list(commands)
    for event in events:
        state, commands = machine.step(PLAN, state, event)
        issued += commands
        done += [c for c in commands if isinstance(c, machine.Done)]
    assert state.phase is machine.Phase.ENDED
    return done, issued


@pytest.mark.parametrize("ending,order", CASES, ids=[f"{e.name}:{'-'.join(o)}" for e, o in CASES])
def test_every_ordering_gives_the_real_outcome(ending: Ending, order: tuple[str, ...]) -> None:
    by_name = {"final": ending.final, "destroyed": ending.destroyed, "stasis_end": machine.LeftApplication(), "tick": TICK}
    # The grace timer fires last: every real event came within it.
    done, issued = run([*ending.before, *(by_name[n] for n in order), LOST])
    assert len(done) == 1
    r = done[0].result
    expected = ending.expected
    if ending.destroyed_first and order.index("destroyed") < order.index("final"):
        expected = ending.destroyed_first
    assert (r.outcome, r.sip_cause, r.hangup_cause) == expected
    ticked_before_end = order.index("tick") < order.index("destroyed")
    assert issued.count(machine.StartTimer(machine.LOST_TIMER, 3.0)) == (1 if ticked_before_end else 0)


# The watchdog concludes alone: the grace ran out before ChannelDestroyed (late events change nothing).
ALONE = [
    ("nothing known while ringing", (machine.Ringing(), TICK, LOST), ("lost", None, 0)),
    ("nothing known before ringing", (TICK, LOST), ("lost", None, 0)),
    ("nothing known while talking", ANSWERED + (TICK, LOST), ("lost", 200, 0)),
    ("a second tick does not restart the grace", (machine.Ringing(), TICK, TICK, LOST), ("lost", None, 0)),
    ("the hang-up request came: its SIP code is real", (machine.Ringing(), machine.HangupRequested(17, 486), TICK, LOST),
     ("busy", 486, 17)),
    ("603 came, ChannelDestroyed did not", (machine.Ringing(), machine.HangupRequested(21, 603), TICK, LOST),
     ("rejected", 603, 21)),
    ("480 came, ChannelDestroyed did not", (machine.Ringing(), machine.HangupRequested(19, 480), TICK, LOST),
     ("unreachable", 480, 19)),
    ("the resident hung up, ChannelDestroyed did not come", ANSWERED + (machine.HangupRequested(16, 0), TICK, LOST),
     ("hung_up_early", 200, 16)),
    ("finished conversation, ChannelDestroyed did not come", ANSWERED + (machine.Dtmf("1"), machine.Dtmf("2"), TICK, LOST),
     ("completed", 200, 0)),
    ("a redirect was seen, nothing else", (machine.Redirected(), TICK, LOST), ("redirected", None, 0)),
    ("late events after the grace change nothing", (machine.Ringing(), TICK, LOST, machine.HangupRequested(17, 486),
                                                    machine.Gone(17, 486)), ("lost", None, 0)),
]


@pytest.mark.parametrize("name,events,expected", ALONE, ids=[a[0] for a in ALONE])
def test_the_watchdog_alone_never_invents_a_sip_code(name: str, events: tuple[machine.Event, ...],
                                                     expected: tuple[str, int | None, int]) -> None:
    done, _ = run(list(events))
    assert len(done) == 1
    r = done[0].result
    assert (r.outcome, r.sip_cause, r.hangup_cause) == expected


def test_the_grace_timer_survives_the_hangup_and_is_cancelled_at_the_end() -> None:
    # A tick while talking, then the resident hangs up: the call's own timers go, the grace stays.
    state, _ = machine.start(PLAN)
    for event in ANSWERED + (TICK,):
        state, _ = machine.step(PLAN, state, event)
    state, commands = machine.step(PLAN, state, machine.HangupRequested(16, 0))
    assert machine.CancelTimer(machine.LOST_TIMER) not in commands and machine.LOST_TIMER in state.timers
    state, commands = machine.step(PLAN, state, machine.Gone(16, 0))
    assert machine.CancelTimer(machine.LOST_TIMER) in commands


def test_every_outcome_has_a_retry_rule_a_report_label_and_a_chart_colour() -> None:
    from ivr import labels as staff_labels
    from ivr.calls import outcomes
    from ivr.reports import charts, labels

    for outcome in outcomes.ATTEMPT_OUTCOMES | set(outcomes.TELEPHONY_OUTCOMES):
        groups = [g for g in (outcomes.NO_ANSWER, outcomes.NETWORK, outcomes.UNFINISHED, outcomes.DECLINED, outcomes.AWAY,
                                outcomes.FINAL)
                  if outcome in g]
        assert len(groups) == 1, f"{outcome}: one retry rule, got {len(groups)}"
        assert labels.outcome(outcome) != outcome, f"{outcome}: no Vietnamese label in the reports"
        assert outcome in charts.COLOURS, f"{outcome}: no colour in the charts"
        assert outcome in staff_labels.OUTCOMES, f"{outcome}: no label in the staff's tables (ivr/labels.py)"


def test_a_followed_redirect_reaches_the_call_as_an_event_without_the_number() -> None:
    from ivr.ari import events as ev
    from ivr.calls.session import translate

    forwarded = ev.parse({"type": "Dial", "peer": {"id": "rc-a1"}, "forward": "0919999999", "dialstatus": "CANCEL"})
    assert forwarded == ev.DialForwarded("rc-a1") and "0919999999" not in repr(forwarded)
    assert translate(forwarded) == machine.Redirected()
    assert ev.parse({"type": "Dial", "peer": {"id": "rc-a1"}, "forward": "", "dialstatus": "RINGING"}) is None


# A reconnect finds the channel gone and no event said how (e.g. the PBX restarted): only what was seen counts.
RECONCILED = [
    ("ringing when the PBX went away", (machine.Ringing(), machine.Gone(0, 0, reconciled=True)), ("lost", None)),
    ("before ringing", (machine.Gone(0, 0, reconciled=True),), ("lost", None)),
    ("a 486 was seen first", (machine.Ringing(), machine.HangupRequested(17, 486),
                              machine.Gone(0, 0, reconciled=True)), ("busy", 486)),
    ("talking when the PBX went away", ANSWERED + (machine.Gone(0, 0, reconciled=True),), ("hung_up_early", 200)),
]


@pytest.mark.parametrize("name,events,expected", RECONCILED, ids=[r[0] for r in RECONCILED])
def test_a_channel_found_gone_after_a_reconnect_is_never_guessed(name: str, events: tuple[machine.Event, ...],
                                                                  expected: tuple[str, int | None]) -> None:
    done, _ = run(list(events))
    assert [(d.result.outcome, d.result.sip_cause) for d in done] == [expected]
