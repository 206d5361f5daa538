"""Campaign throughput and responsiveness against the sandbox's simulated phones (issues 4 and 7).

    .venv/bin/python bench/bench_campaign.py --contacts 1000 --concurrency 50
    .venv/bin/python bench/bench_campaign.py --contacts 1600 --concurrency 800 --baseline

Runs one campaign of the F1 script over N synthetic contacts whose phones follow the sandbox's default
rule (README, "Personas"), at concurrency C, through the real controller
(Dialer -> ARI -> Asterisk -> SIP -> far-end Asterisk). With --baseline it then runs the same script,
compiled to plain dialplan (Playback/Read, bench/baseline_dialplan.py), over the same numbers with no
controller, and prints our figures as ratios to it. Both modes' latency (answer -> first prompt, key -> next
prompt) is taken on Asterisk's event clock from the same start events (bench/latency.py): the controller's
from its own events, the baseline's by a second ARI application subscribed to all channels with a filter of
three event types. Results go to bench/results/<name>.json (or --out-dir); a summary table is printed.
Needs the sandbox (it brings it up) and takes about N x 30 s / C per run.

The script is bench/scripts/f1_daily.yaml, a frozen copy of f1_daily version 1 (2026-11-30), and the
phones press its keys (bench/personas_f1_v1.py): the shipped script is shorter since issue 14, and
figures before and after must compare. Set BENCH_CURRENT_SCRIPT=1 to dial scripts_vi/f1_daily.yaml instead.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from baseline_dialplan import CONTEXT, compile_script  # noqa: E402
from latency import BaselineLatency, compare, percentiles  # noqa: E402
from personas_f1_v1 import SCRIPTS_DIR, keys_v1, write_personas  # noqa: E402
from replay_limiter import v1_decide, v2_config  # noqa: E402

from ivr import app, config, eventloop, logs  # noqa: E402
from ivr.calls import prepare  # noqa: E402
from ivr.calls.dialer import Dialer, pbx_limiter  # noqa: E402
from ivr.calls.limiter import LimiterConfig, initial  # noqa: E402
from ivr.clock import utcnow  # noqa: E402
from ivr.campaigns.service import CampaignService  # noqa: E402
from ivr.contacts.importer import ContactImporter  # noqa: E402
from ivr.sandbox.demo_data import write_list  # noqa: E402
from ivr.sandbox.manager import Sandbox  # noqa: E402
from ivr.sandbox.personas import default_persona  # noqa: E402
from ivr.storage.db import make_engine, migrate  # noqa: E402
from ivr.storage.repo import Repository  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CURRENT = os.environ.get("BENCH_CURRENT_SCRIPT") == "1"  # dial the shipped script, not the frozen copy
# One pass over the list: retries (30 min later by default) are policy, not throughput.
ONE_PASS = {"window_start": "00:00", "window_end": "23:59", "no_answer_attempts": 1, "network_max_attempts": 1,
            "unfinished_extra_attempts": 0}


def cpu_of(pid: int | None) -> float:
    """CPU seconds (user + system) used so far by a process and its reaped children."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def asterisk_pids(box: Sandbox) -> dict[str, int | None]:
    """The asterisk processes (children of the chroot wrappers whose pids the sandbox records)."""
    out: dict[str, int | None] = {}
    for inst in (box.pbx, box.phones):
        pid = inst.pid()
        child = None
        if pid:
            for entry in Path("/proc").iterdir():
                if entry.name.isdigit():
                    try:
                        stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    if int(stat[1]) == pid:
                        child = int(entry.name)
        out[inst.name] = child or pid
    return out


def machine_busy() -> tuple[int, int]:
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


