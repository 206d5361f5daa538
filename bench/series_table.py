"""The issue-18 series as Markdown table rows for bench/README.md, from the JSON that bench/series.sh writes.

    .venv/bin/python bench/series_table.py                       # bench/results/issue18/series18_*
    .venv/bin/python bench/series_table.py --dir DIR --prefix P  # another folder or name prefix
    .venv/bin/python bench/series_table.py bench/results/issue18/lat_smoke.json   # these campaign results only

Prints four tables: throughput and CPU (calls/min of each mode and their ratio, controller CPU per call, the
limit the adaptive pacer settled on, keys, machine busy, the load average before the step), latency (answer
-> first prompt and key -> next prompt, p50 / p95 / p99 for each mode and controller / baseline), campaign
start to the first call, and the import. Ratios are recomputed from the two modes' figures
(bench/latency.py ``compare``), so results written before the instrument print "–" where they lack one.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

sys.path.insert(0, str(Path(__file__).resolve().parent))

from latency import LATENCY_FIGURES, PERCENTILES, compare  # noqa: E402

DEFAULT_DIR = Path(__file__).resolve().parent / "results" / "issue18"
DASH = "–"


def cell(value: object) -> str:
    if value is None or value == "":
        return DASH
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


def triple(figures: object) -> str:
    """p50 / p95 / p99 from {"50": .., "95": .., "99": ..}."""
    if not isinstance(figures, Mapping):
        return DASH
    return " / ".join(cell(figures.get(str(p))) for p in PERCENTILES)


def row(cells: Iterable[object]) -> str:
    return "| " + " | ".join(cell(c) for c in cells) + " |"


def header(*names: str) -> list[str]:
    return [row(names), "|" + "---|" * len(names)]


def load_steps(folder: Path, prefix: str) -> dict[str, str]:
    """step name -> the load average printed before it (series.sh's series18_steps.jsonl)."""
    path = folder / f"{prefix}steps.jsonl"
    out: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                step = json.loads(line)
                out[step["step"]] = step["load_average"]  # the last run of a step wins
    return out


def modes(result: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    ours = next((r for r in result if r.get("mode") == "controller"), {})
    ref = next((r for r in result if r.get("mode") == "dialplan"), {})
    return ours, ref


def label(path: Path, ours: Mapping[str, Any], ref: Mapping[str, Any]) -> str:
    run = ours or ref
    return f"{run.get('contacts', '?')} × {run.get('concurrency', '?')}"


def campaign_tables(paths: list[Path], loads: Mapping[str, str]) -> list[str]:
    runs = []
    for path in paths:
        ours, ref = modes(json.loads(path.read_text()))
        if ours or ref:
            runs.append((path, ours, ref))
    runs.sort(key=lambda r: ((r[1] or r[2]).get("concurrency", 0), (r[1] or r[2]).get("contacts", 0)))
    if not runs:
        return []
    lines = ["Throughput and CPU (controller CPU ms per call = CPU s per 1000 calls; limit: where the adaptive "
             "pacer ended / its lowest / the maximum asked):", "",
             *header("run", "calls/min controller", "calls/min baseline", "ratio", "controller CPU ms/call",
                     "limit settled (last / lowest / max)", "keys controller / baseline (expected)",
                     "machine busy % controller / baseline", "load average before the step", "file")]
    for path, ours, ref in runs:
        ratio = compare(ours, ref) if ours and ref else {}
        lim = ours.get("concurrency_limit") or {}
        limit = (f"{cell(lim.get('last'))} / {cell(lim.get('lowest'))} / {cell(lim.get('max'))}"
                 + ("" if lim.get("adaptive", True) else " (adaptive off)")) if lim else DASH
        keys = f"{cell(ours.get('keys_received'))} / {cell(ref.get('keys_received'))} " \
               f"({cell((ours or ref).get('keys_expected'))})"
        c, n = (ours or ref).get("concurrency"), (ours or ref).get("contacts")
        lines.append(row([label(path, ours, ref), ours.get("calls_per_min"), ref.get("calls_per_min"),
                          ratio.get("calls_per_min"), ours.get("controller_cpu_s_per_1000"), limit, keys,
                          f"{cell(ours.get('machine_busy_pct'))} / {cell(ref.get('machine_busy_pct'))}",
                          loads.get(f"campaign_{n}x{c}"), path.name]))
    lines += ["", "Latency on Asterisk's event clock, ms, p50 / p95 / p99 (controller: ChannelStateChange Up or "
              "ChannelDtmfReceived -> PlaybackStarted; baseline: the same start -> ChannelDialplan Read/Playback; "
              "bench/latency.py):", "",
              *header("run", "answer → first prompt, controller", "baseline", "controller ÷ baseline",
                      "key → next prompt, controller", "baseline", "controller ÷ baseline",
                      "samples controller / baseline (answer; key)")]
    for path, ours, ref in runs:
        ratio = compare(ours, ref) if ours and ref else {}
        fig = {name: (triple(ours.get(name)), triple(ref.get(name)), triple(ratio.get(name)))
               for name in LATENCY_FIGURES}
        samples = "; ".join(f"{cell((ours.get('latency_samples') or {}).get(k))} / "
                            f"{cell((ref.get('latency_samples') or {}).get(k))}"
                            for k in ("answer_to_audio", "key_to_prompt"))
        lines.append(row([label(path, ours, ref), *fig["answer_to_audio_ms"], *fig["key_to_prompt_ms"], samples]))
    return lines


def first_call_table(paths: list[Path], loads: Mapping[str, str]) -> list[str]:
    if not paths:
        return []
    results = sorted((json.loads(p.read_text()) for p in paths), key=lambda r: r.get("contacts", 0))
    lines = ["", "Campaign start to the first call (bench_first_call.py):", "",
             *header("list", "create s", "start s", "create + start → first originate s",
                     "load average before the step")]
    for r in results:
        n = r.get("contacts")
        lines.append(row([f"{n:,} contacts" if isinstance(n, int) else n, r.get("create_s"), r.get("start_s"),
                          r.get("create_start_to_first_call_s"),
                          loads.get(f"first_call_{n}") or r.get("load_average_before")]))
    return lines


def import_table(paths: list[Path], loads: Mapping[str, str]) -> list[str]:
    lines: list[str] = []
    for path in paths:
        r = json.loads(path.read_text())
        lines += ["", f"Import, {r.get('rows', 0):,} rows (bench_import.py; load average at the start "
                  f"{loads.get('import') or r.get('load_average_at_start')}):", "",
                  *header("database", "file", "import", "seconds", "CPU s", "rows/s")]
        lines += [row([i.get("database"), i.get("file"), i.get("import"), i.get("seconds"), i.get("CPU s"),
                       i.get("rows/s")]) for i in r.get("imports", [])]
        lines += [f"- {line}" for line in r.get("reads", [])]
    return lines


def tables(folder: Path, prefix: str, campaigns: list[Path]) -> str:
    loads = load_steps(folder, prefix)
    if not campaigns:
        campaigns = sorted(p for p in folder.glob(f"{prefix}*.json")
                           if re.fullmatch(re.escape(prefix) + r"\d+x\d+\.json", p.name))
    lines = campaign_tables(campaigns, loads)
    lines += first_call_table(sorted(folder.glob(f"{prefix}first_call_*.json")), loads)
    lines += import_table(sorted(folder.glob(f"{prefix}import_*.json")), loads)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("campaigns", nargs="*", type=Path, help="campaign results (default: <dir>/<prefix><N>x<C>.json)")
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--prefix", default="series18_")
    args = ap.parse_args()
    print(tables(args.dir, args.prefix, args.campaigns))


if __name__ == "__main__":
    main()
