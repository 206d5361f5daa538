"""Retry policy and call window: outcome + attempt + time in -> next due time out (local Hanoi times)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from ivr.calls.outcomes import ATTEMPT_OUTCOMES
from ivr.calls.policy import next_attempt, policy_from_settings
from ivr.config import DialerSettings
from ivr.errors import UserError

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
POLICY = policy_from_settings(DialerSettings())  # 07:30-20:30, 3 no-answer attempts 30 min apart, ...


def hanoi(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2021, 7, day, hour, minute, tzinfo=HANOI)


WINDOW = [
    # (time, inside the window?, next window opening)
    (hanoi(15, 7, 29), False, hanoi(15, 7, 30)),
    (hanoi(15, 7, 30), True, hanoi(15, 7, 30)),
    (hanoi(15, 12, 0), True, hanoi(15, 12, 0)),
    (hanoi(15, 20, 29), True, hanoi(15, 20, 29)),
    (hanoi(15, 20, 30), False, hanoi(16, 7, 30)),
    (hanoi(15, 23, 59), False, hanoi(16, 7, 30)),
    (hanoi(16, 0, 0), False, hanoi(16, 7, 30)),
    (hanoi(31, 21, 0), False, dt.datetime(2021, 8, 1, 7, 30, tzinfo=HANOI)),  # across a month end
]


@pytest.mark.parametrize(("at", "inside", "opens"), WINDOW)
def test_call_window(at: dt.datetime, inside: bool, opens: dt.datetime) -> None:
    assert POLICY.window.contains(at) is inside
    assert POLICY.window.next_open(at) == opens
    assert POLICY.window.next_open(at).tzinfo == dt.timezone.utc


def test_the_window_is_in_hanoi_time_whatever_the_zone_of_the_clock() -> None:
    utc_evening = dt.datetime(2021, 7, 15, 14, 0, tzinfo=dt.timezone.utc)  # 21:00 in Hanoi
    assert not POLICY.window.contains(utc_evening)
    assert POLICY.window.next_open(utc_evening) == hanoi(16, 7, 30)


NEXT = [
    # (outcome, attempt_no, earlier outcomes, ended at, next due or None)
    ("no_answer", 1, [], hanoi(15, 9, 0), hanoi(15, 9, 30)),
    ("busy", 1, [], hanoi(15, 9, 0), hanoi(15, 9, 30)),
    ("no_answer", 2, ["no_answer"], hanoi(15, 9, 30), hanoi(15, 10, 0)),
    ("no_answer", 3, ["no_answer", "busy"], hanoi(15, 10, 0), None),        # 3 attempts in all
    ("no_answer", 1, [], hanoi(15, 20, 10), hanoi(16, 7, 30)),              # due after the window closes
    ("no_answer", 1, [], hanoi(15, 6, 0), hanoi(15, 7, 30)),                # due before it opens
    ("unreachable", 1, [], hanoi(15, 9, 0), hanoi(15, 9, 5)),               # back-off 5, 10, 20, 40 min
    ("failed", 2, ["unreachable"], hanoi(15, 9, 5), hanoi(15, 9, 15)),
    ("congestion", 3, ["unreachable", "failed"], hanoi(15, 9, 15), hanoi(15, 9, 35)),
    ("unreachable", 4, ["unreachable", "failed", "congestion"], hanoi(15, 9, 35), hanoi(15, 10, 15)),
    ("unreachable", 5, ["unreachable"] * 4, hanoi(15, 10, 15), None),       # 5 attempts in all
    ("unreachable", 2, ["no_answer"], hanoi(15, 9, 0), hanoi(15, 9, 5)),    # back-off counts network failures
    ("hung_up_early", 1, [], hanoi(15, 9, 0), hanoi(15, 9, 30)),            # one more call
    ("no_input", 2, ["no_answer"], hanoi(15, 9, 0), hanoi(15, 9, 30)),
    ("no_input", 2, ["hung_up_early"], hanoi(15, 9, 30), None),             # ... only one
    ("hung_up_early", 3, ["no_input", "no_answer"], hanoi(15, 10, 0), None),
    ("unavailable", 1, [], hanoi(15, 9, 0), hanoi(15, 11, 0)),              # family: the person is away, 2 h
    ("unavailable", 2, ["unavailable"], hanoi(15, 11, 0), hanoi(15, 13, 0)),
    ("unavailable", 3, ["unavailable"] * 2, hanoi(15, 13, 0), None),        # two more calls, then manual follow-up
    ("unavailable", 2, ["no_input"], hanoi(15, 19, 0), hanoi(16, 7, 30)),   # own count; next morning
    ("no_input", 2, ["unavailable"], hanoi(15, 9, 0), hanoi(15, 9, 30)),    # does not use up the unfinished call
    ("completed", 1, [], hanoi(15, 9, 0), None),
    ("transferred", 1, [], hanoi(15, 9, 0), None),
    ("symptomatic", 1, [], hanoi(15, 9, 0), None),
    ("wrong_person", 1, [], hanoi(15, 9, 0), None),
    ("rejected", 1, [], hanoi(15, 9, 0), hanoi(15, 11, 0)),                # one 603: once more, 2 h later
    ("rejected", 2, ["rejected"], hanoi(15, 11, 0), None),                  # a second: never again
    ("rejected", 3, ["no_answer", "rejected"], hanoi(15, 11, 0), None),
    ("invalid", 1, [], hanoi(15, 9, 0), None),
    ("opted_out", 1, [], hanoi(15, 9, 0), None),
]


@pytest.mark.parametrize(("outcome", "attempt_no", "previous", "ended", "due"), NEXT)
def test_next_attempt(outcome: str, attempt_no: int, previous: list[str], ended: dt.datetime,
                      due: dt.datetime | None) -> None:
    assert next_attempt(outcome, attempt_no, ended, POLICY, previous) == due


def test_network_back_off_is_capped() -> None:
    policy = policy_from_settings(DialerSettings(), {"network_max_attempts": 20, "network_backoff_max_min": 60})
    ended = hanoi(15, 9, 0)
    assert next_attempt("congestion", 9, ended, policy, ["congestion"] * 8) == ended + dt.timedelta(minutes=60)


OVERRIDES = [
    # (campaign overrides, outcome, attempt_no, ended, next due)
    ({"no_answer_attempts": 2}, "no_answer", 2, hanoi(15, 9, 0), None),
    ({"no_answer_attempts": "5"}, "no_answer", 4, hanoi(15, 9, 0), hanoi(15, 9, 30)),
    ({"no_answer_interval_min": 120}, "busy", 1, hanoi(15, 9, 0), hanoi(15, 11, 0)),
    ({"window_start": "08:00", "window_end": "17:00"}, "no_answer", 1, hanoi(15, 16, 45), hanoi(16, 8, 0)),
    ({"window_start": "22:00", "window_end": "06:00"}, "no_answer", 1, hanoi(15, 23, 0), hanoi(15, 23, 30)),
    ({"window_start": "22:00", "window_end": "06:00"}, "no_answer", 1, hanoi(15, 5, 45), hanoi(15, 22, 0)),
    ({"network_backoff_min": 1}, "failed", 1, hanoi(15, 9, 0), hanoi(15, 9, 1)),
    ({"unfinished_extra_attempts": 0}, "no_input", 1, hanoi(15, 9, 0), None),
    ({"rejected_extra_attempts": 0}, "rejected", 1, hanoi(15, 9, 0), None),
    ({"rejected_interval_min": 30}, "rejected", 1, hanoi(15, 9, 0), hanoi(15, 9, 30)),
    ({"unfinished_extra_attempts": 2}, "no_input", 2, hanoi(15, 9, 0), hanoi(15, 9, 30)),
    ({"timezone": "UTC"}, "no_answer", 1, hanoi(15, 9, 0), hanoi(15, 14, 30)),  # 07:30 UTC
]


@pytest.mark.parametrize(("overrides", "outcome", "attempt_no", "ended", "due"), OVERRIDES)
def test_campaign_overrides(overrides: dict[str, object], outcome: str, attempt_no: int, ended: dt.datetime,
                            due: dt.datetime | None) -> None:
    policy = policy_from_settings(DialerSettings(), overrides)
    previous = ["no_input"] * (attempt_no - 1) if outcome == "no_input" else []
    assert next_attempt(outcome, attempt_no, ended, policy, previous) == due


BAD_OVERRIDES = [
    ({"max_attempts": 3}, "policy override 'max_attempts': unknown"),
    ({"no_answer_attempts": "three"}, "policy override 'no_answer_attempts': expected a whole number"),
    ({"no_answer_attempts": True}, "expected a whole number"),
    ({"no_answer_attempts": 0}, "no_answer_attempts: must be at least 1"),
    ({"window_start": "7h30"}, "policy window_start: expected a time such as 07:30"),
    ({"window_start": 730}, "policy override 'window_start': expected text"),
    ({"window_start": "08:00", "window_end": "08:00"}, "start equals end"),
    ({"timezone": "Asia/Saigon_City"}, "unknown time zone"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_OVERRIDES)
def test_bad_overrides_are_user_errors(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        policy_from_settings(DialerSettings(), overrides)


def test_unknown_outcome_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown call outcome 'maybe'"):
        next_attempt("maybe", 1, hanoi(15, 9), POLICY)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        POLICY.window.contains(dt.datetime(2021, 7, 15, 9, 0))


def test_every_telephony_outcome_has_a_retry_rule() -> None:
    from ivr.calls import outcomes

    assert set(outcomes.TELEPHONY_OUTCOMES) <= ATTEMPT_OUTCOMES
