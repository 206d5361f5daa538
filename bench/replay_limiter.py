"""Replay recorded limiter windows through limiter designs, offline (issue 18 item 2).

`bench_campaign.py` writes `<name>_windows.jsonl` beside its result: one line per window of the PBX's
limiter, with the calls in flight and every sample of the three signals (key -> next prompt, ARI round
trip, event lag). The limiter's step (`ivr.calls.limiter.decide`) is pure, so the same windows can be fed
through other designs and their decisions compared:

    .venv/bin/python bench/replay_limiter.py bench/results/issue18/lim/lim_open_1800x600_windows.jsonl
    .venv/bin/python bench/replay_limiter.py FILE --bound 300 --max 800 --show v2   # v2's windows, one a line

Variants: `v1` is the first design (kept here, frozen: AIMD on the worst p95 of the three signals over one
2 s window, x 0.8 above the bound, + max/40 below 70 % of it); `v3` is `ivr.calls.limiter` as configured by
default, `v2` the same step with the second design's growth (`v2_config`); the `v2-...` ablations each undo
one of v2's changes.

Open loop: the recorded latencies were produced at the recorded concurrency; a design that keeps fewer calls
up would have seen faster samples (so every design's shedding after its first decrease is overstated, and
equally). The calls a design keeps are taken as min(recorded in flight, its limit): "kept" is their sum over
the recorded sum, an upper bound of its throughput relative to the recorded run. What the replay shows well
is how each design reacts to the same noise, ramp and overload.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ivr.calls.limiter import LimiterConfig, LimiterState, Reading, Signal, decide, initial, p95  # noqa: E402

Samples = Mapping[Signal, Sequence[float]]
Step = Callable[[LimiterState, Samples, float, int], LimiterState]


def v1_decide(config: LimiterConfig, state: LimiterState, samples: Samples, now: float,
              in_flight: int) -> LimiterState:
    """The first design (main before this change), frozen for comparison (``bench_campaign.py --limiter v1``)."""
    if now - state.window_start < config.window_s:
        return state
    counted = {s: v for s, v in samples.items() if v}
    if sum(len(v) for v in counted.values()) < 20:
        return replace(state, window_start=now, decision="idle", p95_ms=0.0, worst="")
    worst, worst_p95 = max(((s.value, p95(v)) for s, v in counted.items()), key=lambda kv: kv[1])
    limit = min(state.limit, config.max_concurrent)
    step_up = max(1, config.max_concurrent // 40)
    if worst_p95 > config.bound_ms:
        new, decision = max(1, math.floor(limit * 0.8)), "shed"
    elif worst_p95 < config.bound_ms * 0.7 and in_flight * 2 >= limit:
        new, decision = min(config.max_concurrent, limit + step_up), "grow"
    else:
        new, decision = limit, "hold"
    readings = tuple(Reading(s, round(p95(samples.get(s, ())), 1), len(samples.get(s, ()))) for s in Signal)
    return LimiterState(limit=new, window_start=now, p95_ms=round(worst_p95, 1), worst=worst, decision=decision,
                        readings=readings)


def v1_step(config: LimiterConfig) -> Step:
    def step(state: LimiterState, samples: Samples, now: float, in_flight: int) -> LimiterState:
        return v1_decide(config, state, samples, now, in_flight)
    return step


def v2_step(config: LimiterConfig) -> Step:
    def step(state: LimiterState, samples: Samples, now: float, in_flight: int) -> LimiterState:
        return decide(config, state, samples, now, in_flight)
    return step


def v2_config(config: LimiterConfig) -> LimiterConfig:
    """The second design's growth on ``config``: start at the maximum, grow below 70 % of the bound with half
    the limit in use (v3 starts at a quarter, grows with 90 % in use and below a quarter of the bound)."""
    return replace(config, start_share=1.0, recover_below=0.7, grow_carried=0.5, grow_gain=0.1, fast_below=0.7,
                   ease_above=1.0, relative_rt=False, gradient_after_decrease=True)


def variants(max_concurrent: int, bound: float) -> dict[str, tuple[LimiterConfig, Step]]:
    v3 = LimiterConfig(max_concurrent, bound_ms=bound)  # ivr.calls.limiter's defaults
    v2 = v2_config(v3)
    table = {
        "v1": v2,
        "v2": v2,
        "v3": v3,
        "v2-one-window": replace(v2, history_windows=1),  # p95 of the last 2 s only
        "v2-guard-2x": replace(v2, guard_factor=2.0),  # round trip and lag only above 2 x the bound
        "v2-shed-in-ramp": replace(v2, use_share=0.0),  # shed below the calls up even while the ramp goes on
        "v2-hold-in-ramp": replace(v2, cap_unused=False),  # no decrease at all while the limit is not carried
        "v2-backoff-0.8": replace(v2, backoff_floor=0.8),  # decrease up to a fifth a window
        "v2-additive-only": replace(v2, grow_gain=0.0),  # growth by max/40 only
        "v2-fresh-2": replace(v2, fresh_windows=2),  # not yet adopted: 2 windows after a decrease first
    }
    return {name: (cfg, v1_step(cfg) if name == "v1" else v2_step(cfg)) for name, cfg in table.items()}


@dataclass
class Recorded:
    in_flight: int
    samples: dict[Signal, list[float]]


def load(path: Path) -> list[Recorded]:
    out = []
    for line in path.read_text().splitlines():
        if line.strip():
            w = json.loads(line)
            out.append(Recorded(int(w["in_flight"]),
                                {s: [float(v) for v in w["samples"].get(s.value, [])] for s in Signal}))
    return out


def replay(config: LimiterConfig, step: Step, windows: Sequence[Recorded]) -> list[tuple[int, int, LimiterState]]:
    """(in flight the design would have had, its limit before, its state after) for each window."""
    state = initial(config, 0.0)
    out = []
    for number, w in enumerate(windows, start=1):
        before = state.limit
        in_flight = min(w.in_flight, before)
        state = step(state, w.samples, number * config.window_s, in_flight)
        out.append((in_flight, before, state))
    return out


def summary(name: str, rows: list[tuple[int, int, LimiterState]], windows: Sequence[Recorded]) -> dict:
    limits = [s.limit for _, _, s in rows]
    decisions: dict[str, int] = {}
    deciders: dict[str, int] = {}
    for _, _, s in rows:
        decisions[s.decision] = decisions.get(s.decision, 0) + 1
        if s.decision in ("shed", "cap"):
            deciders[s.worst] = deciders.get(s.worst, 0) + 1
    recorded = sum(w.in_flight for w in windows)
    kept = sum(in_flight for in_flight, _, _ in rows)
    return {"variant": name, "windows": len(rows), "lowest": min(limits), "last": limits[-1],
            "mean_limit": round(sum(limits) / len(limits), 1), "kept": round(kept / max(recorded, 1), 3),
            "decisions": decisions, "shed_by": deciders}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path, help="<name>_windows.jsonl from bench_campaign.py")
    ap.add_argument("--max", type=int, default=0, help="max_concurrent (default: the highest in flight recorded)")
    ap.add_argument("--bound", type=float, default=300.0, help="dialer.latency_bound_ms")
    ap.add_argument("--show", default="", help="print this variant's windows, one a line")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    for path in args.files:
        windows = load(path)
        top = args.max or max(w.in_flight for w in windows)
        results = []
        for name, (config, step) in variants(top, args.bound).items():
            rows = replay(config, step, windows)
            results.append(summary(name, rows, windows))
            if name == args.show:
                for i, ((in_flight, before, s), w) in enumerate(zip(rows, windows), start=1):
                    counts = " ".join(f"{r.signal.value.removesuffix('_ms')}={r.p95_ms}/{r.samples}"
                                      for r in s.readings)
                    print(f"{i:4d} rec {w.in_flight:4d} in {in_flight:4d} {before:4d} -> {s.limit:4d} "
                          f"{s.decision:6s} {s.worst or '-':18s} {counts}")
        if args.json:
            print(json.dumps({"file": str(path), "max": top, "results": results}))
            continue
        print(f"\n{path.name}: {len(windows)} windows, max {top}, bound {args.bound:g} ms")
        print("| variant | lowest | last | mean limit | kept | decisions | shed by |")
        print("|---|---|---|---|---|---|---|")
        for r in results:
            decisions = ", ".join(f"{k} {v}" for k, v in sorted(r["decisions"].items()))
            shed_by = ", ".join(f"{k.removesuffix('_ms')} {v}" for k, v in sorted(r["shed_by"].items())) or "–"
            print(f"| {r['variant']} | {r['lowest']} | {r['last']} | {r['mean_limit']} | {r['kept']} | "
                  f"{decisions} | {shed_by} |")


if __name__ == "__main__":
    main()
