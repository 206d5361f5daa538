"""Shared by the purge tests: a TTS engine that records what it says, the project's scripts, and the two files
(WAV and mu-law twin) of a rendered text in the audio cache."""
from __future__ import annotations

import wave
from dataclasses import dataclass, field
from pathlib import Path

from ivr.config import PROJECT_ROOT
from ivr.scripts.checker import load_checked
from ivr.speech.cache import tts_key
from ivr.speech.library import AudioLibrary

SCRIPTS = PROJECT_ROOT / "scripts_vi"


@dataclass
class SpeakingEngine:
    """A TTS engine that writes a short silent WAV and remembers every text it was asked to say."""

    name: str = "test-tts"
    voice: str = "vi"
    rate: int = 150
    suffix: str = ".wav"
    texts: list[str] = field(default_factory=list)

    def synthesize(self, text: str, out: Path) -> None:
        self.texts.append(text)
        with wave.open(str(out), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\0\0" * 400)


def load_script(name: str):  # type: ignore[no-untyped-def]
    return load_checked(name, SCRIPTS)


def cache_files(library: AudioLibrary, speech: SpeakingEngine, text: str) -> tuple[Path, Path]:
    """Both twins of ``text`` rendered by ``speech``: the WAV and the mu-law file the PBX plays."""
    return library.cache.paths(tts_key(speech.name, speech.voice, speech.rate, text))


def cache_key(speech: SpeakingEngine, text: str) -> str:
    return tts_key(speech.name, speech.voice, speech.rate, text)
