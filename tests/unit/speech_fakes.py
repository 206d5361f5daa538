"""Test doubles for ivr.speech tests: engines that write real WAVs without espeak-ng, and counters."""
from __future__ import annotations

import math
import struct
import threading
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ivr.errors import UserError


def write_tone(path: Path, seconds: float, rate: int = 16000, channels: int = 1, freq: float = 440.0) -> None:
    """A sine tone WAV in any format (the library must convert it to 8 kHz mono)."""
    frames = bytearray()
    for n in range(round(seconds * rate)):
        sample = struct.pack("<h", round(8000 * math.sin(2 * math.pi * freq * n / rate)))
        frames += sample * channels
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(frames))


@dataclass
class CountingEngine:
    """A TTS engine that writes 0.1 s of tone per character and counts what it was asked to say."""

    name: str = "counting"
    voice: str = "vi"
    rate: int = 150
    suffix: str = ".wav"
    calls: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def synthesize(self, text: str, out: Path) -> None:
        with self.lock:
            self.calls.append(text)
        write_tone(out, 0.1 * len(text))


@dataclass
class FailingEngine:
    """A TTS engine that starts writing, then fails like a crashed espeak-ng would."""

    name: str = "failing"
    voice: str = "vi"
    rate: int = 150
    suffix: str = ".wav"

    def synthesize(self, text: str, out: Path) -> None:
        out.write_bytes(b"RIFF")
        raise UserError("engine failed on purpose")


# A small script with every step kind, a personalised prompt and shared retry prompts.
DEMO_SCRIPT = """\
name: demo
version: 3
language: vi
direction: outbound
categories: [F1]
description: Kịch bản thử cho phần âm thanh
variables:
  ho_ten:
    description: Họ tên người được gọi
    fallback: anh chị
defaults:
  timeout: 2
  max_retries: 1
  invalid: Phím không hợp lệ.
  silence: Tôi chưa nghe thấy câu trả lời.
  on_exhausted: end_no_input
start: hello
steps:
  hello:
    type: say
    prompt: Xin chào {ho_ten}.
    next: ask_fever
  ask_fever:
    type: ask
    question: fever
    prompt: Anh chị có bị sốt không? Có bấm 1, không bấm 2, gặp cán bộ bấm 0.
    choices:
      "1": {value: co, next: end_ok, flag: symptom}
      "2": {value: khong, next: end_ok}
      "0": {value: staff, next: to_staff}
  to_staff:
    type: transfer
    target: staff
    prompt: Xin chờ, đang chuyển máy.
  end_ok:
    type: end
    prompt: Cảm ơn anh chị.
    outcome: auto
  end_no_input:
    type: end
    prompt: Xin lỗi, hẹn gọi lại sau.
    outcome: no_input
"""


def write_demo(folder: Path, text: str = DEMO_SCRIPT, name: str = "demo") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass
class SamplesEngine(CountingEngine):
    """A CountingEngine that also speaks in this process, as espeak-ng's library does: ``samples(text)`` is
    0.1 s of tone per character at 22,050 Hz (a word's length in the audio says which word it is), and
    counts what it was asked. ``in_process`` off: no samples (the program path, as without libespeak-ng)."""

    name: str = "samples"
    in_process: bool = True

    def samples(self, text: str) -> tuple[np.ndarray, int] | None:
        if not self.in_process:
            return None
        with self.lock:
            self.calls.append(text)
        rate = 22050
        t = np.arange(round(0.1 * len(text) * rate)) / rate
        return np.rint(12000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16), rate