class Sampler:
    """Peak channel count, asked of Asterisk's CLI four times a second from a thread of this process.

    Each sample forks `asterisk -rx`: the thread's own CPU (``cpu``) is the benchmark's, not the
    controller's, and is taken out of the controller's figure.
    """

    def __init__(self, box: Sandbox) -> None:
        self.box, self.peak, self._stop = box, 0, threading.Event()
        self.cpu = 0.0
        self.children_cpu = 0.0  # its `asterisk -rx` processes (taken out of the controller's helpers' CPU)
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.thread_time()
        try:
            self._sample()
        finally:
            self.cpu = time.thread_time() - start

    def _sample(self) -> None:
        while not self._stop.is_set():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            try:
                self.peak = max(self.peak, self.box.channel_count())
            except Exception:  # noqa: BLE001 - a missed sample is harmless
                pass
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            self.children_cpu += (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            self._stop.wait(0.25)

    def __enter__(self) -> "Sampler":
        self._t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()


def expected_keys(number: str) -> int:
    if not CURRENT:
        keys = keys_v1(number)
        return len(keys.split(",")) if keys else 0
    p = default_persona(number)
    return len(p.keys) if p.behaviour == "answer_keys" else 0


def empty_audio_cache(settings: config.Settings) -> int:
    """Delete the rendered prompts (both twins) in the audio cache: the run then renders every contact's
    values (name, address...) as on the first day of a list, and the controller's CPU counts them."""
    gone = 0
    for f in settings.audio_cache_dir.glob("*"):
        if f.is_file() and f.suffix in (".wav", ".ulaw"):
            f.unlink()
            gone += 1
    return gone


def limiter_tuning(given: list[str]) -> dict[str, float | int | bool]:
    """``--limiter-set rt_brake=6 --limiter-set relative_rt=false`` -> {"rt_brake": 6.0, "relative_rt": False}:
    each value read as its LimiterConfig field's type."""
    kinds = {f.name: str(f.type) for f in dataclasses.fields(LimiterConfig) if f.name != "max_concurrent"}
    tuning: dict[str, float | int | bool] = {}
    for item in given:
        name, _, value = item.partition("=")
        kind = kinds.get(name)
        try:
            if kind == "bool" and value.lower() in ("true", "false"):
                tuning[name] = value.lower() == "true"
            elif kind in ("int", "float"):
                tuning[name] = int(value) if kind == "int" else float(value)
            else:
                raise ValueError(item)
        except ValueError:
            raise SystemExit(f"--limiter-set {item!r}: expected FIELD=VALUE (a number, or true/false), FIELD one of "
                             f"{', '.join(sorted(kinds))}") from None
    return tuning


async def run_controller(settings: config.Settings, box: Sandbox, path: Path, n: int, c: int, db_url: str,
                         cold_audio: bool = True, design: str = "v2", count_ari: bool = False,
                         event_filter: bool = True, tuning: dict[str, float | int | bool] | None = None) -> dict:
    if cold_audio:
        empty_audio_cache(settings)  # the fixed prompts are rendered again by create (not counted)
    repo = Repository(make_engine(db_url))
    importer = ContactImporter(repo, Path(tempfile.mkdtemp()) / "imports", clock=utcnow,
                               zone=ZoneInfo("Asia/Ho_Chi_Minh"))
    result = importer.import_file(path, category="F1", list_date=dt.date.today(), operator="bench")
    svc = CampaignService(settings, repo, app.audio_library(settings), app.script_loader(settings),
                          app.campaign_policy(settings))
    t_prep = time.monotonic()
    created = svc.create(script_name="f1_daily", operator="bench", import_id=result.import_id, overrides=ONE_PASS)
    prep_s = time.monotonic() - t_prep
    svc.set_status(created.campaign.id, "running", "bench")
    metrics: dict[str, list[float]] = defaultdict(list)
    ari = app.ari_client(settings)
    if not event_filter:  # every event type, as before the filter (ivr.ari.events.CONSUMED_EVENT_TYPES)
        async def no_filter(lane: object) -> None:
            for app_name in [ln.app for ln in ari._lanes.all()]:  # a filter left by an earlier run
                await ari._request("PUT", f"/applications/{app_name}/eventFilter", body={"allowed": []})
        ari._filter_events = no_filter  # type: ignore[method-assign]
    if count_ari:
        ari.traffic = Counter()
    await ari.connect()
    windows: list[dict] = []  # the limiter's windows: figures and raw samples (bench/replay_limiter.py)
    limiter = pbx_limiter(settings, ari, on_window=windows.append)
    if design == "v1":  # the first design, frozen in bench/replay_limiter.py (the before of this change)
        limiter.step = v1_decide
    elif design == "v2":  # the second design's growth (start at the maximum, grow below 70 % of the bound)
        limiter.config = v2_config(limiter.config)
        limiter.state = initial(limiter.config, limiter.monotonic())
    if tuning:  # --limiter-set: a variant of the design's thresholds (LimiterConfig fields), for comparisons
        limiter.config = dataclasses.replace(limiter.config, **tuning)
        limiter.state = initial(limiter.config, limiter.monotonic())
    dialer = Dialer(settings, repo, ari, svc.library, svc.scripts, svc.policy, worker_id="bench",
                    keep_reports=True, metrics=lambda k, v: metrics[k].append(v), limiter=limiter)
    pids = asterisk_pids(box)
    ast0 = {k: cpu_of(p) for k, p in pids.items()}
    busy0 = machine_busy()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)  # helper programs (espeak-ng, sox) the run started
    t0 = time.monotonic()
    with Sampler(box) as sampler:
        stats = await dialer.run_campaign(created.campaign.id, asyncio.Event())
    wall = time.monotonic() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy1 = machine_busy()
    events_per_lane = ari.events_per_lane()
    await ari.close()
    reports = stats.reports
    durations = [r.duration for r in reports]
    keys = sum(len(r.result.keys) for r in reports)
    children = (ch1.ru_utime - ch0.ru_utime) + (ch1.ru_stime - ch0.ru_stime) - sampler.children_cpu
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime) - sampler.cpu + children
    return {
        "mode": "controller", "audio_cache": "cold" if cold_audio else "as found",
        "controller_children_cpu_s": round(children, 2), "contacts": n, "concurrency": c, "calls": len(reports), "wall_s": round(wall, 1),
        "setups_per_s": round(len(reports) / wall, 2), "calls_per_min": round(len(reports) / wall * 60, 1),
        "peak_channels": sampler.peak, "ideal_s": round(sum(durations) / c, 1),
        "wall_over_ideal": round(wall / (sum(durations) / c), 3) if durations else None,
        "controller_cpu_s_per_1000": round(cpu / max(len(reports), 1) * 1000, 1),
        "controller_peak_rss_mb": round(ru1.ru_maxrss / 1024, 1),
        "bench_sampler_cpu_s": round(sampler.cpu, 1),
        "asterisk_cpu_ms_per_call": {k: round((cpu_of(p) - ast0[k]) / max(len(reports), 1) * 1000, 1)
                                     for k, p in pids.items()},
        "machine_busy_pct": round(100 * (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1), 1),
        "keys_received": keys, "keys_expected": sum(expected_keys(r) for r in numbers_of(path)),
        # On Asterisk's clock (bench/latency.py): answer (Up) and key -> PlaybackStarted; first_audio_ms is the
        # figure before issue 18, from StasisStart.
        "answer_to_audio_ms": percentiles(metrics["answer_to_audio_ms"]),
        "key_to_prompt_ms": percentiles(metrics["key_to_prompt_ms"]),
        "first_audio_ms": percentiles(metrics["first_audio_ms"]),
        "latency_samples": {"answer_to_audio": len(metrics["answer_to_audio_ms"]),
                            "key_to_prompt": len(metrics["key_to_prompt_ms"])},
        "campaign_prepare_s": round(prep_s, 1),
        "events_per_websocket": events_per_lane,
        "event_filter": event_filter,
        # --count-ari: events (by type, as received) and requests (by resource), per call
        **({"ari_per_call": {k: round(v / max(len(reports), 1), 2) for k, v in sorted(ari.traffic.items())}}
           if ari.traffic is not None else {}),
        "by_outcome": stats.by_outcome,
        # The PBX's adaptive limit (ivr/calls/limiter.py): where it settled and how low it went.
        "concurrency_limit": {"max": c, "adaptive": settings.dialer.adaptive_limit,
                              "lowest": stats.limit_lowest, "last": stats.limit_last,
                              "bound_ms": settings.dialer.latency_bound_ms,
                              "design": design, **({"tuning": tuning} if tuning else {}),
                              "decisions": dict(Counter(w["decision"] for w in windows))},
        # Each window of the limiter: each signal's p95 and sample count, the decision and the signal that
        # decided (the raw samples go to <name>_windows.jsonl, for bench/replay_limiter.py).
        "limiter_windows": [{k: v for k, v in w.items() if k != "samples"} for w in windows],
        "_windows": windows,
    }


