"""`robocall audio import`: a staff recording made with espeak-ng and sox (quiet, padded with silence, at
CD rate, in wav, mp3 and m4a) becomes the prompt's voice: normalised, trimmed, 8 kHz, found by previews."""
from __future__ import annotations

import array
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ivr import config
from ivr.cli import main
from ivr.scripts.interpreter import render_prompt
from ivr.scripts.loader import load
from ivr.speech import pcm
from ivr.speech.convert import wav_info
from ivr.speech.library import AudioLibrary

ROOT = Path(__file__).resolve().parents[2]
F1 = load(ROOT / "scripts_vi/f1_daily.yaml")
PAD_START, PAD_END = 1.0, 1.5


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    values = {"ROBOCALL_LANG": "en", "ROBOCALL_AUDIO_CACHE_DIR": str(tmp_path / "cache"),
              "ROBOCALL_AUDIO_RECORDINGS_DIR": str(tmp_path / "audio"), "ROBOCALL_CONFIG": "",
              "ROBOCALL_LOG_LEVEL": "warning"}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def recording(tmp_path: Path, suffix: str, text: str = "Xin chào, đây là Sở Y tế tỉnh Thanh Hóa") -> Path:
    """What a staff member's phone might give: speech, quiet, with a second of room silence either side."""
    speech = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", "vi", "-w", str(speech), text], check=True)
    wav = tmp_path / "staff.wav"
    subprocess.run(["sox", str(speech), "-r", "44100", "-c", "2", str(wav), "pad", str(PAD_START), str(PAD_END),
                    "vol", "0.05"], check=True)
    if suffix == ".wav":
        return wav
    out = tmp_path / f"staff{suffix}"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(wav), str(out)], check=True)
    return out


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["audio", "import", *args])


def peak(path: Path) -> float:
    samples = array.array("h", pcm.read_frames(path))
    return max(abs(s) for s in samples) / 32768


@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".m4a"])
def test_a_recording_becomes_the_prompt_voice(env: dict[str, str], tmp_path: Path, suffix: str) -> None:
    src = recording(tmp_path, suffix)
    result = run(str(src), "--script", "f1_daily", "--step", "greet")
    assert result.exit_code == 0, result.output
    stored = tmp_path / "audio" / "f1_daily.greet.wav"
    assert f"f1_daily.greet: {stored}" in result.output
    info = wav_info(stored)
    assert info.is_asterisk_format, "8 kHz mono 16-bit, what the PBX plays"
    spoken = wav_info(tmp_path / "speech.wav").seconds
    assert spoken - 0.5 < info.seconds < spoken + 0.3, "the second of silence either side is trimmed"
    assert peak(stored) > 0.3, "a recording made at 5 % volume comes out loud enough for a phone"

    # the preview plays the recording, not the synthetic voice
    library = AudioLibrary(config.load())
    greet = render_prompt(F1.steps["greet"].prompt, {})  # type: ignore[union-attr]
    assert library.resolve(greet).recording == stored
    preview = tmp_path / "p.wav"
    shown = CliRunner().invoke(main, ["script", "preview", "f1_daily", "--answers", "2", "--out", str(preview)])
    assert shown.exit_code == 0, shown.output
    assert pcm.read_frames(preview).startswith(pcm.read_frames(library.path_for(greet)))
    assert library.is_ready(greet), "converted for the PBX at import: no call waits for it"


def test_a_prompt_said_per_form_of_address_takes_one_recording_per_form(env: dict[str, str], tmp_path: Path) -> None:
    src = recording(tmp_path, ".wav", "Cảm ơn bà")
    result = run(str(src), "--script", "f1_daily", "--step", "end_done", "--form", "bà")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "audio" / "f1_daily.end_done.ba.wav").is_file()
    library = AudioLibrary(config.load())
    end = F1.steps["end_done"].prompt  # type: ignore[union-attr]
    assert library.resolve(render_prompt(end, {"xung_ho": "bà"})).recording is not None
    assert library.resolve(render_prompt(end, {"xung_ho": "ông"})).recording is None, "other forms keep TTS"
    # a retry prompt of a question, by form too
    assert run(str(src), "--script", "f1_daily", "--step", "ask_symptoms.silence", "--form", "bà").exit_code == 0
    assert (tmp_path / "audio" / "f1_daily.ask_symptoms.silence.ba.wav").is_file()


@pytest.mark.parametrize("args,message", [
    (["--step", "ask_identity"], "uses {ho_ten}, {ten}, {xung_ho}, different for every person"),
    (["--step", "end_done"], "record it once per form and give --form (one of: ông, bà, anh, chị, ông/bà, anh/chị)"),
    (["--step", "end_done", "--form", "bạn"], "--form 'bạn': not a form of address"),
    (["--step", "greet", "--form", "bà"], "does not use the form of address; leave --form out"),
    (["--step", "gret"], "script f1_daily has no step 'gret'"),
    (["--step", "greet.invalid"], "step greet of f1_daily has no such prompt (prompts of this step: greet)"),
    (["--step", "greet", "--script", "f9_daily"], "unknown script 'f9_daily'"),
])
def test_mistakes_are_refused_without_a_file_written(env: dict[str, str], tmp_path: Path, args: list[str],
                                                     message: str) -> None:
    src = recording(tmp_path, ".wav")
    script = [] if "--script" in args else ["--script", "f1_daily"]
    result = run(str(src), *script, *args)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "audio").exists() or not any((tmp_path / "audio").iterdir())


def test_an_existing_recording_needs_replace(env: dict[str, str], tmp_path: Path) -> None:
    src = recording(tmp_path, ".wav")
    assert run(str(src), "--script", "f1_daily", "--step", "greet").exit_code == 0
    again = run(str(src), "--script", "f1_daily", "--step", "greet")
    assert again.exit_code == 2 and "already has a recording; add --replace" in again.output
    assert run(str(src), "--script", "f1_daily", "--step", "greet", "--replace").exit_code == 0


@pytest.mark.parametrize("kind", ["garbage", "silence"])
def test_unreadable_or_silent_files_are_refused(env: dict[str, str], tmp_path: Path, kind: str) -> None:
    src = tmp_path / "bad.m4a"
    if kind == "garbage":
        src.write_bytes(b"this is not audio at all")
    else:
        subprocess.run(["sox", "-n", "-r", "16000", str(tmp_path / "s.wav"), "trim", "0", "3"], check=True)
        src = tmp_path / "s.wav"
    result = run(str(src), "--script", "f1_daily", "--step", "greet")
    assert result.exit_code == 2, result.output
    assert ("cannot read it as audio" if kind == "garbage" else "nothing but silence") in result.output
    assert not list((tmp_path / "audio").glob("*")), "nothing half-written is left"


def test_the_tools_are_installed() -> None:
    assert shutil.which("ffmpeg") and shutil.which("sox"), "make setup installs ffmpeg and sox (APT_PACKAGES)"
