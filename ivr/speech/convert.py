"""Conversion of any audio sox can read into the one format Asterisk plays without transcoding.

Asterisk's ``wav`` format is 8000 Hz, mono, 16-bit signed PCM. Every file the call engine plays goes
through :func:`to_asterisk_wav`, which also normalises loudness to -3 dBFS so TTS prompts and human
recordings sound equally loud on the phone.
"""
from __future__ import annotations

import functools
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from ivr.errors import UserError
from ivr.i18n import _

RATE = 8000
CHANNELS = 1
SAMPLE_WIDTH = 2  # bytes: 16-bit signed
SOX = "sox"


@dataclass(frozen=True)
class WavInfo:
    """What the ``wave`` module reads from a PCM WAV header."""

    rate: int
    channels: int
    sample_width: int
    frames: int

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0

    @property
    def is_asterisk_format(self) -> bool:
        return (self.rate, self.channels, self.sample_width) == (RATE, CHANNELS, SAMPLE_WIDTH)


def wav_info(path: Path) -> WavInfo:
    """Read a WAV header (raises ``wave.Error``/``OSError`` on a file that is not PCM WAV)."""
    with wave.open(str(path), "rb") as w:
        return WavInfo(w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes())


def sox_binary(sox: str = SOX) -> str:
    """The sox executable, or a UserError saying how to install it."""
    found = shutil.which(sox)
    if not found:
        raise UserError(_("{sox} not found: install the Debian package 'sox' (make setup)").format(sox=sox))
    return found


@functools.lru_cache(maxsize=4)
def readable_suffixes(sox: str = SOX) -> frozenset[str]:
    """File suffixes (".wav", ".ogg", ...) this machine's sox can read, from ``sox -h``."""
    out = subprocess.run([sox_binary(sox), "-h"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if line.startswith("AUDIO FILE FORMATS:"):
            return frozenset("." + name for name in line.split(":", 1)[1].split())
    return frozenset({".wav"})


# Leading and trailing silence below this level (after normalising to -3 dBFS) is cut: espeak-ng ends every
# prompt with about half a second of it, dead air the resident waits through before the next prompt.
TRIM_THRESHOLD = "-45d"
TRIM_EFFECTS = ("silence", "1", "0.02", TRIM_THRESHOLD, "reverse", "silence", "1", "0.02", TRIM_THRESHOLD, "reverse")


def to_asterisk_wav(src: Path, dst: Path, *, sox: str = SOX, what: str | None = None) -> None:
    """Convert ``src`` (any format sox reads) to 8 kHz mono 16-bit WAV at ``dst``, normalised to -3 dBFS,
    with leading and trailing silence trimmed.

    ``what`` names the source in the error message (for example the recording's path); a sox failure
    becomes a UserError, since the usual cause is an unreadable or truncated file someone supplied.
    """
    cmd = [
        sox_binary(sox), "-q", str(src),
        "-t", "wav", "-r", str(RATE), "-c", str(CHANNELS), "-b", "16", "-e", "signed-integer", str(dst),
        "gain", "-n", "-3", *TRIM_EFFECTS,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise UserError(_("{file}: sox cannot convert it to 8 kHz WAV: {reason}").format(file=what or src, reason=reason))
