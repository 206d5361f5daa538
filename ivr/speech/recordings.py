"""Human recordings that replace TTS: ``audio/<prompt id>.wav`` (or any other format sox reads).

A recording is matched by exact prompt id only (``f1_daily.ask_fever.wav`` for the prompt
``f1_daily.ask_fever``), never by prefix or likeness. When several formats exist for one id, the first
of :data:`PREFERRED` wins, so a studio WAV beats a phone's MP3.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

PREFERRED = (".wav", ".flac", ".ogg", ".mp3")


class RecordingIndex:
    """Looks up recordings in one folder; hashes their content (memoised on size and mtime)."""

    def __init__(self, folder: Path | None, readable: frozenset[str]) -> None:
        self.folder = folder
        self.suffixes = tuple(s for s in PREFERRED if s in readable)
        self._digests: dict[Path, tuple[tuple[int, int], str]] = {}
        self._lock = threading.Lock()

    def find(self, prompt_id: str) -> Path | None:
        """The recording for exactly this prompt id, or None."""
        if self.folder is None or not prompt_id or "/" in prompt_id or prompt_id.startswith("."):
            return None
        for suffix in self.suffixes:
            candidate = self.folder / f"{prompt_id}{suffix}"
            if candidate.is_file():
                return candidate
        return None

    def ids(self) -> frozenset[str]:
        """Prompt ids that have a recording (to warn about recordings no prompt uses)."""
        if self.folder is None or not self.folder.is_dir():
            return frozenset()
        return frozenset(p.name[: -len(p.suffix)] for p in self.folder.iterdir()
                         if p.is_file() and p.suffix in self.suffixes)

    def digest(self, path: Path) -> str:
        """sha256 of the file's bytes; re-read only when its size or mtime changes."""
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns)
        with self._lock:
            known = self._digests.get(path)
        if known and known[0] == stamp:
            return known[1]
        h = hashlib.sha256()
        with open(path, "rb") as fp:
            for block in iter(lambda: fp.read(1 << 16), b""):
                h.update(block)
        value = h.hexdigest()
        with self._lock:
            self._digests[path] = (stamp, value)
        return value
