"""Loader + checker: one broken script per kind of error, each with its exact file, line, step and message."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.scripts import checker, loader
from ivr.scripts.model import AskStep, EndStep, SayStep, TransferStep
from ivr.scripts.problems import Problem, ScriptError

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests/fixtures/scripts/broken"
SHIPPED = sorted((ROOT / "scripts_vi").glob("*.yaml"))

# file, line, step, a substring of the message. Every problem the file produces must be listed here.
CASES = [
    # -- the loader: the file cannot be read as a script -----------------------------------------------
    ("syntax_error.yaml", [(10, None, "invalid YAML: found unexpected end of stream (while scanning a quoted scalar")]),
    ("wrong_type.yaml", [(14, "q", "wrong type: field 'timeout' must be a number of seconds, got 'nhanh'")]),
    ("unknown_field.yaml", [(15, "ask_fever", "unknown field 'choises' for an ask step "
                                              "(did you mean 'choices'?)")]),
    ("missing_field.yaml", [(8, "ask_fever", "missing field 'question'")]),
    ("duplicate_key.yaml", [(18, "ask_fever", "key '1' used twice (first at line 16)")]),
    ("duplicate_step.yaml", [(15, None, "step 'bye' defined twice (first at line 12)")]),
    ("bad_key.yaml", [(16, "ask_fever", "'10' is not a phone key")]),
    ("bad_placeholder.yaml", [(10, "hello", "malformed variable in field 'prompt'")]),
    ("unknown_type.yaml", [(9, "hello", "unknown step type 'question' (expected one of: say, ask, transfer, end, verify)")]),
    ("not_a_mapping.yaml", [(8, None, "wrong type: steps must be a mapping")]),
    ("empty.yaml", [(0, None, "the file is empty")]),
    ("not_utf8.yaml", [(2, None, "not UTF-8 text")]),
    # -- the checker: the flow or the prompts are wrong --------------------------------------------------
    ("unknown_next.yaml", [(17, "ask_fever", "unknown next step 'ask_cogh' in choice '2' (did you mean 'ask_cough'?)"),
                           (18, "ask_cough", "step can never be reached")]),
    ("unknown_start.yaml", [(6, None, "unknown next step 'helo' in start (did you mean 'hello'?)")]),
    ("unreachable.yaml", [(17, "ask_cough", "step can never be reached")]),
    ("loop_no_exit.yaml", [(9, "ask_fever", "loop with no way out: ask_fever → explain → ask_fever")]),
    ("never_ends.yaml", [(9, "ask_fever", "path that can never end"),
                         (18, "hold_1", "loop with no way out: hold_1 → hold_2 → hold_1")]),
    ("repeat_key_clash.yaml", [(17, "ask_fever", "key '*' used twice: as the repeat key and as a choice")]),
    ("missing_prompt.yaml", [(8, "ask_fever", "missing prompt"),
                             (8, "ask_fever", "missing prompt 'invalid'")]),
    ("undefined_variable.yaml", [(13, "hello", "undefined variable '{ho_tn}' in a prompt (declare it under "
                                               "variables; declared: ho_ten)")]),
    ("no_fallback.yaml", [(13, "hello", "variable '{ho_ten}' has no fallback")]),
    ("duplicate_question.yaml", [(19, "ask_cough", "question id 'fever' already used by step 'ask_fever'")]),
    ("wrong_name.yaml", [(2, None, "name 'f1_daily' does not match the file name 'wrong_name.yaml'")]),
]


@pytest.mark.parametrize("name,expected", CASES, ids=[c[0] for c in CASES])
def test_broken_script_reports_exact_problems(name: str, expected: list[tuple[int, str | None, str]]) -> None:
    path = str(BROKEN / name)
    _, problems = checker.check_file(path)
    assert [(p.file, p.line, p.step) for p in problems] == [(path, line, step) for line, step, _ in expected]
    for problem, (_, _, text) in zip(problems, expected):
        assert text in problem.message


def test_every_broken_fixture_has_a_case() -> None:
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(c[0] for c in CASES)


@pytest.mark.parametrize("problem,text", [
    (Problem("a.yaml", 42, "ask_fever", "unknown field 'choises'"),
     "a.yaml:42: step 'ask_fever': unknown field 'choises'"),
    (Problem("a.yaml", 3, None, "invalid YAML: x"), "a.yaml:3: invalid YAML: x"),
    (Problem("a.yaml", 0, None, "file not found"), "a.yaml: file not found"),
])
def test_problem_format(problem: Problem, text: str) -> None:
    assert str(problem) == text


def test_load_error_is_a_user_error_naming_the_file() -> None:
    with pytest.raises(ScriptError) as info:
        loader.load(BROKEN / "unknown_field.yaml")
    assert str(info.value).startswith(f"{BROKEN / 'unknown_field.yaml'}:15: step 'ask_fever': unknown field")


def test_missing_file_is_one_problem() -> None:
    _, problems = checker.check_file("no/such/script.yaml")
    assert [str(p) for p in problems] == ["no/such/script.yaml: file not found"]


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_shipped_scripts_pass(path: Path) -> None:
    script, problems = checker.check_file(path)
    assert [str(p) for p in problems] == []
    assert script is not None and script.language == "vi"


def test_the_three_mission_scripts_are_shipped() -> None:
    assert {p.stem for p in SHIPPED} >= {"f1_daily", "f2_daily", "hotline"}


@pytest.mark.parametrize("text,message", [
    # scalars are taken as written: YAML 1.1 would turn these into booleans/numbers
    ("value: yes", None),
    ("value: 'yes'", None),
    ("value: [a, b]", "wrong type: field 'value' must be text, got a list"),
    ("value: ''", "field 'value' is empty"),
    ("valeu: x", "unknown field 'valeu' (did you mean 'value'?)"),
    ("value: x\n        flag: symptoms", "unknown flag 'symptoms' (known: symptom)"),
])
def test_choice_fields(text: str, message: str | None) -> None:
    source = f"""
