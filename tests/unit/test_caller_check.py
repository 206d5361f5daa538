"""A recognised hotline caller proves who they are before anything personal is said, as data: the
hotline script's verify step behind the ``Verified`` wrapper (inputs in, commands out), the loader's
rules for the step, and the pure decision of which check a caller gets."""
from __future__ import annotations

from typing import Any, Sequence

import pytest

from ivr.calls.conversation import ScriptConversation
from ivr.config import PROJECT_ROOT
from ivr.hotline import routing as rt
from ivr.hotline.conversations import Preamble, Verified
from ivr.scripts import interpreter as it
from ivr.scripts.checker import check, load_checked
from ivr.scripts.loader import loads
from ivr.scripts.model import VerifyStep
from ivr.scripts.problems import ScriptError

SCRIPTS = PROJECT_ROOT / "scripts_vi"
HOTLINE = load_checked("hotline", SCRIPTS)
F1 = load_checked("f1_daily", SCRIPTS)
F1_VARS = {"ho_ten": "Phạm Thị Lan", "dia_chi": "12 Lê Lợi", "ngay_cach_ly": "3"}
VERIFY = next(s for s in HOTLINE.steps.values() if isinstance(s, VerifyStep))
INPUTS = {"done": it.PromptDone(), "silence": it.Silence()}


def show(commands: Sequence[Any]) -> str:
    out = []
    for c in commands:
        if isinstance(c, it.Play):
            out.append(("ask " if c.collect else "play ") + " ".join(p.id for p in c.prompts))
        elif isinstance(c, it.RecordAnswer):
            out.append(f"record {c.question_id}={c.value} key={c.key!r}")
        elif isinstance(c, it.Transfer):
            out.append(f"transfer {c.target}")
        else:
            out.append(f"finish {c.outcome}")
    return " | ".join(out) or "-"


def spoken(commands: Sequence[Any]) -> str:
    return " ".join(p.text for c in commands if isinstance(c, it.Play) for p in c.prompts)


def run(conversation: Any, inputs: Sequence[str]) -> tuple[list[str], str]:
    state, commands = conversation.start()
    shown, said = [show(commands)], [spoken(commands)]
    for token in inputs:
        state, commands = conversation.step(state, INPUTS.get(token) or it.Key(token))
        shown.append(show(commands))
        said.append(spoken(commands))
    return shown, " ".join(said)


def checked(year: str) -> Verified:
    check_part = ScriptConversation(HOTLINE, {"nam_sinh": year}, start_at=VERIFY.id)
    return Verified(check_part, Preamble((), ScriptConversation(F1, F1_VARS)))


ASK_YEAR = "ask hotline.verify_caller"
CASES = {
    "the right year: the person's own script": ("1985", list("1985"), [
        ASK_YEAR, "ask ", "ask ", "ask ",
        "record caller_check=passed key='' | play f1_daily.greet"]),
    "a wrong year, then the right one": ("1985", list("1986") + list("1985"), [
        ASK_YEAR, "ask ", "ask ", "ask ",
        "record caller_check=failed key='' | ask hotline.verify_caller.invalid hotline.verify_caller",
        "ask ", "ask ", "ask ", "record caller_check=passed key='' | play f1_daily.greet"]),
    "two wrong years: the anonymous self-declaration": ("1985", list("1111") + list("2222") + ["done"], [
        ASK_YEAR, "ask ", "ask ", "ask ",
        "record caller_check=failed key='' | ask hotline.verify_caller.invalid hotline.verify_caller",
        "ask ", "ask ", "ask ", "record caller_check=failed key='' | play hotline.say_anonymous",
        "play hotline.say_declare"]),
    "silence counts as a try, star starts again": ("1985", ["1", "*", "silence", "1", "9", "8", "5"], [
        ASK_YEAR, "ask ", ASK_YEAR,
        "record caller_check=no_input key='' | ask hotline.verify_caller.invalid hotline.verify_caller",
        "ask ", "ask ", "ask ", "record caller_check=passed key='' | play f1_daily.greet"]),
    "no year to compare with: every entry fails": ("", list("1985") + list("1985"), [
        ASK_YEAR, "ask ", "ask ", "ask ",
        "record caller_check=failed key='' | ask hotline.verify_caller.invalid hotline.verify_caller",
        "ask ", "ask ", "ask ", "record caller_check=failed key='' | play hotline.say_anonymous"]),
}


@pytest.mark.parametrize("year, inputs, expected", CASES.values(), ids=CASES.keys())
def test_the_caller_check_as_data(year: str, inputs: list[str], expected: list[str]) -> None:
    shown, said = run(checked(year), inputs)
    assert shown == expected
    if not any("passed" in line for line in shown):  # nothing of the person's script without the right year
        assert "f1_daily" not in " ".join(shown)
    assert not any(value in said for value in F1_VARS.values())  # nothing personal before their questions
    assert not year or year not in said  # the year itself is never said


def test_after_the_right_year_the_persons_script_goes_on() -> None:
    shown, said = run(checked("1985"), [*"1985", "done", "1"])
    assert shown[-2:] == ["ask f1_daily.ask_identity", "record identity=yes key='1' | play f1_daily.say_purpose.anh_chi"]
    assert F1_VARS["ho_ten"] in said


def test_the_verify_prompt_may_not_say_the_year() -> None:
    text = (SCRIPTS / "hotline.yaml").read_text().replace(
        "xin nhập bốn chữ số năm", "năm sinh {nam_sinh}, xin nhập bốn chữ số năm")
    with pytest.raises(ScriptError, match="may not say {nam_sinh}"):
        loads(text, "hotline.yaml")


def test_a_verify_step_is_an_entry_point_and_its_targets_are_checked() -> None:
    assert check(HOTLINE) == []  # reachable although no step leads to it
    text = (SCRIPTS / "hotline.yaml").read_text().replace("on_fail: say_anonymous", "on_fail: say_anonymus")
    problems = check(loads(text, "hotline.yaml"))
    assert [p.message for p in problems if p.step == VERIFY.id] == [
        "unknown next step 'say_anonymus' in on_fail (did you mean 'say_anonymous'?)"]


@pytest.mark.parametrize("can_verify, year_known, failures, expected", [
    (True, True, 0, rt.CallerCheck.VERIFY),
    (True, True, 1, rt.CallerCheck.VERIFY),
    (True, True, 2, rt.CallerCheck.ANONYMOUS),  # two wrong entries today: recognition over for the day
    (True, False, 0, rt.CallerCheck.ANONYMOUS),  # no birth year in the list
    (False, True, 0, rt.CallerCheck.NONE),  # a hotline script without a verify step recognises nobody
])
def test_which_check_a_recognised_caller_gets(can_verify: bool, year_known: bool, failures: int,
                                              expected: rt.CallerCheck) -> None:
    assert rt.caller_check(can_verify=can_verify, birth_year_known=year_known, failures_today=failures) is expected