def summary(results: list[dict]) -> str:
    """The run's figures as a small table: each mode, and controller / baseline when both ran."""
    runs = [r for r in results if "mode" in r]
    ratio = next((r["controller_over_dialplan"] for r in results if "controller_over_dialplan" in r), None)
    heads = [r["mode"] for r in runs] + (["controller / baseline"] if ratio else [])
    lines = ["| figure | " + " | ".join(heads) + " |", "|---" * (len(heads) + 1) + "|"]

    def cell(value: object) -> str:
        return "–" if value is None else str(value)

    def row(label: str, get) -> None:  # type: ignore[no-untyped-def]
        lines.append(f"| {label} | " + " | ".join(cell(get(r)) for r in runs)
                     + (f" | {cell(get(ratio))}" if ratio else "") + " |")

    row("calls/min", lambda r: r.get("calls_per_min"))
    for name, label in (("answer_to_audio_ms", "answer (Up) -> first prompt starts, ms"),
                        ("key_to_prompt_ms", "key -> next prompt starts, ms")):
        for p in ("50", "95", "99"):
            row(f"{label}, p{p}", lambda r, name=name, p=p: (r.get(name) or {}).get(p))
    lines.append(f"| samples (answer / key) | " + " | ".join(
        "{answer_to_audio} / {key_to_prompt}".format(**r["latency_samples"]) if "latency_samples" in r else "–"
        for r in runs) + (" | –" if ratio else "") + " |")
    return "\n".join(lines)


