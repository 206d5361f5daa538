"""Text-to-speech engines behind one small interface, so the cache and the CLI never care which one speaks.

- ``espeak-ng``: offline, always available on our machines, the default (voice ``vi``).
- ``gtts``: Google Translate's voice; nicer, but it needs the internet and the optional ``gtts`` extra
  (it pins click below 8.2, so it is never a core dependency). Imported lazily, only when chosen.

An engine writes speech in its native format to a path; :mod:`ivr.speech.convert` turns that into the
8 kHz WAV Asterisk plays. Engines never touch the cache.
"""
from __future__ import annotations

import importlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, runtime_checkable

from ivr.errors import UserError
from ivr.i18n import _
from ivr.speech import espeak_lib
from ivr.speech.dsp import Int16Array


@runtime_checkable
class TtsEngine(Protocol):
    """Something that speaks Vietnamese text into an audio file."""

    @property
    def name(self) -> str:
        """Part of the cache key: "espeak-ng", "gtts"."""
        ...

    @property
    def voice(self) -> str:
        """Part of the cache key."""
        ...

    @property
    def rate(self) -> int:
        """Part of the cache key (words per minute; engines without a rate use 0)."""
        ...

    @property
    def suffix(self) -> str:
        """The format synthesize() writes: ".wav", ".mp3"."""
        ...

    def synthesize(self, text: str, out: Path) -> None:
        """Write ``text`` spoken to ``out`` (format given by ``suffix``); raise UserError on failure."""
        ...


Runner = Callable[..., subprocess.CompletedProcess[bytes]]


@dataclass(frozen=True)
class EspeakEngine:
    """espeak-ng, run as a subprocess: offline and fast, robotic but clear."""

    voice: str = "vi"
    rate: int = 150
    binary: str = "espeak-ng"
    runner: Runner = subprocess.run
    name: str = "espeak-ng"
    suffix: str = ".wav"
    in_process: bool = True  # through libespeak-ng when it loads (ivr.speech.espeak_lib), else the program

    def samples(self, text: str) -> tuple[Int16Array, int] | None:
        """The speech as 16-bit samples and their rate, said by the library in this process; None when the
        library is not there (or ``in_process`` is off): then :meth:`synthesize` runs the program."""
        lib = espeak_lib.load() if self.in_process else None
        if lib is None:
            return None
        try:
            return lib.samples(text, self.voice, self.rate), lib.rate
        except (LookupError, RuntimeError) as exc:
            raise UserError(_("espeak-ng (voice {voice!r}) failed: {reason}").format(voice=self.voice, reason=exc)) from None

    def synthesize(self, text: str, out: Path) -> None:
        exe = shutil.which(self.binary)
        if exe is None:
            raise UserError(_("{binary} not found: install the Debian package 'espeak-ng' (make setup)").format(binary=self.binary))
        # Text goes through stdin (never argv: a prompt starting with "-" would read as an option).
        cmd = [exe, "--stdin", "-b", "1", "-v", self.voice, "-s", str(self.rate), "-w", str(out)]
        proc = self.runner(cmd, input=text.encode("utf-8"), capture_output=True, check=False)
        if proc.returncode != 0 or not out.exists() or out.stat().st_size <= 44:
            reason = proc.stderr.decode("utf-8", "replace").strip() or "no audio written"
            raise UserError(_("espeak-ng (voice {voice!r}) failed: {reason}").format(voice=self.voice, reason=reason))


@dataclass(frozen=True)
class GttsEngine:
    """gTTS: online only. Missing package or no network gives one clear UserError, never a traceback."""

    voice: str = "vi"  # gTTS language code
    rate: int = 0  # gTTS has no rate, only "slow"
    importer: Callable[[str], Any] = importlib.import_module
    name: str = "gtts"
    suffix: str = ".mp3"
    sends_text_abroad: bool = True  # Google's servers: personal prompts need audio.gtts_transfer_approved

    def synthesize(self, text: str, out: Path) -> None:
        try:
            gtts = self.importer("gtts")
        except ImportError:
            raise UserError(
                _("the gtts engine is not installed: pip install 'robocall-ivr[gtts]' (it also needs the "
                  "internet), or set audio.engine to espeak-ng")
            ) from None
        try:
            with open(out, "wb") as fp:
                gtts.gTTS(text=text, lang=self.voice).write_to_fp(fp)
        except (OSError, gtts.gTTSError) as exc:  # gTTSError wraps HTTP and connection failures
            raise UserError(_("gtts could not reach Google's speech service (it needs the internet): {exc}").format(exc=exc)) from None


ENGINES = ("espeak-ng", "gtts")


def make_engine(name: str, voice: str = "vi", rate: int = 150) -> TtsEngine:
    """Build the engine a setting names (``audio.engine``); an unknown name is a UserError."""
    if name == "espeak-ng":
        return EspeakEngine(voice=voice, rate=rate)
    if name == "gtts":
        return GttsEngine(voice=voice)
    raise UserError(_("audio.engine: unknown TTS engine {name!r} (known: {known})").format(name=name, known=', '.join(ENGINES)))
