"""The F1 daily script over real calls: simulated phones take every path, and the answers recorded by
question id match. All paths run at once (as a campaign would), so the test takes as long as the
slowest path (silence until the retries run out)."""
from __future__ import annotations

import asyncio
import json

from e2e_helpers import robocall

from ivr import app
from ivr.calls import prepare
from ivr.calls.session import CallSession
from ivr.scripts import checker
from ivr.config import PROJECT_ROOT

HEALTHY = {"identity": "yes", "any_symptom": "no", "at_address": "yes"}
VARS = {"xung_ho": "ông", "ho_ten": "Nguyễn Văn An", "ten": "An", "dia_chi": "số 5 Lê Lợi", "ngay_cach_ly": "5"}

# number, call outcome, script result, answers by question id
PATHS = {
    "healthy": ("+84900000101", "completed", "completed", HEALTHY),
    "symptomatic": ("+84900000102", "completed", "symptomatic",
                    {**HEALTHY, "any_symptom": "yes", "fever": "yes", "cough": "no", "breathing": "yes",
                     "sore_throat": "no", "taste_smell": "no", "tested": "no"}),
    "wrong_person": ("+84900000103", "completed", "wrong_person", {"identity": "no"}),
    "silent": ("+84900000104", "completed", "no_input", {}),
    "invalid_then_valid": ("+84900000105", "completed", "completed", HEALTHY),
    "star_repeats": ("+84900000106", "completed", "completed", HEALTHY),
    "zero_to_staff": ("+84900000107", "transferred", None, {"identity": "yes", "any_symptom": "staff"}),
    "family_passes_the_phone": ("+84900000108", "completed", "completed",
                                {**HEALTHY, "identity": "family", "handover": "ready"}),
    "family_says_away": ("+84900000109", "completed", "unavailable", {"identity": "family", "handover": "away"}),
}


async def test_f1_script_every_path(pbx, settings):
    script = checker.load_checked(PROJECT_ROOT / "scripts_vi" / "f1_daily.yaml", PROJECT_ROOT / "scripts_vi")
    library = app.audio_library(settings)
    ari = app.ari_client(settings)
    await ari.connect()
    stored: dict[str, dict[str, str]] = {name: {} for name in PATHS}
    versions: set[str] = set()

    async def run(name: str, number: str):
        async def on_answer(answer, _at):
            assert answer.question_id not in stored[name], "an answer was recorded twice"
            stored[name][answer.question_id] = answer.value
            versions.add(f"{answer.script}@{answer.version}")

        plan = prepare.script_plan(settings, library, script, number, VARS)
        return await CallSession(ari, on_answer=on_answer).run(plan)

    try:
        reports = await asyncio.wait_for(
            asyncio.gather(*(run(name, p[0]) for name, p in PATHS.items())), timeout=240)
    finally:
        await ari.close()
    for (name, (_, outcome, result, answers)), report in zip(PATHS.items(), reports):
        assert (name, report.result.outcome, report.result.result) == (name, outcome, result)
        assert (name, stored[name]) == (name, answers)
    assert versions == {f"f1_daily@{script.version}"}


def test_call_command_runs_a_script_and_prints_answers(pbx):
    proc = robocall("call", "0900000103", "--script", "f1_daily", "--var", "ho_ten=Trần Thị Bình", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["answers"] == {"identity": "no"}
    assert data["result"] == "wrong_person" and data["outcome"] == "completed"
