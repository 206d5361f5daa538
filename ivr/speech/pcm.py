"""Raw 8 kHz mono 16-bit PCM pieces for previews: silence, keypad tones, reading and writing WAVs.

Pure Python (``wave``, ``array``): everything here is already in Asterisk's format, so joining files is
plain concatenation of frames, no sox needed.
"""
from __future__ import annotations

import array
import math
import os
import sys
import tempfile
import wave
from pathlib import Path
from typing import Iterable

from ivr.speech.convert import CHANNELS, RATE, SAMPLE_WIDTH

# DTMF: each key is the sum of a row tone and a column tone (ITU-T Q.23).
_ROWS = (697, 770, 852, 941)
_COLS = (1209, 1336, 1477, 1633)
_LAYOUT = ("123A", "456B", "789C", "*0#D")
DTMF_FREQS = {key: (_ROWS[r], _COLS[c]) for r, row in enumerate(_LAYOUT) for c, key in enumerate(row)}


def silence(seconds: float) -> bytes:
    return bytes(SAMPLE_WIDTH * round(seconds * RATE))


def dtmf_tone(key: str, seconds: float = 0.15, amplitude: float = 0.3) -> bytes:
    """The two-tone sound a phone makes for ``key`` (KeyError for a key a keypad does not have)."""
    low, high = DTMF_FREQS[key]
    peak = amplitude * 32767 / 2
    samples = array.array("h", (
        round(peak * (math.sin(2 * math.pi * low * n / RATE) + math.sin(2 * math.pi * high * n / RATE)))
        for n in range(round(seconds * RATE))
    ))
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    return samples.tobytes()


def read_frames(path: Path) -> bytes:
    """The PCM frames of an 8 kHz mono 16-bit WAV (ValueError for any other format)."""
    with wave.open(str(path), "rb") as w:
        fmt = (w.getframerate(), w.getnchannels(), w.getsampwidth())
        if fmt != (RATE, CHANNELS, SAMPLE_WIDTH):
            raise ValueError(f"{path}: expected 8000 Hz mono 16-bit, got {fmt[0]} Hz, {fmt[1]} ch, {8 * fmt[2]}-bit")
        return w.readframes(w.getnframes())


def write_wav(path: Path, chunks: Iterable[bytes]) -> float:
    """Write chunks as one 8 kHz mono 16-bit WAV, atomically (temp file in the same folder + replace).

    Returns the duration in seconds.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as raw, wave.open(raw, "wb") as w:
            w.setnchannels(CHANNELS)
            w.setsampwidth(SAMPLE_WIDTH)
            w.setframerate(RATE)
            for chunk in chunks:
                w.writeframes(chunk)
            frames = w.getnframes()
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        return frames / RATE
    finally:
        tmp.unlink(missing_ok=True)
