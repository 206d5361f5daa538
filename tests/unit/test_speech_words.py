"""A contact's value said word by word (ivr.speech.words): the split, the word cache, the joined audio, and the
library saying values (only values) that way unless audio.value_synthesis says phrase."""
from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from ivr import config
from ivr.config import ConfigError
from ivr.scripts.model import Prompt
from ivr.scripts.segments import is_value as segments_is_value
from ivr.speech import dsp, espeak_lib, words
from ivr.speech.cache import FORMAT
from ivr.speech.engines import EspeakEngine
from ivr.speech.library import AudioDirs, AudioLibrary, is_value
from ivr.speech.words import BREAK_S as B, PAUSE_S as P, Word, WordCache, split_value
from speech_fakes import SamplesEngine

NFD_NGUYEN = "Nguye\u0302\u0303n"  # "Nguyễn" typed with combining accents


@pytest.mark.parametrize(("text", "expected"), [
    ("Nguyễn Văn An", [("Nguyễn", P), ("Văn", P), ("An", 0)]),
    ("  Nguyễn \t Văn\nAn ", [("Nguyễn", P), ("Văn", P), ("An", 0)]),  # any whitespace, any amount
    (f"{NFD_NGUYEN} Văn An", [("Nguyễn", P), ("Văn", P), ("An", 0)]),  # one key however the accents were typed
    ("bà Phạm Thị Hòa", [("bà", P), ("Phạm", P), ("Thị", P), ("Hòa", 0)]),
    ("14", [("14", 0)]),  # a number is one word: the engine reads it ("mười bốn")
    ("Số 12, thôn 3, Quảng Thịnh, TP Thanh Hóa",
     [("Số", P), ("12", B), ("thôn", P), ("3", B), ("Quảng", P), ("Thịnh", B), ("TP", P), ("Thanh", P), ("Hóa", 0)]),
    ("14/3 anh/chị TP.HCM", [("14/3", P), ("anh/chị", P), ("TP.HCM", 0)]),  # inner punctuation stays in the word
    ("Lê Lợi - phường 5.", [("Lê", P), ("Lợi", B), ("phường", P), ("5", 0)]),  # a lone dash is a break
    ("bà (Hòa)", [("bà", B), ("Hòa", 0)]),  # punctuation before a word: a break before it
    ("Lê Lợi ,phường", [("Lê", P), ("Lợi", B), ("phường", 0)]),
    (", - .", []),  # nothing to say
    ("", []),
])
def test_a_value_splits_into_words_and_pauses(text: str, expected: list[tuple[str, float]]) -> None:
    assert split_value(text) == tuple(Word(t, p) for t, p in expected)


def test_the_word_cache_counts_hits_and_keeps_the_most_recently_used_within_its_bytes() -> None:
    cache = WordCache(max_bytes=10)
    assert cache.get(("a",)) is None
    cache.put(("a",), b"aaaa")
    cache.put(("b",), b"bbbb")
    assert cache.get(("a",)) == b"aaaa"  # a is now the most recently used
    cache.put(("c",), b"cccc")  # 12 bytes > 10: the least recently used (b) goes
    assert (cache.get(("b",)), cache.get(("a",)), cache.get(("c",))) == (None, b"aaaa", b"cccc")
    assert (len(cache), cache.bytes, cache.hits, cache.misses) == (2, 8, 3, 2)
    cache.put(("a",), b"a")  # replaced: counted once
    assert (len(cache), cache.bytes) == (2, 5)
    cache.put(("huge",), b"x" * 11)  # bigger than the whole cache: not kept, nothing evicted for it
    assert (len(cache), cache.bytes, cache.get(("huge",))) == (2, 5, None)
    for i in range(100):
        cache.put((str(i),), b"12")
    assert cache.bytes <= 10 and len(cache) == 5


def _seconds(pcm: bytes) -> float:
    return len(pcm) / 2 / dsp.RATE


def test_a_value_is_its_words_audio_joined_by_the_pauses_each_word_said_once() -> None:
    engine = SamplesEngine()
    cache = WordCache()
    voice = ("samples", "vi", 150)
    pcm = words.say("Nguyễn Văn An, phường 5", engine.samples, cache, voice)
    assert pcm is not None
    said = {w: dsp.word_pcm(*engine.samples(w)) for w in ("Nguyễn", "Văn", "An", "phường", "5")}  # type: ignore[misc]
    expected = (said["Nguyễn"] + bytes(2 * round(P * 8000)) + said["Văn"] + bytes(2 * round(P * 8000)) + said["An"]
                + bytes(2 * round(B * 8000)) + said["phường"] + bytes(2 * round(P * 8000)) + said["5"])
    assert pcm == expected
    # each word lasts 0.1 s a letter (SamplesEngine), less the trimmed edges: the value is their sum + pauses
    assert _seconds(pcm) == pytest.approx(0.1 * len("NguyễnVănAnphường5") + 3 * P + B, abs=0.01)
    assert engine.calls[:5] == ["Nguyễn", "Văn", "An", "phường", "5"]
    calls = len(engine.calls)
    again = words.say("bà Nguyễn Văn An", engine.samples, cache, voice)  # a new value of known words but one
    assert engine.calls[calls:] == ["bà"] and again is not None and again.endswith(said["An"])
    assert cache.hits == 3 and cache.misses == 6


