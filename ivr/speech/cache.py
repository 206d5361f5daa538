"""Content-addressed store of rendered prompts: ``<cache dir>/<sha256>.wav``, written atomically.

The key of a TTS prompt is the hash of (engine, voice, rate, text); of a recording, the hash of its bytes.
Same input, same file name: a prompt is rendered once, whoever asks, and a changed text or voice gets a
new file instead of silently replacing audio a running call may be playing.

Writes go to a temporary file in the same folder, then ``os.replace``: a reader (Asterisk, another
render) sees either no file or a whole one, and two processes rendering the same prompt at once
both succeed with identical results.
"""
from __future__ import annotations

import functools
import grp
import hashlib
import json
import os
import subprocess
import tempfile
import unicodedata
import wave
from pathlib import Path
from typing import Callable

from ivr.errors import UserError
from ivr.i18n import _
from ivr.speech import dsp


def to_ulaw(wav: Path, out: Path) -> None:
    """Raw 8 kHz G.711 mu-law (Asterisk's .ulaw format) from the WAV. An 8 kHz mono 16-bit WAV (every
    prompt this project renders) is encoded in this process (ivr.speech.dsp: what sox writes without
    dither, byte for byte; no program started per prompt); any other WAV goes through sox."""
    try:
        with wave.open(str(wav), "rb") as w:
            if (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2):
                out.write_bytes(dsp.ulaw_encode(w.readframes(w.getnframes())))
                return
    except (wave.Error, EOFError):
        pass  # sox says what is wrong with it
    proc = subprocess.run(["sox", "-q", str(wav), "-t", "ul", "-r", "8000", "-c", "1", str(out)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise UserError(_("sox cannot write the mu-law copy of {name}: {error}").format(name=wav.name, error=proc.stderr.strip()[-200:]))


# Part of every key: bump it when the output format or conversion changes, so old files are not reused.
# v2: every prompt also has a G.711 mu-law twin (<key>.ulaw). Asterisk picks the file format cheapest to
# play on the channel, so ulaw calls (the trunk's first codec) play it with no transcoding at all; the
# benchmark showed transcoding 8 kHz WAV to ulaw was the PBX's largest cost per call.
# v3: leading and trailing silence trimmed (ivr.speech.convert.TRIM_EFFECTS).
FORMAT = "wav-8000-mono-s16-gain-3-v3-ulaw-trim"
TEMP_PREFIX = ".tmp-"


def normalise_text(text: str) -> str:
    """NFC and single spaces: "Sốt" typed with combining accents and precomposed gives one key."""
    return " ".join(unicodedata.normalize("NFC", text).split())


@functools.lru_cache(maxsize=16_384)  # pure; a call's set-up asks for each of its parts' keys several times
def tts_key(engine: str, voice: str, rate: int, text: str) -> str:
    material = json.dumps(["tts", FORMAT, engine, voice, rate, normalise_text(text)], ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def recording_key(content_digest: str) -> str:
    """Key of a recording, from the sha256 of its bytes (already computed by the recording index)."""
    return hashlib.sha256(f"recording\0{FORMAT}\0{content_digest}".encode("ascii")).hexdigest()


PROMPT_MODE = 0o640  # a prompt may say a name: the owner writes, the PBX's group reads, nobody else


def group_id(group: str) -> int | None:
    """The id of ``group`` (a name or a number); None for "" (keep the writer's group)."""
    if not group:
        return None
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise UserError(_("audio.pbx_group: no group {group!r} on this machine (the group the PBX runs as, "
                          "e.g. asterisk; or its number)").format(group=group)) from None


class AudioCache:
    """The folder of rendered prompts. Creates it on first write. Files are 0640, in ``pbx_group`` when
    set: readable by the PBX's group only (a personalised prompt says a name)."""

    def __init__(self, folder: Path, pbx_group: str = "") -> None:
        self.folder = folder
        self.pbx_group = pbx_group

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.wav"

    def paths(self, key: str) -> tuple[Path, Path]:
        """Every file of a prompt: the WAV and its mu-law twin."""
        return self.path(key), self.folder / f"{key}.ulaw"

    def has(self, key: str) -> bool:
        return all(p.is_file() for p in self.paths(key))

    def temp_path(self, key: str, suffix: str) -> Path:
        """A fresh, empty scratch file in the cache folder (same filesystem as the final file)."""
        try:
            if not self.folder.is_dir():
                self.folder.mkdir(parents=True, exist_ok=True)
                gid = group_id(self.pbx_group)
                if gid is not None:
                    os.chown(self.folder, -1, gid)  # the PBX's group may enter the folder, nobody else
            fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{key[:16]}-", suffix=suffix, dir=self.folder)
        except OSError as exc:
            raise UserError(_("audio cache folder {folder}: cannot write there ({strerror}); check "
                              "audio.cache_dir").format(folder=self.folder, strerror=exc.strerror)) from None
        os.close(fd)
        return Path(name)

    def store(self, key: str, produce: Callable[[Path], bytes | None]) -> Path:
        """Run ``produce(tmp)`` to write the final 8 kHz WAV into a temp file, then publish it atomically.
        ``produce`` may return the mu-law twin's bytes (it had the samples: no reading the WAV back).

        On any failure the temp file is removed and nothing is published.
        """
        tmp = self.temp_path(key, ".wav")
        twin = self.temp_path(key, ".ulaw")
        try:
            twin_bytes = produce(tmp)
            if twin_bytes is None:
                to_ulaw(tmp, twin)
            else:
                twin.write_bytes(twin_bytes)
            gid = group_id(self.pbx_group)
            for t in (tmp, twin):
                if gid is not None:
                    os.chown(t, -1, gid)
                os.chmod(t, PROMPT_MODE)  # mkstemp makes 0600; the PBX may run as another user (its group)
            wav, ulaw = self.paths(key)
            os.replace(twin, ulaw)  # the twin first: has() sees a prompt only once both are there
            os.replace(tmp, wav)
            return wav
        finally:
            for t in (tmp, twin):
                if t.exists():
                    t.unlink()

    def remove_stale_temp(self, now: float, max_age: float = 3600.0) -> int:
        """Delete scratch files older than ``max_age`` seconds (left by a killed render); returns how many.

        Younger ones may belong to a render running right now in another process, so they stay.
        """
        removed = 0
        for path in self.temp_files():
            try:
                if now - path.stat().st_mtime > max_age:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # its render finished or another sweep got it first
        return removed

    def temp_files(self) -> list[Path]:
        """Leftover scratch files (only a killed process leaves any)."""
        if not self.folder.is_dir():
            return []
        return sorted(p for p in self.folder.iterdir() if p.name.startswith(TEMP_PREFIX))
