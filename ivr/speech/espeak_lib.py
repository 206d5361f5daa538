"""espeak-ng in this process, through its C library (libespeak-ng1, installed with the espeak-ng package).

Starting the espeak-ng program costs about 10 ms of CPU before it says a word (loading its voice data);
saying a contact's name costs about 3. The dialer renders each contact's values just before their call,
so that start-up was most of a call's CPU (bench/README.md, issue 18 item 3). Here the library is loaded
once and asked for the samples, which ivr.speech.dsp turns into Asterisk's files.

The library keeps one global state and is not thread-safe: every synthesis holds one process-wide lock.
``load()`` returns None when the library cannot be loaded (another distribution, a missing voice): the
engine then runs the program as before.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ivr.speech.dsp import Int16Array

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_EE_OK = 0
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_NAMES = ("libespeak-ng.so.1", "libespeak-ng.so")


@dataclass
class EspeakLibrary:
    """The loaded library: ``samples(text, voice, rate)`` -> (16-bit samples, sample rate)."""

    lib: ctypes.CDLL
    rate: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    _chunks: list[bytes] = field(default_factory=list)
    _voice: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        def collect(wav: Any, count: int, _events: Any) -> int:
            if wav and count > 0:
                self._chunks.append(ctypes.string_at(wav, count * 2))
            return 0

        self._callback = _CALLBACK(collect)  # kept referenced: the library calls it for as long as it lives
        self.lib.espeak_SetSynthCallback(self._callback)

    def samples(self, text: str, voice: str, rate: int) -> Int16Array:
        data = text.encode("utf-8") + b"\0"
        with self.lock:
            if self._voice != (voice, rate):
                if self.lib.espeak_SetVoiceByName(voice.encode()) != _EE_OK:
                    raise LookupError(f"espeak-ng library: no voice {voice!r}")
                self.lib.espeak_SetParameter(_ESPEAK_RATE, rate, 0)
                self._voice = (voice, rate)
            self._chunks.clear()
            err = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            if err != _EE_OK:
                raise RuntimeError(f"espeak-ng library: synthesis failed ({err})")
            self.lib.espeak_Synchronize()
            pcm = b"".join(self._chunks)
            self._chunks.clear()
        return np.frombuffer(pcm, dtype=np.int16)


_loaded: EspeakLibrary | None = None
_tried = False
_guard = threading.Lock()


def load() -> EspeakLibrary | None:
    """The library, loaded and initialised once per process; None if it is not there."""
    global _loaded, _tried
    with _guard:
        if _tried:
            return _loaded
        _tried = True
        for name in (*_NAMES, ctypes.util.find_library("espeak-ng")):
            if not name:
                continue
            try:
                lib = ctypes.CDLL(name)
            except OSError:
                continue
            lib.espeak_Initialize.restype = ctypes.c_int
            lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
            lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
            lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
            lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
            lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
                                         ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
            rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
            if rate <= 0:
                continue
            _loaded = EspeakLibrary(lib, rate)
            break
        return _loaded