def test_each_word_peaks_at_the_prompts_level_and_fades_at_its_edges() -> None:
    samples, rate = SamplesEngine().samples("An")  # type: ignore[misc]
    for gain in (1.0, 0.05):  # a word said softly is as loud as any other once cached
        pcm = np.frombuffer(dsp.word_pcm((samples * gain).astype(np.int16), rate), "<i2").astype(float)
        assert 20 * np.log10(np.abs(pcm).max() / 32767) == pytest.approx(dsp.PEAK_DBFS, abs=0.2)
        assert abs(pcm[0]) < 200 and abs(pcm[-1]) < 200


def test_without_samples_from_the_engine_there_is_no_word_audio() -> None:
    assert words.say("Nguyễn Văn An", SamplesEngine(in_process=False).samples, WordCache(), ("s", "vi", 150)) is None


def _library(tmp_path: Path, engine: SamplesEngine, mode: str = "words") -> AudioLibrary:
    return AudioLibrary(AudioDirs(tmp_path / "cache", "/pbx"), engine, value_synthesis=mode, word_cache=WordCache())


def _frames(path: Path) -> bytes:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        return w.readframes(w.getnframes())


@pytest.mark.parametrize(("prompt_id", "mode", "said"), [
    ("f1.ask/value1", "words", ["Nguyễn", "Văn", "An"]),  # a contact's value: word by word
    ("f1.ask/value1", "phrase", ["Nguyễn Văn An"]),  # audio.value_synthesis: phrase
    ("f1.ask.part0", "words", ["Nguyễn Văn An"]),  # a fixed part of the script: always a phrase
    ("adhoc.prompt", "words", ["Nguyễn Văn An"]),  # free text (robocall call --prompt)
])
def test_only_values_are_said_word_by_word(tmp_path: Path, prompt_id: str, mode: str, said: list[str]) -> None:
    engine = SamplesEngine()
    library = _library(tmp_path, engine, mode)
    wav = library.ensure(Prompt(prompt_id, "Nguyễn  Văn An"))
    assert engine.calls == said
    frames = _frames(wav)
    assert wav == library.cache.path(library.resolve(Prompt("x", "Nguyễn Văn An")).key)  # the file named as before
    assert wav.with_suffix(".ulaw").read_bytes() == dsp.ulaw_encode(frames)
    joined = sum(0.1 * len(text) for text in said) + P * (len(said) - 1)
    assert _seconds(frames) == pytest.approx(joined, abs=0.01)


def test_a_new_name_of_known_words_asks_the_engine_nothing(tmp_path: Path) -> None:
    engine = SamplesEngine()
    library = _library(tmp_path, engine)
    library.ensure_all([Prompt("p/value0", "Nguyễn Văn An"), Prompt("p/value1", "Trần Thị Hòa")])
    asked = len(engine.calls)
    stats = library.ensure_all([Prompt("p/value0", "Trần Văn Hòa"), Prompt("p/value1", "Nguyễn Thị An")])
    assert stats.rendered == 2 and len(engine.calls) == asked  # two new files, no word said again
    assert library.word_cache.hits == 6


def test_library_and_segments_agree_on_what_a_value_is() -> None:
    for prompt_id in ("f1.ask/value2", "f1.ask.part0", "adhoc.prompt", "f1.ask"):
        prompt = Prompt(prompt_id, "x")
        assert is_value(prompt) == segments_is_value(prompt)


@pytest.mark.parametrize(("env", "expected"), [({}, "words"), ({"ROBOCALL_AUDIO_VALUE_SYNTHESIS": "phrase"}, "phrase")])
def test_the_setting_defaults_to_words(env: dict[str, str], expected: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no developer robocall.yaml
    settings = config.load(env=env)
    assert settings.audio.value_synthesis == expected
    assert AudioLibrary(settings).value_synthesis == expected


def test_an_unknown_way_is_refused_precisely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^audio.value_synthesis: expected words or phrase, got 'syllables'$"):
        config.load(env={"ROBOCALL_AUDIO_VALUE_SYNTHESIS": "syllables"})


needs_library = pytest.mark.skipif(espeak_lib.load() is None,
                                   reason="libespeak-ng1 not loadable here (installed with the espeak-ng package)")


@needs_library
def test_espeak_says_a_value_as_its_cached_words(tmp_path: Path) -> None:
    cache = WordCache()
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/pbx"), EspeakEngine(), word_cache=cache)
    frames = _frames(library.ensure(Prompt("p/value0", "Nguyễn Văn An")))
    cached = [cache.get((FORMAT, "espeak-ng", "vi", "150", w)) for w in ("Nguyễn", "Văn", "An")]
    assert all(cached)
    assert len(frames) == sum(len(c or b"") for c in cached) + 2 * 2 * round(P * 8000)
    assert 0.6 < _seconds(frames) < 2.0 and np.abs(np.frombuffer(frames, "<i2")).max() > 16000


def test_without_the_library_a_value_is_said_by_the_program(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def program(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(cmd)
        return subprocess.run(cmd, **kw)  # type: ignore[call-overload,no-any-return]

    cache = WordCache()
    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/pbx"), EspeakEngine(runner=program, in_process=False),
                           word_cache=cache)
    wav = library.ensure(Prompt("p/value0", "Trần Thị Bình"))
    assert len(calls) == 1 and calls[0][0].endswith("espeak-ng")  # the whole value, once
    assert 0.5 < _seconds(_frames(wav)) < 3 and len(cache) == 0
    assert wav.with_suffix(".ulaw").stat().st_size == len(_frames(wav)) // 2
