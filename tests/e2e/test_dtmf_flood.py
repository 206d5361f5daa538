"""DTMF floods and odd keys over real calls: the F1 script against simulated phones that lean on the
keypad (60 keys 0.1-0.2 s apart, A-D, # and * among them) or press a wrong key at every step.

The conversation is a function of the order of the keys: a key during a question answers it (barge-in),
keys during a statement wait for the next question (type-ahead, up to machine.MAX_TYPEAHEAD, later ones
dropped). So where the answers sit at the head of a flood, or where only junk is pressed, the result is
known whatever the timing; for the fully mixed flood only the invariants are checked. Every call must
end with a valid outcome, answers once per question with a value the script offers, the keys Asterisk
reported in the order they were sent, and none of its channels left on either side afterwards.
"""
from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import httpx
from e2e_helpers import eventually

from ivr import app
from ivr.calls import prepare
from ivr.calls.outcomes import TELEPHONY_OUTCOMES
from ivr.calls.session import CallSession
from ivr.config import PROJECT_ROOT
from ivr.sandbox import personas as personas_mod
from ivr.scripts import checker
from ivr.scripts.model import AskStep

PERSONAS = Path(__file__).resolve().parent / "personas.yaml"

HEALTHY = {"identity": "yes", "any_symptom": "no", "at_address": "yes"}
VARS = {"xung_ho": "ông", "ho_ten": "Nguyễn Văn An", "ten": "An", "dia_chi": "số 5 Lê Lợi", "ngay_cach_ly": "5"}
ANY = None  # the result depends on how the flood falls across the prompts: invariants only

# number (personas.yaml), script result, answers by question id, whether every key sent is received (when
# the script needs the last key; a flood may outlast the call, and then only its head is received)
CALLS = {
    "flood: the answers, then junk": ("0900000201", "completed", HEALTHY, False),
    "flood: junk and * only": ("0900000202", "no_input", {}, False),
    "flood after the greeting, odd key before each answer": ("0900000203", "completed", HEALTHY, False),
    "flood of the whole keypad": ("0900000204", ANY, ANY, False),
    "odd key before each answer": ("0900000211", "completed", HEALTHY, True),
    "two odd keys before each answer": ("0900000212", "completed", HEALTHY, True),
    "three odd keys at the first question": ("0900000213", "no_input", {}, True),
}


def sent_keys(number: str) -> str:
    return "".join(press.key for press in personas_mod.load(PERSONAS).exact[number].keys)


async def test_floods_and_odd_keys(pbx, settings):
    script = checker.load_checked(PROJECT_ROOT / "scripts_vi" / "f1_daily.yaml", PROJECT_ROOT / "scripts_vi")
    values = {s.question_id: {c.value for c in s.choices.values()}
              for s in script.steps.values() if isinstance(s, AskStep)}
    library = app.audio_library(settings)
    ari = app.ari_client(settings)
    await ari.connect()
    stored: dict[str, dict[str, str]] = {name: {} for name in CALLS}

    async def run(name: str, number: str):
        async def on_answer(answer, _at):
            assert answer.question_id not in stored[name], f"{name}: {answer.question_id} answered twice"
            assert answer.value in values[answer.question_id], (name, answer)
            stored[name][answer.question_id] = answer.value

        plan = prepare.script_plan(settings, library, script, "+84" + number[1:], VARS)
        # The e2e ring timeout (4 s) is for the no-answer tests; here a loaded machine must not turn a
        # slow answer into "no_answer".
        return await CallSession(ari, on_answer=on_answer).run(replace(plan, ring_timeout=30))

    try:
        reports = await asyncio.wait_for(
            asyncio.gather(*(run(name, spec[0]) for name, spec in CALLS.items())), timeout=240)
    finally:
        await ari.close()
    for (name, (number, result, answers, every_key)), report in zip(CALLS.items(), reports):
        got = report.result
        assert got.outcome in TELEPHONY_OUTCOMES and got.answered, (name, got)
        sent = sent_keys(number)
        assert sent.startswith(got.keys), (name, "keys lost, reordered or invented", got.keys, sent)
        if every_key:
            assert got.keys == sent, (name, got.keys, sent)
        if result is not ANY:
            assert (name, got.outcome, got.result, stored[name]) == (name, "completed", result, answers)
    mine = {r.call_id for r in reports}
    numbers = {spec[0] for spec in CALLS.values()}
    assert eventually(lambda: not left_behind(settings, pbx, mine, numbers), timeout=20), \
        f"channels left after the calls: {left_behind(settings, pbx, mine, numbers)}"


def left_behind(settings, pbx, call_ids: set[str], numbers: set[str]) -> list[str]:
    """Channels of these calls still up: on the PBX (by channel id, over ARI) and on the simulated phones
    (by the number dialled). Only our own: other tests may share the sandbox."""
    a = settings.ari
    channels = httpx.get(f"{a.url}/ari/channels", auth=(a.username, a.password), timeout=5).json()
    on_pbx = [c["id"] for c in channels if c["id"] in call_ids]
    on_phones = [line for line in pbx.phones.rx("core show channels concise").splitlines()
                 if line.count("!") > 2 and line.split("!")[2] in numbers]
    return on_pbx + on_phones
