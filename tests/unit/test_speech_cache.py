"""The prompt cache: keys, atomic writes, one render per prompt, lookups that never render."""
from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from ivr.errors import UserError
from ivr.scripts.model import Prompt
from ivr.speech.cache import AudioCache, tts_key
from ivr.speech.convert import wav_info
from ivr.speech.library import AudioDirs, AudioLibrary, AudioNotReady, RenderStats
from speech_fakes import CountingEngine, FailingEngine

BASE = ("espeak-ng", "vi", 150, "Anh chị có bị sốt không?")
NFD = "Anh chị có bị sốt không?".replace("ố", "o\u0302\u0301")


@pytest.mark.parametrize(("other", "same"), [
    (BASE, True),
    (("espeak-ng", "vi", 150, NFD), True),  # same text typed with combining accents
    (("espeak-ng", "vi", 150, "  Anh chị có  bị sốt\nkhông? "), True),  # spacing does not change speech
    (("gtts", "vi", 150, BASE[3]), False),
    (("espeak-ng", "vi-vn-x-south", 150, BASE[3]), False),
    (("espeak-ng", "vi", 175, BASE[3]), False),
    (("espeak-ng", "vi", 150, "Anh chị có bị ho không?"), False),
])
def test_tts_key(other: tuple[str, str, int, str], same: bool) -> None:
    assert NFD != BASE[3]
    assert (tts_key(*other) == tts_key(*BASE)) is same
    assert len(tts_key(*other)) == 64


def _library(tmp_path: Path, engine: CountingEngine | FailingEngine) -> AudioLibrary:
    return AudioLibrary(AudioDirs(tmp_path / "does/not/exist/yet", "/var/lib/robocall/sounds"), engine)


def test_cache_hit_does_not_call_the_engine_again(tmp_path: Path) -> None:
    engine = CountingEngine()
    prompt = Prompt("f1.hello", "Xin chào")
    first = _library(tmp_path, engine).ensure(prompt)
    second = _library(tmp_path, engine).ensure(prompt)  # a new library: the cache is the folder
    assert first == second
    assert engine.calls == ["Xin chào"]


@pytest.mark.parametrize(("texts", "expected_calls", "expected"), [
    (["a", "b", "c"], 3, RenderStats(3, 3, 0, 0)),
    (["a", "a", "a"], 1, RenderStats(3, 1, 2, 0)),
    (["a", "b", "a", "b"], 2, RenderStats(4, 2, 2, 0)),
    ([], 0, RenderStats(0, 0, 0, 0)),
])
def test_ensure_all_renders_each_text_once(tmp_path: Path, texts: list[str], expected_calls: int,
                                           expected: RenderStats) -> None:
    engine = CountingEngine()
    library = _library(tmp_path, engine)
    stats = library.ensure_all(Prompt(f"p{i}", t) for i, t in enumerate(texts))
    assert (stats.prompts, stats.rendered, stats.cached, stats.recordings) == (
        expected.prompts, expected.rendered, expected.cached, expected.recordings)
    assert len(engine.calls) == expected_calls
    again = library.ensure_all(Prompt(f"p{i}", t) for i, t in enumerate(texts))
    assert (again.rendered, again.cached) == (0, len(texts))
    assert len(engine.calls) == expected_calls


def test_output_is_8khz_mono_16bit_and_readable_by_the_pbx(tmp_path: Path) -> None:
    path = _library(tmp_path, CountingEngine()).ensure(Prompt("p", "0123456789"))
    info = wav_info(path)
    assert (info.rate, info.channels, info.sample_width) == (8000, 1, 2)
    assert info.seconds == pytest.approx(1.0, abs=0.01)  # CountingEngine: 0.1 s per character
    # A prompt may say a name: the PBX reads it through its group, no other user of the machine can.
    assert [stat.S_IMODE(p.stat().st_mode) for p in (path, path.with_suffix(".ulaw"))] == [0o640, 0o640]


def test_prompts_go_to_the_pbx_group_and_an_unknown_group_is_refused(tmp_path: Path) -> None:
    import os
    cache = AudioCache(tmp_path / "c", str(os.getgid()))
    wav = cache.store("k", lambda out: _library(tmp_path / "x", CountingEngine()).engine.synthesize("1", out))
    assert wav.stat().st_gid == os.getgid() and (tmp_path / "c").stat().st_gid == os.getgid()
    with pytest.raises(UserError, match="audio.pbx_group: no group 'no-such-group'"):
        AudioCache(tmp_path / "d", "no-such-group").store("k", lambda out: None)


def test_media_for_never_renders(tmp_path: Path) -> None:
    engine = CountingEngine()
    library = _library(tmp_path, engine)
    prompt = Prompt("f1.hello", "Xin chào")
    assert not library.is_ready(prompt)
    with pytest.raises(AudioNotReady, match="prompt f1.hello: audio not rendered yet"):
        library.media_for(prompt)
    assert engine.calls == []
    path = library.ensure(prompt)
    assert library.is_ready(prompt)
    assert library.media_for(prompt) == f"sound:/var/lib/robocall/sounds/{path.stem}"
    assert path.name == f"{tts_key('counting', 'vi', 150, 'Xin chào')}.wav"


