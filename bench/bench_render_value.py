"""CPU to render one contact value never said before (a name with its form of address, an address, a day of
quarantine), the ways ivr.speech can say it:

- ``programs``: the espeak-ng and sox programs, the value said as one phrase (before issue 18 item 3);
- ``phrase``: espeak-ng in this process (libespeak-ng + numpy, ivr/speech/espeak_lib.py and dsp.py), the
  value said as one phrase (``audio.value_synthesis: phrase``);
- ``words_cold``: word by word (ivr/speech/words.py, the default), the word cache empty: a list's first values;
- ``words``: word by word, after the values of ``--values`` other contacts warmed the word cache: new names
  made of known syllables, as on the rest of a list's first day.

    .venv/bin/python bench/bench_render_value.py --values 200

Before word by word (main's code, phrase only): ``git archive <commit> ivr | tar -x -C /tmp/before`` then
``PYTHONPATH=/tmp/before .venv/bin/python bench/bench_render_value.py --ways phrase``.

The contacts are invented by the sandbox's synthetic list generator's name and place lists
(ivr/sandbox/demo_data.py); the measured contacts' values are all new to the file cache (none of the warm-up's).
Counts this process and its child processes (RUSAGE_SELF + RUSAGE_CHILDREN), each way into its own empty file
cache. ``new_word_ms`` is the CPU of one word said and prepared for the word cache (the cold cost of a word).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from ivr import logs
from ivr.scripts.model import Prompt
from ivr.sandbox.demo_data import GIVEN, MIDDLE, PLACES, SURNAMES
from ivr.speech.engines import EspeakEngine
from ivr.speech.library import AudioDirs, AudioLibrary


def _cpu() -> tuple[float, float]:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime


def contact_values(rnd: random.Random) -> list[str]:
    """One invented contact's values as f1_daily says them: "{xung_ho} {ho_ten}", "{xung_ho} {ten}", the
    address (house, hamlet, ward, district) and the day of quarantine."""
    middle, given = rnd.choice(MIDDLE), rnd.choice(GIVEN)
    form = rnd.choice(["ông", "bà", "anh", "chị"] if middle not in ("Thị", "Thu", "Ngọc") else ["bà", "chị"])
    ward, district = rnd.choice(PLACES)
    return [f"{form} {rnd.choice(SURNAMES)} {middle} {given}", f"{form} {given}",
            f"Số {rnd.randint(1, 200)}, thôn {rnd.randint(1, 9)}, {ward}, {district}", str(rnd.randint(1, 14))]


def value_sets(n: int, seed: int = 2021) -> tuple[list[str], list[str]]:
    """The values of ``n`` contacts to warm the word cache with, and ``n`` other contacts' values, each new."""
    rnd = random.Random(seed)
    warm = list(dict.fromkeys(v for _ in range(n) for v in contact_values(rnd)))
    seen = set(warm)
    measured = list(dict.fromkeys(v for _ in range(n) for v in contact_values(rnd) if v not in seen))
    return warm, measured


def _render(library: AudioLibrary, texts: list[str], tag: str) -> dict[str, float]:
    (s0, c0), t0 = _cpu(), time.monotonic()
    for i, text in enumerate(texts):
        library.ensure(Prompt(f"bench.{tag}/value{i}", text))  # a value part, as ivr.scripts.segments names it
    (s1, c1), wall = _cpu(), time.monotonic() - t0
    n = len(texts)
    return {"values": n, "self_ms": round((s1 - s0) / n * 1000, 2), "children_ms": round((c1 - c0) / n * 1000, 2),
            "cpu_ms": round((s1 - s0 + c1 - c0) / n * 1000, 2), "wall_ms": round(wall / n * 1000, 2)}


def run(way: str, warm: list[str], measured: list[str]) -> dict[str, float]:
    dirs, engine = AudioDirs(Path(tempfile.mkdtemp()), "/pbx"), EspeakEngine(in_process=way != "programs")
    if not way.startswith("words"):  # main's AudioLibrary (before word by word) takes no such arguments
        kwargs: dict[str, Any] = {} if _before() else {"value_synthesis": "phrase"}
        return _render_new(AudioLibrary(dirs, engine, **kwargs), measured)
    from ivr.speech import words
    cache = words.WordCache()
    library = AudioLibrary(dirs, engine, value_synthesis="words", word_cache=cache)
    if way == "words":
        _render(library, warm, "warm")
    hits, misses = cache.hits, cache.misses
    out = _render_new(library, measured)
    # the word cache during the measured values, and its size after them
    out.update(word_hits=cache.hits - hits, word_misses=cache.misses - misses, words_cached=len(cache),
               cache_kb=cache.bytes // 1024)
    return out


def _render_new(library: AudioLibrary, measured: list[str]) -> dict[str, float]:
    library.ensure(Prompt("warm-up", "Xin chào"))  # the library loaded (in-process), the cache folder made
    return _render(library, measured, "new")


def _before() -> bool:
    """Run against main's code before word by word (PYTHONPATH=<its ivr>): no ivr.speech.words there."""
    try:
        import ivr.speech.words  # noqa: F401
    except ImportError:
        return True
    return False


def new_word_ms(texts: list[str]) -> float:
    """CPU of one word never said in this process: synthesis + 8 kHz, normalised, trimmed, faded."""
    from ivr.speech import dsp, words
    engine = EspeakEngine()
    vocabulary = list(dict.fromkeys(w.text for t in texts for w in words.split_value(t)))
    engine.samples("Xin chào")  # the library loaded
    s0, _ = _cpu()
    for word in vocabulary:
        said = engine.samples(word)
        assert said is not None, "libespeak-ng is not loadable here"
        dsp.word_pcm(*said)
    return round((_cpu()[0] - s0) / len(vocabulary) * 1000, 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--values", type=int, default=200, help="contacts to warm the word cache with, and to measure")
    ap.add_argument("--ways", default=",".join(WAYS), help=f"which of {', '.join(WAYS)} (comma-separated)")
    args = ap.parse_args()
    logs.configure("warning")
    warm, measured = value_sets(args.values)
    out: dict[str, object] = {"contacts": args.values}
    ways = args.ways.split(",")
    for way in ways:
        if way not in WAYS:
            ap.error(f"--ways: unknown way {way!r}")
        out[way] = run(way, warm, measured)
    if "words" in ways:
        out["new_word_ms"] = new_word_ms(warm + measured)
    print(json.dumps(out))


WAYS = ("programs", "phrase", "words_cold", "words")


if __name__ == "__main__":
    main()
