"""The rules that keep staff from calling the wrong people, at the wrong hour, with the wrong script, and
that turn a call's promises into cases: tables of input -> decision."""
from __future__ import annotations

import datetime as dt

import pytest

from ivr import i18n
from ivr.calls.window_rules import WindowBounds, window_problem
from ivr.cases.rules import CallFacts, Reason, reasons_for_call, reasons_for_declaration
from ivr.scripts.purpose import campaign_mismatch

T = dt.time
BOUNDS = WindowBounds(T(7), T(21))


@pytest.fixture(autouse=True)
def _english() -> None:
    i18n.set_language("en")


# -- script / category / direction ---------------------------------------------------------------------
@pytest.mark.parametrize(("direction", "categories", "wanted", "problem"), [
    ("outbound", ("F1",), ("F1",), None),
    ("outbound", ("F1", "F2"), ("F2",), None),
    ("outbound", ("F1", "F2"), ("F1", "F2"), None),
    ("outbound", ("F2",), ("F1",), "script s is for F2, the campaign calls F1: choose a script for F1"),
    ("outbound", ("F1",), ("F1", "F2"), "script s is for F1, the campaign calls F2: choose a script for F2"),
    ("inbound", ("F1", "F2"), ("F1",), "script s is for inbound (hotline) calls (F1, F2); a campaign calls out"),
    (None, ("F1",), ("F1",), "script s is for undeclared calls (F1); a campaign calls out"),
    ("outbound", (), ("F1",), "script s is for -, the campaign calls F1"),
])
def test_script_direction_and_categories(direction: str | None, categories: tuple[str, ...],
                                         wanted: tuple[str, ...], problem: str | None) -> None:
    found = campaign_mismatch("s", direction, categories, wanted)
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem) and "\n" not in found


def test_a_mismatch_names_both_in_vietnamese() -> None:
    i18n.set_language("vi")
    assert campaign_mismatch("hotline", "inbound", ("F1", "F2"), ("F1",)) == (
        "kịch bản hotline là kịch bản gọi đến (đường dây nóng) (F1, F2); chiến dịch là cuộc gọi đi: "
        "hãy chọn kịch bản gọi đi")
    assert campaign_mismatch("f2_daily", "outbound", ("F2",), ("F1",)) == (
        "kịch bản f2_daily dành cho F2, còn chiến dịch gọi F1: hãy chọn kịch bản dành cho F1")


# -- window bounds -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("start", "end", "bounds", "problem"), [
    (T(7, 30), T(20, 30), BOUNDS, None),
    (T(7), T(21), BOUNDS, None),                  # the bounds themselves
    (T(6, 59), T(20), BOUNDS, "outside the allowed hours 07:00-21:00"),
    (T(8), T(21, 1), BOUNDS, "outside the allowed hours"),
    (T(21), T(7), BOUNDS, "it ends before it starts"),      # wraps midnight
    (T(21), T(23, 30), BOUNDS, "outside the allowed hours"),
    (T(9), T(9), BOUNDS, "it ends before it starts"),       # empty
    (T(0), T(23, 59), None, None),               # sandbox: bounds lifted
    (T(21), T(7), None, "it ends before it starts"),        # never across midnight, even in the sandbox
    (T(22), T(23), None, None),
])
def test_call_window_bounds(start: dt.time, end: dt.time, bounds: WindowBounds | None, problem: str | None) -> None:
    found = window_problem(start, end, bounds)
    assert (found is None) if problem is None else (found is not None and problem in found)


# -- which call opens which case -----------------------------------------------------------------------
R = Reason


@pytest.mark.parametrize(("outcome", "answers", "retry", "reasons"), [
    ("completed", {"identity": "yes", "at_address": "yes", "fever": "no"}, False, ()),
    ("symptomatic", {"identity": "yes", "fever": "yes"}, False, (R.SYMPTOMATIC,)),
    ("symptomatic", {"identity": "yes", "at_address": "no", "fever": "yes"}, False,
     (R.SYMPTOMATIC, R.NOT_AT_ADDRESS)),
    ("completed", {"identity": "yes", "at_address": "no"}, False, (R.NOT_AT_ADDRESS,)),
    ("wrong_person", {"identity": "no"}, False, (R.WRONG_PERSON,)),
    ("no_input", {"identity": "staff"}, False, (R.STAFF_UNANSWERED,)),   # pressed 0, nobody free
    ("transferred", {"identity": "staff"}, False, ()),                    # put through: staff have it
    ("completed", {"callback": "yes"}, False, (R.CALLBACK_REQUESTED,)),
    ("no_answer", {}, False, (R.UNREACHED,)),                             # the last attempt
    ("no_answer", {}, True, ()),                                          # a retry is coming
    ("busy", {}, False, (R.UNREACHED,)),
    ("rejected", {}, False, (R.UNREACHED,)),
    ("unreachable", {}, False, (R.UNREACHED,)),
    ("no_input", {}, False, (R.UNREACHED,)),
    ("hung_up_early", {"identity": "yes"}, True, ()),
    ("opted_out", {}, False, ()),
    ("stopped", {}, False, ()),
])
def test_which_call_opens_which_case(outcome: str, answers: dict[str, str], retry: bool,
                                     reasons: tuple[Reason, ...]) -> None:
    assert reasons_for_call(CallFacts(outcome, answers, retry)) == reasons


@pytest.mark.parametrize(("symptomatic", "callback", "no_staff", "reasons"), [
    (True, False, False, (R.SYMPTOMATIC,)), (False, True, False, (R.CALLBACK_REQUESTED,)),
    (False, False, False, ()), (True, True, False, (R.SYMPTOMATIC, R.CALLBACK_REQUESTED)),
    (False, False, True, (R.STAFF_UNANSWERED,)),
])
def test_hotline_declarations_and_callbacks(symptomatic: bool, callback: bool, no_staff: bool,
                                            reasons: tuple[Reason, ...]) -> None:
    assert reasons_for_declaration(symptomatic, callback, no_staff) == reasons
