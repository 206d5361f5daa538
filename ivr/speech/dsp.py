"""Speech samples to the files Asterisk plays, in this process (numpy): no sox process per prompt.

A TTS engine that hands over its samples (ivr.speech.espeak_lib) gets them turned here into what
:func:`ivr.speech.convert.to_asterisk_wav` makes with sox: 8 kHz mono 16-bit, peak at -3 dBFS, leading and
trailing silence below -45 dBFS cut, plus the G.711 mu-law twin. Rendering a contact's name or address
this way costs a few milliseconds of CPU instead of two process starts (bench/README.md, issue 18 item 3).
Recordings people supply (any format) still go through sox.
"""
from __future__ import annotations

import numpy as np
import numpy.typing as npt

RATE = 8000
PEAK_DBFS = -3.0
TRIM_DBFS = -45.0
TRIM_WINDOW_S = 0.02  # sox's `silence 1 0.02 -45d`: sound starts where 20 ms stay above the threshold
BAND_EDGE_HZ = 3800.0  # the low-pass taper starts here and reaches zero at 4000 Hz (8 kHz Nyquist)

Int16Array = npt.NDArray[np.int16]


def resample(samples: npt.NDArray[np.float64], rate: int, to: int = RATE) -> npt.NDArray[np.float64]:
    """Band-limited resampling by FFT (a whole prompt at once: they are seconds long), with a short
    cosine taper below the new Nyquist frequency so that no tone rings at the cut."""
    length = len(samples)
    if length == 0 or rate == to:
        return samples.astype(np.float64)
    n = fast_length(length)  # zero-padded: an FFT of a length with a large prime factor is 10 times slower
    m = max(1, round(n * to / rate))
    spectrum = np.fft.rfft(samples, n)
    freqs = np.fft.rfftfreq(n, 1.0 / rate)
    nyquist = to / 2
    taper = np.clip((nyquist - freqs) / (nyquist - min(BAND_EDGE_HZ, nyquist * 0.95)), 0.0, 1.0)
    shaped = spectrum * (0.5 - 0.5 * np.cos(np.pi * taper))
    keep = m // 2 + 1
    out = np.fft.irfft(shaped[:keep], m) if keep <= len(shaped) else np.fft.irfft(shaped, m)
    return np.asarray(out[:max(1, round(length * to / rate))] * (m / n), dtype=np.float64)


def fast_length(n: int) -> int:
    """The smallest 2^a * 3^b * 5^c >= n (lengths numpy's FFT handles fastest)."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            p = p35
            while p < n:
                p *= 2
            best = min(best, p)
            p35 *= 3
        p5 *= 5
    return best


def _trim(samples: npt.NDArray[np.float64], threshold: float, window: int) -> npt.NDArray[np.float64]:
    loud = np.abs(samples) >= threshold
    if not loud.any():
        return samples[:0]
    if window > 1 and len(loud) >= window:
        # a run of `window` samples whose mean magnitude is above the threshold, like sox's window
        run = np.convolve(np.abs(samples), np.ones(window) / window, mode="valid") >= threshold
        idx = np.flatnonzero(run)
        if len(idx):  # from the first loud sample of the first loud window to the last one of the last
            within = np.flatnonzero(loud[idx[0]: idx[-1] + window]) + idx[0]
            return samples[within[0]: within[-1] + 1]
    idx = np.flatnonzero(loud)
    return samples[idx[0]: idx[-1] + 1]


def to_asterisk_pcm(samples: Int16Array, rate: int) -> bytes:
    """16-bit samples at ``rate`` -> 8 kHz 16-bit little-endian PCM, normalised and trimmed."""
    x = resample(samples.astype(np.float64), rate)
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak <= 0.0:
        return b""
    x = x * (32767.0 * 10 ** (PEAK_DBFS / 20) / peak)
    x = _trim(x, 32767.0 * 10 ** (TRIM_DBFS / 20), round(TRIM_WINDOW_S * RATE))
    return np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()


_BIAS = 0x21  # G.711's 0x84 on the 14-bit scale sox works in
_CLIP = 8159


def ulaw_encode(pcm: bytes) -> bytes:
    """16-bit little-endian linear PCM -> G.711 mu-law bytes, byte for byte what sox writes: each sample
    looked up in the table of all 65,536 (:func:`ulaw_compute`, built once)."""
    global _ULAW_TABLE
    if _ULAW_TABLE is None:
        _ULAW_TABLE = np.frombuffer(ulaw_compute(np.arange(-32768, 32768, dtype="<i2").tobytes()), np.uint8)
    return _ULAW_TABLE[np.frombuffer(pcm, dtype="<i2").astype(np.int32) + 32768].tobytes()


_ULAW_TABLE: npt.NDArray[np.uint8] | None = None


def ulaw_compute(pcm: bytes) -> bytes:
    """G.711 mu-law as sox computes it (its 14-bit g711.c: the sample rounded to 14 bits, biased, its segment
    and 4 mantissa bits, inverted)."""
    v = np.minimum((np.frombuffer(pcm, dtype="<i2").astype(np.int32) + 2) >> 2, 8191)  # rounded, as sox
    mask = np.where(v < 0, 0x7F, 0xFF)
    v = np.minimum(np.abs(v), _CLIP) + _BIAS
    seg = np.maximum(np.floor(np.log2(v)).astype(np.int32) - 5, 0)  # v >= 0x21: log2 >= 5
    code = np.where(seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | ((v >> (np.minimum(seg, 7) + 1)) & 0x0F))
    return (code ^ mask).astype(np.uint8).tobytes()


FADE_S = 0.004  # a word's edges: no click where two words' audio meets silence


def word_pcm(samples: Int16Array, rate: int) -> bytes:
    """One word as :func:`to_asterisk_pcm` makes a prompt (so each word of a value peaks at -3 dBFS), with
    its first and last 4 ms faded in and out; joined to others by ivr.speech.words."""
    pcm = to_asterisk_pcm(samples, rate)
    n = min(round(FADE_S * RATE), len(pcm) // 4)
    if n < 2:
        return pcm
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
    x[:n] *= ramp
    x[-n:] *= ramp[::-1]
    return np.rint(x).astype("<i2").tobytes()
