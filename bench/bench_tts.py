"""Benchmark: time to render every prompt of the shipped scripts (scripts_vi/*.yaml), cold and warm cache.

Not a test: it prints figures. Run from the repository root:

    .venv/bin/python bench/bench_tts.py [--contacts 50] [--workers N] [--engine espeak-ng]

- cold: a new empty cache folder; every common prompt of every script, plus each personalised prompt
  rendered with its fallbacks (a contact with no data);
- warm: the same again (every file already there: only hashing and file-exists checks);
- campaign: the personalised prompts for N made-up contacts (what campaign preparation costs).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ivr import logs  # noqa: E402
from ivr.scripts import loader  # noqa: E402
from ivr.speech.convert import wav_info  # noqa: E402
from ivr.speech.engines import make_engine  # noqa: E402
from ivr.speech.library import AudioDirs, AudioLibrary, RenderStats  # noqa: E402
from ivr.speech.render import render_personalised, render_script  # noqa: E402

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
MIDDLE = ("Văn", "Thị", "Minh", "Thu", "Quốc")
GIVEN = ("An", "Bình", "Cường", "Dung", "Hà", "Hải", "Lan", "Long", "Mai", "Nam", "Phương", "Sơn", "Tâm")


def contacts(n: int) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        name = f"{FAMILY[i % len(FAMILY)]} {MIDDLE[i % len(MIDDLE)]} {GIVEN[i % len(GIVEN)]}"
        out.append({"ho_ten": name, "dia_chi": f"số {i + 1} đường Lê Lợi, phường Điện Biên",
                    "ngay_cach_ly": str(1 + i % 14)})
    return out


def full_pass(library: AudioLibrary, scripts: list) -> tuple[RenderStats, float]:  # type: ignore[type-arg]
    start = time.perf_counter()
    total = RenderStats()
    for script in scripts:
        total = total + render_script(library, script).stats + render_personalised(library, script, [{}])
    return total, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=50)
    parser.add_argument("--workers", type=int, default=0, help="render threads (0: min(4, CPUs))")
    parser.add_argument("--engine", default="espeak-ng")
    args = parser.parse_args()
    logs.configure("warning")

    paths = sorted((ROOT / "scripts_vi").glob("*.yaml"))
    scripts = [loader.load(p) for p in paths]
    engine = make_engine(args.engine)
    with tempfile.TemporaryDirectory(prefix="bench-tts-") as tmp:
        library = AudioLibrary(AudioDirs(Path(tmp) / "cache", "/var/lib/robocall/sounds", ROOT / "audio"),
                               engine, workers=args.workers)
        cold, cold_s = full_pass(library, scripts)
        files = sorted(library.cache.folder.glob("*.wav"))
        audio_s = sum(wav_info(f).seconds for f in files)
        warm, warm_s = full_pass(library, scripts)
        start = time.perf_counter()
        people = contacts(args.contacts)
        camp = RenderStats()
        for script in scripts:
            camp = camp + render_personalised(library, script, people)
        camp_s = time.perf_counter() - start

    print(f"engine {engine.name} voice {engine.voice} rate {engine.rate}, workers {library.workers}, "
          f"scripts: {', '.join(p.stem for p in paths)}")
    print(f"cold : {cold.prompts} prompts ({cold.rendered} synthesised, {cold.cached} shared text, "
          f"{cold.recordings} recordings) -> {len(files)} files, {audio_s:.1f} s of audio, "
          f"{cold_s:.2f} s wall ({1000 * cold_s / max(cold.prompts, 1):.1f} ms/prompt, "
          f"{audio_s / cold_s:.0f}x real time)")
    print(f"warm : {warm.prompts} prompts ({warm.rendered} synthesised, {warm.cached} cached) -> "
          f"{warm_s * 1000:.1f} ms wall ({1e6 * warm_s / max(warm.prompts, 1):.0f} us/prompt)")
    print(f"campaign: {args.contacts} contacts -> {camp.prompts} personalised prompts, {camp.rendered} synthesised, "
          f"{camp_s:.2f} s wall ({camp_s / max(args.contacts, 1) * 1000:.0f} ms/contact)")


if __name__ == "__main__":
    main()
