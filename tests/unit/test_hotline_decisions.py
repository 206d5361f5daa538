"""The hotline's pure decisions, as data: routing, the inbound outcome, callback recognition, staff hours,
following a caller through the queue."""
from __future__ import annotations

import datetime as dt

import pytest

from ivr.ari import events as ev
from ivr.errors import UserError
from ivr.hotline import queue_watch as qw
from ivr.hotline.hours import parse_staff_hours, spoken_hours
from ivr.hotline.recognition import AttemptFacts, CallbackChoice, choose_callback
from ivr.hotline.routing import InboundFacts, Route, inbound_outcome, route

R, P, D = "running", "pending", "done"
T0 = dt.datetime(2021, 7, 15, 2, 0, tzinfo=dt.timezone.utc)


# -- routing ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("entry, recognised, draining, can_call_back, expected", [
    ("hotline", False, False, True, Route.MENU),
    ("hotline", True, False, True, Route.CAMPAIGN),
    ("hotline", True, True, True, Route.REJECT),
    ("hotline", False, True, False, Route.REJECT),
    ("queue-timeout", False, False, True, Route.CALLBACK_OFFER),
    ("queue-timeout", False, False, False, Route.REQUEUE),  # withheld number: nobody to call back
    ("queue-timeout", False, True, True, Route.REQUEUE),  # shutting down: keep waiting, the next service offers
    ("c1f2e3d4", False, False, True, Route.IGNORE),  # a robot call's pseudonym: not ours
    ("", False, False, True, Route.IGNORE),
])
def test_route(entry: str, recognised: bool, draining: bool, can_call_back: bool, expected: Route) -> None:
    assert route(entry, recognised=recognised, draining=draining, can_call_back=can_call_back) is expected


@pytest.mark.parametrize("facts, expected", [
    (InboundFacts(answered_by="staff1", joined_queue=True), "staff"),
    (InboundFacts(joined_queue=True, callback_requested=True), "callback_requested"),
    (InboundFacts(joined_queue=True), "abandoned"),
    (InboundFacts(joined_queue=True, script_result="incomplete"), "abandoned"),
    (InboundFacts(script_result="completed"), "declared"),
    (InboundFacts(script_result="symptomatic", heard_info=True), "declared"),
    (InboundFacts(script_result="wrong_person"), "declared"),
    (InboundFacts(script_result="incomplete"), "staff_unavailable"),
    (InboundFacts(script_result="no_input"), "no_input"),
    (InboundFacts(heard_info=True), "informed"),
    (InboundFacts(), "hung_up"),
    (InboundFacts(failed=True), "failed"),
    (InboundFacts(rejected=True), "rejected"),
])
def test_inbound_outcome(facts: InboundFacts, expected: str) -> None:
    assert inbound_outcome(facts) == expected


# -- callback recognition -----------------------------------------------------------------------------------
def a(attempt_id: int, campaign: int, no: int, status: str, outcome: str | None = None, *, camp: str = R,
      minutes: int = 0, contact: int = 7, opted_out: bool = False) -> AttemptFacts:
    return AttemptFacts(attempt_id, campaign, camp, contact, 3, no, status, outcome,
                        T0 + dt.timedelta(minutes=minutes), opted_out)


@pytest.mark.parametrize("facts, expected", [
    ([], None),
    ([a(1, 10, 1, P)], CallbackChoice(10, 7, 3, 1, 1)),  # not called yet: their call stands in for it
    ([a(1, 10, 1, D, "no_answer"), a(2, 10, 2, P, minutes=30)], CallbackChoice(10, 7, 3, 2, 2)),
    ([a(1, 10, 1, D, "busy"), a(2, 10, 2, D, "no_answer"), a(3, 10, 3, D, "no_answer")],
     CallbackChoice(10, 7, 3, None, 4)),  # retries used up: a new attempt records this call
    ([a(1, 10, 1, D, "hung_up_early")], CallbackChoice(10, 7, 3, None, 2)),
    ([a(1, 10, 1, D, "congestion")], CallbackChoice(10, 7, 3, None, 2)),
    ([a(1, 10, 1, D, "completed")], None),  # reached already
    ([a(1, 10, 1, D, "no_input"), a(2, 10, 2, D, "symptomatic")], None),
    ([a(1, 10, 1, D, "rejected")], None),
    ([a(1, 10, 1, P, camp="paused")], CallbackChoice(10, 7, 3, 1, 1)),
    ([a(1, 10, 1, P, camp="draft")], None),
    ([a(1, 10, 1, P, camp="completed")], None),
    ([a(1, 10, 1, P, opted_out=True)], None),
    ([a(1, 10, 1, "dialing"), a(2, 11, 1, P)], None),  # the robot is calling that phone right now
    ([a(1, 10, 1, "claimed")], None),
    # two campaigns waiting: the most overdue call wins
    ([a(1, 10, 1, P, minutes=20), a(2, 11, 1, P, minutes=5, contact=8)], CallbackChoice(11, 8, 3, 2, 1)),
    ([a(1, 10, 1, D, "completed"), a(2, 11, 1, D, "no_answer", contact=8)], CallbackChoice(11, 8, 3, None, 2)),
])
def test_choose_callback(facts: list[AttemptFacts], expected: CallbackChoice | None) -> None:
    assert choose_callback(facts) == expected


