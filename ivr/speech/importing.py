"""`robocall audio import`: a staff member's recording of one prompt, made ready for the phone.

The recording (wav, mp3, m4a, or anything ffmpeg or sox reads) is decoded, its loudness normalised
(EBU R128 with ffmpeg's loudnorm, so quiet and loud speakers come out alike; sox's peak normalisation
when ffmpeg is missing and the file is one sox reads), its leading and trailing silence trimmed, and
it is written as 8 kHz mono 16-bit WAV to the recordings folder under the prompt's id
(``audio/f1_daily.greet.wav``, ``audio/f1_daily.end_done.ba.wav`` for a prompt said per form of
address): where :class:`ivr.speech.recordings.RecordingIndex` finds it, so `script preview`, `audio
render` and the calls play it instead of the synthetic voice. The file is written whole or not at all.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ivr.errors import UserError
from ivr.i18n import _
from ivr.scripts.model import ADDRESS_FORMS, FORM_VARIABLE, PromptTemplate, Script, step_prompts
from ivr.speech import convert
from ivr.speech.recordings import PREFERRED

# EBU R128 loudness for speech on the phone: -18 LUFS integrated, true peak -2 dBTP.
LOUDNORM = "loudnorm=I=-18:TP=-2:LRA=11"
# Silence at the ends quieter than this (after normalising) is cut; a recording in a quiet room sits well
# below it, a phone's hiss too.
TRIM = ("silence", "1", "0.05", "-40d", "reverse", "silence", "1", "0.05", "-40d", "reverse")
MIN_SECONDS = 0.3
FFMPEG_ONLY = frozenset({".mp3", ".m4a", ".aac", ".mp4", ".wma", ".opus", ".webm", ".amr", ".3gp"})
RETRY_SUFFIXES = ("invalid", "silence")

Runner = Callable[..., subprocess.CompletedProcess[str]]


@dataclass(frozen=True)
class Imported:
    """What an import did: which prompt, where the file went, how long before and after trimming."""

    prompt_id: str
    path: Path
    seconds_in: float
    seconds_out: float
    replaced: tuple[Path, ...]  # earlier recordings of the same prompt (the new WAV wins over them)
    normaliser: str  # "ffmpeg loudnorm" or "sox gain"


def target(script: Script, step_ref: str, form: str | None) -> PromptTemplate:
    """The prompt a recording replaces: ``--step ID`` (its main prompt) or ``ID.invalid`` / ``ID.silence``.

    A prompt with a contact's data cannot be recorded; one said per form of address needs ``--form``.
    """
    step_id, _sep, part = step_ref.partition(".")
    step = script.steps.get(step_id)
    if step is None:
        raise UserError(_("--step {ref}: script {script} has no step {step!r} (steps: {steps})").format(
            ref=step_ref, script=script.name, step=step_id, steps=", ".join(script.steps)))
    prompts = {p.id.removeprefix(f"{script.name}.{step_id}").lstrip("."): p for p in step_prompts(step)}
    template = prompts.get(part)
    if template is None:
        known = ", ".join(f"{step_id}.{k}" if k else step_id for k in prompts) or "none"
        raise UserError(_("--step {ref}: step {step} of {script} has no such prompt (prompts of this step: "
                          "{known})").format(ref=step_ref, step=step_id, script=script.name, known=known))
    if template.by_form:
        if form is None:
            raise UserError(_("prompt {prompt} says the form of address {variable}: record it once per form and give "
                              "--form (one of: {forms})").format(prompt=template.id, variable="{" + FORM_VARIABLE + "}",
                                                                 forms=", ".join(ADDRESS_FORMS)))
        if form not in ADDRESS_FORMS:
            raise UserError(_("--form {form!r}: not a form of address (one of: {forms})").format(
                form=form, forms=", ".join(ADDRESS_FORMS)))
    elif template.placeholders():
        names = ", ".join(sorted({"{" + p.name + "}" for p in template.placeholders()}))
        raise UserError(_("prompt {prompt} (line {line} of {source}) uses {names}, different for every person: a "
                          "recording cannot replace it").format(prompt=template.id, line=template.line,
                                                                source=script.source or script.name, names=names))
    elif form is not None:
        raise UserError(_("--form {form}: prompt {prompt} does not use the form of address; leave --form out").format(
            form=form, prompt=template.id))
    return template


def import_recording(src: Path, script: Script, step_ref: str, form: str | None, recordings_dir: Path, *,
                     replace: bool = False, runner: Runner = subprocess.run) -> Imported:
    """Decode, normalise, trim and store ``src`` as the recording of one prompt (see the module docstring)."""
    template = target(script, step_ref, form)
    prompt_id = template.form_id(form) if form is not None else template.id
    if not src.is_file():
        raise UserError(_("{path}: no such file").format(path=src))
    existing = tuple(p for p in (recordings_dir / f"{prompt_id}{s}" for s in PREFERRED) if p.is_file())
    if existing and not replace:
        raise UserError(_("{path}: prompt {prompt} already has a recording; add --replace to replace it").format(
            path=existing[0], prompt=prompt_id))
    try:
        recordings_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{prompt_id}.", suffix=".wav", dir=recordings_dir)
    except OSError as exc:
        raise UserError(_("recordings folder {folder}: cannot write there ({reason}); check audio.recordings_dir")
                        .format(folder=recordings_dir, reason=exc.strerror)) from None
    os.close(fd)
    out = Path(name)
    decoded = out.with_name(out.name + ".decoded.wav")
    try:
        normaliser = _normalise(src, decoded, runner)
        _run(runner, [convert.sox_binary(), "-q", str(decoded), "-t", "wav", "-r", str(convert.RATE), "-c", "1",
                      "-b", "16", "-e", "signed-integer", str(out), *TRIM], src)
        seconds_out = convert.wav_info(out).seconds
        if seconds_out < MIN_SECONDS:
            raise UserError(_("{path}: nothing but silence once trimmed ({seconds} s of sound); check the "
                              "recording").format(path=src, seconds=f"{seconds_out:.2f}"))
        seconds_in = _seconds(src, decoded)
        os.chmod(out, 0o644)
        final = recordings_dir / f"{prompt_id}.wav"
        os.replace(out, final)
    finally:
        for tmp in (out, decoded):
            tmp.unlink(missing_ok=True)
    return Imported(prompt_id, final, seconds_in, seconds_out, existing, normaliser)


def _normalise(src: Path, dst: Path, runner: Runner) -> str:
    """Decode ``src`` to a mono WAV at ``dst`` with its loudness normalised; which tool did it."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg:
        _run(runner, [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src),
                      "-vn", "-af", LOUDNORM, "-ac", "1", "-ar", "16000", "-c:a", "pcm_s16le", str(dst)], src)
        return "ffmpeg loudnorm"
    if src.suffix.lower() in FFMPEG_ONLY or src.suffix.lower() not in convert.readable_suffixes():
        raise UserError(_("{path}: reading {kind} files needs ffmpeg: install the Debian package 'ffmpeg' (make "
                          "setup), or give a WAV").format(path=src, kind=src.suffix or "such"))
    _run(runner, [convert.sox_binary(), "-q", str(src), "-c", "1", "-b", "16", str(dst), "gain", "-n", "-3"], src)
    return "sox gain"


def _run(runner: Runner, cmd: list[str], src: Path) -> None:
    proc = runner(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        reason = (proc.stderr.strip().splitlines() or ["unknown error"])[-1]
        raise UserError(_("{path}: cannot read it as audio ({tool}: {reason})").format(
            path=src, tool=Path(cmd[0]).name, reason=reason))


def _seconds(src: Path, decoded: Path) -> float:
    try:
        return convert.wav_info(decoded).seconds
    except (OSError, EOFError, wave.Error):
        return 0.0  # only the figure printed is lost
