"""CPU to render one contact value (a name and address never said before), with espeak-ng in this process
(libespeak-ng + numpy, ivr/speech/espeak_lib.py and dsp.py) and with the espeak-ng and sox programs (before).

    .venv/bin/python bench/bench_render_value.py --values 200

Counts this process and its child processes (RUSAGE_SELF + RUSAGE_CHILDREN), each way into its own empty cache.
"""
from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

from ivr.scripts.model import Prompt
from ivr.speech.engines import EspeakEngine
from ivr.speech.library import AudioDirs, AudioLibrary


def _cpu() -> tuple[float, float]:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime


def run(in_process: bool, n: int) -> dict[str, float]:
    library = AudioLibrary(AudioDirs(Path(tempfile.mkdtemp()), "/pbx"), EspeakEngine(in_process=in_process))
    texts = [f"Nguyễn Văn An {i}, số nhà {i} đường Lê Lợi, phường {i % 30}" for i in range(n)]
    library.ensure(Prompt("warm-up", "Xin chào"))  # the library loaded (in-process), the cache folder made
    (s0, c0), t0 = _cpu(), time.monotonic()
    for i, text in enumerate(texts):
        library.ensure(Prompt(f"v{i}", text))
    (s1, c1), wall = _cpu(), time.monotonic() - t0
    return {"self_ms": round((s1 - s0) / n * 1000, 2), "children_ms": round((c1 - c0) / n * 1000, 2),
            "cpu_ms": round((s1 - s0 + c1 - c0) / n * 1000, 2), "wall_ms": round(wall / n * 1000, 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--values", type=int, default=200)
    args = ap.parse_args()
    out = {"values": args.values, "programs": run(False, args.values), "in_process": run(True, args.values)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
