"""A contact's value (name, address, day) said word by word: each word's audio synthesised once per process
and kept in memory, a value made of known words joined in microseconds (issue 18 item 3).

Vietnamese is monosyllabic, and names and addresses are made of few syllables said again and again (Nguyễn,
Văn, Thị, phường, thôn...). Saying a value never said before as one phrase costs the speech engine ~6 ms of
CPU; said word by word, a new name made of known syllables costs a join and the file write. The price is the
phrase's prosody (each word said as on its own, the tones kept: they are the word's). ``audio.value_synthesis:
phrase`` keeps the whole-phrase synthesis (bench/README.md, "Rendering a contact's values").

Rules (pure, table-tested in tests/unit/test_speech_words.py):
- the value is normalised (NFC, single spaces: ivr.speech.cache.normalise_text) and split at whitespace; a
  token is said whole ("14", "14/3", "anh/chị", "TP.HCM": numbers and such stay one word, so the engine
  reads them as it reads them in a phrase);
- punctuation around a token ("Lợi," "(Hòa)") is not said: it makes the pause next to it a break
  (:data:`BREAK_S`, about the engine's own pause at a comma); a token of punctuation only is a break;
- words are joined by :data:`PAUSE_S` of silence; each word's audio is peak-normalised on its own
  (ivr.speech.dsp.word_pcm), so every word of a value has the same loudness, the phrase's -3 dBFS.

The cache (:class:`WordCache`) is an in-memory LRU bounded in bytes, one per process, keyed by engine, voice,
rate and word: a list's syllables are never written to disk (only each value's file, as before, registered
per contact for the purge).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable

from ivr.speech import dsp
from ivr.speech.cache import FORMAT, normalise_text

PAUSE_S = 0.05  # between two words of a value (espeak-ng leaves 0-100 ms between syllables of a phrase)
BREAK_S = 0.2  # at punctuation (espeak-ng pauses about 210 ms at a comma)
WORD_CACHE_BYTES = 16 * 1024 * 1024  # ~3,000 words of 0.35 s: more than the syllables of a province's names

Synth = Callable[[str], tuple[dsp.Int16Array, int] | None]


@dataclass(frozen=True)
class Word:
    """One word to say and the silence after it (0 after the last)."""

    text: str
    pause_after: float


def split_value(text: str) -> tuple[Word, ...]:
    """The words of a value, in order, with the pause after each (see the module's rules)."""
    words: list[Word] = []
    broken = False  # punctuation seen since the last word: the pause after it is a break
    for token in normalise_text(text).split(" "):
        start, end = 0, len(token)
        while start < end and not token[start].isalnum():
            start += 1
        while end > start and not token[end - 1].isalnum():
            end -= 1
        if start == end:  # punctuation only ("-", ",")
            broken = broken or bool(token)
            continue
        if words:
            words[-1] = Word(words[-1].text, BREAK_S if broken or start > 0 else PAUSE_S)
        words.append(Word(token[start:end], 0.0))
        broken = end < len(token)
    return tuple(words)


class WordCache:
    """Word -> its 8 kHz PCM (16-bit little-endian, normalised, trimmed, faded), least recently used first out
    once the total passes ``max_bytes``. Thread-safe (the dialer renders in threads)."""

    def __init__(self, max_bytes: int = WORD_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            pcm = self._items.get(key)
            if pcm is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return pcm

    def put(self, key: tuple[str, ...], pcm: bytes) -> None:
        if len(pcm) > self.max_bytes:
            return  # bigger than the whole cache: said, not kept
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= len(old)
            self._items[key] = pcm
            self.bytes += len(pcm)
            while self.bytes > self.max_bytes:
                _key, dropped = self._items.popitem(last=False)
                self.bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = self.hits = self.misses = 0


PROCESS_CACHE = WordCache()  # every AudioLibrary of this process shares it (keys name engine, voice, rate)


def say(text: str, synth: Synth, cache: WordCache, voice: tuple[str, str, int]) -> bytes | None:
    """The value ``text`` as one 8 kHz PCM stream, its words from ``cache`` or said now by ``synth`` (word ->
    samples and their rate). None when ``synth`` gives no samples (no in-process engine: the caller says the
    phrase); b"" when no word makes a sound."""
    chunks: list[bytes] = []
    pause = 0.0
    for word in split_value(text):
        key = (FORMAT, *map(str, voice), word.text)
        pcm = cache.get(key)
        if pcm is None:
            said = synth(word.text)
            if said is None:
                return None
            pcm = dsp.word_pcm(*said)
            cache.put(key, pcm)
        if not pcm:
            continue  # a word the engine says as nothing: no pause for it either
        if chunks:
            chunks.append(_silence(pause))
        chunks.append(pcm)
        pause = word.pause_after
    return b"".join(chunks)


_SILENCES: dict[float, bytes] = {}


def _silence(seconds: float) -> bytes:
    pcm = _SILENCES.get(seconds)
    if pcm is None:
        pcm = _SILENCES[seconds] = bytes(2 * round(seconds * dsp.RATE))
    return pcm
