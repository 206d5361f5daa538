"""The in-process speech pipeline (ivr.speech.dsp, ivr.speech.espeak_lib): the same files sox made, no program
started per prompt."""
from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from ivr.speech import dsp, espeak_lib
from ivr.speech.cache import to_ulaw
from ivr.speech.engines import EspeakEngine
from ivr.speech.library import AudioDirs, AudioLibrary
from ivr.scripts.model import Prompt


def _wav(path: Path, pcm: bytes, rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm)
    return path


def _tone(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return np.rint(amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


@pytest.mark.parametrize("pcm", [
    np.random.default_rng(1).integers(-32768, 32768, 20000).astype("<i2").tobytes(),  # every segment, both signs
    np.array([0, 1, -1, 2, -2, 3, -3, 32767, -32768, 32766, -32767, 8158 * 4, -8159 * 4], "<i2").tobytes(),  # edges
    _tone(440, 0.5, 8000).astype("<i2").tobytes(),
])
def test_mu_law_is_byte_for_byte_what_sox_writes(tmp_path: Path, pcm: bytes) -> None:
    src = _wav(tmp_path / "in.wav", pcm)
    subprocess.run(["sox", "-D", "-q", str(src), "-t", "ul", "-r", "8000", "-c", "1", str(tmp_path / "sox.ulaw")],
                   check=True)
    to_ulaw(src, tmp_path / "ours.ulaw")
    assert (tmp_path / "ours.ulaw").read_bytes() == (tmp_path / "sox.ulaw").read_bytes()


def test_a_wav_not_at_8_khz_still_gets_its_twin_through_sox(tmp_path: Path) -> None:
    src = _wav(tmp_path / "in.wav", _tone(440, 0.5, 16000).astype("<i2").tobytes(), rate=16000)
    to_ulaw(src, tmp_path / "out.ulaw")
    assert abs(len((tmp_path / "out.ulaw").read_bytes()) - 4000) <= 2  # 0.5 s at 8000 samples a second


@pytest.mark.parametrize("n, fast", [(1, 1), (7, 8), (57840, 58320), (54945, 55296), (65537, 65610), (1024, 1024)])
def test_fft_lengths_are_5_smooth_and_the_smallest(n: int, fast: int) -> None:
    assert dsp.fast_length(n) == fast


def test_speech_band_is_kept_at_minus_3_dbfs_and_silence_around_it_is_cut() -> None:
    rate = 22050
    quiet = np.zeros(rate // 2, np.int16)
    pcm = dsp.to_asterisk_pcm(np.concatenate([quiet, _tone(1000, 1.0, rate, 0.2), quiet]), rate)
    out = np.frombuffer(pcm, "<i2").astype(float)
    assert abs(len(out) / 8000 - 1.0) < 0.03  # the half seconds of silence on each side are gone
    assert abs(20 * np.log10(np.max(np.abs(out)) / 32767) - dsp.PEAK_DBFS) < 0.1
    spectrum = np.abs(np.fft.rfft(out))
    assert np.argmax(spectrum) * 8000 / len(out) == pytest.approx(1000, abs=5)


def test_sound_above_the_telephone_band_is_filtered_not_folded_back() -> None:
    rate = 22050
    mix = _tone(1000, 1.0, rate, 0.3).astype(np.int32) + _tone(6000, 1.0, rate, 0.3)
    out = np.frombuffer(dsp.to_asterisk_pcm(mix.astype(np.int16), rate), "<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(out))
    freqs = np.fft.rfftfreq(len(out), 1 / 8000)
    alias = spectrum[(freqs > 1900) & (freqs < 2100)].max()  # 6 kHz would fold to 2 kHz
    assert alias < spectrum.max() / 100


def test_silence_gives_no_audio() -> None:
    assert dsp.to_asterisk_pcm(np.zeros(22050, np.int16), 22050) == b""


needs_library = pytest.mark.skipif(espeak_lib.load() is None,
                                   reason="libespeak-ng1 not loadable here (installed with the espeak-ng package)")


@needs_library
def test_the_library_says_vietnamese_in_this_process() -> None:
    said = EspeakEngine().samples("Xin chào, đây là Sở Y tế")
    assert said is not None
    samples, rate = said
    assert rate == 22050 and len(samples) > rate // 2 and np.abs(samples).max() > 1000


@needs_library
def test_a_prompt_is_rendered_without_starting_a_program(tmp_path: Path) -> None:
    def no_program(*_a: object, **_k: object) -> subprocess.CompletedProcess[bytes]:
        raise AssertionError("espeak-ng program started")

    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/pbx"), EspeakEngine(runner=no_program))
    wav = library.ensure(Prompt("name", "Nguyễn Văn An"))
    with wave.open(str(wav)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert 0.3 < w.getnframes() / 8000 < 3
    assert wav.with_suffix(".ulaw").stat().st_size == wave.open(str(wav)).getnframes()


def test_without_the_library_the_program_speaks(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def program(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
        calls.append(cmd)
        return subprocess.run(cmd, **kw)  # type: ignore[call-overload,no-any-return]

    library = AudioLibrary(AudioDirs(tmp_path / "cache", "/pbx"), EspeakEngine(runner=program, in_process=False))
    library.ensure(Prompt("name", "Trần Thị Bình"))
    assert calls and calls[0][0].endswith("espeak-ng")