def numbers_of(path: Path) -> list[str]:
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True).active
    return [f"0{row[3]}" for row in ws.iter_rows(min_row=5, values_only=True) if row and row[3]]


LATENCY_APP = "bench-latency"
# The baseline's latency sampler (bench/latency.py) needs these three of its channels' events, and nothing else.
LATENCY_EVENTS = ("ChannelStateChange", "ChannelDialplan", "ChannelDtmfReceived")


async def run_baseline(settings: config.Settings, box: Sandbox, path: Path, n: int, c: int, cps: float,
                       latency: bool = True) -> dict:
    script = app.script_loader(settings)("f1_daily")
    library = app.audio_library(settings)
    prompts = prepare.script_prompts(script, {})
    media = prepare.media_map(library, prompts)
    text = compile_script(script, lambda p: media[p].removeprefix("sound:"))
    target = box.root / box.pbx.conf_dir.lstrip("/") / "extensions_baseline.conf"
    target.write_text(text)
    box.pbx.rx("dialplan reload")
    box.pbx.rx("database deltree bench")
    numbers = numbers_of(path)
    a = settings.ari
    ws_url = a.url.replace("http://", "ws://") + f"/ari/events?app=bench-observer&subscribeAll=true"
    import base64

    import httpx

    auth = {"Authorization": "Basic " + base64.b64encode(f"{a.username}:{a.password}".encode()).decode()}
    done: dict[str, asyncio.Future] = {}
    started: dict[str, float] = {}
    durations: list[float] = []
    failures: list[int] = []
    sampler_latency = BaselineLatency()
    parse_cpu = [0.0]

    async def listen(ws) -> None:  # type: ignore[no-untyped-def]
        async for message in ws:
            data = json.loads(message)
            if data.get("type") == "ChannelDestroyed":
                cid = data["channel"]["id"]
                if cid in done and not done[cid].done():
                    done[cid].set_result(True)

    async def listen_latency(ws) -> None:  # type: ignore[no-untyped-def]
        # Its own websocket and application: the ends the originator waits for (above) never queue behind
        # these. Work per event: one json.loads and a few comparisons (its CPU is reported).
        async for message in ws:
            t = time.thread_time()
            data = json.loads(message)
            ch = data.get("channel") or {}
            cid = ch.get("id", "")
            if cid.startswith("bl-"):
                ts = dt.datetime.fromisoformat(data["timestamp"]).timestamp()
                sampler_latency.event(data.get("type", ""), cid, ts, state=ch.get("state", ""),
                                      app=data.get("dialplan_app", ""), data=data.get("dialplan_app_data", ""))
            parse_cpu[0] += time.thread_time() - t

    pids = asterisk_pids(box)
    ast0 = {k: cpu_of(p) for k, p in pids.items()}
    busy0 = machine_busy()
    sem = asyncio.Semaphore(c)
    lat_url = a.url.replace("http://", "ws://") + f"/ari/events?app={LATENCY_APP}&subscribeAll=false"
    async with contextlib.AsyncExitStack() as stack:
        ws = await stack.enter_async_context(websockets.connect(ws_url, additional_headers=auth, max_size=None))
        http = await stack.enter_async_context(httpx.AsyncClient(
            base_url=a.url + "/ari", headers=auth, timeout=httpx.Timeout(30, pool=None),
            limits=httpx.Limits(max_connections=20)))
        lat_ws = None
        if latency:
            lat_ws = await stack.enter_async_context(
                websockets.connect(lat_url, additional_headers=auth, max_size=None))
            # Every channel's events (eventSource "channel:" with no id: all channels, not endpoints or
            # bridges), of three types only: Asterisk drops the others (ChannelVarset, hang-up requests...)
            # before they reach the websocket.
            (await http.post(f"/applications/{LATENCY_APP}/subscription",
                             params={"eventSource": "channel:"})).raise_for_status()
            (await http.put(f"/applications/{LATENCY_APP}/eventFilter",
                            json={"allowed": [{"type": t} for t in LATENCY_EVENTS]})).raise_for_status()
        # The observer needs only the end of each call: Asterisk drops every other event type before it
        # reaches the websocket, so watching costs the baseline next to nothing. (Subscribed to all
        # events, its queue backed up at 800 calls and delayed the ends it waits for.)
        resp = await http.put("/applications/bench-observer/eventFilter",
                              json={"allowed": [{"type": "ChannelDestroyed"}]})
        resp.raise_for_status()
        listener = asyncio.create_task(listen(ws))
        lat_listener = asyncio.create_task(listen_latency(lat_ws)) if lat_ws is not None else None
        next_slot = time.monotonic()

        async def one(number: str) -> None:
            nonlocal next_slot
            async with sem:
                now = time.monotonic()
                wait = max(0.0, next_slot - now)
                next_slot = max(next_slot, now) + 1 / cps
                if wait:
                    await asyncio.sleep(wait)
                cid = f"bl-{uuid.uuid4().hex[:12]}"
                done[cid] = asyncio.get_running_loop().create_future()
                started[cid] = time.monotonic()
                resp = await http.post("/channels", params={
                    "endpoint": f"PJSIP/{number}@trunk", "context": CONTEXT, "extension": "s", "priority": 1,
                    "channelId": cid, "callerId": prepare.caller_id(settings),
                    "timeout": settings.trunk.ring_timeout})
                if resp.status_code >= 400:
                    failures.append(resp.status_code)
                    return
                # Should an event be missed, look the channel up now and then, so no call is waited on for ever
                # (rarely: every poll is an HTTP session on the PBX, and it allows only 100 at once).
                while not done[cid].done():
                    try:
                        await asyncio.wait_for(asyncio.shield(done[cid]), 60)
                    except asyncio.TimeoutError:
                        try:
                            if (await http.get(f"/channels/{cid}")).status_code == 404:
                                break
                        except httpx.HTTPError:
                            continue
                durations.append(time.monotonic() - started[cid])

        ru0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.monotonic()
        with Sampler(box) as sampler:
            await asyncio.gather(*(one(num) for num in numbers))
        wall = time.monotonic() - t0
        ru1 = resource.getrusage(resource.RUSAGE_SELF)
        listener.cancel()
        if lat_listener is not None:
            await asyncio.sleep(0.5)  # the last calls' events, already sent, are read before it stops
            lat_listener.cancel()
            await http.delete(f"/applications/{LATENCY_APP}/subscription", params={"eventSource": "channel:"})
    busy1 = machine_busy()
    answered = box.pbx.rx("database show bench")
    keys = sum(len(line.split(":", 1)[1].strip()) for line in answered.splitlines() if line.startswith("/bench/"))
    return {
        "mode": "dialplan", "contacts": n, "concurrency": c, "calls": len(durations), "wall_s": round(wall, 1),
        "setups_per_s": round(len(durations) / wall, 2), "calls_per_min": round(len(durations) / wall * 60, 1),
        "peak_channels": sampler.peak, "ideal_s": round(sum(durations) / c, 1),
        "wall_over_ideal": round(wall / (sum(durations) / c), 3),
        "asterisk_cpu_ms_per_call": {k: round((cpu_of(p) - ast0[k]) / max(len(durations), 1) * 1000, 1)
                                     for k, p in pids.items()},
        "machine_busy_pct": round(100 * (busy1[0] - busy0[0]) / max(busy1[1] - busy0[1], 1), 1),
        "keys_received": keys, "keys_expected": sum(expected_keys(x) for x in numbers),
        "originate_failures": len(failures),
        # The bench process (originates, waits for ends, the latency sampler), without the channel sampler;
        # of it, the latency sampler's own parsing (a lower bound: websocket framing not included).
        "bench_cpu_s": round((ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime) - sampler.cpu, 1),
        "bench_sampler_cpu_s": round(sampler.cpu, 1),
        **({"latency_sampler_cpu_s": round(parse_cpu[0], 2), "latency_events": sampler_latency.events,
            **sampler_latency.summary_flat()} if latency else {}),
    }


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contacts", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--cps", type=float, default=0, help="originates per second (default: concurrency / 20)")
    ap.add_argument("--baseline", action="store_true", help="also run the pure-dialplan baseline")
    ap.add_argument("--baseline-only", action="store_true")
    ap.add_argument("--warm-audio", action="store_true",
                    help="keep the audio cache (default: emptied first, so every contact's values are rendered "
                         "during the run and counted in the controller's CPU)")
    ap.add_argument("--count-ari", action="store_true",
                    help="count the ARI events (by type) and requests (by resource) per call (ari_per_call)")
    ap.add_argument("--no-event-filter", action="store_true",
                    help="let Asterisk send every event type (the controller before its eventFilter)")
    ap.add_argument("--db", default="", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--name", default="")
    ap.add_argument("--out-dir", type=Path, default=RESULTS, help="where <name>.json goes (default bench/results)")
    ap.add_argument("--no-adaptive", action="store_true",
                    help="dial exactly --concurrency calls (no adaptive limit: the figures before issue 18)")
    ap.add_argument("--limiter", choices=("v1", "v2", "v3"), default="v3",
                    help="the limiter's design: v3 (ivr/calls/limiter.py), v2 (its step with the second design's "
                         "growth) or v1, the first one (bench/replay_limiter.py)")
    ap.add_argument("--no-baseline-latency", action="store_true",
                    help="no latency sampler in the baseline (to see what it costs the baseline)")
    ap.add_argument("--latency-bound", type=float, default=300.0,
                    help="the adaptive limiter's p95 bound in ms (dialer.latency_bound_ms)")
    ap.add_argument("--limiter-set", action="append", default=[], metavar="FIELD=VALUE",
                    help="change one of the limiter's thresholds (a LimiterConfig field, e.g. rt_brake=6), repeatable")
    args = ap.parse_args()
    tuning = limiter_tuning(args.limiter_set)  # a typo fails here, before the sandbox comes up
    n, c = args.contacts, args.concurrency
    cps = args.cps or max(c / 20, 5)
    base = config.load()
    logs.configure("warning", stream=open(os.devnull, "w"))  # noqa: SIM115
    settings = config.replace(base, dialer={"max_concurrent": c, "calls_per_second": cps,
                                            "adaptive_limit": not args.no_adaptive,
                                            "latency_bound_ms": args.latency_bound})
    path = write_list(Path(tempfile.mkdtemp()) / f"bench_{n}.xlsx", n, dt.date.today())
    personas = None
    if not CURRENT:
        settings = config.replace(settings, scripts_dir=str(SCRIPTS_DIR))
        personas = str(write_personas(Path(tempfile.mkdtemp()) / "personas_f1_v1.yaml", numbers_of(path)))
    box = Sandbox(settings)
    box.up(personas)
    box.reset()
    results = []
    name = args.name or f"campaign_{n}x{c}{'_baseline' if args.baseline else ''}"
    if not args.baseline_only:
        db_url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        migrate(db_url)
        results.append(await run_controller(settings, box, path, n, c, db_url, cold_audio=not args.warm_audio,
                                            design=args.limiter, count_ari=args.count_ari,
                                            event_filter=not args.no_event_filter,
                                            tuning=tuning))
        (args.out_dir / name).parent.mkdir(parents=True, exist_ok=True)  # a name may hold folders
        with (args.out_dir / f"{name}_windows.jsonl").open("w") as out:  # for bench/replay_limiter.py
            for window in results[-1].pop("_windows"):
                out.write(json.dumps(window) + "\n")
        print(json.dumps(results[-1], ensure_ascii=False))
        box.reset(timeout=60)
    if args.baseline or args.baseline_only:
        results.append(await run_baseline(settings, box, path, n, c, cps, latency=not args.no_baseline_latency))
        print(json.dumps(results[-1], ensure_ascii=False))
        box.reset(timeout=60)
    if len(results) == 2:
        ratio = compare(*results)
        print(json.dumps({"controller_over_dialplan": ratio}))
        results.append({"controller_over_dialplan": ratio})
    print(summary(results))
    if personas:
        box.up(base.sandbox.personas or "")  # the phones as they were: the default rule (or the configured file)
    (args.out_dir / name).parent.mkdir(parents=True, exist_ok=True)
    (args.out_dir / f"{name}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    # The loop `serve` runs calls on (uvloop unless ROBOCALL_SERVICE_UVLOOP=false; ivr/eventloop.py).
    eventloop.run(main(), use_uvloop=config.load().service.uvloop)
