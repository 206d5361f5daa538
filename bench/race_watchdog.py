"""The watchdog race, in a loop (issue 14): far ends that answer 486 / 603 / 480 exactly at the watchdog interval.

    .venv/bin/python bench/race_watchdog.py --rounds 20
    .venv/bin/python bench/race_watchdog.py --rounds 20 --old    # the pre-fix watchdog, for comparison

Each round places three calls at once through the real path (controller -> ARI -> Asterisk -> trunk ->
far-end Asterisk) to the personas of tests/e2e/personas.yaml that ring for 2 s and then refuse; the
watchdog interval is 2 s too, so its channel lookup crosses the real hang-up events. Counts the calls
whose outcome or SIP code differs from what the far end sent, and the lookups that found no channel
(the race being hit). ``--old`` swaps in the watchdog as it was before the fix (a 404 ended the call at
once as if the channel had simply gone). Results go to bench/results/race_watchdog[_old].json.
Needs the sandbox (it brings it up with the e2e personas); about 3 s a round.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr import app, config  # noqa: E402
from ivr.ari.client import AriError  # noqa: E402
from ivr.calls import machine as m  # noqa: E402
from ivr.calls import prepare  # noqa: E402
from ivr.calls.session import CallSession  # noqa: E402
from ivr.errors import PbxUnavailable  # noqa: E402
from ivr.sandbox.manager import Sandbox  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PERSONAS = ROOT / "tests" / "e2e" / "personas.yaml"
RACE = [("+84900000021", "busy", 486), ("+84900000022", "rejected", 603), ("+84900000023", "unreachable", 480)]
WATCHDOG = 2.0  # the personas ring this long before refusing


async def old_watchdog(self: CallSession, plan: m.CallPlan) -> m.Event | None:
    """The watchdog before the fix: a 404 made up a 'gone' event at once."""
    try:
        await self.ari.get_channel(plan.call_id)
    except AriError as exc:
        if exc.status == 404:
            return m.Gone(0, 0, reconciled=True)
    except PbxUnavailable:
        pass
    return None


async def run(rounds: int, old: bool) -> dict[str, object]:
    settings = config.replace(config.load(), call={"watchdog": WATCHDOG, "lost_grace": 3.0})
    Sandbox(settings).up(str(PERSONAS))
    if old:
        CallSession._watchdog = old_watchdog  # type: ignore[method-assign]
    library = app.audio_library(settings)
    ari = app.ari_client(settings)
    await ari.connect()
    missing: Counter[str] = Counter()
    real = ari.get_channel

    async def get_channel(channel_id: str):  # counts the lookups that found no channel
        try:
            return await real(channel_id)
        except AriError as exc:
            if exc.status == 404:
                missing[channel_id] += 1
            raise

    ari.get_channel = get_channel  # type: ignore[method-assign]
    calls, wrong, hit = [], 0, 0
    started = time.monotonic()
    try:
        for n in range(rounds):
            plans = [prepare.prompt_plan(settings, library, number, "Xin chào.", 1) for number, _, _ in RACE]
            reports = await asyncio.gather(*(CallSession(ari).run(p) for p in plans))
            for (number, outcome, sip), plan, report in zip(RACE, plans, reports):
                r = report.result
                ok = (r.outcome, r.sip_cause) == (outcome, sip)
                wrong += not ok
                hit += plan.call_id in missing
                calls.append({"round": n, "expected": [outcome, sip], "got": [r.outcome, r.sip_cause],
                              "watchdog_found_no_channel": plan.call_id in missing, "seconds": round(report.duration, 3)})
            print(f"round {n + 1}/{rounds}: " + ", ".join(c["got"][0] + "/" + str(c["got"][1]) for c in calls[-3:]),
                  flush=True)
    finally:
        await ari.close()
    return {"mode": "old watchdog" if old else "watchdog with grace", "rounds": rounds, "calls": len(calls),
            "misclassified": wrong, "race_hit": hit, "watchdog_seconds": WATCHDOG,
            "wall_seconds": round(time.monotonic() - started, 1), "detail": calls}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--old", action="store_true", help="the watchdog before the fix, for comparison")
    args = ap.parse_args()
    result = asyncio.run(run(args.rounds, args.old))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"race_watchdog{'_old' if args.old else ''}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{result['mode']}: {result['calls']} calls in {result['rounds']} rounds, "
          f"{result['misclassified']} misclassified, {result['race_hit']} hit the race (watchdog found no channel); "
          f"{out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
