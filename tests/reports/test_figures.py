"""The figures' rules, as tables (no database): which figures one case counts in on a day, the hotline's
figures, and which answers the shipped scripts flag as symptoms."""
from __future__ import annotations

import datetime as dt

import pytest

from ivr.config import PROJECT_ROOT
from ivr.reports.facts import AttemptFact, InboundFact, day_window, month_days
from ivr.reports.figures import Figures, case_flags, hotline_figures
from ivr.reports.symptoms import SymptomRules, symptom_choices
from ivr.scripts.checker import load_checked
from seed import ZONE

SCRIPTS = PROJECT_ROOT / "scripts_vi"
DAY = dt.date(2021, 7, 15)
WINDOW = day_window(DAY, ZONE)


def at(hhmm: str, day: int = 0) -> dt.datetime:
    h, m = map(int, hhmm.split(":"))
    local = dt.datetime.combine(DAY + dt.timedelta(days=day), dt.time(h, m), tzinfo=ZONE)
    return local.astimezone(dt.timezone.utc)


def attempt(no: int = 1, scheduled: str = "08:00", started: str | None = "08:00", answered: bool = False,
            outcome: str | None = "no_answer", status: str = "done", last: bool = True, sday: int = 0,
            day: int = 0, ended: str | None = None, eday: int = 0, id: int = 1) -> AttemptFact:
    start = at(started, day) if started else None
    return AttemptFact(id=id, campaign_id=1, contact_id=1, household_id=1, attempt_no=no, status=status,
                       scheduled_at=at(scheduled, sday), started_at=start,
                       answered_at=start + dt.timedelta(seconds=3) if answered and start else None,
                       ended_at=at(ended, eday) if ended else (start + dt.timedelta(minutes=1) if start else None),
                       outcome=outcome, is_last=last, category="F1", district=None, ward=None)


CASES = [
    ("answered and finished", [attempt(answered=True, outcome="completed")], set(),
     {"due", "called", "reached", "completed"}),
    ("wrong person is a finished script", [attempt(answered=True, outcome="wrong_person")], set(),
     {"due", "called", "reached", "completed"}),
    ("symptomatic outcome", [attempt(answered=True, outcome="symptomatic")], set(),
     {"due", "called", "reached", "completed", "symptomatic"}),
    ("a symptom answer on a call cut short", [attempt(answered=True, outcome="hung_up_early", id=7)], {7},
     {"due", "called", "reached", "symptomatic"}),
    ("no answer, last attempt", [attempt()], set(), {"due", "called", "unreachable"}),
    ("no answer, a retry exists", [attempt(last=False)], set(), {"due", "called"}),
    ("rejected is final", [attempt(outcome="rejected")], set(), {"due", "called", "unreachable"}),
    ("still dialling", [attempt(outcome=None, status="dialing")], set(), {"due", "called"}),
    ("due, not called yet", [attempt(started=None, outcome=None, status="pending")], set(), {"due"}),
    ("due yesterday, called today", [attempt(sday=-1, scheduled="20:30")], set(), {"due", "called", "unreachable"}),
    ("called at 23:59 Hanoi", [attempt(started="23:59", scheduled="23:59")], set(), {"due", "called", "unreachable"}),
    ("called at 00:01 the next day", [attempt(started="00:01", day=1, scheduled="00:01", sday=1)], set(), set()),
    ("opted out on the call", [attempt(answered=True, outcome="opted_out")], set(),
     {"due", "called", "reached", "opted_out"}),
    ("pending call closed by an opt-out", [attempt(started=None, outcome="opted_out", sday=-1, ended="11:30")],
     set(), {"opted_out"}),
    ("closed by an opt-out yesterday", [attempt(started=None, outcome="opted_out", sday=-1, ended="11:30",
                                                eday=-1)], set(), set()),
    ("unreached, then reached", [attempt(no=1, last=False, id=1),
                                 attempt(no=2, started="08:40", answered=True, outcome="completed", id=2)], set(),
     {"due", "called", "reached", "completed"}),
    ("answered earlier, last attempt unanswered", [attempt(no=1, answered=True, outcome="hung_up_early", last=False),
                                                   attempt(no=2, started="09:00", id=2)], set(),
     {"due", "called", "reached", "unreachable"}),
]


