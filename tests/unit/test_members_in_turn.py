"""A phone serving several household members awaited by the robot, as data: which members a recognised
caller is asked about and in which order (pure decisions), and the ``InTurn`` conversation (each member's
birth-year check, then their own script; the next member only after the previous one's check passed, and
while fewer than two wrong years were keyed in today)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ivr.calls.conversation import ScriptConversation
from ivr.config import PROJECT_ROOT
from ivr.hotline import texts
from ivr.hotline.recognition import AttemptFacts, CallbackChoice, choose_callbacks, in_turn
from ivr.hotline.script_wrappers import MEMBER_DONE, InTurn, Preamble, Verified
from ivr.scripts import interpreter as it
from ivr.scripts.checker import load_checked
from ivr.scripts.model import VerifyStep

T0 = dt.datetime(2021, 7, 15, 2, 0, tzinfo=dt.timezone.utc)
P, D = "pending", "done"


def a(attempt_id: int, campaign: int, contact: int, status: str = P, outcome: str | None = None, *, no: int = 1,
      minutes: int = 0, camp: str = "running") -> AttemptFacts:
    return AttemptFacts(attempt_id, campaign, camp, contact, 3, no, status, outcome,
                        T0 + dt.timedelta(minutes=minutes))


@pytest.mark.parametrize("facts, expected", [
    ([], []),
    ([a(1, 10, 7)], [(10, 7)]),
    # the mother on the F1 list, her son on the F2 list, one phone: both, the most overdue first
    ([a(1, 10, 7, minutes=20), a(2, 11, 8, minutes=5)], [(11, 8), (10, 7)]),
    ([a(1, 10, 7), a(2, 11, 8)], [(10, 7), (11, 8)]),  # as overdue: the older campaign first
    # one member awaited by two campaigns: asked once, about the most overdue one
    ([a(1, 10, 7, minutes=20), a(2, 11, 7, minutes=5), a(3, 12, 8, minutes=30)], [(11, 7), (12, 8)]),
    ([a(1, 10, 7, D, "completed"), a(2, 11, 8)], [(11, 8)]),  # the robot reached her already
    ([a(1, 10, 7, D, "no_answer"), a(2, 11, 8, minutes=9)], [(10, 7), (11, 8)]),  # missed, then pending
    ([a(1, 10, 7), a(2, 11, 8, camp="draft")], [(10, 7)]),
    ([a(1, 10, 7), a(2, 11, 8, "dialing")], []),  # the robot is calling that phone right now
])
def test_which_members_in_which_order(facts: list[AttemptFacts], expected: list[tuple[int, int]]) -> None:
    assert [(c.campaign_id, c.contact_id) for c in choose_callbacks(facts)] == expected


C7, C8, C9 = (CallbackChoice(10, 7, 3, 1, 1), CallbackChoice(11, 8, 3, 2, 1), CallbackChoice(12, 9, 3, 3, 1))


@pytest.mark.parametrize("choices, years, expected", [
    ((C7, C8), {7: True, 8: True}, (C7, C8)),
    ((C7, C8), {7: False, 8: True}, (C8,)),  # no birth year on her list: never checked, never asked about
    ((C7, C8, C9), {7: True, 8: False, 9: True}, (C7, C9)),
    ((C7, C8), {7: False, 8: False}, ()),  # nobody to check: the anonymous declaration
    ((), {}, ()),
])
def test_who_is_checked(choices: tuple[CallbackChoice, ...], years: dict[int, bool],
                        expected: tuple[CallbackChoice, ...]) -> None:
    assert in_turn(choices, years) == expected


# -- InTurn as data ------------------------------------------------------------------------------------------
SCRIPTS = PROJECT_ROOT / "scripts_vi"
HOTLINE = load_checked("hotline", SCRIPTS)
F1, F2 = load_checked("f1_daily", SCRIPTS), load_checked("f2_daily", SCRIPTS)
VERIFY = next(s for s in HOTLINE.steps.values() if isinstance(s, VerifyStep))
LAN = {"ho_ten": "Phạm Thị Lan", "ten": "Lan", "xung_ho": "chị", "dia_chi": "12 Lê Lợi", "ngay_cach_ly": "3"}
HUNG = {"ho_ten": "Phạm Văn Hùng", "ten": "Hùng", "xung_ho": "anh", "dia_chi": "12 Lê Lợi", "ngay_cach_ly": "5"}


def member(year: str, script: Any, variables: dict[str, str], first: bool) -> Verified:
    check = ScriptConversation(HOTLINE, {"nam_sinh": year}, start_at=VERIFY.id)
    return Verified(check, Preamble((texts.RECOGNISED,) if first else (), ScriptConversation(script, variables)))


def two_members(failures_today: int = 0) -> InTurn:
    return InTurn((member("1985", F1, LAN, True), member("1990", F2, HUNG, False)), texts.NEXT_MEMBER,
                  failures_today)


def drive(conversation: Any, keys: str) -> tuple[list[str], str]:
    """Play the call: a prompt finishes, an ask gets the next key (silence when none is left), until the
    conversation finishes or asks once more with no key left. Returns what was recorded and everything said
    (with a "|" where each record happened)."""
    state, commands = conversation.start()
    records: list[str] = []
    said: list[str] = []
    pending = list(keys)
    for _ in range(200):
        for c in commands:
            if isinstance(c, it.RecordAnswer):
                records.append(f"{c.question_id}={c.value}")
                said.append("|")
            elif isinstance(c, it.Play):
                said.extend(p.text for p in c.prompts)
        if any(isinstance(c, (it.Finish, it.Transfer)) for c in commands):
            last = next(c for c in commands if isinstance(c, (it.Finish, it.Transfer)))
            records.append(f"finish {last.outcome}" if isinstance(last, it.Finish) else "transfer")
            break
        plays = [c for c in commands if isinstance(c, it.Play)]
        collecting = bool(plays) and plays[-1].collect is not None
        if collecting or not plays:
            if not pending:
                break
            inp: it.Input = it.Key(pending.pop(0))
        else:
            inp = it.PromptDone()
        state, commands = conversation.step(state, inp)
    return records, " ".join(said)




def test_each_member_in_turn_checked_then_declared() -> None:
    # Lan: 1985, it is me (1), no symptom (2), at the address (1); Hùng: 1990, it is me (1), no symptom (2)
    records, said = drive(two_members(), "1985121" "1990" "12")
    assert records == ["caller_check=passed", "identity=yes", "any_symptom=no", "at_address=yes",
                       f"{MEMBER_DONE}=completed", "caller_check=passed", "identity=yes", "any_symptom=no",
                       "finish completed"], records
    before_hung_checked = said.split(texts.NEXT_MEMBER.text)[1].split("|")[0]
    assert "Hùng" not in said.split(texts.NEXT_MEMBER.text)[0]  # never his name during her turn
    assert "Hùng" not in before_hung_checked and "Lan" not in before_hung_checked
    assert "Lan" not in said.split("|")[0]  # nor hers before her check


def test_a_failed_member_ends_recognition() -> None:
    # Lan's check fails twice: the anonymous declaration, and Hùng is never asked about
    records, said = drive(two_members(), "11112222")
    assert records[:2] == ["caller_check=failed", "caller_check=failed"]
    assert MEMBER_DONE not in " ".join(records) and "Hùng" not in said and "Lan" not in said


def test_two_wrong_years_today_no_next_member() -> None:
    # one wrong year earlier today and one now (then the right one): her script, then the call ends
    records, said = drive(two_members(failures_today=1), "1111" "1985121")
    assert records == ["caller_check=failed", "caller_check=passed", "identity=yes", "any_symptom=no",
                       "at_address=yes", "finish completed"]
    assert texts.NEXT_MEMBER.text not in said and "Hùng" not in said


def test_the_next_member_who_fails_gets_the_anonymous_declaration() -> None:
    records, said = drive(two_members(), "1985121" "1111" "2222")
    assert records[:7] == ["caller_check=passed", "identity=yes", "any_symptom=no", "at_address=yes",
                           f"{MEMBER_DONE}=completed", "caller_check=failed", "caller_check=failed"]
    assert "Hùng" not in said


def test_each_members_attempt_has_its_own_channel_id() -> None:
    from ivr.hotline.inbound import member_channel
    assert [member_channel("1796041239.0", t) for t in range(3)] == \
        ["1796041239.0", "1796041239.0#2", "1796041239.0#3"]