# -- staff hours --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec, local, open_, said", [
    ("07:00-21:00", "07:00", True, "từ 7 giờ đến 21 giờ"),
    ("07:00-21:00", "06:59", False, "từ 7 giờ đến 21 giờ"),
    ("07:00-21:00", "20:59", True, "từ 7 giờ đến 21 giờ"),
    ("07:00-21:00", "21:00", False, "từ 7 giờ đến 21 giờ"),
    ("7:30 - 20:30", "07:45", True, "từ 7 giờ 30 đến 20 giờ 30"),
    ("22:00-06:00", "23:30", True, "từ 22 giờ đến 6 giờ"),  # a night shift spans midnight
    ("22:00-06:00", "12:00", False, "từ 22 giờ đến 6 giờ"),
])
def test_staff_hours(spec: str, local: str, open_: bool, said: str) -> None:
    window = parse_staff_hours(spec, "Asia/Ho_Chi_Minh")
    at = dt.datetime.combine(dt.date(2021, 7, 15), dt.time.fromisoformat(local), tzinfo=window.zone)
    assert (window.contains(at), spoken_hours(window)) == (open_, said)


@pytest.mark.parametrize("spec, zone, message", [
    ("7-21", "Asia/Ho_Chi_Minh", "hotline.staff_hours: expected HH:MM-HH:MM such as 07:00-21:00, got '7-21'"),
    ("07:00-25:00", "Asia/Ho_Chi_Minh", "hotline.staff_hours: '07:00-25:00' is not a time of day"),
    ("08:00-08:00", "Asia/Ho_Chi_Minh", "hotline.staff_hours: '08:00-08:00' starts and ends at the same time"),
    ("07:00-21:00", "Asia/Hanoi_x", "hotline.timezone: unknown time zone 'Asia/Hanoi_x'"),
])
def test_bad_staff_hours(spec: str, zone: str, message: str) -> None:
    with pytest.raises(UserError) as err:
        parse_staff_hours(spec, zone)
    assert str(err.value).startswith(message)


# -- following a caller through the queue -------------------------------------------------------------------
CH = "1700000000.1"


def varset(name: str, value: str) -> ev.ChannelVarset:
    return ev.ChannelVarset(CH, name, value)


# events as (seconds since joining, event); expected result (answered by, waited, abandoned, timed out, over)
QUEUE_CASES = {
    "answered": ([(0.5, ev.StasisEnd(CH)), (12.0, varset("QEHOLDTIME", "11")), (12.0, varset("MEMBERNAME", "staff1")),
                  (95.0, ev.ChannelDestroyed(CH, 16))], ("staff1", 11.0, False, False, True)),
    "answered, no hold time variable": ([(7.0, varset("MEMBERNAME", "staff2"))], ("staff2", 7.0, False, False, False)),
    "abandoned": ([(9.0, ev.ChannelHangupRequest(CH, 16)), (9.5, ev.ChannelDestroyed(CH, 16))],
                  (None, 9.5, True, False, True)),
    "timed out": ([(60.0, varset("QEHOLDTIME", "60")), (60.0, varset("QUEUESTATUS", "TIMEOUT")),
                   (60.1, ev.StasisStart(CH, ("queue-timeout", "TIMEOUT")))], (None, 60.0, False, True, True)),
    "still waiting": ([(3.0, varset("QUEUE_WAIT", "60"))], (None, 20.0, False, False, False)),
    "events after the end change nothing": ([(4.0, ev.ChannelDestroyed(CH)), (5.0, varset("MEMBERNAME", "staff1"))],
                                            (None, 4.0, True, False, True)),
}


@pytest.mark.parametrize("events, expected", QUEUE_CASES.values(), ids=QUEUE_CASES.keys())
def test_queue_watch(events: list[tuple[float, ev.AriEvent]], expected: tuple) -> None:
    wait = qw.QueueWait(joined_at=100.0)
    for at, event in events:
        wait = qw.on_event(wait, event, 100.0 + at)
    r = qw.result(wait, now=120.0)
    assert (r.answered_by, r.waited, r.abandoned, r.timed_out, wait.over) == expected
    assert wait.settled == (wait.over or r.answered_by is not None)


def test_the_inbound_call_acts_on_every_route() -> None:
    """Every route routing.route can give is handled by name in the inbound call (none falls through)."""
    from pathlib import Path

    from ivr.hotline import inbound

    source = Path(inbound.__file__).read_text(encoding="utf-8")
    assert [r.name for r in Route if f"rt.Route.{r.name}" not in source] == []