@pytest.mark.parametrize("attempts,symptomatic,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_case_flags(attempts: list[AttemptFact], symptomatic: set[int], expected: set[str]) -> None:
    assert case_flags(attempts, WINDOW, symptomatic) == expected


def test_figures_add_up_and_keep_their_order() -> None:
    one = Figures.of({"due", "called"})
    assert (one + Figures.of({"due"})).as_dict() == {"due": 2, "called": 1, "reached": 0, "completed": 0,
                                                     "symptomatic": 0, "unreachable": 0, "opted_out": 0}


def call(id: int, **kw) -> InboundFact:  # type: ignore[no-untyped-def]
    base = dict(started_at=at("09:00"), caller_e164=None, contact_id=None, attempt_id=None, queue_entered_at=None,
                queue_wait_seconds=None, answered_by=None, abandoned=False, outcome="hung_up", script_result=None)
    return InboundFact(id=id, **{**base, **kw})


@pytest.mark.parametrize("calls,symptomatic,expected", [
    ([], set(), dict(calls=0, declarations=0, symptomatic=0, answered_by_staff=0, abandoned=0,
                     callbacks_requested=0, average_wait=None, longest_wait=None)),
    ([call(1, script_result="completed", outcome="declared"), call(2, script_result="symptomatic", outcome="staff",
                                                                   answered_by="staff1", queue_entered_at=at("09:01"),
                                                                   queue_wait_seconds=10.0),
      call(3, abandoned=True, outcome="abandoned", queue_entered_at=at("09:02"), queue_wait_seconds=31.0),
      call(4, outcome="callback_requested", queue_entered_at=at("09:03"), queue_wait_seconds=60.25),
      call(5, queue_wait_seconds=99.0)],
     {1}, dict(calls=5, declarations=2, symptomatic=2, answered_by_staff=1, abandoned=1, callbacks_requested=1,
               average_wait=33.8, longest_wait=60.2)),
], ids=["no calls", "a mix"])
def test_hotline_figures(calls: list[InboundFact], symptomatic: set[int], expected: dict) -> None:
    assert hotline_figures(calls, symptomatic).as_dict() == expected


SYMPTOMS = {q: "yes" for q in ("fever", "cough", "breathing", "sore_throat", "taste_smell")}


@pytest.mark.parametrize("script,expected", [
    ("f1_daily", set(SYMPTOMS.items()) | {("any_symptom", "yes")}),
    ("f2_daily", {("any_symptom", "yes")}),
    ("hotline", set(SYMPTOMS.items())),
    ("hotline_callback", set()),
])
def test_symptoms_come_from_the_scripts_flags(script: str, expected: set[tuple[str, str]]) -> None:
    assert symptom_choices(load_checked(script, SCRIPTS)) == expected


def test_an_unknown_script_has_no_symptom_choices_and_is_named() -> None:
    rules = SymptomRules(lambda name: load_checked(name, SCRIPTS))
    assert rules.choices("gone_script") == frozenset()
    assert rules.missing == {"gone_script"}


@pytest.mark.parametrize("day,start_utc,end_utc", [
    (dt.date(2021, 7, 15), "2021-07-14T17:00:00+00:00", "2021-07-15T17:00:00+00:00"),
    (dt.date(2021, 12, 31), "2021-12-30T17:00:00+00:00", "2021-12-31T17:00:00+00:00"),
])
def test_a_day_is_a_hanoi_day(day: dt.date, start_utc: str, end_utc: str) -> None:
    window = day_window(day, ZONE)
    assert (window.start.isoformat(), window.end.isoformat()) == (start_utc, end_utc)


@pytest.mark.parametrize("year,month,days", [(2021, 7, 31), (2021, 2, 28), (2024, 2, 29), (2021, 4, 30)])
def test_month_days(year: int, month: int, days: int) -> None:
    listed = month_days(year, month)
    assert len(listed) == days and listed[0].day == 1 and {d.month for d in listed} == {month}