def test_failed_render_leaves_nothing_behind(tmp_path: Path) -> None:
    library = _library(tmp_path, FailingEngine())
    with pytest.raises(UserError, match="engine failed on purpose"):
        library.ensure(Prompt("p", "Xin chào"))
    assert list(library.cache.folder.iterdir()) == []


def test_successful_renders_leave_no_temp_files(tmp_path: Path) -> None:
    library = _library(tmp_path, CountingEngine())
    library.ensure_all(Prompt(f"p{i}", f"câu {i}") for i in range(8))
    assert library.cache.temp_files() == []
    assert len(list(library.cache.folder.glob("*.wav"))) == 8


def test_concurrent_renders_of_one_prompt_from_separate_processes_agree(tmp_path: Path) -> None:
    """Two libraries (as two processes would have) render the same prompt at once: one whole file."""
    prompt = Prompt("p", "Cảm ơn anh chị")
    engines = [CountingEngine() for _ in range(4)]
    libraries = [_library(tmp_path, e) for e in engines]
    barrier = threading.Barrier(len(libraries))
    results: list[Path] = []

    def render(library: AudioLibrary) -> None:
        barrier.wait()
        results.append(library.ensure(prompt))

    threads = [threading.Thread(target=render, args=(lib,)) for lib in libraries]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and len(results) == 4
    assert wav_info(results[0]).seconds == pytest.approx(1.4, abs=0.01)
    assert libraries[0].cache.temp_files() == []
    assert sorted(p.name for p in libraries[0].cache.folder.iterdir()) == sorted(
        [results[0].name, results[0].with_suffix(".ulaw").name])


@pytest.mark.parametrize(("text", "expected"), [
    ("", "prompt p: empty text, nothing to say"),
    ("  \n ", "prompt p: empty text, nothing to say"),
    ("Xin chào {ho_ten}", "prompt p: text still has a variable {ho_ten}"),
    ("Xin chào {ho_ten|anh chị}", "prompt p: text still has a variable {ho_ten|anh chị}"),
])
def test_unrenderable_text_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    engine = CountingEngine()
    with pytest.raises(UserError, match=expected.replace("{", "\\{").replace("|", "\\|")):
        _library(tmp_path, engine).ensure(Prompt("p", text))
    assert engine.calls == []


def test_store_publishes_atomically(tmp_path: Path) -> None:
    cache = AudioCache(tmp_path / "c")
    seen_during_write: list[bool] = []

    import wave

    def produce(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        seen_during_write.append(cache.has("k"))
        with wave.open(str(tmp), "wb") as w:  # the whole 8 kHz WAV
            w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000)
            w.writeframes(b"\x00\x10" * 800)

    final = cache.store("k", produce)
    assert seen_during_write == [False]
    assert final.stat().st_size > 1600
    # Its mu-law twin (1 byte a sample) is published with it, for Asterisk to play without transcoding.
    assert cache.paths("k")[1].stat().st_size == 800
    assert cache.has("k")
    assert cache.temp_files() == []


@pytest.mark.parametrize(("ages", "expected_left"), [
    ([10.0, 7200.0], 1),  # a fresh scratch file may be a render in progress elsewhere: kept
    ([3601.0, 7200.0], 0),
    ([], 0),
])
def test_remove_stale_temp(tmp_path: Path, ages: list[float], expected_left: int) -> None:
    import os

    cache = AudioCache(tmp_path / "c")
    now = 1_000_000.0
    for age in ages:
        tmp = cache.temp_path("k" * 64, ".wav")
        os.utime(tmp, (now - age, now - age))
    (tmp_path / "c").mkdir(exist_ok=True)
    (tmp_path / "c" / "kept.wav").write_bytes(b"x")
    assert cache.remove_stale_temp(now) == len(ages) - expected_left
    assert len(cache.temp_files()) == expected_left
    assert (tmp_path / "c" / "kept.wav").exists()


def test_engine_format_sox_cannot_read_is_user_error(tmp_path: Path) -> None:
    engine = CountingEngine(name="weird", suffix=".nosuchformat")
    with pytest.raises(UserError, match="writes .nosuchformat audio, which this machine's sox cannot read"):
        _library(tmp_path, engine).ensure(Prompt("p", "Xin chào"))
    assert engine.calls == []


def test_unwritable_cache_folder_is_user_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    library = AudioLibrary(AudioDirs(tmp_path / "a-file" / "sounds", "/pbx"), CountingEngine())
    with pytest.raises(UserError, match="audio cache folder .*a-file/sounds: cannot write there"):
        library.ensure(Prompt("p", "Xin chào"))
