"""Human recordings in audio/ replace TTS for the prompt whose id they are named after."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ivr.errors import UserError
from ivr.scripts.model import Prompt
from ivr.speech.convert import wav_info
from ivr.speech.library import AudioDirs, AudioLibrary
from speech_fakes import CountingEngine, write_tone

PROMPT = Prompt("f1_daily.ask_fever", "Anh chị có bị sốt không?")


def _library(tmp_path: Path, engine: CountingEngine) -> AudioLibrary:
    return AudioLibrary(AudioDirs(tmp_path / "cache", "/pbx", tmp_path / "audio"), engine)


def _record(tmp_path: Path, name: str, seconds: float = 2.0) -> Path:
    folder = tmp_path / "audio"
    folder.mkdir(exist_ok=True)
    wav = folder / (name if name.endswith(".wav") else name + ".src.wav")
    write_tone(wav, seconds, rate=44100, channels=2)
    if name.endswith(".wav"):
        return wav
    target = folder / name
    subprocess.run(["sox", str(wav), str(target)], check=True)
    wav.unlink()
    return target


@pytest.mark.parametrize(("files", "used", "seconds"), [
    (["f1_daily.ask_fever.wav"], True, 2.0),
    (["f1_daily.ask_fever.ogg"], True, 2.0),
    (["f1_daily.ask.wav", "f1_daily.ask_fever_2.wav", "ask_fever.wav"], False, 0.0),  # exact id only
    (["F1_DAILY.ASK_FEVER.wav"], False, 0.0),  # ids are case-sensitive
])
def test_recording_replaces_tts(tmp_path: Path, files: list[str], used: bool, seconds: float) -> None:
    for i, name in enumerate(files):
        _record(tmp_path, name, seconds=2.0 + i)
    engine = CountingEngine()
    library = _library(tmp_path, engine)
    stats = library.ensure_all([PROMPT])
    info = wav_info(library.path_for(PROMPT))
    assert (info.rate, info.channels, info.sample_width) == (8000, 1, 2)
    if used:
        assert engine.calls == []
        assert (stats.recordings, stats.rendered) == (1, 0)
        assert info.seconds == pytest.approx(seconds, abs=0.02)
    else:
        assert engine.calls == [PROMPT.text]
        assert (stats.recordings, stats.rendered) == (0, 1)


def test_wav_recording_wins_over_other_formats(tmp_path: Path) -> None:
    _record(tmp_path, "f1_daily.ask_fever.ogg", seconds=3.0)
    _record(tmp_path, "f1_daily.ask_fever.wav", seconds=1.0)
    library = _library(tmp_path, CountingEngine())
    assert wav_info(library.ensure(PROMPT)).seconds == pytest.approx(1.0, abs=0.02)


def test_new_recording_content_gives_a_new_file(tmp_path: Path) -> None:
    library = _library(tmp_path, CountingEngine())
    recording = _record(tmp_path, "f1_daily.ask_fever.wav", seconds=1.0)
    first = library.ensure(PROMPT)
    write_tone(recording, 1.5, rate=44100, channels=2)
    assert not library.is_ready(PROMPT)  # the call engine would refuse to play stale audio
    second = library.ensure(PROMPT)
    assert first != second and first.exists()
    assert wav_info(second).seconds == pytest.approx(1.5, abs=0.02)
    stats = library.ensure_all([PROMPT])
    assert (stats.prompts, stats.rendered, stats.cached, stats.recordings) == (1, 0, 0, 1)


def test_unreadable_recording_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "audio").mkdir()
    bad = tmp_path / "audio" / "f1_daily.ask_fever.wav"
    bad.write_bytes(b"this is not audio")
    library = _library(tmp_path, CountingEngine())
    with pytest.raises(UserError, match=f"recording {bad}: sox cannot convert it"):
        library.ensure(PROMPT)
    assert list(library.cache.folder.iterdir()) == []


def test_recording_ids_lists_known_formats_only(tmp_path: Path) -> None:
    _record(tmp_path, "f1_daily.a.wav")
    (tmp_path / "audio" / "README.md").write_text("notes")
    (tmp_path / "audio" / "f1_daily.b.txt").write_text("transcript")
    assert _library(tmp_path, CountingEngine()).recordings.ids() == frozenset({"f1_daily.a"})
