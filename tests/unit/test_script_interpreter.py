"""The pure interpreter, as data: inputs in, commands out.

Notation. Inputs: "begin", "done" (PromptDone), "silence", "failed" (TransferFailed), "k<digit>" (Key).
Commands: "play <ids>" (no collect), "ask <ids>" (with a Collect), "record <question>=<value> <key>",
"transfer <target>", "finish <outcome>"; several commands of one input are joined with " | ", none is "-".
The first expected line is what `start()` returns.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.scripts import interpreter as it
from ivr.scripts import loader
from ivr.scripts.model import PromptTemplate, Script

ROOT = Path(__file__).resolve().parents[2]
MINI = loader.load(ROOT / "tests/fixtures/scripts/mini.yaml")
F1 = loader.load(ROOT / "scripts_vi/f1_daily.yaml")
F2 = loader.load(ROOT / "scripts_vi/f2_daily.yaml")
HOTLINE = loader.load(ROOT / "scripts_vi/hotline.yaml")


def parse(token: str) -> it.Input:
    fixed: dict[str, it.Input] = {"begin": it.Begin(), "done": it.PromptDone(), "silence": it.Silence(),
                                  "failed": it.TransferFailed()}
    return fixed[token] if token in fixed else it.Key(token[1:])


def show(commands: Sequence[it.Command]) -> str:
    out = []
    for c in commands:
        if isinstance(c, it.Play):
            out.append(("ask " if c.collect else "play ") + " ".join(p.id for p in c.prompts))
        elif isinstance(c, it.RecordAnswer):
            out.append(f"record {c.question_id}={c.value} {c.key}")
        elif isinstance(c, it.Transfer):
            out.append(f"transfer {c.target}")
        else:
            out.append(f"finish {c.outcome}")
    return " | ".join(out) or "-"


def run(script: Script, inputs: Sequence[str], variables: Mapping[str, str] | None = None
        ) -> tuple[it.ConversationState, list[str]]:
    state, commands = it.start(script, variables or {})
    shown = [show(commands)]
    for token in inputs:
        state, commands = it.step(script, state, parse(token), variables or {})
        shown.append(show(commands))
    return state, shown


HELLO, Q, Q2 = "play mini.hello", "ask mini.q", "ask mini.q2"
MINI_CASES = [
    # id, inputs, expected commands per input, answers at the end, outcome (None: not finished)
    ("say then ask then yes ends symptomatic", ["done", "k1", "done"],
     [HELLO, Q, "record fever=yes 1 | play mini.bye", "finish symptomatic"], {"fever": "yes"}, "symptomatic"),
    ("no goes through a say to a second ask, then completed", ["done", "k2", "done", "k1", "done"],
     [HELLO, Q, "record fever=no 2 | play mini.note", Q2, "record tested=yes 1 | play mini.bye",
      "finish completed"], {"fever": "no", "tested": "yes"}, "completed"),
    ("key during a say is ignored", ["k1", "done", "k2"],
     [HELLO, "-", Q, "record fever=no 2 | play mini.note"], {"fever": "no"}, None),
    ("key during the ask prompt (barge-in) is taken", ["done", "k1"],
     [HELLO, Q, "record fever=yes 1 | play mini.bye"], {"fever": "yes"}, None),
    ("silence replays with the silence prompt, then a valid key", ["done", "silence", "k1"],
     [HELLO, Q, "ask mini.q.silence mini.q", "record fever=yes 1 | play mini.bye"], {"fever": "yes"}, None),
    ("invalid key replays with the invalid prompt", ["done", "k5", "k2"],
     [HELLO, Q, "ask mini.q.invalid mini.q", "record fever=no 2 | play mini.note"], {"fever": "no"}, None),
    ("retries used up by silence go to on_exhausted (an end without prompt: at once)",
     ["done", "silence", "silence"], [HELLO, Q, "ask mini.q.silence mini.q", "finish no_input"], {}, "no_input"),
    ("retries used up by a mix of wrong keys and silence", ["done", "k#", "silence"],
     [HELLO, Q, "ask mini.q.invalid mini.q", "finish no_input"], {}, "no_input"),
    ("repeat key replays the question without using a retry", ["done", "k*", "k*", "k*", "silence", "k1"],
     [HELLO, Q, Q, Q, Q, "ask mini.q.silence mini.q", "record fever=yes 1 | play mini.bye"], {"fever": "yes"}, None),
    ("retries start afresh on the next ask; max_retries 0 ends at the first wrong key",
     ["done", "silence", "k2", "done", "k7"],
     [HELLO, Q, "ask mini.q.silence mini.q", "record fever=no 2 | play mini.note", Q2, "finish no_input"],
     {"fever": "no"}, "no_input"),
    ("a custom repeat key (#) and * is then an invalid key", ["done", "k2", "done", "k#", "k*"],
     [HELLO, Q, "record fever=no 2 | play mini.note", Q2, Q2, "finish no_input"], {"fever": "no"}, "no_input"),
    ("transfer with an announcement", ["done", "k0", "done"],
     [HELLO, Q, "record fever=staff 0 | play mini.staff", "transfer staff"], {"fever": "staff"}, None),
    ("transfer failed goes to on_fail", ["done", "k0", "done", "failed", "done"],
     [HELLO, Q, "record fever=staff 0 | play mini.staff", "transfer staff", "play mini.bye_busy",
      "finish incomplete"], {"fever": "staff"}, "incomplete"),
    ("transfer without announcement, failed without on_fail", ["done", "k9", "failed"],
     [HELLO, Q, "record fever=direct 9 | transfer staff", "finish transfer_failed"], {"fever": "direct"},
     "transfer_failed"),
    ("while transferring, keys and silence are ignored", ["done", "k0", "done", "k1", "silence", "done"],
     [HELLO, Q, "record fever=staff 0 | play mini.staff", "transfer staff", "-", "-", "-"], {"fever": "staff"}, None),
    ("input after finish gives nothing", ["done", "k1", "done", "k1", "done", "silence", "failed", "begin"],
     [HELLO, Q, "record fever=yes 1 | play mini.bye", "finish symptomatic", "-", "-", "-", "-", "-"],
     {"fever": "yes"}, "symptomatic"),
    ("unexpected inputs change nothing", ["silence", "failed", "begin", "done", "done", "failed", "k1"],
     [HELLO, "-", "-", "-", Q, "-", "-", "record fever=yes 1 | play mini.bye"], {"fever": "yes"}, None),
]


@pytest.mark.parametrize("inputs,expected,answers,outcome", [c[1:] for c in MINI_CASES],
                         ids=[c[0] for c in MINI_CASES])
def test_mini_conversation(inputs: list[str], expected: list[str], answers: dict[str, str],
                           outcome: str | None) -> None:
    state, shown = run(MINI, inputs)
    assert shown == expected
    assert dict(state.answers) == answers
    assert (state.finished, state.outcome) == (outcome is not None, outcome)


def test_commands_in_full() -> None:
    """The notation above hides details: check the exact dataclasses once."""
    variables = {"ho_ten": "Nguyễn Văn An"}
    state, commands = it.start(MINI, variables)
    assert commands == (it.Play((it.Prompt("mini.hello", "Xin chào Nguyễn Văn An, hôm nay."),)),)
    assert state.waiting is it.Waiting.PROMPT and state.step_id == "hello"
    state, commands = it.step(MINI, state, it.PromptDone(), variables)
    assert commands == (it.Play((it.Prompt("mini.q", "Anh/chị có sốt không?"),),
                                it.Collect(4.0, frozenset({"0", "1", "2", "9", "*"}))),)
    assert state.waiting is it.Waiting.ANSWER
    state, commands = it.step(MINI, state, it.Key("5"), variables)
    assert state.retries == 1
    assert commands == (it.Play((it.Prompt("mini.q.invalid", "Phím không đúng."),
                                 it.Prompt("mini.q", "Anh/chị có sốt không?")),
                                it.Collect(4.0, frozenset({"0", "1", "2", "9", "*"}))),)
    state, commands = it.step(MINI, state, it.Key("1"), variables)
    assert commands == (it.RecordAnswer("fever", "q", "1", "yes", "mini", "7"),
                        it.Play((it.Prompt("mini.bye", "Tạm biệt."),)))
    assert state.retries == 0 and state.flags == frozenset({"symptom"})
    state, commands = it.step(MINI, state, it.PromptDone(), variables)
    assert commands == (it.Finish("symptomatic"),)
    assert state.waiting is it.Waiting.NOTHING


def test_initial_waits_for_begin() -> None:
    state = it.initial(MINI)
    assert state.waiting is it.Waiting.BEGIN
    assert it.step(MINI, state, it.Key("1"), {}) == (state, ())
    began = it.step(MINI, state, it.Begin(), {})
    assert began == it.start(MINI, {})


@pytest.mark.parametrize("text,variables,fallbacks,expected", [
    ("Chào {ho_ten|anh/chị}.", {"ho_ten": "Lê Thị Hoa"}, {}, "Chào Lê Thị Hoa."),
    ("Chào {ho_ten|anh/chị}.", {}, {}, "Chào anh/chị."),
    ("Chào {ho_ten|anh/chị}.", {"ho_ten": "  "}, {}, "Chào anh/chị."),          # blank counts as missing
    ("Chào {ho_ten|anh/chị}.", {}, {"ho_ten": "bạn"}, "Chào anh/chị."),         # own fallback first
    ("Chào {ho_ten}.", {}, {"ho_ten": "bạn"}, "Chào bạn."),                     # then the declared one
    ("Chào {ho_ten}, hôm nay.", {}, {}, "Chào , hôm nay."),                     # nothing: empty (checker forbids)
    ("Ngày {ngay_cach_ly|một số}.", {"ngay_cach_ly": "5"}, {}, "Ngày 5."),
    ("A {x|}B", {}, {}, "A B"),                                                 # empty fallback allowed
    ("{a|1} {b|2}", {"a": "{b}", "b": "x"}, {}, "{b} x"),                      # values are not re-expanded
    ("Tại {dia_chi|đây}.", {"dia_chi": "12  Lê Lợi,\n phường 3"}, {}, "Tại 12 Lê Lợi, phường 3."),
])
def test_render_prompt(text: str, variables: dict[str, str], fallbacks: dict[str, str], expected: str) -> None:
    assert it.render_prompt(PromptTemplate("s.p", text), variables, fallbacks) == it.Prompt("s.p", expected)


def test_prompts_of_and_personalised() -> None:
    ids = [t.id for t in it.prompts_of(MINI)]
    assert ids == ["mini.hello", "mini.q", "mini.q.invalid", "mini.q.silence", "mini.note", "mini.q2",
                   "mini.q2.invalid", "mini.q2.silence", "mini.bye", "mini.staff", "mini.bye_busy"]
    assert [t.id for t in it.prompts_of(MINI) if it.personalised(t)] == ["mini.hello"]
    f1_personal = [t.id for t in it.prompts_of(F1) if it.personalised(t)]
    assert f1_personal == ["f1_daily.ask_identity", "f1_daily.ask_handover", "f1_daily.say_hello_again",
                           "f1_daily.ask_address"]
    by_form = [t.id for t in it.prompts_of(F1) if t.by_form]
    assert "f1_daily.ask_symptoms" in by_form and "f1_daily.end_done" in by_form
    assert "f1_daily.greet" not in by_form and "f1_daily.ask_cough" not in by_form


# -- the shipped scripts, driven like a phone would: each ask consumes the next answer -------------------
def drive(script: Script, answers: Sequence[str], variables: Mapping[str, str] | None = None
          ) -> tuple[it.ConversationState, list[it.Command]]:
    """Play every prompt to its end; answer each ask with the next of `answers` ("silence", a key, or
    "failed" for the transfer). Stops when the script finishes, transfers, or answers run out."""
    variables = variables or {}
    todo = list(answers)
    state, commands = it.start(script, variables)
    log = list(commands)
    for _ in range(200):
        last = commands[-1] if commands else None
        if isinstance(last, it.Play) and last.collect is None:
            inp: it.Input = it.PromptDone()
        elif todo and (isinstance(last, it.Transfer) or isinstance(last, it.Play)):
            inp = parse(todo.pop(0) if todo[0] in ("silence", "failed") else "k" + todo.pop(0))
        else:
            return state, log
        state, commands = it.step(script, state, inp, variables)
        log.extend(commands)
    raise AssertionError("conversation did not settle")


def answers_of(log: list[it.Command]) -> dict[str, str]:
    return {c.question_id: c.value for c in log if isinstance(c, it.RecordAnswer)}


NO_SYMPTOMS = ["2", "2", "2", "2", "2"]
F1_PATHS = [
    ("healthy", ["1", "2", "1"], "completed", {"identity": "yes", "any_symptom": "no", "at_address": "yes"}),
    ("symptomatic: fever only", ["1", "1", "1", "2", "2", "2", "2", "2", "1"], "symptomatic",
     {"identity": "yes", "any_symptom": "yes", "fever": "yes", "cough": "no", "breathing": "no",
      "sore_throat": "no", "taste_smell": "no", "tested": "no", "at_address": "yes"}),
    ("symptomatic: lost taste only, moved away", ["1", "1", "2", "2", "2", "2", "1", "1", "2"], "symptomatic",
     {"identity": "yes", "any_symptom": "yes", "fever": "no", "cough": "no", "breathing": "no", "sore_throat": "no",
      "taste_smell": "yes", "tested": "yes", "at_address": "no"}),
    ("a yes to the common question, then no detail", ["1", "1", *NO_SYMPTOMS, "2", "1"], "symptomatic",
     {"identity": "yes", "any_symptom": "yes", "fever": "no", "cough": "no", "breathing": "no", "sore_throat": "no",
      "taste_smell": "no", "tested": "no", "at_address": "yes"}),
    ("wrong number", ["2"], "wrong_person", {"identity": "no"}),
    ("silent until the retries run out", ["silence", "silence", "silence"], "no_input", {}),
    ("invalid keys, then valid ones", ["7", "9", "1", "#", "2", "1"], "completed",
     {"identity": "yes", "any_symptom": "no", "at_address": "yes"}),
    ("* to repeat, many times", ["*", "*", "*", "*", "1", "*", "2", "*", "1"], "completed",
     {"identity": "yes", "any_symptom": "no", "at_address": "yes"}),
    ("0 to staff at the identity question", ["0"], None, {"identity": "staff"}),
    ("0 to staff at a symptom, no staff free", ["1", "1", "1", "0", "failed"], "incomplete",
     {"identity": "yes", "any_symptom": "yes", "fever": "yes", "cough": "staff"}),
]

# A family member answers (key 3 at the first question): pass the phone (1 when ready) or say the person is away.
FAMILY_PATHS = [
    ("passes the phone, healthy", ["3", "1", "2", "1"], "completed",
     {"identity": "family", "handover": "ready", "any_symptom": "no", "at_address": "yes"}),
    ("passes the phone, symptomatic", ["3", "1", "1", "1", *NO_SYMPTOMS[1:], "2", "1"], "symptomatic",
     {"identity": "family", "handover": "ready", "any_symptom": "yes", "fever": "yes", "cough": "no",
      "breathing": "no", "sore_throat": "no", "taste_smell": "no", "tested": "no", "at_address": "yes"}),
    ("the person is away", ["3", "2"], "unavailable", {"identity": "family", "handover": "away"}),
    ("a wrong key, then away", ["3", "9", "2"], "unavailable", {"identity": "family", "handover": "away"}),
    ("nobody comes to the phone", ["3", "silence", "silence", "silence"], "no_input", {"identity": "family"}),
    ("wants staff, none free", ["3", "0", "failed"], "incomplete", {"identity": "family", "handover": "staff"}),
]
HEALTH_WORDS = ("cách ly", "triệu chứng", "sốt", "ho,", "F1", "F2", "xét nghiệm", "sức khỏe")


@pytest.mark.parametrize("answers,outcome,recorded", [p[1:] for p in F1_PATHS], ids=[p[0] for p in F1_PATHS])
def test_f1_paths(answers: list[str], outcome: str | None, recorded: dict[str, str]) -> None:
    state, log = drive(F1, answers, {"ho_ten": "Trần Văn Bình", "ten": "Bình", "xung_ho": "ông"})
    assert answers_of(log) == recorded
    assert state.outcome == outcome
    if outcome is None:
        assert log[-1] == it.Transfer("staff") and state.waiting is it.Waiting.TRANSFER
    else:
        assert log[-1] == it.Finish(outcome)
    assert all(c.script == "f1_daily" and c.version == "2" for c in log if isinstance(c, it.RecordAnswer))


@pytest.mark.parametrize("script", [F1, F2], ids=["f1", "f2"])
@pytest.mark.parametrize("answers,outcome,recorded", [p[1:] for p in FAMILY_PATHS], ids=[p[0] for p in FAMILY_PATHS])
def test_family_member_paths(script: Script, answers: list[str], outcome: str, recorded: dict[str, str]) -> None:
    if script is F2:  # F2 asks no details nor the address
        answers = answers[:3] if answers[:2] == ["3", "1"] else answers
        recorded = {k: v for k, v in recorded.items() if k in ("identity", "handover", "any_symptom")}
    state, log = drive(script, answers, {"ho_ten": "Lê Thị Hoa", "ten": "Hoa", "xung_ho": "bà"})
    assert answers_of(log) == recorded
    assert state.outcome == outcome and log[-1] == it.Finish(outcome)


@pytest.mark.parametrize("script", [F1, F2], ids=["f1", "f2"])
@pytest.mark.parametrize("answers", [["2"], ["3", "2"], ["3", "silence", "silence", "silence"], ["1"], ["3", "1"]],
                         ids=["wrong number", "away", "nobody comes", "the person", "handed over"])
def test_nothing_about_health_before_identity_is_confirmed(script: Script, answers: list[str]) -> None:
    """Whoever answers hears who calls (Sở Y tế) and the name, but nothing about quarantine or symptoms
    until the person named has confirmed it is them (key 1, or 1 after the family handed the phone)."""
    _, log = drive(script, answers, {"ho_ten": "Lê Thị Hoa", "ten": "Hoa", "xung_ho": "bà"})
    heard = [p.text for c in log if isinstance(c, it.Play) for p in c.prompts]
    confirmed = any(isinstance(c, it.RecordAnswer) and (c.question_id, c.value) in
                    {("identity", "yes"), ("handover", "ready")} for c in log)
    if confirmed:
        heard = heard[: next(i for i, c in enumerate(log) if isinstance(c, it.RecordAnswer)
                             and c.value in ("yes", "ready"))]
    assert "Sở Y tế" in heard[0]
    for text in heard:
        assert not any(w in text for w in HEALTH_WORDS), text


def test_f1_speaks_the_contact_fields() -> None:
    people = {"ho_ten": "Lê Thị Hoa", "ten": "Hoa", "xung_ho": "bà", "dia_chi": "số 3 Lê Lai"}
    _, log = drive(F1, ["1", "2"], people)
    texts = [p.text for c in log if isinstance(c, it.Play) for p in c.prompts]
    assert texts[0] == "Xin chào, đây là Sở Y tế tỉnh Thanh Hóa."
    assert "đây có phải số điện thoại của gia đình bà Lê Thị Hoa không? Đúng bà Hoa nghe máy" in texts[1]
    assert "bà có đang ở số 3 Lê Lai không? 1 có, 2 không." in texts[-1]
    _, log = drive(F1, ["1", "2"])
    texts = [p.text for c in log if isinstance(c, it.Play) for p in c.prompts]
    assert "đây có phải số điện thoại của gia đình anh/chị không? Đúng anh/chị nghe máy" in texts[1]
    assert "anh/chị có đang ở nơi cách ly đã khai báo không?" in texts[-1]


def test_the_keys_are_explained_once() -> None:
    """The healthy path explains 1 = có, 2 = không once; every later question only reminds "1 có, 2 không"."""
    _, log = drive(F1, ["1", "2", "1"])
    texts = [p.text for c in log if isinstance(c, it.Play) for p in c.prompts]
    assert sum("Phím 1 là có, 2 là không" in t for t in texts) == 1
    assert sum("nhấn phím" in t for t in texts) == 0


def test_goodbye_gives_the_hotline_and_how_answers_are_used() -> None:
    for script in (F1, F2):
        _, log = drive(script, ["1", "2", "1"])
        goodbye = [p.text for c in log if isinstance(c, it.Play) for p in c.prompts][-1]
        assert "đường dây nóng không hai ba bảy, ba chín chín chín, một một năm" in goodbye
        assert "bảo mật, chỉ dùng để theo dõi sức khỏe" in goodbye
        assert not goodbye.endswith("Xin chào.")


@pytest.mark.parametrize("script,answers,outcome,recorded", [
    (F2, ["1", "2"], "completed", {"identity": "yes", "any_symptom": "no"}),
    (F2, ["1", "1"], "symptomatic", {"identity": "yes", "any_symptom": "yes"}),
    (F2, ["2"], "wrong_person", {"identity": "no"}),
    (F2, ["1", "silence", "4", "silence"], "no_input", {"identity": "yes"}),
    (HOTLINE, ["1", "3", *NO_SYMPTOMS, "2"], "completed",
     {"menu": "declare", "category": "other", "fever": "no", "cough": "no", "breathing": "no",
      "sore_throat": "no", "taste_smell": "no", "tested": "no"}),
    (HOTLINE, ["1", "1", "2", "1", "2", "2", "2", "1"], "symptomatic",
     {"menu": "declare", "category": "f1", "fever": "no", "cough": "yes", "breathing": "no", "sore_throat": "no",
      "taste_smell": "no", "tested": "yes"}),
    (HOTLINE, ["1", "2", "0", "failed"], "incomplete", {"menu": "declare", "category": "f2", "fever": "staff"}),
], ids=["f2 healthy", "f2 symptomatic", "f2 wrong person", "f2 no input", "hotline other",
        "hotline f1 cough", "hotline staff busy"])
def test_other_scripts(script: Script, answers: list[str], outcome: str, recorded: dict[str, str]) -> None:
    state, log = drive(script, answers)
    assert (answers_of(log), state.outcome, log[-1]) == (recorded, outcome, it.Finish(outcome))


# -- property: whatever the phone does, the interpreter never raises and stays consistent ---------------
INPUTS = st.one_of(st.sampled_from([it.Begin(), it.PromptDone(), it.Silence(), it.TransferFailed()]),
                   st.builds(it.Key, st.sampled_from(list("0123456789*#ABCD") + ["", "xx"])))


@settings(max_examples=300, deadline=None)
@given(script=st.sampled_from([MINI, F1, F2, HOTLINE]), inputs=st.lists(INPUTS, max_size=60))
def test_any_input_sequence_is_safe(script: Script, inputs: list[it.Input]) -> None:
    state, _ = it.start(script, {})
    for inp in inputs:
        before = state
        state, commands = it.step(script, state, inp, {})
        if before.finished:
            assert (state, commands) == (before, ())
        finishes = [c for c in commands if isinstance(c, it.Finish)]
        assert len(finishes) <= 1 and (not finishes or commands[-1] == finishes[0])
        assert state.finished == bool(state.outcome) and state.step_id in script.steps
        step = script.steps[state.step_id]
        assert state.retries <= getattr(step, "max_retries", 0)


def test_prompts_rendered_once_are_still_each_contacts_own() -> None:
    """Fixed and by-form prompts are rendered once (a cache): the same template for contacts of other forms,
    with other declared fallbacks, or with personal values still gives each its own prompt."""
    by_form, fixed = PromptTemplate("s.p", "Chào {xung_ho}."), PromptTemplate("s.q", "Chào  bạn.")
    personal = PromptTemplate("s.r", "Chào {xung_ho} {ho_ten}.")
    seen = [it.render_prompt(by_form, {"xung_ho": "bà"}), it.render_prompt(by_form, {"xung_ho": "  ông "}),
            it.render_prompt(by_form, {}, {"xung_ho": "anh/chị"}), it.render_prompt(by_form, {}, {"xung_ho": "ông/bà"}),
            it.render_prompt(by_form, {"xung_ho": "bà"}), it.render_prompt(fixed, {"xung_ho": "bà"}),
            it.render_prompt(personal, {"xung_ho": "bà", "ho_ten": "Hoa"}),
            it.render_prompt(personal, {"xung_ho": "ông", "ho_ten": "Nam"})]
    assert seen == [it.Prompt("s.p.ba", "Chào bà."), it.Prompt("s.p.ong", "Chào ông."),
                    it.Prompt("s.p.anh_chi", "Chào anh/chị."), it.Prompt("s.p.ong_ba", "Chào ông/bà."),
                    it.Prompt("s.p.ba", "Chào bà."), it.Prompt("s.q", "Chào bạn."),
                    it.Prompt("s.r", "Chào bà Hoa."), it.Prompt("s.r", "Chào ông Nam.")]


@pytest.mark.parametrize("text,variables,fallbacks,expected_id,expected_text", [
    ("Chào {xung_ho}.", {"xung_ho": "bà"}, {}, "s.p.ba", "Chào bà."),
    ("Chào {xung_ho}.", {"xung_ho": "ông/bà"}, {}, "s.p.ong_ba", "Chào ông/bà."),
    ("Chào {xung_ho}.", {}, {"xung_ho": "anh/chị"}, "s.p.anh_chi", "Chào anh/chị."),        # declared fallback
    ("Chào {xung_ho|ông/bà}.", {"xung_ho": " "}, {"xung_ho": "anh/chị"}, "s.p.ong_ba", "Chào ông/bà."),
    ("Chào {xung_ho}.", {"xung_ho": "cô"}, {}, "s.p.khac", "Chào cô."),                 # not a known form
    ("Chào {xung_ho} {ho_ten}.", {"xung_ho": "bà", "ho_ten": "Hoa"}, {}, "s.p", "Chào bà Hoa."),  # per contact
    ("Chào.", {"xung_ho": "bà"}, {}, "s.p", "Chào."),
])
def test_prompts_said_by_form_have_one_id_per_form(text: str, variables: dict[str, str], fallbacks: dict[str, str],
                                                   expected_id: str, expected_text: str) -> None:
    """A prompt whose only variable is the form of address gets the form in its id, so it is rendered (and
    recorded by a person) once per form: audio/<id>.wav."""
    assert it.render_prompt(PromptTemplate("s.p", text), variables, fallbacks) == it.Prompt(expected_id, expected_text)
