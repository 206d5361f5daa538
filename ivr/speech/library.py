"""The audio library the call engine asks for a prompt's media: rendered in advance, looked up in a call.

During a call only :meth:`AudioLibrary.media_for` is used: a hash and a file-exists check, never a
speech engine. Rendering (:meth:`ensure`, :meth:`ensure_all`) happens before: at ``robocall audio
render`` or ``campaign create`` (the script's fixed audio), by the dialer just before a contact's call (their
values: ivr.scripts.segments), or for a preview.

Which audio a prompt gets: the human recording ``<recordings dir>/<prompt id>.<ext>`` when there is one,
otherwise the TTS engine's rendering of its text. A contact's value (a part ``<prompt id>/value<n>``,
ivr.scripts.segments) is said word by word from a per-process word cache (ivr.speech.words) when
``audio.value_synthesis`` is ``words`` (the default) and the engine speaks in this process; its file is the
same as a phrase's (same key, formats and register entry), only the way its audio is made differs.
"""
from __future__ import annotations

import os
import re
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Literal, Protocol

from ivr.errors import UserError
from ivr.i18n import _
from ivr.logs import get_logger
from ivr.speech import convert, dsp, words
from ivr.speech.cache import AudioCache, normalise_text, recording_key, tts_key
from ivr.speech.engines import TtsEngine, make_engine
from ivr.speech.recordings import RecordingIndex

if TYPE_CHECKING:
    from ivr.config import Settings

log = get_logger(__name__)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


class PromptLike(Protocol):
    """What the library needs of ``ivr.scripts.model.Prompt``."""

    @property
    def id(self) -> str: ...
    @property
    def text(self) -> str: ...


def is_value(prompt: PromptLike) -> bool:
    """Whether a prompt says a contact's value: a part ``<prompt id>/value<n>`` (ivr.scripts.segments.is_value;
    no recording can replace it either, ivr.speech.recordings)."""
    return "/" in prompt.id


class AudioNotReady(UserError):
    """A prompt was asked for during a call but was never rendered."""


@dataclass(frozen=True)
class AudioDirs:
    """Where rendered prompts go, the same folder as the PBX sees it, and the recordings folder."""

    cache_dir: Path
    pbx_dir: str
    recordings_dir: Path | None = None
    pbx_group: str = ""  # the group the PBX reads prompts as (audio.pbx_group); empty: the writer's group


@dataclass(frozen=True)
class RenderStats:
    """What a render did. ``rendered + cached + recordings == prompts``."""

    prompts: int = 0
    rendered: int = 0  # spoken by the TTS engine now
    cached: int = 0  # TTS audio already in the cache
    recordings: int = 0  # served by a human recording (converted now or before)
    seconds: float = 0.0

    def __add__(self, other: RenderStats) -> RenderStats:
        return RenderStats(self.prompts + other.prompts, self.rendered + other.rendered,
                           self.cached + other.cached, self.recordings + other.recordings,
                           self.seconds + other.seconds)


Source = Literal["rendered", "cached", "recording"]


@dataclass(frozen=True)
class Resolved:
    """Which file a prompt plays and where it comes from."""

    key: str
    recording: Path | None