name: t
version: 1
language: vi
direction: outbound
categories: [F1]
description: d
start: q
steps:
  q:
    type: ask
    question: q
    prompt: p
    invalid: i
    silence: s
    on_exhausted: e
    choices:
      1:
        {text}
        next: e
  e:
    type: end
    outcome: completed
"""
    if message is None:
        script = loader.loads(source, "t.yaml")
        step = script.steps["q"]
        assert isinstance(step, AskStep) and step.choices["1"].value == "yes"
    else:
        with pytest.raises(ScriptError, match=re.escape(message)):
            loader.loads(source, "t.yaml")


def test_f1_model_as_loaded() -> None:
    script = loader.load(ROOT / "scripts_vi/f1_daily.yaml")
    assert script.name == "f1_daily" and str(script.version) == "2"
    assert script.start == "greet" and list(script.steps)[0] == "greet"  # file order kept
    questions = [s.question_id for s in script.steps.values() if isinstance(s, AskStep)]
    # the answer ids reports count keep their meaning; any_symptom asks them all at once, the details after a yes
    assert questions == ["identity", "handover", "any_symptom", "fever", "cough", "breathing", "sore_throat",
                         "taste_smell", "tested", "at_address"]
    fever = script.steps["ask_fever"]
    assert isinstance(fever, AskStep)
    assert (fever.timeout, fever.max_retries, fever.repeat_key, fever.on_exhausted) == (6.0, 2, "*", "end_no_input")
    assert fever.prompt.id == "f1_daily.ask_fever"
    assert fever.invalid_prompt.id == "f1_daily.ask_fever.invalid"
    assert fever.silence_prompt.id == "f1_daily.ask_fever.silence"
    assert {k: (c.value, c.next, c.flag) for k, c in fever.choices.items()} == {
        "1": ("yes", "ask_cough", "symptom"), "2": ("no", "ask_cough", None), "0": ("staff", "to_staff", None)}
    # every ask offers 1 = yes/có, 2 = no/không (or a category), 0 = staff
    for step in script.steps.values():
        if isinstance(step, AskStep):
            assert step.choices["0"].next == "to_staff"
    assert isinstance(script.steps["to_staff"], TransferStep) and script.steps["to_staff"].target == "staff"
    outcomes = {s.outcome for s in script.steps.values() if isinstance(s, EndStep)}
    assert outcomes == {"auto", "wrong_person", "unavailable", "no_input", "incomplete"}
    assert isinstance(script.steps["greet"], SayStep)
    assert "Sở Y tế tỉnh Thanh Hóa" in script.steps["greet"].prompt.text


@pytest.mark.parametrize("given,expected", [
    ("f1_daily", f"{ROOT / 'scripts_vi'}/f1_daily.yaml ok"),
    (str(ROOT / "scripts_vi/hotline.yaml"), "hotline ok"),
    ("f3_daily", "f3_daily: no such script in {dir} (known: f1_daily, f2_daily"),
    (str(BROKEN / "unreachable.yaml"),
     f"{BROKEN / 'unreachable.yaml'}:17: step 'ask_cough': step can never be reached"),
    (str(BROKEN / "never_ends.yaml"), f"{BROKEN / 'never_ends.yaml'}:9: step 'ask_fever': path that can never end: "
                                      "no answer from this step leads to an end or transfer step (and 1 more problem: "
                                      f"run robocall script check {BROKEN / 'never_ends.yaml'})"),
])
def test_load_checked(given: str, expected: str) -> None:
    directory = ROOT / "scripts_vi"
    try:
        script = checker.load_checked(given, directory)
        got = f"{script.source if given == 'f1_daily' else script.name} ok"
    except ScriptError as exc:
        got = str(exc)
    assert got.startswith(expected.format(dir=directory))


def test_windows_editor_file_loads(tmp_path: Path) -> None:
    """A file saved by a Windows editor: UTF-8 with a BOM and CRLF line ends."""
    text = (ROOT / "tests/fixtures/scripts/mini.yaml").read_text(encoding="utf-8")
    path = tmp_path / "mini.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    script, problems = checker.check_file(path)
    assert problems == [] and script is not None and script.name == "mini"
    assert script.steps["hello"].line == 14