class AudioLibrary:
    """Prompt -> 8 kHz WAV in the cache folder, and the ``sound:`` URI the PBX plays it by."""

    def __init__(self, source: Settings | AudioDirs, engine: TtsEngine | None = None, *, workers: int = 0,
                 clock: Callable[[], float] = time.monotonic, sox: str = convert.SOX,
                 transfer_approved: bool = False, value_synthesis: str = "words",
                 word_cache: words.WordCache | None = None) -> None:
        if isinstance(source, AudioDirs):
            dirs = source
        else:
            transfer_approved = transfer_approved or source.audio.gtts_transfer_approved
            value_synthesis = source.audio.value_synthesis
            dirs = AudioDirs(source.audio_cache_dir, source.audio_pbx_dir,
                             source.path(source.audio.recordings_dir) if source.audio.recordings_dir else None,
                             source.audio.pbx_group)
            if engine is None:
                engine = make_engine(source.audio.engine, source.audio.voice, source.audio.rate)
        self.engine: TtsEngine = engine if engine is not None else make_engine("espeak-ng")
        self.dirs = dirs
        self.cache = AudioCache(dirs.cache_dir, dirs.pbx_group)
        self.sox = sox
        self.recordings = RecordingIndex(dirs.recordings_dir, convert.readable_suffixes(sox))
        self.workers = workers or min(4, os.cpu_count() or 2)
        self._clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.transfer_approved = transfer_approved
        self.value_synthesis = value_synthesis  # "words" or "phrase" (validated with the settings)
        self.word_cache = word_cache if word_cache is not None else words.PROCESS_CACHE

    # -- lookup (safe during a call) ----------------------------------------------------------------
    def resolve(self, prompt: PromptLike) -> Resolved:
        recording = self.recordings.find(prompt.id)
        if recording is not None:
            return Resolved(recording_key(self.recordings.digest(recording)), recording)
        e = self.engine
        return Resolved(tts_key(e.name, e.voice, e.rate, prompt.text), None)

    def is_ready(self, prompt: PromptLike) -> bool:
        return self.cache.has(self.resolve(prompt).key)

    def path_for(self, prompt: PromptLike) -> Path:
        """The rendered file; AudioNotReady if it was never rendered."""
        key = self.resolve(prompt).key
        if not self.cache.has(key):
            raise AudioNotReady(f"prompt {prompt.id}: audio not rendered yet in {self.dirs.cache_dir} "
                                "(run `robocall audio render` or prepare the campaign first)")
        return self.cache.path(key)

    def media_for(self, prompt: PromptLike) -> str:
        """``sound:<pbx dir>/<hash>`` for ARI's play; AudioNotReady if not rendered (never renders)."""
        key = self.path_for(prompt).stem
        return f"sound:{self.dirs.pbx_dir.rstrip('/')}/{key}"

    # -- rendering (before calls) -------------------------------------------------------------------
    def ensure(self, prompt: PromptLike) -> Path:
        """Render the prompt if its file is missing; return the file."""
        return self._ensure(prompt)[0]

    def ensure_personal(self, prompts: Iterable[PromptLike]) -> RenderStats:
        """``ensure_all`` for prompts that say a person's data (names, addresses, free text): refused when the
        engine sends text abroad (gTTS) unless audio.gtts_transfer_approved says that transfer is approved
        (Decree 13/2023 restricts sending sensitive personal data out of the country)."""
        items = list(prompts)
        missing = [p for p in items if not self.is_ready(p)]
        if missing:
            self.check_personal_allowed(missing[0].id)
        return self.ensure_all(items)

    def check_personal_allowed(self, what: str) -> None:
        """UserError if this engine may not be given a person's data (see :meth:`ensure_personal`)."""
        if getattr(self.engine, "sends_text_abroad", False) and not self.transfer_approved:
            raise UserError(
                _("audio.engine is {name}: a server abroad would receive text with personal data ({what}, ...). "
                  "Decree 13/2023 (Nghị định 13/2023) restricts transfers of personal data abroad: use "
                  "audio.engine espeak-ng, or set audio.gtts_transfer_approved: true once this transfer is "
                  "approved").format(name=self.engine.name, what=what))

    def ensure_all(self, prompts: Iterable[PromptLike]) -> RenderStats:
        """Render every missing prompt, a few at a time in threads (espeak-ng and sox are subprocesses)."""
        items = list(prompts)
        start = self._clock()
        if len(items) <= 4:  # a few (a contact's personal prompts, already rendered): no pool to start
            sources = [self._ensure(item)[1] for item in items]
        else:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="tts") as pool:
                sources = [source for _path, source in pool.map(self._ensure, items)]
        return RenderStats(len(items), sources.count("rendered"), sources.count("cached"),
                           sources.count("recording"), self._clock() - start)

    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _ensure(self, prompt: PromptLike) -> tuple[Path, Source]:
        resolved = self.resolve(prompt)
        with self._lock_for(resolved.key):  # one render per key in this process; os.replace covers others
            if resolved.recording is not None:
                if not self.cache.has(resolved.key):
                    rec = resolved.recording
                    self.cache.store(resolved.key, lambda tmp: convert.to_asterisk_wav(
                        rec, tmp, sox=self.sox, what=f"recording {rec}"))
                    log.debug("audio.recording_converted", prompt_id=prompt.id, key=resolved.key[:12])
                return self.cache.path(resolved.key), "recording"
            if self.cache.has(resolved.key):
                return self.cache.path(resolved.key), "cached"
            self._check_text(prompt)
            by_words = self.value_synthesis == "words" and is_value(prompt)  # a contact's value: word by word
            self.cache.store(resolved.key, lambda tmp: self._synthesize(resolved.key, prompt.text, tmp, by_words))
            log.debug("audio.rendered", prompt_id=prompt.id, engine=self.engine.name, key=resolved.key[:12])
            return self.cache.path(resolved.key), "rendered"

    def _check_text(self, prompt: PromptLike) -> None:
        if not normalise_text(prompt.text):
            raise UserError(_("prompt {id}: empty text, nothing to say").format(id=prompt.id))
        placeholder = _PLACEHOLDER.search(prompt.text)
        if placeholder:
            raise UserError(_("prompt {id}: text still has a variable {variable}; render it for a contact "
                              "first").format(id=prompt.id, variable=placeholder.group(0)))
        if self.engine.suffix not in convert.readable_suffixes(self.sox):
            raise UserError(_("the {name} engine writes {suffix} audio, which this machine's sox cannot read "
                              "(install the Debian package libsox-fmt-mp3)").format(name=self.engine.name, suffix=self.engine.suffix))

    def _synthesize(self, key: str, text: str, out: Path, by_words: bool = False) -> bytes | None:
        """Write the prompt's 8 kHz WAV to ``out``; return its mu-law twin when said in this process."""
        native = getattr(self.engine, "samples", None)
        pcm: bytes | None = None
        if native is not None and by_words:  # each word said once per process (ivr.speech.words)
            e = self.engine
            pcm = words.say(text, native, self.word_cache, (e.name, e.voice, e.rate))
        if pcm is None and native is not None:
            said = native(normalise_text(text))
            pcm = dsp.to_asterisk_pcm(*said) if said is not None else None
        if pcm is not None:  # in this process: no program started (ivr.speech.dsp)
            if not pcm:
                raise UserError(_("{name}: no sound for this text").format(name=self.engine.name))
            with wave.open(str(out), "wb") as w:
                w.setnchannels(convert.CHANNELS)
                w.setsampwidth(convert.SAMPLE_WIDTH)
                w.setframerate(convert.RATE)
                w.writeframes(pcm)
            return dsp.ulaw_encode(pcm)
        raw = self.cache.temp_path(key, self.engine.suffix)
        try:
            self.engine.synthesize(normalise_text(text), raw)
            convert.to_asterisk_wav(raw, out, sox=self.sox, what=f"{self.engine.name} output")
            return None
        finally:
            raw.unlink(missing_ok=True)
